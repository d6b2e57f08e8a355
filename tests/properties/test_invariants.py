"""Invariants of a run over the whole allowed ranges of the main parameters (Hypothesis).

Ranges are read from the pydantic field declarations in ``orgsim.scenario.schema`` (Ge/Gt/Le/Lt metadata),
so the properties follow the declared ranges when they change. Markets are tiny (200 customers,
6-10 quarters) so each example runs in a fraction of a second.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgsim.model.market import EXEC_COLUMNS, FIRM_COLUMNS, Market
from orgsim.scenario import schema as config
from orgsim.scenario.specs import ParamSpec, param_spec

#: parameters drawn over their whole declared range (firms is narrowed to keep runs small)
FLOAT_PARAMS = (
    "taste_mean",
    "taste_concentration",
    "reconsider_pressure",
    "shadow_it_cap",
    "roi_mandate",
    "contested_share",
    "budget_share",
    "coop_cmo_cio",
    "coop_cio_cmo",
    "coop_cmo_cfo",
    "coop_cfo_cmo",
    "coop_cio_cfo",
    "coop_cfo_cio",
    "brief_mean",
    "brief_mean_cio",
    "brief_mean_cfo",
    "effort_mean",
    "propensity_concentration",
    "influence_rate",
    "joint_credit",
    "coordination_cost",
    "visibility_unbriefed",
    "visibility_unbriefed_cio",
    "visibility_unbriefed_cfo",
    "ceo_attention",
    "briefing_time_cost",
    "dependence_weight",
    "learning_rate",
    "imitation_rate",
    "exploration",
    "profit_weight",
    "incident_rate",
    "shadow_risk",
    "conflict_loss",
    "contest_exponent",
    "revenue_noise",
)
FIRMS = (2, 10)
PARTS = ("budget_marketing", "budget_it_core", "budget_it_marketing", "shadow_it", "budget_finance", "conflict_loss")
CAPABILITIES = ("data_integration", "analytics", "experience", "quality", "roi_measurement", "it_appraisal")
COOP = ("coop_cmo_cio", "coop_cmo_cfo", "coop_cio_cfo", "cmo_briefs_ceo")


def _hypothesis_bounds(spec: ParamSpec) -> dict[str, Any]:
    """Hypothesis bounds from a parameter's declared range (orgsim.scenario.specs, as the CLI and dashboard read it)."""
    b: dict[str, Any] = {}
    if spec.lo is not None:
        b["min_value"], b["exclude_min"] = spec.lo, spec.lo_open
    if spec.hi is not None:
        b["max_value"], b["exclude_max"] = spec.hi, spec.hi_open
    return b


def float_param(name: str) -> st.SearchStrategy[float]:
    b = _hypothesis_bounds(param_spec(name))
    assert "min_value" in b and "max_value" in b, f"{name} has no declared range"
    return st.floats(allow_nan=False, allow_infinity=False, **b)


def int_param(name: str, lo: int, hi: int) -> st.SearchStrategy[int]:
    b = _hypothesis_bounds(param_spec(name))
    lo = max(lo, int(b.get("min_value", lo)) + (1 if b.get("exclude_min") else 0))
    hi = min(hi, int(b.get("max_value", hi)) - (1 if b.get("exclude_max") else 0))
    return st.integers(lo, hi)


def keyframe_value(name: str) -> st.SearchStrategy[float]:
    """The value of a keyframe of the path parameter ``name`` (pressure, threat, climate)."""
    return st.floats(allow_nan=False, allow_infinity=False, **_hypothesis_bounds(param_spec(name)))


@st.composite
def path(draw, name: str, steps: int) -> list[list[float]]:
    """A constant path, or two keyframes (linear in between)."""
    values = keyframe_value(name)
    if draw(st.booleans()):
        return [[0, draw(values)]]
    q = draw(st.integers(1, steps))
    return [[0, draw(values)], [q, draw(values)]]


@st.composite
def influence_shares(draw) -> dict[str, float]:
    w = np.array([draw(st.floats(0.02, 1.0)) for _ in range(3)])
    w = w / w.sum()
    return {"influence_cmo": float(w[0]), "influence_cio": float(w[1]), "influence_cfo": 1.0 - float(w[0] + w[1])}


@st.composite
def scenarios(draw) -> dict[str, Any]:
    steps = draw(st.integers(6, 10))
    params: dict[str, Any] = {"customers": 200, "steps": steps, "firms": draw(int_param("firms", *FIRMS))}
    params["pressure"] = draw(path("pressure", steps))
    params["threat"] = draw(path("threat", steps))
    params["climate"] = draw(path("climate", steps))
    params["budget_rule"] = draw(st.sampled_from(param_spec("budget_rule").choices))
    params["foregone_rule"] = draw(st.sampled_from(param_spec("foregone_rule").choices))
    for name in FLOAT_PARAMS:
        if draw(st.integers(0, 4)):  # mostly drawn, sometimes left at the default
            params[name] = draw(float_param(name))
    if draw(st.booleans()):
        params.update(draw(influence_shares()))
    for name in config.MechanismSwitches.model_fields:  # knockouts, sometimes
        if not draw(st.integers(0, 5)):
            params[name] = False
    for name in config.FocalParams.model_fields:  # the focal-firm manipulation, sometimes
        if not draw(st.integers(0, 3)):
            params[name] = draw(float_param(name))
    return params


def check_tables(firms: pd.DataFrame, execs: pd.DataFrame, n_firms: int, steps: int) -> None:
    assert sorted(firms["step"].unique()) == list(range(steps + 1))
    assert len(firms) == (steps + 1) * n_firms and len(execs) == 3 * len(firms)

    # no NaN or inf anywhere
    num_f = firms[list(FIRM_COLUMNS)].to_numpy(dtype=float)
    num_e = execs[list(EXEC_COLUMNS)].to_numpy(dtype=float)
    bad_f = [c for c in FIRM_COLUMNS if not np.isfinite(firms[c].to_numpy(dtype=float)).all()]
    bad_e = [c for c in EXEC_COLUMNS if not np.isfinite(execs[c].to_numpy(dtype=float)).all()]
    assert np.isfinite(num_f).all(), f"non-finite firm columns: {bad_f}"
    assert np.isfinite(num_e).all(), f"non-finite executive columns: {bad_e}"

    # influence shares on the simplex, every step and firm
    inf = firms[["influence_cmo", "influence_cio", "influence_cfo"]].to_numpy()
    assert (inf >= -1e-12).all() and (inf <= 1 + 1e-12).all()
    np.testing.assert_allclose(inf.sum(axis=1), 1.0, atol=1e-9)
    assert ((execs["influence"] >= -1e-12) & (execs["influence"] <= 1 + 1e-12)).all()

    # budget lines add up to the budget and are non-negative
    parts = firms[list(PARTS)]
    assert (parts.to_numpy() >= -1e-9).all()
    np.testing.assert_allclose(parts.sum(axis=1), firms["budget"], rtol=1e-9, atol=1e-9)
    assert (firms["budget"] >= 0).all()

    # market shares sum to one per step
    np.testing.assert_allclose(firms.groupby("step")["market_share"].sum(), 1.0, atol=1e-9)
    assert ((firms["market_share"] >= 0) & (firms["market_share"] <= 1)).all()

    # capabilities stay in [0, 1]; cooperation and briefing are 0/1; counts are non-negative
    caps = firms[list(CAPABILITIES)].to_numpy()
    assert ((caps >= 0) & (caps <= 1)).all(), firms[list(CAPABILITIES)].describe()
    for c in COOP:
        assert set(firms[c].unique()) <= {0, 1}, c
    assert (firms["incidents"] >= 0).all() and (firms["shadow_stock"] >= 0).all()
    assert (firms["revenue"] >= 0).all()

    # propensities stay probabilities
    for c in ("coop_cmo", "coop_cio", "coop_cfo", "brief", "effort"):
        assert ((execs[c] >= 0) & (execs[c] <= 1)).all(), c

    # briefings: 0/1, attention only for a briefing and at most all of it, counted per firm
    assert set(execs["briefed"].unique()) <= {0, 1}
    assert ((execs["attention"] >= 0) & (execs["attention"] <= execs["briefed"])).all()
    np.testing.assert_array_equal(firms["briefings"], execs.groupby(["step", "firm"])["briefed"].sum().to_numpy())
    assert ((firms["briefings"] >= 0) & (firms["briefings"] <= 3)).all()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_run_invariants_over_parameter_ranges(params, seed):
    m = Market("baseline", rng=seed, **params).run()
    check_tables(m.firm_table(), m.executive_table(), params["firms"], params["steps"])


@settings(max_examples=10, deadline=None)
@given(params=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_same_seed_same_run(params, seed):
    a = Market("baseline", rng=seed, **params).run().firm_table()
    b = Market("baseline", rng=seed, **params).run().firm_table()
    pd.testing.assert_frame_equal(a, b)


def test_range_reader_sees_declared_bounds():
    b = param_spec("budget_share")
    assert (b.lo, b.lo_open, b.hi, b.hi_open) == (0.0, True, 0.6, False)
    assert b.range_text() == "(0.0, 0.6]" and b.contains(0.6) and not b.contains(0.0)
    i = param_spec("influence_cmo")
    assert (i.lo, i.lo_open, i.hi, i.hi_open) == (0.0, True, 1.0, True)
    assert param_spec("pressure").kind == "path" and param_spec("pressure").hi == 1.0
    assert param_spec("climate").lo == 0.2 and param_spec("firms").kind == "int"
    assert param_spec("budget_rule").choices == ("contest", "bargain") and param_spec("incidents").kind == "bool"
    for name in FLOAT_PARAMS:
        b = _hypothesis_bounds(param_spec(name))
        assert math.isfinite(b["min_value"]) and math.isfinite(b["max_value"]), name
