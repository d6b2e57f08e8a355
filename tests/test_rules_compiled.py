"""Each rule compiled by numba gives what the plain call gives (orgsim.model.rules.*).

The model's quarter calls the rules compiled (``register_jitable``); the other rule tests call them
as plain Python. Here one body per rule module calls several rules; it runs once as plain Python
and once compiled with ``numba.njit`` (one compile per module, same argument types every time) on a
handful of inputs, edge cases included, and the results must agree.
"""

from __future__ import annotations

import inspect

import numba
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from orgsim.model.market import params_of
from orgsim.model.rules import budget, capabilities, choice, influence, interaction, learning, politics
from orgsim.scenario.files import load

PARAMS = params_of(load("baseline"))
RTOL = 1e-12


def _same(plain, compiled) -> None:
    """Equal results: exactly for integers and booleans, to ``RTOL`` for floats; tuples element by element."""
    if isinstance(plain, tuple):
        assert isinstance(compiled, tuple) and len(compiled) == len(plain)
        for a, b in zip(plain, compiled, strict=True):
            _same(a, b)
        return
    a, b = np.asarray(plain), np.asarray(compiled)
    assert a.shape == b.shape
    if a.dtype.kind in "biu" or b.dtype.kind in "biu":
        assert_array_equal(a, b)
    else:
        assert_allclose(b, a, rtol=RTOL, atol=1e-15)


def _both(body, *args):
    """Run ``body`` plain and compiled on copies of ``args`` (rules write in place); both results."""
    plain_args = tuple(x.copy() if isinstance(x, np.ndarray) else x for x in args)
    jit_args = tuple(x.copy() if isinstance(x, np.ndarray) else x for x in args)
    plain, fast = body(*plain_args), JIT[body](*jit_args)
    _same(plain, fast)
    for x, y in zip(plain_args, jit_args, strict=True):  # what the rules wrote in place
        if isinstance(x, np.ndarray):
            _same(x, y)
    return plain


# -- the bodies: several rules of one module per body ---------------------------------------------
def budget_body(strength, exponent, effort, trust, pressure, analytics, experience, domain, lost, claim, governed,
                shadow_on, revenue, influence_row, roi, p):  # fmt: skip
    shares = np.empty(strength.shape[0])
    budget.tullock_shares(strength, exponent, shares)
    base = np.empty(3)
    budget.contest_strength(influence_row, roi, p, base)
    loss = budget.conflict_loss_share(effort, trust, p.conflict_loss)
    c = budget.tech_claim(pressure, analytics, experience, p.beta_personalisation, p.beta_experience, p.claim_max)
    money = np.empty(8)
    budget.allocate(revenue * p.share, domain, lost, claim, governed, p.reach, p.shadow_cap, shadow_on, money)
    round_money = np.empty(8)
    budget.budget_round(revenue, domain, influence_row, effort, roi, trust, governed, analytics, experience,
                        pressure, p, round_money)  # fmt: skip
    return shares, loss, c, money, round_money, domain, base


def influence_body(pressure, threat, climate, quality, revenue, year_ago, experience, margin, it_marketing, budget_,
                   coop, briefed, spent, before, p):  # fmt: skip
    crit = np.empty(3)
    influence.criticality(pressure, threat, climate, quality, revenue, year_ago, p, crit)
    own = np.empty(3)
    influence.domain_value(experience, quality, margin, own)
    dep = np.empty(3)
    influence.dependence(it_marketing, budget_, p, dep)
    credits = np.empty(3)
    influence.credit(own, crit, dep, coop, briefed, spent, p, credits)
    after = np.empty(3)
    influence.update(before, credits, p.rate, after)
    g = np.empty(3)
    influence.gain(own, crit, dep, coop, briefed, spent, before, p, g)
    share = np.empty(3)
    n = influence.attention(briefed, p.ceo_attention, share)
    vis = influence.visibility(p.visibility_unbriefed_cio, share[1], p.briefing_on)
    return crit, own, dep, credits, after, g, share, n, vis


def learning_body(payoff, acted, own, foregone, sums, p, prob, other_prob, own_margin, other_margin, noise,
                  firm_payoff, firm_coop):  # fmt: skip
    seen = learning.observed_foregone(payoff, acted, own, 1, firm_payoff, firm_coop)
    seen_brief = learning.observed_foregone(payoff, acted, own, 1, np.empty(0), np.empty(0))
    ev = np.empty(4)
    learning.evidence(payoff, acted, own, p.own_weight, p.other_weight, ev)
    learning.add_foregone(acted[own], foregone, p.foregone_weight, ev)
    learning.accumulate(sums, ev, p.decay)
    gap = learning.belief_gap(sums)
    gap0 = learning.belief_gap(sums, 0.0)
    step = learning.logit_step(prob, gap, p.rate, p.scale)
    w = learning.imitation_weight(own_margin, other_margin, p.imitation_scale)
    return ev, gap, gap0, step, w, learning.imitate(step, other_prob, w), learning.drift(step, noise), seen, seen_brief


def capabilities_body(stocks, money, roi_work, appraisal_work, threat, incidents, revenue, p):
    level = capabilities.stock_step(stocks[0], money[2] / p.unit, p.quality_growth, p.quality_decay)
    integ = capabilities.integration_step(stocks[2], money[3] / p.unit, money[4] / p.unit, p.integration_growth,
                                          p.silo_growth, p.integration_decay)  # fmt: skip
    waste = capabilities.waste_share(stocks[4], p.waste_max)
    capabilities.move_stocks(stocks, money, roi_work, appraisal_work, p)
    lam = capabilities.incident_rate(threat, stocks[0], stocks[6], p.incident_rate, p.security_protection,
                                     p.shadow_risk)  # fmt: skip
    quality, profit = capabilities.incident_damage(stocks[0], incidents, revenue, money[0], p)
    return level, integ, waste, lam, quality, profit


def interaction_body(u, p_coop, p_brief, mandated):
    willing = np.zeros((3, 3), dtype=np.bool_)
    briefed = np.zeros(3, dtype=np.bool_)
    n = interaction.propose(u, p_coop, p_brief, willing, briefed)
    out = np.empty(3)
    interaction.joint_work(willing, mandated, out)
    return willing, briefed, n, out


def choice_body(quality, experience, analytics, pressure, own, taste, counts, u, wom, switching_cost):
    product, gap, w_scale = choice.firm_terms(quality, experience, analytics, pressure, 1.5, 3.0, 3.0, 0.3)
    util = np.empty(quality.shape[0])
    picked = choice.pick(own, taste, counts, u, product, gap, w_scale, wom, switching_cost, util)
    return product, gap, w_scale, picked


def politics_body(crit, own, trust, joint, strength, effort, believed, exponent, p):
    value = np.empty(3)
    cost = np.empty(3)
    politics.stakes(crit, own, trust, p, value, cost)
    v0 = politics.contest_value(p.stake, p.contested, crit, 0)
    share = politics.own_credit_share(crit, own, 1)
    c0 = politics.effort_cost(p.time_cost, share, v0, p.conflict_loss, trust)
    weight = np.empty((3, 3))
    politics.peer_weights(p.shared_stake, joint, weight)
    rivals, weighted = politics.believed_rivals(believed, weight, 0, exponent)
    u = politics.expected_payoff(0.3, strength[0], rivals, weighted, value[0], cost[0], exponent)
    br = politics.best_response(strength[0], rivals, weighted, value[0], cost[0], exponent)
    step = politics.smoothed(effort[0], br, p.rate)
    politics.move_efforts(strength, effort, believed, weight, value, cost, exponent, p.rate)
    politics.observe_bids(strength, effort, believed, p.decay)
    total = politics.believed_total(believed, 2)
    return value, cost, v0, c0, weight, rivals, weighted, u, br, step, total


BODIES = (budget_body, influence_body, learning_body, capabilities_body, interaction_body, choice_body, politics_body)
JIT = {body: numba.njit(body) for body in BODIES}


def test_every_rule_is_exercised_compiled():
    """Every rule of every rule module is called by one of the bodies above."""
    sources = "\n".join(inspect.getsource(b) for b in BODIES)
    for module in (budget, capabilities, choice, influence, interaction, learning, politics):
        for name, fn in vars(module).items():
            if callable(fn) and getattr(fn, "__module__", None) == module.__name__ and not isinstance(fn, type):
                assert f"{module.__name__.rsplit('.', 1)[1]}.{name}(" in sources, name


# -- budget --------------------------------------------------------------------------------------
@pytest.mark.parametrize("variant", ["baseline", "bargain", "no_shadow", "partial_reach"])
def test_budget_rules_compiled_match_plain(variant):
    p = PARAMS.budget
    p = {
        "baseline": p._replace(exponent=1.7),
        "bargain": p._replace(contest=False, exponent=1.0, contested=0.5),
        "no_shadow": p._replace(shadow_on=False, contested=1.0),
        "partial_reach": p._replace(reach=0.35),
    }[variant]
    rng = np.random.default_rng(0)
    cases = [np.zeros(3), np.array([-1.0, 2.0, 3.0])] + [rng.random(3) * 5 for _ in range(6)]
    for k, strength in enumerate(cases):
        effort = np.zeros(3) if k == 0 else rng.random(3)
        domain = rng.dirichlet([2, 2, 2])
        pressure, analytics, experience = (1.0, 1.0, 1.0) if k == 1 else rng.random(3)
        out = _both(
            budget_body, strength, float(p.exponent), effort, float(rng.random()), float(pressure), float(analytics),
            float(experience), domain, float(rng.random() * 0.1), float(rng.random() * 0.6), float(rng.random()),
            bool(p.shadow_on), float(rng.random() * 200), rng.dirichlet([1, 1, 1]), float(rng.random()), p,
        )  # fmt: skip
        shares, _, _, money, round_money, after, base = out
        assert np.all(base >= 0)
        assert shares.sum() == pytest.approx(1.0)
        assert round_money[1:7].sum() == pytest.approx(round_money[0])
        assert after.sum() == pytest.approx(1.0)
        assert money[0] >= 0


# -- influence -----------------------------------------------------------------------------------
def test_influence_rules_compiled_match_plain():
    rng = np.random.default_rng(1)
    for k in range(12):
        p = PARAMS.credit._replace(
            briefing_on=bool(k % 3), coordination_cost=float(rng.random() * 0.5), effort_time_cost=float(rng.random()),
            ceo_attention=(0.5, 1.0, 1.5, 3.0)[k % 4], briefing_time_cost=float(rng.random() * 0.3),
        )  # fmt: skip
        coop = (rng.random(3) < 0.5).astype(float)
        year_ago = 0.0 if k == 0 else float(rng.random() * 200)
        budget_ = 0.0 if k == 1 else float(rng.random() * 50)
        *_, after, g, share, n, vis = _both(
            influence_body, float(rng.random()), float(rng.random()), float(rng.random() * 1.5), float(rng.random()),
            float(rng.random() * 200), year_ago, float(rng.random()), float(rng.random() - 0.5),
            float(rng.random() * 5), budget_, coop, rng.random(3) < 0.5, rng.random(3) * (k % 2),
            rng.dirichlet([1, 1, 1]), p,
        )  # fmt: skip
        assert share.sum() <= p.ceo_attention + 1e-12 and 0 <= n <= 3 and 0.0 <= vis <= 1.0
        assert after.sum() == pytest.approx(1.0)
        assert g.sum() == pytest.approx(0.0, abs=1e-12)


# -- learning ------------------------------------------------------------------------------------
def test_learning_rules_compiled_match_plain():
    rng = np.random.default_rng(2)
    p = PARAMS.learn
    for k in range(12):
        n = 5
        acted = rng.random(n) < 0.5
        if k == 0:
            acted[:] = True  # one side only: no gap
        sums = np.zeros(4) if k == 1 else rng.random(4)
        prob = (0.0, 1.0)[k] if k < 2 else float(rng.random())
        *_, step, _, imitated, drifted, _, _ = _both(
            learning_body, rng.normal(0, 0.05, n), acted, int(k % n), float(rng.normal(0, 0.05)), sums, p, prob,
            float(rng.random()), float(rng.normal(0.1, 0.05)), float(rng.normal(0.1, 0.05)), float(rng.normal(0, 0.1)),
            rng.normal(0, 0.05, 3), (rng.random(3) < 0.5).astype(float),
        )  # fmt: skip
        assert learning.LOW <= step <= learning.HIGH
        assert learning.LOW <= imitated <= learning.HIGH and learning.LOW <= drifted <= learning.HIGH


# -- capabilities --------------------------------------------------------------------------------
def test_capabilities_rules_compiled_match_plain():
    rng = np.random.default_rng(3)
    p = PARAMS.stocks
    for k in range(12):
        money = np.zeros(8)
        if k > 0:
            money[1:6] = rng.random(5) * (40.0 if k % 2 else 400.0)
            money[0] = money[1:7].sum()
        stocks = rng.random(7)
        out = _both(
            capabilities_body, stocks, money, float(k % 2), float((k // 2) % 2), float(rng.random()), int(k % 4),
            float(rng.random() * 150), p,
        )  # fmt: skip
        assert all(np.isfinite(x) for x in out)


# -- interaction ---------------------------------------------------------------------------------
def test_interaction_rules_compiled_match_plain():
    rng = np.random.default_rng(4)
    for k in range(16):
        u = np.zeros(interaction.DRAWS) if k == 0 else rng.random(interaction.DRAWS)
        p_coop = np.ones((3, 3)) if k == 1 else rng.random((3, 3))
        willing, briefed, n, out = _both(interaction_body, u, p_coop, rng.random(3), bool(k % 2))
        assert n == briefed.sum()
        assert not np.diag(willing).any()
        assert set(out.tolist()) <= {0.0, 1.0}


# -- choice --------------------------------------------------------------------------------------
def test_choice_rules_compiled_match_plain():
    rng = np.random.default_rng(5)
    f, degree = 6, 4
    wom = 1.5 * np.arange(degree + 1) / degree
    for k in range(24):
        counts = rng.multinomial(degree, np.full(f, 1 / f)).astype(np.int64)
        u = (0.0, 1.0 - 1e-12)[k] if k < 2 else float(rng.random())
        product, _, _, picked = _both(
            choice_body, rng.random(f), rng.random(f), rng.random(f), float(rng.random()), int(k % f),
            float(rng.gamma(2.0, 0.5)), counts, u, wom if k % 2 else np.empty(0), float(rng.random() * (k % 3)),
        )  # fmt: skip
        assert 0 <= picked < f
        assert product.shape == (f,)


# -- politics ------------------------------------------------------------------------------------
@pytest.mark.parametrize("exponent", [1.0, 0.6, 2.5])
def test_politics_rules_compiled_match_plain(exponent):
    rng = np.random.default_rng(6)
    for k in range(12):
        p = PARAMS.politics._replace(exponent=exponent, shared_stake=float(rng.random()), time_cost=float(k % 3) / 4)
        crit = np.zeros(3) if k == 0 else rng.random(3) * 2
        believed = np.zeros((3, 3)) if k == 1 else rng.random((3, 3)) * 0.2
        strength = np.zeros(3) if k == 2 else rng.random(3) * 0.3
        value, cost, *_, br, step, total = _both(
            politics_body, crit, rng.random(3), float(rng.random()), rng.random(3), strength, rng.random(3),
            believed, exponent, p,
        )  # fmt: skip
        assert 0.0 <= br <= 1.0 and 0.0 <= step <= 1.0 and total >= 0.0
        assert np.all(value >= 0) and np.all(cost >= 0)
