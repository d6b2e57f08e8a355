"""Invariants of a run over the whole allowed ranges of the main parameters (Hypothesis).

Ranges are read from the pydantic field declarations in ``orgsim.scenario.schema`` (Ge/Gt/Le/Lt metadata),
so the properties follow the declared ranges when they change. Markets are tiny (200 customers,
6-10 quarters) so each example runs in a fraction of a second.
"""

from __future__ import annotations

import math
import typing
from typing import Any

import annotated_types as at
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgsim.model.market import EXEC_COLUMNS, FIRM_COLUMNS, Market
from orgsim.scenario import schema as config

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
    "effort_mean",
    "propensity_concentration",
    "influence_rate",
    "joint_credit",
    "coordination_cost",
    "visibility_unbriefed",
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


def _bounds(metadata: list[Any]) -> dict[str, Any]:
    """Hypothesis float/int bounds from annotated-types metadata (Ge, Gt, Le, Lt)."""
    b: dict[str, Any] = {}
    for m in metadata:
        if isinstance(m, at.Ge):
            b["min_value"] = m.ge
        elif isinstance(m, at.Gt):
            b["min_value"], b["exclude_min"] = m.gt, True
        elif isinstance(m, at.Le):
            b["max_value"] = m.le
        elif isinstance(m, at.Lt):
            b["max_value"], b["exclude_max"] = m.lt, True
    return b


def _field(name: str):
    return config.GROUPS[config.LEAF_GROUP[name]].model_fields[name]


def float_param(name: str) -> st.SearchStrategy[float]:
    b = _bounds(_field(name).metadata)
    assert "min_value" in b and "max_value" in b, f"{name} has no declared range"
    return st.floats(allow_nan=False, allow_infinity=False, **b)


def int_param(name: str, lo: int, hi: int) -> st.SearchStrategy[int]:
    b = _bounds(_field(name).metadata)
    lo = max(lo, b.get("min_value", lo) + (1 if b.get("exclude_min") else 0))
    hi = min(hi, b.get("max_value", hi) - (1 if b.get("exclude_max") else 0))
    return st.integers(lo, hi)


def keyframe_value(kind: Any) -> st.SearchStrategy[float]:
    """The value of a keyframe type such as ``config.UnitKeyframe`` (tuple[quarter, value])."""
    value_type = typing.get_args(kind)[1]
    meta = [m for info in typing.get_args(value_type)[1:] for m in getattr(info, "metadata", [info])]
    return st.floats(allow_nan=False, allow_infinity=False, **_bounds(meta))


@st.composite
def path(draw, kind: Any, steps: int) -> list[list[float]]:
    """A constant path, or two keyframes (linear in between)."""
    values = keyframe_value(kind)
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
    params["pressure"] = draw(path(config.UnitKeyframe, steps))
    params["threat"] = draw(path(config.UnitKeyframe, steps))
    params["climate"] = draw(path(config.ClimateKeyframe, steps))
    params["budget_rule"] = draw(st.sampled_from(typing.get_args(_field("budget_rule").annotation)))
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
    assert _bounds(_field("budget_share").metadata) == {"min_value": 0.0, "exclude_min": True, "max_value": 0.6}
    assert _bounds(_field("influence_cmo").metadata) == {
        "min_value": 0.0,
        "exclude_min": True,
        "max_value": 1.0,
        "exclude_max": True,
    }
    for name in FLOAT_PARAMS:
        b = _bounds(_field(name).metadata)
        assert math.isfinite(b["min_value"]) and math.isfinite(b["max_value"]), name
