"""Budget-round rules (orgsim.model.rules.budget): contest, sticky split, spending lines, the CMO's tech claim."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from orgsim.model.rules import budget
from orgsim.model.rules.budget import CFO, CIO, CMO


# -- tullock_shares ------------------------------------------------------------------------------
def test_tullock_shares_sum_to_one():
    rng = np.random.default_rng(0)
    strength = rng.random((50, 3)) * 10
    for r in (0.3, 1.0, 2.5):
        shares = budget.tullock_shares(strength, r)
        assert shares.shape == (50, 3)
        assert_allclose(shares.sum(axis=1), 1.0)
        assert np.all(shares >= 0)


def test_tullock_shares_proportional_at_r1():
    assert_allclose(budget.tullock_shares(np.array([1.0, 2.0, 5.0]), 1.0), [0.125, 0.25, 0.625])
    assert_allclose(budget.tullock_shares(np.array([[3.0, 1.0, 0.0]])), [[0.75, 0.25, 0.0]])


def test_tullock_shares_equal_at_zero_strength():
    shares = budget.tullock_shares(np.zeros((2, 3)), 2.0)
    assert_allclose(shares, np.full((2, 3), 1 / 3))


def test_tullock_shares_negative_strength_counts_as_zero():
    assert_allclose(budget.tullock_shares(np.array([-1.0, 1.0, 1.0])), [0.0, 0.5, 0.5])


def test_tullock_shares_known_value_r2():
    assert_allclose(budget.tullock_shares(np.array([1.0, 2.0, 3.0]), 2.0), np.array([1, 4, 9]) / 14)


def test_tullock_higher_exponent_more_decisive():
    strength = np.array([1.0, 1.5, 2.0])
    prev = None
    for r in (0.5, 1.0, 2.0, 4.0, 8.0):
        top = budget.tullock_shares(strength, r)[2]
        if prev is not None:
            assert top > prev
        prev = top
    assert budget.tullock_shares(strength, 50.0)[2] > 0.99


def test_bargain_shares_proportional_to_power():
    assert_allclose(budget.bargain_shares(np.array([[1.0, 1.0, 2.0]])), [[0.25, 0.25, 0.5]])


# -- conflict loss -------------------------------------------------------------------------------
def test_conflict_loss_share_known_values():
    effort = np.array([[1.0, 1.0, 1.0], [0.5, 0.5, 0.5], [1.0, 1.0, 1.0]])
    coop = np.array([0.0, 0.0, 1.0])
    assert_allclose(budget.conflict_loss_share(effort, coop, 0.3), [0.3, 0.15, 0.0])


# -- domain_split --------------------------------------------------------------------------------
OLD = np.array([[0.4, 0.45, 0.15], [0.2, 0.5, 0.3]])
STRENGTH = np.array([[0.5, 0.2, 0.3], [0.1, 0.8, 0.1]])


@pytest.mark.parametrize("rule", ["contest", "bargain"])
@pytest.mark.parametrize("contested", [0.0, 0.2, 1.0])
def test_domain_split_rows_plus_lost_sum_to_one(rule, contested):
    lost = np.array([0.1, 0.3])
    new, lost_share = budget.domain_split(OLD, STRENGTH, contested, lost, 1.5, rule)
    assert new.shape == OLD.shape and lost_share.shape == (2,)
    assert_allclose(new.sum(axis=1) + lost_share, 1.0)
    assert np.all(new >= 0) and np.all(lost_share >= 0)


def test_domain_split_uncontested_keeps_old():
    new, lost_share = budget.domain_split(OLD, STRENGTH, 0.0, np.array([0.3, 0.3]))
    assert_allclose(new, OLD)
    assert_allclose(lost_share, 0.0)


def test_domain_split_contest_known_value():
    new, lost_share = budget.domain_split(OLD[:1], STRENGTH[:1], 0.2, np.array([0.1]))
    won = STRENGTH[0] / STRENGTH[0].sum()
    assert_allclose(new, [0.8 * OLD[0] + 0.2 * 0.9 * won])
    assert_allclose(lost_share, [0.02])


def test_domain_split_bargain_loses_nothing():
    new, lost_share = budget.domain_split(OLD, STRENGTH, 0.5, np.array([0.3, 0.9]), rule="bargain")
    assert_allclose(lost_share, 0.0)
    assert_allclose(new.sum(axis=1), 1.0)
    assert_allclose(new, 0.5 * OLD + 0.5 * STRENGTH / STRENGTH.sum(axis=1, keepdims=True))


# -- allocate ------------------------------------------------------------------------------------
def _parts(a: budget.Allocation) -> np.ndarray:
    return a.marketing + a.it_core + a.it_marketing + a.shadow_it + a.finance + a.conflict


def _inputs(f: int = 5, seed: int = 0):
    rng = np.random.default_rng(seed)
    domain = rng.dirichlet([2, 2, 2], size=f)
    lost = rng.random(f) * 0.1
    domain = domain * (1.0 - lost)[:, None]  # rows + lost sum to 1, as domain_split gives
    return (rng.random(f) * 100, domain, lost, rng.random(f) * 0.6, rng.random(f))


@pytest.mark.parametrize("shadow_allowed", [True, False])
@pytest.mark.parametrize("cap", [0.0, 0.1, 0.5, 1.0])
def test_allocate_parts_sum_to_budget(shadow_allowed, cap):
    b, domain, lost, claim, governed = _inputs()
    a = budget.allocate(b, domain, lost, claim, governed, cap, shadow_allowed)
    assert_allclose(_parts(a), b)
    for part in (a.marketing, a.it_core, a.it_marketing, a.shadow_it, a.finance, a.conflict):
        assert np.all(part >= -1e-12)
    assert_allclose(a.it_core, domain[:, CIO] * b)
    assert_allclose(a.finance, domain[:, CFO] * b)
    assert_allclose(a.conflict, lost * b)
    assert_allclose(a.tech_claim, claim * domain[:, CMO] * b)


@pytest.mark.parametrize("cap", [0.0, 0.05, 0.2, 1.0])
def test_allocate_shadow_capped(cap):
    b, domain, lost, claim, governed = _inputs(seed=3)
    a = budget.allocate(b, domain, lost, claim, governed, cap)
    cmo_money = domain[:, CMO] * b
    assert np.all(a.shadow_it <= cap * cmo_money + 1e-12)
    # what the cap blocks goes back to campaigns, not to IT
    assert_allclose(a.marketing + a.it_marketing + a.shadow_it, cmo_money)


def test_allocate_shadow_known_value():
    a = budget.allocate(
        np.array([100.0]), np.array([[0.5, 0.3, 0.2]]), np.zeros(1), np.array([0.4]), np.array([0.25]), 0.1
    )
    # CMO money 50, tech 20: governed 5, ungoverned 15 capped at 5 -> campaigns 40
    assert_allclose(a.it_marketing, [5.0])
    assert_allclose(a.shadow_it, [5.0])
    assert_allclose(a.marketing, [40.0])


def test_allocate_fully_governed_has_no_shadow():
    b, domain, lost, claim, _ = _inputs()
    a = budget.allocate(b, domain, lost, claim, np.ones_like(b), 1.0)
    assert_allclose(a.shadow_it, 0.0)
    assert_allclose(a.it_marketing, claim * domain[:, CMO] * b)


def test_allocate_shadow_not_allowed():
    b, domain, lost, claim, governed = _inputs()
    a = budget.allocate(b, domain, lost, claim, governed, 1.0, shadow_allowed=False)
    assert_allclose(a.shadow_it, 0.0)
    assert_allclose(a.it_marketing, claim * domain[:, CMO] * b)
    assert_allclose(_parts(a), b)


# -- tech_claim ----------------------------------------------------------------------------------
def _claim(p, analytics=0.2, experience=0.4, claim_max=0.6):
    return budget.tech_claim(p, np.array([analytics]), np.array([experience]), 3.0, 3.0, claim_max)[0]


def test_tech_claim_zero_without_pressure():
    assert _claim(0.0) == 0.0


def test_tech_claim_rises_with_pressure_and_bounded():
    values = [_claim(p) for p in np.linspace(0, 1, 11)]
    assert np.all(np.diff(values) > 0)
    assert all(0.0 <= v <= 0.6 for v in values)


def test_tech_claim_known_value():
    # m_tech = 3 * 0.5 * 0.8 = 1.2, m_camp = 3 * 0.6 = 1.8 -> 0.6 * 1.2 / 3.0
    assert _claim(0.5) == pytest.approx(0.24)


def test_tech_claim_never_above_max_and_zero_totals():
    rng = np.random.default_rng(1)
    analytics, experience = rng.random(100), rng.random(100)
    for p in (0.0, 0.3, 1.0):
        c = budget.tech_claim(p, analytics, experience, 20.0, 0.0, 0.7)
        assert np.all((c >= 0) & (c <= 0.7))
    # no headroom anywhere: no claim, no NaN
    assert budget.tech_claim(1.0, np.ones(2), np.ones(2), 3.0, 3.0, 0.6).tolist() == [0.0, 0.0]
