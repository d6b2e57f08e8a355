"""The stationarity spin-up of the starting state (orgsim calibrate; orgsim.validation.calibration)."""

from __future__ import annotations

import pytest

from orgsim.scenario.schema import ScenarioConfig
from orgsim.validation.calibration import STEP, calibrate, calibrated_parameters


@pytest.fixture(scope="module")
def two_iterations():
    return calibrate(iterations=1, reps=1, customers=300)


def test_each_free_parameter_moves_by_its_rule(two_iterations) -> None:
    first, second = two_iterations.iterations
    assert set(first.params) == set(calibrated_parameters())
    # the starting shares (not the claims, which are the posterior's) move toward the settled split
    for role, name in (("cmo", "start_share_marketing"), ("cfo", "start_share_finance")):
        start, end = first.targets[f"budget_{role}"]
        assert start == pytest.approx(first.params[name])
        assert second.params[name] == round(start + STEP * (end - start), 4)
    for name in {"coop_cmo_cio", "coop_cio_cmo"} & set(first.params):  # the ones the posterior leaves free
        start, end = first.targets[name]
        assert second.params[name] == round(start + STEP * (end - start), 4)
    assert sum(second.params[f"influence_{r}"] for r in ("cmo", "cio", "cfo")) == pytest.approx(1.0)
    assert not {"claim_cmo", "claim_cio", "claim_cfo"} & set(second.params)


def test_the_same_seeds_give_the_same_iterations(two_iterations) -> None:
    again = calibrate(iterations=1, reps=1, customers=300)
    assert [it.params for it in again.iterations] == [it.params for it in two_iterations.iterations]
    assert [it.score for it in again.iterations] == [it.score for it in two_iterations.iterations]


def test_a_parameter_that_is_not_free_keeps_its_default() -> None:
    """A starting share the posterior identifies (not 'calibrated') stays where the posterior put it."""
    free = [n for n in calibrated_parameters() if n != "start_share_marketing"]
    cal = calibrate(iterations=1, reps=1, customers=300, free=free)
    default = ScenarioConfig(name="d").firm.start_share_marketing
    assert "start_share_marketing" not in cal.iterations[-1].params
    assert all(it.targets["budget_cmo"][0] == pytest.approx(default) for it in cal.iterations)
    assert "start_share_finance" in cal.iterations[-1].params


def test_the_score_counts_only_targets_a_free_parameter_moves() -> None:
    """A propensity the posterior sets drifts as it will; the spin-up cannot move it, so its drift
    does not choose the best iteration (it is still recorded)."""
    from orgsim.validation.calibration import _score, scored

    targets = {"coop_cio_cmo": (0.25, 0.5), "budget_cmo": (0.7, 0.7), "quality": (0.6, 0.66)}
    assert scored(targets, ["start_share_marketing", "quality_growth"]) == ["budget_cmo", "quality"]
    assert _score(targets, ["start_share_marketing", "quality_growth"]) == pytest.approx((0.1**2 / 2) ** 0.5)
    assert _score(targets) == pytest.approx(((1.0 + 0.01) / 3) ** 0.5)  # everything when free is not given


def test_hold_products_keeps_the_ratio_and_sets_the_product() -> None:
    from orgsim.validation.calibration import hold_products

    held = [("coop_cmo_cio", "coop_cio_cmo", 0.2)]
    out = hold_products({"coop_cmo_cio": 0.8, "coop_cio_cmo": 0.4, "quality_growth": 3.0}, held)
    assert out["coop_cmo_cio"] * out["coop_cio_cmo"] == pytest.approx(0.2, abs=1e-4)
    assert out["coop_cmo_cio"] / out["coop_cio_cmo"] == pytest.approx(2.0, rel=1e-3)
    assert out["quality_growth"] == 3.0
    # a propensity scaled above 1 is 1, and the other carries the product alone
    assert hold_products({"coop_cmo_cio": 0.9, "coop_cio_cmo": 0.1}, [("coop_cmo_cio", "coop_cio_cmo", 0.5)]) == {
        "coop_cmo_cio": 1.0,
        "coop_cio_cmo": 0.5,
    }
    assert hold_products({"coop_cmo_cio": 0.0, "coop_cio_cmo": 0.3}, held)["coop_cio_cmo"] == pytest.approx(
        0.2**0.5, abs=1e-4
    )
    assert hold_products({"coop_cmo_cio": 0.7}, held) == {"coop_cmo_cio": 0.7}  # the pair is not both free


def test_a_held_product_stays_at_its_value_in_every_iteration() -> None:
    free = [n for n in calibrated_parameters() if n not in ("coop_cmo_cio", "coop_cio_cmo")]
    free += ["coop_cmo_cio", "coop_cio_cmo"]
    cal = calibrate(iterations=2, reps=1, customers=300, free=free, held=[("coop_cmo_cio", "coop_cio_cmo", 0.23)])
    for it in cal.iterations:
        assert it.params["coop_cmo_cio"] * it.params["coop_cio_cmo"] == pytest.approx(0.23, abs=2e-4)
    assert cal.as_dict()["held"] == [{"of": ["coop_cmo_cio", "coop_cio_cmo"], "product": 0.23}]
    # the held pair's drift is recorded, not scored: the score is that of the other targets
    from orgsim.validation.calibration import _score

    for it in cal.iterations:
        assert {"coop_cmo_cio", "coop_cio_cmo"} <= set(it.targets)
        assert it.score == _score({k: v for k, v in it.targets.items() if not k.startswith("coop_")}, free)
