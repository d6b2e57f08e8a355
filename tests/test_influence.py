"""Crediting and influence (orgsim.model.rules.influence): criticality, credit with joint work, simplex update."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from numpy.testing import assert_allclose

from orgsim.model.rules import influence
from orgsim.model.rules.influence import CFO, CIO, CMO
from orgsim.scenario.schema import InfluenceParams

OWN = np.array([[0.4, 0.6, 0.5]])
CRIT = np.array([[1.0, 1.2, 1.5]])
VIS = np.ones((1, 3))
NONE = np.zeros((1, 3))


def _credit(coop, joint=0.4, cost=0.0, dependence=NONE, own=OWN, crit=CRIT, vis=VIS):
    return influence.credit(own, crit, vis, np.asarray(coop, dtype=float), joint, cost, dependence)


# -- criticality ---------------------------------------------------------------------------------
def test_criticality_known_values_and_directions():
    p = InfluenceParams()
    crit = influence.criticality(0.5, 0.2, np.array([0.6, 1.0]), np.array([0.0, 0.5]), p)
    assert crit.shape == (2, 3)
    assert_allclose(crit[:, CMO], p.crit_cmo_base + p.crit_cmo_pressure * 0.5)
    assert_allclose(crit[0, CIO], p.crit_cio_base + p.crit_cio_threat * 0.2 + p.crit_cio_modernisation * 0.4)
    assert_allclose(crit[:, CFO], p.crit_cfo_base + p.crit_cfo_stress * np.array([0.0, 0.5]))
    lo = influence.criticality(0.1, 0.1, np.array([0.5]), np.array([0.0]), p)
    hi = influence.criticality(0.9, 0.9, np.array([0.5]), np.array([1.0]), p)
    assert np.all(hi > lo)


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
    assert_allclose(influence.criticality(0.5, 0.5, np.zeros(1), np.zeros(1), p), [[1, 2, 3]])


# -- credit --------------------------------------------------------------------------------------
def test_credit_without_cooperation_is_own_value():
    assert_allclose(_credit([[0, 0, 0]]), CRIT * OWN)


def test_credit_visibility_scales_own_credit():
    vis = np.array([[0.7, 1.0, 1.0]])
    assert_allclose(_credit([[0, 0, 0]], vis=vis), CRIT * OWN * vis)


def test_credit_dependence_is_added():
    dep = np.array([[0.0, 0.2, 0.0]])
    assert_allclose(_credit([[0, 0, 0]], dependence=dep) - _credit([[0, 0, 0]]), dep)


@pytest.mark.parametrize(("pair", "a", "b", "third"), [(0, CMO, CIO, CFO), (1, CMO, CFO, CIO), (2, CIO, CFO, CMO)])
def test_joint_credit_is_added_to_both_partners_not_transferred(pair, a, b, third):
    coop = np.zeros((1, 3))
    coop[0, pair] = 1.0
    alone, together = _credit([[0, 0, 0]]), _credit(coop)
    base = (CRIT * OWN)[0]
    expected_gain = 0.4 * 0.5 * (base[a] + base[b])
    # both partners gain the same joint credit (neither pays for the other's share)
    assert together[0, a] - alone[0, a] == pytest.approx(expected_gain)
    assert together[0, b] - alone[0, b] == pytest.approx(expected_gain)
    assert together[0, a] > alone[0, a] and together[0, b] > alone[0, b]
    # the executive left out keeps its credit (it loses only in shares)
    assert together[0, third] == pytest.approx(alone[0, third])
    assert together[0].sum() > alone[0].sum()


def test_joint_credit_with_coordination_cost_leaves_third_unchanged():
    alone, together = _credit([[0, 0, 0]], cost=0.15), _credit([[1, 0, 0]], cost=0.15)
    assert together[0, CFO] == pytest.approx(alone[0, CFO])
    base = (CRIT * OWN)[0]
    joint = 0.4 * 0.5 * (base[CMO] + base[CIO])
    assert together[0, CMO] == pytest.approx(base[CMO] * 0.85 + joint)
    assert together[0, CIO] == pytest.approx(base[CIO] * 0.85 + joint)


def test_credit_zero_joint_weight_cooperation_only_costs():
    alone, together = _credit([[0, 0, 0]], joint=0.0, cost=0.2), _credit([[1, 1, 1]], joint=0.0, cost=0.2)
    assert_allclose(together, alone * 0.6)


def test_credit_never_negative():
    rng = np.random.default_rng(0)
    coop = (rng.random((30, 3)) < 0.5).astype(float)
    out = influence.credit(
        rng.random((30, 3)), rng.random((30, 3)) * 5, rng.random((30, 3)), coop, 5.0, 1.0, np.zeros((30, 3))
    )
    assert np.all(out >= 0)


# -- update --------------------------------------------------------------------------------------
def test_update_rows_sum_to_one_and_stay_in_unit_interval():
    rng = np.random.default_rng(1)
    inf = rng.dirichlet([1, 1, 1], size=40)
    for _ in range(30):
        credits = rng.random((40, 3)) * rng.choice([0.0, 1.0, 100.0], size=(40, 1))
        inf = influence.update(inf, credits, rng.uniform(0.01, 1.0))
        assert_allclose(inf.sum(axis=1), 1.0)
        assert np.all((inf >= 0) & (inf <= 1))


def test_update_fixed_point_at_credited_shares():
    inf = np.array([[0.2, 0.5, 0.3], [0.24, 0.39, 0.37]])
    for scale in (1.0, 7.5):
        assert_allclose(influence.update(inf, inf * scale, 0.15), inf)


def test_update_known_value_and_direction():
    inf = np.array([[0.24, 0.39, 0.37]])
    credits = np.array([[2.0, 1.0, 1.0]])
    new = influence.update(inf, credits, 0.5)
    assert_allclose(new, 0.5 * inf + 0.5 * np.array([[0.5, 0.25, 0.25]]))
    assert new[0, CMO] > inf[0, CMO]


def test_update_rate_one_jumps_to_target():
    assert_allclose(
        influence.update(np.array([[0.2, 0.3, 0.5]]), np.array([[1.0, 1.0, 2.0]]), 1.0), [[0.25, 0.25, 0.5]]
    )


def test_update_zero_credit_keeps_influence():
    inf = np.array([[0.2, 0.3, 0.5]])
    assert_allclose(influence.update(inf, np.zeros((1, 3)), 0.5), inf)
