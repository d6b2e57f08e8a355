"""The second pre-registration's machinery: panel checks in unmanipulated runs (yearly firm panel,
fixed effects, standard errors clustered by run), one knockout per named channel, and S4's test
against heterogeneous normal changes. Hand-made tables with known answers; no model runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orgsim import stats
from orgsim.validation import checks as v
from orgsim.validation import patterns as pre
from orgsim.validation.checks import Arm, Check, Knockout, Pattern, RunKey

SEEDS = list(range(101, 113))
U = Arm("fake")
SILO = (("silos", False),)
RISK = (("risk", False),)


def panel_runs(slope: float, firms: int = 6, years: int = 8, seed: int = 0, noise: float = 0.3) -> pd.DataFrame:
    """One run's firm table: quarterly exposure ``e`` per firm and year, outcome ``y`` = slope × last
    year's exposure + a firm level + a year shock + noise (quarters 1..4·years; quarter 0 a start row)."""
    rng = np.random.default_rng(seed)
    level = rng.normal(0.0, 0.1, firms)
    shock = rng.normal(0.0, 1.0, years)
    exposure = rng.uniform(0.0, 1.0, (firms, years))
    rows = [{"step": 0, "firm": f, "e": 0.0, "y": 0.0} for f in range(firms)]
    for yr in range(years):
        for q in range(4):
            for f in range(firms):
                lagged = exposure[f, yr - 1] if yr else 0.5
                y = slope * lagged + level[f] + shock[yr] + rng.normal(0.0, noise)
                rows.append({"step": 4 * yr + q + 1, "firm": f, "e": exposure[f, yr], "y": y})
    return pd.DataFrame(rows)


def test_yearly_panel_lags_the_exposure_by_one_year() -> None:
    df = panel_runs(1.0, firms=2, years=3)
    p = pre.yearly_panel(df, "e", "y")
    assert list(p["year"].unique()) == [1, 2]  # year 0 has no lagged exposure
    e0 = df[(df["firm"] == 0) & df["step"].between(1, 4)]["e"].mean()
    assert p[(p["firm"] == 0) & (p["year"] == 1)]["x"].item() == pytest.approx(e0)


def test_yearly_panel_drops_incomplete_years() -> None:
    df = panel_runs(1.0, firms=2, years=3)
    p = pre.yearly_panel(df[df["step"] <= 10], "e", "y")  # year 2 has only quarters 9 and 10
    assert set(p["year"]) == {1}


def test_within_slope_recovers_a_slope_despite_group_shocks() -> None:
    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(20), 10)
    x = rng.normal(size=200) + g
    y = 2.0 * x + 5.0 * g + rng.normal(0.0, 0.01, 200)
    assert stats.within_slope(x, y, g) == pytest.approx(2.0, abs=0.01)
    assert np.isnan(stats.within_slope(np.ones(200), y, g))


def test_clustered_slope_equals_the_full_dummy_regression() -> None:
    """Absorbing the run × year effects gives the coefficient of the regression with all dummies."""
    sm = pytest.importorskip("statsmodels.formula.api")
    frames = [pre.yearly_panel(panel_runs(0.8, seed=s), "e", "y").assign(run=i) for i, s in enumerate(range(10))]
    d = pd.concat(frames, ignore_index=True)
    d["run_year"] = d["run"].astype(str) + ":" + d["year"].astype(str)
    est, p = stats.clustered_fe_slope(d, "y", "x", ("firm",), "run", "run_year")
    full = sm.ols("y ~ x + C(firm) + C(run_year)", d).fit(cov_type="cluster", cov_kwds={"groups": d["run"]})
    assert est.value == pytest.approx(full.params["x"], rel=1e-9)
    assert est.low < 0.8 < est.high and est.n == 10 and p < 0.01


@pytest.mark.slow
def test_clustered_slope_of_no_effect_usually_covers_zero() -> None:
    """Coverage: with no effect, the 95 % interval covers 0 in about 95 % of 200 simulated studies."""
    covered = 0
    for study in range(200):
        frames = [
            pre.yearly_panel(panel_runs(0.0, seed=1000 * study + s, years=5), "e", "y").assign(run=s) for s in range(8)
        ]
        d = pd.concat(frames, ignore_index=True)
        d["run_year"] = d["run"].astype(str) + ":" + d["year"].astype(str)
        est, _ = stats.clustered_fe_slope(d, "y", "x", ("firm",), "run", "run_year")
        covered += est.low < 0.0 < est.high
    assert 0.88 <= covered / 200 <= 0.99


def channel_runs(main: float, silo: float, risk: float, together: float) -> dict[RunKey, pd.DataFrame]:
    runs = {}
    for i, s in enumerate(SEEDS):
        for ov, slope in (((), main), (SILO, silo), (RISK, risk), ((*SILO, *RISK), together)):
            runs[RunKey(U.with_(ov), s)] = panel_runs(slope, seed=i)
    return runs


def channel_pattern() -> Pattern:
    return Pattern(
        "T2",
        "exposure raises y across firms",
        "test",
        {"u": U},
        (pre.panel_check("y on last year's e", "u", "e", "y", +1),),
        (*SILO, *RISK),
        "neither channel",
        "two channels",
        channels=(Knockout("silos", SILO, "no silos"), Knockout("risk", RISK, "no risk")),
    )


@pytest.mark.parametrize(
    ("silo", "risk", "together", "carriers", "holds"),
    [
        (0.0, 1.0, 0.0, ["silos"], True),  # one channel carries it
        (1.0, 1.0, 0.0, [], True),  # only all channels together fail it (redundant channels)
        (1.0, 1.0, 1.0, [], False),  # no knockout fails it
        (0.0, 0.0, 0.0, ["silos", "risk"], True),
    ],
)
def test_one_knockout_per_channel_and_which_carries(silo, risk, together, carriers, holds) -> None:
    pytest.importorskip("statsmodels")
    r = v.evaluate(channel_pattern(), SEEDS, channel_runs(1.0, silo, risk, together), np.random.default_rng(0))
    assert r.passed
    assert [k.channel for k in r.knockouts] == ["silos", "risk", "all channels"]
    assert r.carriers == carriers
    assert r.holds is holds
    assert r.checks[0].panel and r.checks[0].p_value < 0.01


def test_a_failing_pattern_does_not_hold_whatever_its_knockouts() -> None:
    pytest.importorskip("statsmodels")
    r = v.evaluate(channel_pattern(), SEEDS, channel_runs(0.0, 0.0, 0.0, 0.0), np.random.default_rng(0))
    assert not r.passed and not r.holds


def test_illustrations_are_reported_but_not_in_the_verdict() -> None:
    runs = {RunKey(U, s): panel_runs(0.0, seed=i) for i, s in enumerate(SEEDS)}
    runs |= {RunKey(U.with_(SILO), s): panel_runs(0.0, seed=i) for i, s in enumerate(SEEDS)}
    always = Check("a true statistic", lambda t: 1.0, +1, knockout=False)
    never = Check("illustration: a false one", lambda t: -1.0, +1, knockout=False, illustration=True)
    p = Pattern("T3", "c", "test", {"u": U}, (always, never), SILO, "ko", "m")
    r = v.evaluate(p, SEEDS, runs, np.random.default_rng(0))
    assert r.passed and r.checks[1].illustration and not r.checks[1].passed
    assert v.needed_runs([p], SEEDS[:1]) == [RunKey(U, SEEDS[0])]  # no knockout-bearing check: no knockout runs


def shares_table(changes: np.ndarray) -> pd.DataFrame:
    """A firm table whose yearly department shares move by the given changes (firms × years × 2 departments)."""
    n_firms, n_years, _ = changes.shape
    rows = []
    for f in range(n_firms):
        cmo, cio = 0.4 + np.cumsum(changes[f, :, 0]), 0.4 + np.cumsum(changes[f, :, 1])
        for y in range(n_years):
            budget = 100.0
            rows.append(
                {
                    "step": 4 * y + 1,
                    "firm": f,
                    "budget": budget,
                    "budget_marketing": cmo[y] * budget,
                    "budget_it_marketing": 0.0,
                    "shadow_it": 0.0,
                    "budget_it_core": cio[y] * budget,
                    "budget_finance": (1.0 - cmo[y] - cio[y]) * budget,
                }
            )
    return pd.DataFrame(rows)


def test_s4_statistic_is_near_zero_for_heterogeneous_normal_changes() -> None:
    """Normal changes whose scale differs by firm: the pooled kurtosis is fat, the S4 statistic is not."""
    rng = np.random.default_rng(5)
    values, pooled = [], []
    for _ in range(40):
        scale = rng.choice([0.001, 0.02], size=(30, 1, 1))
        t = shares_table(rng.normal(0.0, 1.0, (30, 11, 2)) * scale)
        values.append(pre._standardised_kurtosis_excess(t))
        pooled.append(pre._budget_change_kurtosis(t))
    assert abs(np.mean(values)) < 0.1
    assert np.mean(pooled) > 1.0  # pooling different scales fakes punctuation


def test_s4_statistic_detects_punctuated_changes_within_series() -> None:
    rng = np.random.default_rng(6)
    jumps = rng.normal(0.0, 0.002, (30, 11, 2))
    big = rng.random((30, 11, 2)) < 0.08
    jumps[big] += rng.normal(0.0, 0.05, big.sum())
    assert pre._standardised_kurtosis_excess(shares_table(jumps)) > 1.0
