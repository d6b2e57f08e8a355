"""Budget-round rules (orgsim.model.rules.budget): contest, sticky split, spending lines, the CMO's tech claim.

The rules work on one firm (scalars and rows) and write into ``out``/``money``; the tests loop over
firms and values where a property holds for many. Compiled runs: tests/test_rules_compiled.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import orgsim
from orgsim.model.market import params_of
from orgsim.model.roles import CFO, CIO, CMO
from orgsim.model.rules import budget
from orgsim.scenario.files import load

#: the baseline scenario's budget parameters, as the model builds them
BASE = params_of(load("baseline")).budget
#: the lines that add up to the budget (marketing, IT core, governed marketing IT, shadow IT, finance, conflict)
PARTS = slice(1, 7)


def _shares(strength, exponent=1.0) -> np.ndarray:
    out = np.full(len(strength), np.nan)
    budget.tullock_shares(np.asarray(strength, dtype=float), exponent, out)
    return out


def test_lines_name_the_money_rows():
    assert budget.LINES == (
        "budget", "marketing", "it_core", "it_marketing", "shadow_it", "finance", "conflict", "tech_claim",
    )  # fmt: skip


# -- tullock_shares ------------------------------------------------------------------------------
def test_tullock_shares_sum_to_one():
    rng = np.random.default_rng(0)
    strength = rng.random((50, 3)) * 10
    for r in (0.3, 1.0, 2.5):
        for row in strength:
            shares = _shares(row, r)
            assert shares.sum() == pytest.approx(1.0)
            assert np.all(shares >= 0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(-10.0, 1e3, allow_nan=False), min_size=1, max_size=6),
    st.floats(0.0, 8.0, allow_nan=False),
)
def test_tullock_shares_on_the_simplex_property(strength, exponent):
    shares = _shares(strength, exponent)
    assert np.all(np.isfinite(shares))
    assert np.all((shares >= 0) & (shares <= 1 + 1e-12))
    assert shares.sum() == pytest.approx(1.0)


def test_tullock_shares_proportional_at_r1():
    assert_allclose(_shares([1.0, 2.0, 5.0], 1.0), [0.125, 0.25, 0.625])
    assert_allclose(_shares([3.0, 1.0, 0.0]), [0.75, 0.25, 0.0])


def test_tullock_shares_equal_at_zero_strength():
    assert_allclose(_shares(np.zeros(3), 2.0), np.full(3, 1 / 3))
    assert_allclose(_shares(np.zeros(4), 1.0), np.full(4, 1 / 4))


def test_tullock_shares_negative_strength_counts_as_zero():
    assert_allclose(_shares([-1.0, 1.0, 1.0]), [0.0, 0.5, 0.5])


def test_tullock_shares_known_value_r2():
    assert_allclose(_shares([1.0, 2.0, 3.0], 2.0), np.array([1, 4, 9]) / 14)


def test_tullock_higher_exponent_more_decisive():
    strength = [1.0, 1.5, 2.0]
    prev = None
    for r in (0.5, 1.0, 2.0, 4.0, 8.0):
        top = _shares(strength, r)[2]
        if prev is not None:
            assert top > prev
        prev = top
    assert _shares(strength, 50.0)[2] > 0.99


def test_bargain_shares_proportional_to_power():
    # the asymmetric Nash bargain is the same rule at exponent 1: x_i = a_i / sum a
    assert_allclose(_shares([1.0, 1.0, 2.0], 1.0), [0.25, 0.25, 0.5])


# -- conflict loss -------------------------------------------------------------------------------
def test_conflict_loss_share_known_values():
    assert budget.conflict_loss_share(np.ones(3), 0.0, 0.3) == pytest.approx(0.3)
    assert budget.conflict_loss_share(np.full(3, 0.5), 0.0, 0.3) == pytest.approx(0.15)
    assert budget.conflict_loss_share(np.ones(3), 1.0, 0.3) == pytest.approx(0.0)
    assert budget.conflict_loss_share(np.array([1.0, 0.5, 0.0]), 0.5, 0.3) == pytest.approx(0.3 * 0.5 * 0.5)


def test_conflict_loss_share_trust_clipped_and_no_effort_no_loss():
    effort = np.array([0.2, 0.9, 0.4])
    assert budget.conflict_loss_share(effort, 1.7, 0.3) == pytest.approx(0.0)
    assert budget.conflict_loss_share(effort, -0.5, 0.3) == pytest.approx(budget.conflict_loss_share(effort, 0.0, 0.3))
    assert budget.conflict_loss_share(np.zeros(3), 0.0, 0.3) == 0.0
    values = [budget.conflict_loss_share(effort, t, 0.3) for t in np.linspace(0, 1, 6)]
    assert np.all(np.diff(values) < 0)


# -- budget_round --------------------------------------------------------------------------------
OLD = np.array([[0.4, 0.45, 0.15], [0.2, 0.5, 0.3], [0.6, 0.3, 0.1]])
INFLUENCE = np.array([[0.3, 0.4, 0.3], [0.2, 0.5, 0.3], [0.5, 0.25, 0.25]])
EFFORT = np.array([[0.5, 0.2, 0.3], [1.0, 0.8, 0.1], [0.0, 0.4, 0.9]])


def _round(domain, influence=INFLUENCE[0], effort=EFFORT[0], p=BASE, *, revenue=100.0, roi=0.3, trust=0.2,
           joint=0.5, analytics=0.2, experience=0.4, pressure=0.5):  # fmt: skip
    """One budget round: (money lines, domain after)."""
    domain = np.array(domain, dtype=float)
    money = np.full(len(budget.LINES), np.nan)
    budget.budget_round(
        revenue, domain, np.asarray(influence, float), np.asarray(effort, float), roi, trust, joint, analytics,
        experience, pressure, p, money,
    )  # fmt: skip
    return money, domain


@pytest.mark.parametrize("contest", [True, False])
@pytest.mark.parametrize("contested", [0.0, 0.2, 1.0])
def test_budget_round_conserves_money_and_keeps_domain_on_simplex(contest, contested):
    p = BASE._replace(contest=contest, contested=contested, exponent=1.5 if contest else 1.0)
    for old, inf, eff in zip(OLD, INFLUENCE, EFFORT, strict=True):
        for trust in (0.0, 0.4, 1.0):
            money, domain = _round(old, inf, eff, p, revenue=80.0, trust=trust)
            assert money[0] == pytest.approx(p.share * 80.0)
            assert money[PARTS].sum() == pytest.approx(money[0])
            assert np.all(money >= -1e-12)
            assert domain.sum() == pytest.approx(1.0)
            assert np.all((domain >= 0) & (domain <= 1))


@settings(max_examples=150, deadline=None)
@given(
    old=st.lists(st.floats(0.01, 1.0), min_size=3, max_size=3),
    inf=st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3),
    eff=st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3),
    contested=st.floats(0.0, 1.0),
    trust=st.floats(0.0, 1.0),
    joint=st.floats(0.0, 1.0),
    contest=st.booleans(),
    shadow_on=st.booleans(),
    cap=st.floats(0.0, 1.0),
    pressure=st.floats(0.0, 1.0),
)
def test_budget_round_conservation_property(old, inf, eff, contested, trust, joint, contest, shadow_on, cap, pressure):
    old = np.array(old) / sum(old)
    p = BASE._replace(contest=contest, contested=contested, shadow_on=shadow_on, shadow_cap=cap)
    money, domain = _round(old, inf, eff, p, trust=trust, joint=joint, pressure=pressure)
    assert money[PARTS].sum() == pytest.approx(money[0])
    assert np.all(money >= -1e-9)
    assert domain.sum() == pytest.approx(1.0)
    assert np.all(domain >= 0)
    assert money[4] <= cap * (money[1] + money[3] + money[4]) + 1e-9  # shadow IT within the cap of the CMO's money


def test_budget_round_uncontested_keeps_old_split():
    p = BASE._replace(contested=0.0)
    for old in OLD:
        money, domain = _round(old, p=p)
        assert_allclose(domain, old)
        assert money[6] == 0.0
        assert money[2] == pytest.approx(old[CIO] * money[0])
        assert money[5] == pytest.approx(old[CFO] * money[0])


def test_budget_round_contest_known_value():
    p = BASE._replace(contest=True, contested=0.2, exponent=1.0, conflict_loss=0.3, roi_evidence=1.0)
    old, inf, eff, roi, trust = OLD[0], INFLUENCE[0], EFFORT[0], 0.3, 0.2
    money, domain = _round(old, inf, eff, p, roi=roi, trust=trust)
    claims = np.array([p.claim_cmo, p.claim_cio, p.claim_cfo])
    evidence = np.array([1.0 + roi, 1.0, 1.0])
    won = _shares(claims * inf * evidence * eff, 1.0)
    lost = 0.3 * eff.mean() * (1 - trust)
    split = 0.8 * old + 0.2 * (1 - lost) * won
    assert money[6] == pytest.approx(0.2 * lost * money[0])
    assert money[2] == pytest.approx(split[CIO] * money[0])
    assert money[5] == pytest.approx(split[CFO] * money[0])
    assert money[1] + money[3] + money[4] == pytest.approx(split[CMO] * money[0])
    assert_allclose(domain, split / split.sum())  # the loss is not carried into next year's base


def test_budget_round_bargain_loses_nothing():
    p = BASE._replace(contest=False, contested=0.5, exponent=1.0)
    for old, inf, eff in zip(OLD, INFLUENCE, EFFORT, strict=True):
        money, domain = _round(old, inf, eff, p, trust=0.0)
        assert money[6] == 0.0
        assert money[PARTS].sum() == pytest.approx(money[0])
        claims = np.array([p.claim_cmo, p.claim_cio, p.claim_cfo])
        strength = claims * inf * np.array([1.0 + p.roi_evidence * 0.3, 1.0, 1.0])
        assert_allclose(domain, 0.5 * old + 0.5 * strength / strength.sum())
        # effort plays no part in the bargain
        money_lazy, domain_lazy = _round(old, inf, np.zeros(3), p, trust=0.0)
        assert_allclose(domain_lazy, domain)
        assert_allclose(money_lazy, money)


def test_budget_round_no_effort_no_loss():
    p = BASE._replace(contest=True, contested=0.4, conflict_loss=0.9)
    for old, inf in zip(OLD, INFLUENCE, strict=True):
        money, domain = _round(old, inf, np.zeros(3), p, trust=0.0)
        assert money[6] == 0.0
        assert money[PARTS].sum() == pytest.approx(money[0])
        # nobody fights: the contested part is split equally
        assert_allclose(domain, 0.6 * old + 0.4 / 3)


def test_budget_round_full_trust_no_loss():
    p = BASE._replace(contest=True, contested=0.4, conflict_loss=0.9)
    money, _ = _round(OLD[0], effort=np.ones(3), p=p, trust=1.0)
    assert money[6] == 0.0


def test_budget_round_more_effort_more_share_and_more_loss():
    p = BASE._replace(contest=True, contested=0.5, exponent=1.5)
    shares, losses = [], []
    for e in (0.1, 0.3, 0.6, 1.0):
        money, domain = _round(OLD[0], INFLUENCE[0], np.array([e, 0.3, 0.3]), p, trust=0.0)
        shares.append(domain[CMO])
        losses.append(money[6])
    assert np.all(np.diff(shares) > 0)
    assert np.all(np.diff(losses) > 0)


def test_budget_round_roi_evidence_strengthens_the_cmo():
    p = BASE._replace(contest=True, contested=0.5, roi_evidence=1.0)
    cmo = [_round(OLD[0], p=p, roi=roi)[1][CMO] for roi in (0.0, 0.3, 0.7, 1.0)]
    assert np.all(np.diff(cmo) > 0)
    off = BASE._replace(contest=True, contested=0.5, roi_evidence=0.0)
    assert len({_round(OLD[0], p=off, roi=roi)[1][CMO] for roi in (0.0, 0.5, 1.0)}) == 1


def test_budget_round_budget_is_a_share_of_revenue_and_tech_claim_follows_the_rule():
    for revenue in (0.0, 50.0, 123.4):
        money, _ = _round(OLD[1], revenue=revenue, pressure=0.7, analytics=0.1, experience=0.5)
        assert money[0] == pytest.approx(BASE.share * revenue)
        claim = budget.tech_claim(0.7, 0.1, 0.5, BASE.beta_personalisation, BASE.beta_experience, BASE.claim_max)
        assert money[7] == pytest.approx(claim * (money[1] + money[3] + money[4]))


# -- allocate ------------------------------------------------------------------------------------
def _inputs(f: int = 5, seed: int = 0):
    rng = np.random.default_rng(seed)
    domain = rng.dirichlet([2, 2, 2], size=f)
    lost = rng.random(f) * 0.1
    domain = domain * (1.0 - lost)[:, None]  # rows + lost sum to 1, as the budget round gives
    return rng.random(f) * 100, domain, lost, rng.random(f) * 0.6, rng.random(f)


def _allocate(b, domain, lost, claim, joint, cap, shadow_on=True, reach=1.0) -> np.ndarray:
    money = np.full(len(budget.LINES), np.nan)
    budget.allocate(b, np.asarray(domain, float), lost, claim, joint, reach, cap, shadow_on, money)
    return money


@pytest.mark.parametrize("reach", [0.0, 0.4, 1.0])
@pytest.mark.parametrize("shadow_on", [True, False])
@pytest.mark.parametrize("cap", [0.0, 0.1, 0.5, 1.0])
def test_allocate_parts_sum_to_budget(shadow_on, cap, reach):
    for b, domain, lost, claim, joint in zip(*_inputs(), strict=True):
        m = _allocate(b, domain, lost, claim, joint, cap, shadow_on, reach)
        assert m[0] == b
        assert m[PARTS].sum() == pytest.approx(b)
        assert np.all(m >= -1e-12)
        assert m[2] == pytest.approx(domain[CIO] * b)
        assert m[5] == pytest.approx(domain[CFO] * b)
        assert m[6] == pytest.approx(lost * b)
        assert m[7] == pytest.approx(claim * domain[CMO] * b)


@pytest.mark.parametrize("cap", [0.0, 0.05, 0.2, 1.0])
def test_allocate_shadow_capped(cap):
    for b, domain, lost, claim, joint in zip(*_inputs(seed=3), strict=True):
        m = _allocate(b, domain, lost, claim, joint, cap)
        cmo_money = domain[CMO] * b
        assert m[4] <= cap * cmo_money + 1e-12
        # what the cap blocks goes back to campaigns, not to IT
        assert m[1] + m[3] + m[4] == pytest.approx(cmo_money)


def test_allocate_shadow_known_value():
    m = _allocate(100.0, [0.5, 0.3, 0.2], 0.0, 0.4, 0.25, 0.1)
    # CMO money 50, tech 20: governed 5, ungoverned 15 capped at 5 -> campaigns 40
    assert m[3] == pytest.approx(5.0)
    assert m[4] == pytest.approx(5.0)
    assert m[1] == pytest.approx(40.0)
    assert m[7] == pytest.approx(20.0)


def test_allocate_reach_scales_the_governed_share():
    # CMO money 50, tech 20, joint work in 3 of 4 quarters: with reach 0.4 governed 0.4 * 0.75 * 20 = 6,
    # the other 14 bought outside IT up to the cap (0.2 * 50 = 10), 4 back to campaigns
    m = _allocate(100.0, [0.5, 0.3, 0.2], 0.0, 0.4, 0.75, 0.2, reach=0.4)
    assert m[3] == pytest.approx(6.0)
    assert m[4] == pytest.approx(10.0)
    assert m[1] == pytest.approx(34.0)


def test_allocate_without_reach_joint_work_governs_nothing():
    for b, domain, lost, claim, _ in zip(*_inputs(seed=5), strict=True):
        m = _allocate(b, domain, lost, claim, 1.0, 1.0, reach=0.0)
        assert m[3] == 0.0
        assert m[4] == pytest.approx(claim * domain[CMO] * b)


def test_allocate_governed_money_rises_with_reach_and_joint_work():
    grid = np.linspace(0.0, 1.0, 6)
    for b, domain, lost, claim, _ in zip(*_inputs(seed=6), strict=True):
        gov = np.array([[_allocate(b, domain, lost, claim, j, 0.3, reach=r)[3] for j in grid] for r in grid])
        assert np.all(np.diff(gov, axis=0) >= -1e-12) and np.all(np.diff(gov, axis=1) >= -1e-12)
        assert gov[-1, -1] == pytest.approx(claim * domain[CMO] * b)


def test_allocate_fully_governed_has_no_shadow():
    for b, domain, lost, claim, _ in zip(*_inputs(), strict=True):
        m = _allocate(b, domain, lost, claim, 1.0, 1.0)
        assert m[4] == 0.0
        assert m[3] == pytest.approx(claim * domain[CMO] * b)


def test_allocate_shadow_not_allowed():
    for b, domain, lost, claim, joint in zip(*_inputs(), strict=True):
        m = _allocate(b, domain, lost, claim, joint, 1.0, shadow_on=False)
        assert m[4] == 0.0
        assert m[3] == pytest.approx(claim * domain[CMO] * b)
        assert m[PARTS].sum() == pytest.approx(b)


# -- tech_claim ----------------------------------------------------------------------------------
def _claim(p, analytics=0.2, experience=0.4, claim_max=0.6):
    return budget.tech_claim(p, analytics, experience, 3.0, 3.0, claim_max)


def test_tech_claim_zero_without_pressure():
    assert _claim(0.0) == 0.0


def test_tech_claim_rises_with_pressure_and_bounded():
    values = [_claim(p) for p in np.linspace(0, 1, 11)]
    assert np.all(np.diff(values) > 0)
    assert all(0.0 <= v <= 0.6 for v in values)


def test_tech_claim_falls_with_analytics_rises_with_experience():
    by_analytics = [_claim(0.5, analytics=a) for a in np.linspace(0, 0.9, 5)]
    by_experience = [_claim(0.5, experience=e) for e in np.linspace(0, 0.9, 5)]
    assert np.all(np.diff(by_analytics) < 0)
    assert np.all(np.diff(by_experience) > 0)


def test_tech_claim_known_value():
    # m_tech = 3 * 0.5 * 0.8 = 1.2, m_camp = 3 * 0.6 = 1.8 -> 0.6 * 1.2 / 3.0
    assert _claim(0.5) == pytest.approx(0.24)


def test_tech_claim_never_above_max_and_zero_totals():
    rng = np.random.default_rng(1)
    for a, e in zip(rng.random(100), rng.random(100), strict=True):
        for p in (0.0, 0.3, 1.0):
            c = budget.tech_claim(p, a, e, 20.0, 0.0, 0.7)
            assert 0.0 <= c <= 0.7
    # no headroom anywhere: no claim, no NaN
    assert budget.tech_claim(1.0, 1.0, 1.0, 3.0, 3.0, 0.6) == 0.0


def test_a_budget_round_that_loses_everything_contested_keeps_last_years_base():
    """contested_share 1, conflict_loss 1, full effort, no trust: the whole budget is lost this year
    and next year's base stays last year's split (not 0/0)."""
    bp = params_of(load("baseline")).budget._replace(contested=1.0, conflict_loss=1.0, contest=True)
    domain = np.array([0.3, 0.5, 0.2])
    money = np.empty(len(budget.LINES))
    budget.budget_round(100.0, domain, np.full(3, 1 / 3), np.ones(3), 0.2, 0.0, 0.0, 0.3, 0.4, 0.5, bp, money)
    assert domain.tolist() == [0.3, 0.5, 0.2]
    assert money[0] == pytest.approx(money[6]) and money[1:6].sum() == 0.0


@pytest.mark.slow
def test_a_market_that_loses_every_budget_runs():
    zero = {f"coop_{a}_{b}": 0.0 for a in ("cmo", "cio", "cfo") for b in ("cmo", "cio", "cfo") if a != b}
    res = orgsim.simulate(
        "baseline", seed=3, firms=4, customers=1000, steps=16, effort_mean=1.0, contested_share=1.0,
        conflict_loss=1.0, **zero,
    )  # fmt: skip
    assert np.isfinite(res.firms.drop(columns=["run_id", "scenario"]).to_numpy(dtype=float)).all()


def test_contest_strength_is_claim_times_influence_times_evidence():
    out = np.full(3, np.nan)
    budget.contest_strength(INFLUENCE[1], 0.4, BASE, out)
    claims = np.array([BASE.claim_cmo, BASE.claim_cio, BASE.claim_cfo])
    assert_allclose(out, claims * INFLUENCE[1] * np.array([1.0 + BASE.roi_evidence * 0.4, 1.0, 1.0]))
