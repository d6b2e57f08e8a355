"""The plain-function API (orgsim.simulate, orgsim.run, Results, outcomes)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import orgsim
from orgsim import api
from orgsim.model.records import EXEC_COLUMNS, FIRM_COLUMNS
from orgsim.scenario.files import load
from orgsim.scenario.schema import ConfigError, ScenarioConfig


def test_public_names():
    assert set(orgsim.__all__) == {"Market", "Results", "__version__", "load", "run", "simulate"}
    for name in orgsim.__all__:
        assert getattr(orgsim, name) is not None
    assert orgsim.Results is api.Results and orgsim.simulate is api.simulate and orgsim.run is api.run
    with pytest.raises(AttributeError):
        _ = orgsim.no_such_thing


def test_run_returns_finite_outcomes():
    out = orgsim.run({"customers": 500, "steps": 6}, seed=3)
    assert isinstance(out, dict)
    assert list(out) == list(api.OUTCOMES)
    for key, value in out.items():
        assert isinstance(value, float), key
        assert math.isfinite(value), key


def test_run_deterministic_and_accepts_scenario_and_numpy_seed():
    a = orgsim.run({"customers": 500, "steps": 6, "scenario": "walls"}, seed=np.int64(4))
    b = orgsim.run({"scenario": "walls", "customers": 500, "steps": 6}, seed=4)
    assert a == b
    c = orgsim.run({"customers": 500, "steps": 6, "levers.shadow_it_cap": 0.5}, seed=4)
    assert c != a


def test_run_does_not_mutate_its_config():
    config = {"scenario": "baseline", "customers": 500, "steps": 6}
    orgsim.run(config, seed=1)
    assert config == {"scenario": "baseline", "customers": 500, "steps": 6}


def test_run_rejects_bad_parameters():
    with pytest.raises(ConfigError):
        orgsim.run({"customers": 500, "steps": 6, "no_such": 1}, seed=1)
    with pytest.raises(ConfigError):
        orgsim.run({"customers": 500, "steps": 6, "shadow_it_cap": 3.0}, seed=1)


def test_simulate_returns_results():
    res = orgsim.simulate("baseline", seed=3, customers=500, steps=6)
    assert isinstance(res, orgsim.Results)
    assert isinstance(res.config, ScenarioConfig) and res.config.steps == 6
    assert res.seed == 3
    assert isinstance(res.firms, pd.DataFrame) and isinstance(res.executives, pd.DataFrame)
    firms_n = res.config.market.firms
    assert len(res.firms) == 7 * firms_n and len(res.executives) == 7 * firms_n * 3
    assert set(FIRM_COLUMNS) <= set(res.firms.columns)
    assert set(EXEC_COLUMNS) <= set(res.executives.columns)
    assert (res.firms["seed"] == 3).all()
    assert res.wall_time > 0
    assert res.outcomes == api.outcomes(res.firms)
    summary = res.summary
    assert len(summary) == 1 and summary.loc[0, "scenario"] == "baseline" and summary.loc[0, "seed"] == 3
    assert set(api.OUTCOMES) <= set(summary.columns)


def test_simulate_matches_run_and_market():
    res = orgsim.simulate("baseline", seed=5, customers=500, steps=6, firms=3)
    assert res.outcomes == orgsim.run({"customers": 500, "steps": 6, "firms": 3}, seed=5)
    m = orgsim.Market("baseline", rng=5, customers=500, steps=6, firms=3).run()
    assert_frame_equal(res.firms, m.firm_table())
    assert_frame_equal(res.executives, m.executive_table())


def test_simulate_default_seed_is_scenario_seed():
    res = orgsim.simulate("baseline", customers=300, steps=3, firms=2)
    assert res.seed == load("baseline").seed


def test_simulate_accepts_config_and_path():
    cfg = load("baseline", {"customers": 300, "steps": 3, "firms": 2})
    a = orgsim.simulate(cfg, seed=1)
    b = orgsim.simulate(load("baseline").model_copy(), seed=1, customers=300, steps=3, firms=2)
    from orgsim.scenario.files import available

    c = orgsim.simulate(available()["baseline"], seed=1, customers=300, steps=3, firms=2)
    assert_frame_equal(a.firms, b.firms)
    assert_frame_equal(a.firms, c.firms)


def test_simulate_progress_and_run_id():
    calls = []
    res = orgsim.simulate(
        "baseline", seed=1, run_id="r1", progress=lambda d, t: calls.append((d, t)), customers=300, steps=4, firms=2
    )
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert (res.firms["run_id"] == "r1").all() and res.run_id == "r1"


def test_outcomes_known_values():
    """outcomes() averages the last quarters of a hand-made table."""
    rows = []
    for step in range(3):
        for firm in range(2):
            rows.append(
                {
                    "step": step,
                    "firm": firm,
                    "market_share": 0.5,
                    "revenue": 100.0,
                    "profit": 10.0 * (step + 1),
                    "budget_it_core": 30.0,
                    "budget_it_marketing": 10.0,
                    "shadow_it": 10.0,
                    "cmo_tech_claim": 25.0,
                    **{k: 0.0 for k in api.OUTCOMES if k not in ("revenue", "profit")},
                }
            )
    out = api.outcomes(pd.DataFrame(rows), last=2)
    assert out["profit"] == pytest.approx(25.0)  # steps 1 and 2
    assert out["margin"] == pytest.approx(0.25)
    assert out["it_marketing_share"] == pytest.approx(0.25)
    assert out["cmo_tech_share"] == pytest.approx(0.2)
    assert out["cmo_tech_claim_share"] == pytest.approx(0.5)
    assert out["market_concentration"] == pytest.approx(0.5)


def test_run_outcomes_finite_when_a_firm_has_no_customers():
    """Many firms, few customers: some firms have no revenue; every outcome must still be finite.

    Regression: ``api.outcomes`` divided profit by revenue row by row, so a firm with zero revenue
    (and a budget or an incident cost) gave a margin of -inf; the model's own ``_margin`` counts
    such a firm's margin as 0.
    """
    out = orgsim.run({"firms": 60, "customers": 100, "steps": 4, "threat": [[0, 1.0]]}, seed=1)
    bad = {k: v for k, v in out.items() if not math.isfinite(v)}
    assert not bad, f"non-finite outcomes: {bad}"


def _outcomes_in_pandas(firms: pd.DataFrame, last: int = 4) -> dict[str, float]:
    """The outcomes as pandas expressions (the definition api.outcomes reproduces on arrays)."""
    end = int(firms["step"].max())
    tail = firms[firms["step"] > end - last]
    mean = tail.mean(numeric_only=True)

    def ratio(num: pd.Series, den: pd.Series) -> float:
        n, d = num.to_numpy(dtype=float), den.to_numpy(dtype=float)
        return float(np.mean(np.divide(n, d, out=np.zeros_like(n), where=d != 0)))

    it_total = tail["budget_it_core"] + tail["budget_it_marketing"]
    tech_total = it_total + tail["shadow_it"]
    out = {k: float(mean[k]) for k in api.OUTCOMES if k in mean.index}
    out["it_marketing_share"] = ratio(tail["budget_it_marketing"], it_total)
    out["cmo_tech_share"] = ratio(tail["shadow_it"], tech_total)
    out["cmo_tech_claim_share"] = ratio(tail["cmo_tech_claim"], tech_total)
    out["margin"] = ratio(tail["profit"], tail["revenue"])
    out["market_concentration"] = float((tail["market_share"] ** 2).groupby(tail["step"]).sum().mean())
    return {k: out[k] for k in api.OUTCOMES}


@pytest.mark.parametrize(
    ("scenario", "params"),
    [("baseline", {}), ("shadow_it", {"firms": 30}), ("walls", {"firms": 13, "steps": 9}), ("security_crisis", {})],
)
def test_outcomes_equal_the_pandas_expressions(scenario, params):
    """To rounding: the order of numpy's and pandas' sums is theirs, not a property of orgsim."""
    for seed in (0, 1):
        res = api.simulate(scenario, seed=seed, customers=1500, executives=False, **params)
        for last in (1, 4, 7):
            assert api.outcomes(res.firms, last) == pytest.approx(_outcomes_in_pandas(res.firms, last), rel=1e-12)
        assert res.outcomes == pytest.approx(_outcomes_in_pandas(res.firms), rel=1e-12)  # from the model's record
        shuffled = res.firms.sample(frac=1.0, random_state=seed)
        assert api.outcomes(shuffled) == pytest.approx(res.outcomes, rel=1e-12)
