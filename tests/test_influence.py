"""Crediting and influence (orgsim.model.rules.influence): criticality, domain value, dependence, credit with
joint work, simplex update, the gain an executive reckons with.

The rules work on one firm's row and write into ``out``; the tests loop over firms where a property
holds for many. Compiled runs: tests/test_rules_compiled.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from orgsim.model.market import params_of
from orgsim.model.roles import CFO, CIO, CMO, PAIRS
from orgsim.model.rules import influence
from orgsim.scenario.files import load

#: the baseline scenario's credit parameters, as the model builds them
BASE = params_of(load("baseline")).credit
#: joint credit 0.4, no coordination cost, no dependence, the CMO seen fully when it briefs and CIO and CFO
#: always, briefing free (as the tests before every executive could brief; briefing: tests/test_briefing.py)
P = BASE._replace(
    joint_credit=0.4, coordination_cost=0.0, briefing_on=True, visibility_unbriefed=0.7,
    visibility_unbriefed_cio=1.0, visibility_unbriefed_cfo=1.0, briefing_time_cost=0.0,
)  # fmt: skip

OWN = np.array([0.4, 0.6, 0.5])
CRIT = np.array([1.0, 1.2, 1.5])
NONE = np.zeros(3)


def _out(fn, *args) -> np.ndarray:
    out = np.full(3, np.nan)
    fn(*args, out)
    return out


def _briefs(briefed) -> np.ndarray:
    """Who briefed: a bool means the CMO alone (or nobody), else one flag per role."""
    if isinstance(briefed, bool):
        return np.array([briefed, False, False])
    return np.asarray(briefed, bool)


def _credit(coop, p=P, *, dep=NONE, own=OWN, crit=CRIT, briefed=True, spent=NONE) -> np.ndarray:
    args = (own, crit, np.asarray(dep, float), np.asarray(coop, float), _briefs(briefed), np.asarray(spent, float), p)
    return _out(influence.credit, *args)


def _update(before, credits, rate) -> np.ndarray:
    return _out(influence.update, np.asarray(before, float), np.asarray(credits, float), rate)


def _crit(pressure, threat, climate, quality, revenue=100.0, year_ago=100.0, p=BASE) -> np.ndarray:
    return _out(influence.criticality, pressure, threat, climate, quality, revenue, year_ago, p)


# -- criticality ---------------------------------------------------------------------------------
def test_criticality_known_values_and_directions():
    p = BASE
    for climate, quality in ((0.6, 0.6), (1.0, 0.2)):
        crit = _crit(0.5, 0.2, climate, quality)
        assert crit[CMO] == pytest.approx(p.crit_cmo_base + p.crit_cmo_pressure * 0.5)
        assert crit[CIO] == pytest.approx(
            p.crit_cio_base + p.crit_cio_threat * 0.2 + p.crit_cio_modernisation * (1 - quality)
        )
        assert crit[CFO] == pytest.approx(p.crit_cfo_base + p.crit_cfo_stress * (1 - climate))
    lo = _crit(0.1, 0.1, 1.0, 0.5)
    hi = _crit(0.9, 0.9, 0.5, 0.5)
    assert np.all(hi > lo)


def test_criticality_financial_stress_from_climate_and_decline():
    p = BASE
    # revenue lost against a year ago adds to the stress, a gain does not lower it
    crit = _crit(0.5, 0.2, 1.0, 0.5, revenue=80.0, year_ago=100.0)
    assert crit[CFO] == pytest.approx(p.crit_cfo_base + p.crit_cfo_stress * 0.2)
    assert _crit(0.5, 0.2, 1.0, 0.5, revenue=120.0, year_ago=100.0)[CFO] == pytest.approx(p.crit_cfo_base)
    # a climate above 1 is no stress; no revenue a year ago: no decline, no division by zero
    assert _crit(0.5, 0.2, 1.3, 0.5)[CFO] == pytest.approx(p.crit_cfo_base)
    assert _crit(0.5, 0.2, 1.0, 0.5, revenue=10.0, year_ago=0.0)[CFO] == pytest.approx(p.crit_cfo_base)
    cfo = [_crit(0.5, 0.2, 0.8, 0.5, revenue=r, year_ago=100.0)[CFO] for r in (100.0, 90.0, 50.0, 0.0)]
    assert np.all(np.diff(cfo) > 0)


def test_criticality_accepts_any_weights_object():
    p = SimpleNamespace(
        crit_cmo_base=1,
        crit_cmo_pressure=0,
        crit_cio_base=2,
        crit_cio_threat=0,
        crit_cio_modernisation=0,
        crit_cfo_base=3,
        crit_cfo_stress=0,
    )
    assert_allclose(_crit(0.5, 0.5, 0.0, 0.0, p=p), [1, 2, 3])


# -- domain_value --------------------------------------------------------------------------------
def test_domain_value_known_values_and_bounds():
    assert_allclose(_out(influence.domain_value, 0.4, 0.7, 0.1), [0.4, 0.7, 0.6])
    assert_allclose(_out(influence.domain_value, 0.4, 0.7, -0.5), [0.4, 0.7, 0.0])
    for margin in (-3.0, -0.6, 0.5, 0.7, 5.0):
        assert 0.0 <= _out(influence.domain_value, 0.4, 0.7, margin)[CFO] <= 1.0
    cfo = [_out(influence.domain_value, 0.4, 0.7, m)[CFO] for m in (-0.4, -0.1, 0.0, 0.2, 0.45)]
    assert np.all(np.diff(cfo) > 0)


# -- dependence ----------------------------------------------------------------------------------
def test_dependence_only_the_cio_and_known_value():
    p = BASE._replace(dependence_weight=0.5)
    assert_allclose(_out(influence.dependence, 10.0, 40.0, p), [0.0, 0.5 * 10 / 40, 0.0])
    values = [_out(influence.dependence, g, 40.0, p)[CIO] for g in (0.0, 2.0, 8.0, 20.0)]
    assert values[0] == 0.0 and np.all(np.diff(values) > 0)


def test_dependence_off_and_zero_budget():
    assert_allclose(_out(influence.dependence, 10.0, 40.0, BASE._replace(dependence_weight=0.0)), NONE)
    # no budget: no division by zero
    out = _out(influence.dependence, 0.0, 0.0, BASE)
    assert_allclose(out, NONE)


# -- credit --------------------------------------------------------------------------------------
def test_credit_without_cooperation_is_own_value():
    assert_allclose(_credit(NONE), CRIT * OWN)


def test_credit_visibility_scales_own_credit():
    vis = np.array([0.7, 1.0, 1.0])
    assert_allclose(_credit(NONE, briefed=False), CRIT * OWN * vis)
    # with the briefing mechanism off, the CMO is only partly seen even if it briefs
    assert_allclose(_credit(NONE, P._replace(briefing_on=False), briefed=True), CRIT * OWN * vis)


def test_credit_dependence_is_added():
    dep = np.array([0.0, 0.2, 0.0])
    assert_allclose(_credit(NONE, dep=dep) - _credit(NONE), dep)


@pytest.mark.parametrize(("pair", "a", "b", "third"), [(0, CMO, CIO, CFO), (1, CMO, CFO, CIO), (2, CIO, CFO, CMO)])
def test_joint_credit_is_added_to_both_partners_not_transferred(pair, a, b, third):
    assert PAIRS[pair] == (a, b)
    coop = np.zeros(3)
    coop[pair] = 1.0
    alone, together = _credit(NONE), _credit(coop)
    base = CRIT * OWN
    expected_gain = 0.4 * 0.5 * (base[a] + base[b])
    # both partners gain the same joint credit (neither pays for the other's share)
    assert together[a] - alone[a] == pytest.approx(expected_gain)
    assert together[b] - alone[b] == pytest.approx(expected_gain)
    assert together[a] > alone[a] and together[b] > alone[b]
    # the executive left out keeps its credit (it loses only in shares)
    assert together[third] == pytest.approx(alone[third])
    assert together.sum() > alone.sum()


def test_joint_credit_with_coordination_cost_leaves_third_unchanged():
    p = P._replace(coordination_cost=0.15)
    alone, together = _credit(NONE, p), _credit([1, 0, 0], p)
    assert together[CFO] == pytest.approx(alone[CFO])
    base = CRIT * OWN
    joint = 0.4 * 0.5 * (base[CMO] + base[CIO])
    assert together[CMO] == pytest.approx(base[CMO] * 0.85 + joint)
    assert together[CIO] == pytest.approx(base[CIO] * 0.85 + joint)


def test_credit_zero_joint_weight_cooperation_only_costs():
    p = P._replace(joint_credit=0.0, coordination_cost=0.2)
    alone, together = _credit(NONE, p), _credit([1, 1, 1], p)
    assert_allclose(together, alone * 0.6)  # two links each


def test_credit_never_negative():
    rng = np.random.default_rng(0)
    p = P._replace(joint_credit=5.0, coordination_cost=1.0, effort_time_cost=1.0)
    for _ in range(30):
        coop = (rng.random(3) < 0.5).astype(float)
        out = _credit(coop, p, own=rng.random(3), crit=rng.random(3) * 5, briefed=bool(rng.random() < 0.5),
                      spent=rng.random(3))  # fmt: skip
        assert np.all(out >= 0)


def test_political_effort_costs_own_domain_credit_like_a_link():
    """Effort spent in the round's quarter takes ``effort_time_cost`` per unit from the own-domain
    term, added to the coordination cost; joint credit and dependence are untouched."""
    p = P._replace(coordination_cost=0.2, effort_time_cost=0.3)
    spent = np.array([0.5, 1.0, 0.0])
    base = CRIT * OWN
    assert_allclose(_credit(NONE, p, spent=spent), base * (1 - 0.3 * spent))
    together, together_spent = _credit([1, 0, 0], p), _credit([1, 0, 0], p, spent=spent)
    assert_allclose(together - together_spent, base * 0.3 * spent)
    dep = np.array([0.0, 0.2, 0.0])
    assert_allclose(_credit(NONE, p, dep=dep, spent=spent) - _credit(NONE, p, spent=spent), dep)
    # no effort spent (outside a budget round) or no time cost: the old credit
    assert_allclose(_credit([1, 1, 0], p), _credit([1, 1, 0], p._replace(effort_time_cost=0.0), spent=spent))


# -- update --------------------------------------------------------------------------------------
def test_update_rows_sum_to_one_and_stay_in_unit_interval():
    rng = np.random.default_rng(1)
    inf = rng.dirichlet([1, 1, 1], size=40)
    for _ in range(30):
        credits = rng.random((40, 3)) * rng.choice([0.0, 1.0, 100.0], size=(40, 1))
        rate = rng.uniform(0.01, 1.0)
        inf = np.array([_update(row, c, rate) for row, c in zip(inf, credits, strict=True)])
        assert_allclose(inf.sum(axis=1), 1.0)
        assert np.all((inf >= 0) & (inf <= 1))


@settings(max_examples=200, deadline=None)
@given(
    before=st.lists(st.floats(0.001, 1.0), min_size=3, max_size=3),
    credits=st.lists(st.floats(0.0, 1e6), min_size=3, max_size=3),
    rate=st.floats(0.0, 1.0),
)
def test_update_simplex_property(before, credits, rate):
    before = np.array(before) / sum(before)
    out = _update(before, credits, rate)
    assert out.sum() == pytest.approx(1.0)
    assert np.all((out >= 0) & (out <= 1 + 1e-12))


def test_update_fixed_point_at_credited_shares():
    for inf in ([0.2, 0.5, 0.3], [0.24, 0.39, 0.37]):
        for scale in (1.0, 7.5):
            assert_allclose(_update(inf, np.array(inf) * scale, 0.15), inf)


def test_update_known_value_and_direction():
    inf = np.array([0.24, 0.39, 0.37])
    new = _update(inf, [2.0, 1.0, 1.0], 0.5)
    assert_allclose(new, 0.5 * inf + 0.5 * np.array([0.5, 0.25, 0.25]))
    assert new[CMO] > inf[CMO]


def test_update_rate_one_jumps_to_target():
    assert_allclose(_update([0.2, 0.3, 0.5], [1.0, 1.0, 2.0], 1.0), [0.25, 0.25, 0.5])


def test_update_zero_credit_keeps_influence():
    inf = np.array([0.2, 0.3, 0.5])
    assert_allclose(_update(inf, NONE, 0.5), inf)


# -- gain ----------------------------------------------------------------------------------------
BEFORE = np.array([0.3, 0.45, 0.25])


def _gain(coop, p=P, *, briefed=True, before=BEFORE, dep=NONE, spent=NONE) -> np.ndarray:
    args = (OWN, CRIT, np.asarray(dep, float), np.asarray(coop, float), _briefs(briefed), np.asarray(spent, float),
            before, p)  # fmt: skip
    return _out(influence.gain, *args)


def test_gain_is_the_step_toward_credit_minus_before():
    for coop in ([0, 0, 0], [1, 0, 0], [0, 1, 1], [1, 1, 1]):
        for briefed in (True, False):
            credits = _credit(coop, P, briefed=briefed)
            expected = _update(BEFORE, credits, P.rate) - BEFORE
            assert_allclose(_gain(coop, briefed=briefed), expected, atol=1e-15)


def test_gains_sum_to_zero():
    rng = np.random.default_rng(4)
    for _ in range(20):
        coop = (rng.random(3) < 0.5).astype(float)
        before = rng.dirichlet([1, 1, 1])
        g = _gain(coop, BASE, briefed=bool(rng.random() < 0.5), before=before, dep=[0, rng.random(), 0])
        assert g.sum() == pytest.approx(0.0, abs=1e-12)
        assert np.all(before + g >= 0)


@pytest.mark.parametrize(("pair", "a", "b", "third"), [(0, CMO, CIO, CFO), (1, CMO, CFO, CIO), (2, CIO, CFO, CMO)])
def test_gain_joint_work_helps_partners_at_the_third_s_expense(pair, a, b, third):
    coop = np.zeros(3)
    coop[pair] = 1.0
    alone, together = _gain(NONE), _gain(coop)
    assert together[a] > alone[a] and together[b] > alone[b]
    assert together[third] < alone[third]


def test_gain_briefing_helps_the_cmo():
    assert _gain(NONE, briefed=True)[CMO] > _gain(NONE, briefed=False)[CMO]
    off = P._replace(briefing_on=False)
    assert _gain(NONE, off, briefed=True)[CMO] == pytest.approx(_gain(NONE, off, briefed=False)[CMO])


def test_gain_zero_at_rate_zero():
    assert_allclose(_gain([1, 1, 0], P._replace(rate=0.0)), NONE, atol=1e-15)


def test_gain_political_effort_costs_influence():
    spent = np.array([1.0, 0.0, 0.0])
    p = P._replace(effort_time_cost=0.25)
    assert _gain(NONE, p, spent=spent)[CMO] < _gain(NONE, p)[CMO]
