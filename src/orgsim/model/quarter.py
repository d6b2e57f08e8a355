"""Everything in a quarter that does not grow with the market, as compiled array code.

The executives' own methods (:meth:`orgsim.model.agents.Executive.propose`, :meth:`~orgsim.model.agents.Executive.learn`)
and the model's numpy phases (:class:`orgsim.model.market.Market`) are the readable statement of the rules
and the reference. This module does the same for all firms and all 3F executives in a few numba
passes, because this part of a quarter costs the same at 10 000 customers as at a million and, done
agent by agent and array operation by array operation in Python, it was most of a small run. Both
paths draw the same random numbers from the model's generator in the same order (a numba loop takes
the generator itself for learning, whose draws are conditional: the benchmark firm only after an
imitation draw succeeds) and do the same floating-point operations in the same order; tanh, log and
exp stay in numpy (:func:`orgsim.model.rules.learning.logit_step`), whose vectorised tanh differs from the C
library's in the last bit. So they give the same results for a seed (tests/test_suite.py compares
whole runs exactly). ``ORGSIM_NO_NUMBA=1`` selects the reference path.

Array layout: ``p_coop[firm, role, peer]`` (own entry 0), ``p_brief[firm]`` (the CMO's),
``beliefs[firm, role, peer, :]`` and ``brief_beliefs[firm, :]`` as ``[S_acted, W_acted, S_not, W_not]``,
``coop[firm, pair]`` in the order of :data:`orgsim.model.rules.influence.PAIRS`. No mesa import.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba.extending import register_jitable

from orgsim.model import jit
from orgsim.model.rules.budget import Allocation
from orgsim.model.rules.learning import HIGH, LOW

CMO = 0


# -- compiled loops (plain functions here; compiled by numba on first use) --------------------
def _interact_loop(u, p_coop, p_brief, u_mandate, mandate, willing, briefed, coop, history):  # pragma: no cover
    """Market.executives_interact: willingness (Executive.propose from the uniforms ``u``, per firm
    the CMO's three and its briefing uniform, the CIO's three, the CFO's three), joint work, the ROI
    mandate and the cooperation history (newest first)."""
    start = (0, 4, 7)
    for i in range(p_coop.shape[0]):
        for r in range(3):
            for peer in range(3):
                willing[i, r, peer] = peer != r and u[i, start[r] + peer] < p_coop[i, r, peer]
        briefed[i] = u[i, 3] < p_brief[i]
        coop[i, 0] = 1.0 if willing[i, 0, 1] and willing[i, 1, 0] else 0.0
        coop[i, 1] = 1.0 if willing[i, 0, 2] and willing[i, 2, 0] else 0.0
        coop[i, 2] = 1.0 if willing[i, 1, 2] and willing[i, 2, 1] else 0.0
        if mandate > 0 and u_mandate[i] < mandate:
            coop[i, 1] = 1.0
    for h in range(history.shape[0] - 1, -1, -1):  # element by element: numba compiles array copies slowly
        for i in range(coop.shape[0]):
            for k in range(3):
                history[h, i, k] = history[h - 1, i, k] if h > 0 else coop[i, k]


@register_jitable
def _credit_row(
    i, c0, c1, c2, briefed_i, own, crit, dependence, vis_unbriefed, briefing_on, jw, cc, out
):  # pragma: no cover - runs compiled
    """influence.credit for firm ``i`` with joint work ``(c0, c1, c2)`` and a briefing, into ``out``."""
    coop = (c0, c1, c2)
    base = np.empty(3)
    for r in range(3):
        vis = 1.0
        if r == CMO:
            if briefing_on:
                vis = 1.0 if briefed_i else vis_unbriefed
            else:
                vis = vis_unbriefed
        base[r] = crit[i, r] * own[i, r] * vis
    links = np.zeros(3)
    shared = np.zeros(3)
    for k in range(3):
        a = 0 if k < 2 else 1
        b = 1 if k == 0 else 2
        pair = 0.5 * (base[a] + base[b]) * coop[k]
        links[a] += coop[k]
        links[b] += coop[k]
        shared[a] += pair
        shared[b] += pair
    for r in range(3):
        out[r] = base[r] * max(1.0 - cc * links[r], 0.0) + jw * shared[r] + dependence[i, r]


@register_jitable
def _update_row(credit, before, rate, out):  # pragma: no cover - runs compiled
    """influence.update of one firm's shares ``before`` toward ``credit``, into ``out``."""
    total = 0.0
    for r in range(3):
        total += credit[r]
    s = 0.0
    for r in range(3):
        target = credit[r] / total if total > 0 else before[r]
        out[r] = (1.0 - rate) * before[r] + rate * target
        s += out[r]
    for r in range(3):
        out[r] = out[r] / s


@register_jitable
def _gain_row(
    i, c0, c1, c2, briefed_i, own, crit, dependence, infl_before, vis_unbriefed, briefing_on, jw, cc, rate, out
):  # pragma: no cover - runs compiled
    """Influence gain of firm ``i``'s executives for joint work ``(c0, c1, c2)`` and a briefing
    (the CEO's credit, then the influence update, minus the influence before), into ``out``."""
    credit = np.empty(3)
    _credit_row(i, c0, c1, c2, briefed_i, own, crit, dependence, vis_unbriefed, briefing_on, jw, cc, credit)
    _update_row(credit, infl_before[i], rate, out)
    for r in range(3):
        out[r] -= infl_before[i, r]


def _influence_loop(
    revenue, prev, quality, experience, margin, budget, it_marketing, coop, briefed, influence, p,
    own, crit, dependence, credits, new,
):  # fmt: skip  # pragma: no cover - runs compiled
    """Market.influence_moves: criticality, own-domain value and dependence (into ``own``, ``crit``,
    ``dependence``), the CEO's credits and the new shares (into ``credits``, ``new``); ``p`` from
    :meth:`Suite.influence`."""
    (crit_cmo, crit_cio_fixed, crit_cio_mod, crit_cfo_base, crit_cfo_stress, stress_base, dep_weight,
     vis_unbriefed, briefing_on, jw, cc, rate) = p  # fmt: skip
    for i in range(coop.shape[0]):
        decline = max((prev[i] - revenue[i]) / (prev[i] if prev[i] > 0 else 1.0), 0.0)
        crit[i, 0] = crit_cmo
        crit[i, 1] = crit_cio_fixed + crit_cio_mod * (1.0 - quality[i])
        crit[i, 2] = crit_cfo_base + crit_cfo_stress * (stress_base + decline)
        own[i, 0] = experience[i]
        own[i, 1] = quality[i]
        own[i, 2] = min(max(0.5 + margin[i], 0.0), 1.0)
        dependence[i, 0] = 0.0
        dependence[i, 1] = dep_weight * it_marketing[i] / (budget[i] if budget[i] > 0 else 1.0)
        dependence[i, 2] = 0.0
        _credit_row(
            i, coop[i, 0], coop[i, 1], coop[i, 2], briefed[i] != 0, own, crit, dependence, vis_unbriefed,
            briefing_on != 0.0, jw, cc, credits[i],
        )  # fmt: skip
        _update_row(credits[i], influence[i], rate, new[i])


@register_jitable
def _stock(level, investment, growth, decay):  # pragma: no cover - runs compiled
    """capabilities.stock_step of one stock."""
    return min(max(level + growth * investment * (1.0 - level) - decay * level, 0.0), 1.0)


def _stocks_loop(
    it_core, it_marketing, shadow_it, marketing, unit, coop, threat, p, old, new, lam,
):  # fmt: skip  # pragma: no cover - runs compiled
    """Market.capabilities_move up to the incident rate: the stocks ``old`` (quality, analytics,
    integration, experience, roi, appraisal, shadow stock) moved into ``new`` (``p``: the firm
    parameters, see :meth:`Suite.__init__`); ``lam`` gets the expected incidents."""
    quality, analytics, integration, experience, roi, appraisal, shadow_stock = old
    (appraisal_gain, waste_max, leverage, q_g, q_d, a_g, a_d, shadow_speed, i_g, silo, i_d, e_g, e_d,
     r_g, r_d, ap_g, ap_d, shadow_decay, base_threat, protection, shadow_risk) = p  # fmt: skip
    lever_base = 1.0 - leverage
    keep = 1.0 - shadow_decay
    bt = base_threat * threat
    for j in range(lam.shape[0]):
        it_eff = 1.0 + appraisal_gain * appraisal[j]
        core = it_core[j] / unit * it_eff
        governed = it_marketing[j] / unit * it_eff
        shadow = shadow_it[j] / unit
        campaigns = marketing[j] / unit * (1.0 - waste_max * (1.0 - roi[j]))
        lever = lever_base + leverage * analytics[j]
        integ = integration[j]
        new[0, j] = _stock(quality[j], core, q_g, q_d)
        new[1, j] = _stock(analytics[j], (governed + shadow_speed * shadow) * integ, a_g, a_d)
        out = integ + i_g * governed * (1.0 - integ) - silo * shadow * integ - i_d * integ
        new[2, j] = min(max(out, 0.0), 1.0)
        new[3, j] = _stock(experience[j], campaigns * lever, e_g, e_d)
        new[4, j] = _stock(roi[j], coop[j, 1], r_g, r_d)
        new[5, j] = _stock(appraisal[j], coop[j, 2], ap_g, ap_d)
        new[6, j] = shadow_stock[j] * keep + shadow
        lam[j] = bt * (1.0 - protection * new[0, j]) * (1.0 + shadow_risk * new[6, j])


def _profit_loop(incidents, quality, revenue, budget, unit, p, profit, margin):  # pragma: no cover - runs compiled
    """Market.capabilities_move after the incidents: quality knocked down (in place), profit and margin."""
    quality_kept, incident_cost, variable_share = p
    for j in range(quality.shape[0]):
        quality[j] = quality[j] * quality_kept ** np.float64(incidents[j])
        loss = incidents[j] * incident_cost / 100.0 * unit
        profit[j] = revenue[j] * variable_share - budget[j] - loss
        margin[j] = profit[j] / revenue[j] if revenue[j] > 0 else 0.0


def _budget_loop(
    revenue_rows, roi, influence, effort, history, domain, analytics, experience, p, out, new_domain,
):  # fmt: skip  # pragma: no cover - runs compiled
    """Market.budget_round: the spending lines (rows of ``out`` in the order of budget.Allocation's
    fields) and next year's domain shares (``new_domain``); ``p`` from :meth:`Suite.budget`."""
    (share, roi_evidence, claim_cmo, claim_cio, claim_cfo, contest, conflict_loss, contested, exponent,
     tech_weight, beta_experience, claim_max, shadow_cap, shadow_on) = p  # fmt: skip
    claims = (claim_cmo, claim_cio, claim_cfo)
    k, h = revenue_rows.shape[0], history.shape[0]
    strength = np.empty(3)
    won = np.empty(3)
    split = np.empty(3)
    for j in range(roi.shape[0]):
        year = revenue_rows[0, j]
        for r in range(1, k):
            year += revenue_rows[r, j]
        budget_j = share * (year / k)
        total = 0.0
        for r in range(3):
            evidence = 1.0 + roi_evidence * roi[j] if r == CMO else 1.0
            strength[r] = claims[r] * influence[j, r] * evidence * (effort[j, r] if contest != 0.0 else 1.0)
            won[r] = max(strength[r], 0.0) ** exponent
            total += won[r]
        trust = 0.0
        governed = 0.0
        for t in range(h):
            governed += history[t, j, 0]
            for c in range(3):
                trust += history[t, j, c]
        trust = trust / (3 * h)
        governed = governed / h
        lost = 0.0
        if contest != 0.0:
            lost = (
                conflict_loss * ((effort[j, 0] + effort[j, 1] + effort[j, 2]) / 3) * (1.0 - min(max(trust, 0.0), 1.0))
            )
        for r in range(3):
            won[r] = won[r] / total if total > 0 else 1.0 / 3
            split[r] = (1.0 - contested) * domain[j, r] + contested * (1.0 - lost) * won[r]
        m_tech = tech_weight * (1.0 - analytics[j])
        m_camp = beta_experience * (1.0 - experience[j])
        both = m_tech + m_camp
        claim = claim_max * (m_tech / both if both > 0 else 0.0)
        cmo_money = split[0] * budget_j
        tech = claim * cmo_money
        if shadow_on != 0.0:
            gov = governed * tech
            shadow = min((1.0 - governed) * tech, shadow_cap * cmo_money)
        else:
            gov = tech
            shadow = 0.0
        out[0, j] = budget_j
        out[1, j] = cmo_money - gov - shadow
        out[2, j] = split[1] * budget_j
        out[3, j] = gov
        out[4, j] = shadow
        out[5, j] = split[2] * budget_j
        out[6, j] = contested * lost * budget_j
        out[7, j] = tech
        norm = split[0] + split[1] + split[2]
        for r in range(3):
            new_domain[j, r] = split[r] / norm


@register_jitable
def _accumulate(beliefs, payoff, acted, foregone, own_w, other_w, fw, decay, counterfactual):  # pragma: no cover
    """learning.evidence_all (+ foregone_all) and learning.accumulate for one role's learners.

    ``beliefs`` (F, 4) is updated in place; ``payoff``, ``acted`` and ``foregone`` have shape (F,).
    """
    f = payoff.shape[0]
    own = np.empty((f, 4))
    for j in range(f):
        a = 1.0 if acted[j] != 0 else 0.0
        n = 1.0 - a
        own[j, 0] = payoff[j] * a
        own[j, 1] = a
        own[j, 2] = payoff[j] * n
        own[j, 3] = n
    total = np.empty(4)
    for c in range(4):
        total[c] = own[0, c]
    for j in range(1, f):
        for c in range(4):
            total[c] += own[j, c]
    for j in range(f):
        ev = np.empty(4)
        for c in range(4):
            ev[c] = other_w * (total[c] - own[j, c]) + own_w * own[j, c]
        if counterfactual:
            u = fw * foregone[j]
            if acted[j] != 0:
                ev[0] += 0.0
                ev[1] += 0.0
                ev[2] += u
                ev[3] += fw
            else:
                ev[0] += u
                ev[1] += fw
                ev[2] += 0.0
                ev[3] += 0.0
        for c in range(4):
            beliefs[j, c] = decay * beliefs[j, c] + ev[c]


def _draw_loop(rng, lam, incidents, imitation, imitation_rate, exploration, imitate, other, noise):  # pragma: no cover
    """The quarter's random numbers from phase 4 on: the incidents (Poisson at rates ``lam``, as
    ``rng.poisson(lam)`` draws them; skipped if ``lam`` is empty), then the learning phase's,
    executive by executive as Executive.learn draws them: whether it imitates, whom (another firm),
    its exploration noise. No phase draws in between and none of the learning draws depends on the
    state, so they can be drawn before the arithmetic that uses them, in one call.
    """
    for j in range(lam.shape[0]):
        incidents[j] = rng.poisson(lam[j])
    f = imitate.shape[0]
    for i in range(f):
        for role in range(3):
            imitate[i, role] = False
            if imitation and rng.random() < imitation_rate:
                j = rng.integers(0, f - 1)
                other[i, role] = j + 1 if j >= i else j
                imitate[i, role] = True
            if exploration > 0:
                z = rng.normal(0.0, exploration, 3)
                for c in range(3):
                    noise[i, role, c] = z[c]


def _belief_loop(
    coop, briefed, influence, infl_before, margin, own, crit, dependence, p, beliefs, brief_beliefs,
    payoff, p_coop, p_brief, odds, scaled_gaps,
):  # fmt: skip  # pragma: no cover - runs compiled
    """Market.executives_learn up to the logit step: payoffs (into ``payoff``), evidence and belief
    update (``beliefs``, ``brief_beliefs`` in place); then learning.logit_step's arithmetic before
    its log and tanh: the bounded propensities' odds ``p / (1 - p)`` and the belief gaps over
    ``payoff_scale``, flat (``p_coop`` raveled, then ``p_brief``). ``p`` from :meth:`Suite.learn`."""
    (profit_weight, vis_unbriefed, briefing_on, jw, cc, influence_rate, own_w, other_w, cf, fw, decay,
     scale) = p  # fmt: skip
    counterfactual = cf != 0.0
    f = coop.shape[0]
    margin_now = np.empty(f)
    for i in range(f):
        margin_now[i] = profit_weight * margin[i]
        for r in range(3):
            payoff[i, r] = (influence[i, r] - infl_before[i, r]) + margin_now[i]
    work = np.empty(3)
    c = np.empty(3)
    foregone = np.zeros((f, 3))
    for k in range(3):
        if counterfactual:  # joint work of pair k flipped, in every firm
            for i in range(f):
                for r in range(3):
                    c[r] = 1.0 - coop[i, r] if r == k else coop[i, r]
                _gain_row(
                    i, c[0], c[1], c[2], briefed[i], own, crit, dependence, infl_before,
                    vis_unbriefed, briefing_on != 0.0, jw, cc, influence_rate, work,
                )  # fmt: skip
                for r in range(3):
                    foregone[i, r] = work[r] + margin_now[i]
        a = 0 if k < 2 else 1
        b = 1 if k == 0 else 2
        for role, peer in ((a, b), (b, a)):
            _accumulate(
                beliefs[:, role, peer], payoff[:, role], coop[:, k], foregone[:, role],
                own_w, other_w, fw, decay, counterfactual,
            )  # fmt: skip
    brief_cf = np.zeros(f)
    if counterfactual:
        for i in range(f):
            _gain_row(
                i, coop[i, 0], coop[i, 1], coop[i, 2], not briefed[i], own, crit, dependence, infl_before,
                vis_unbriefed, briefing_on != 0.0, jw, cc, influence_rate, work,
            )  # fmt: skip
            brief_cf[i] = work[CMO] + margin_now[i]
    _accumulate(brief_beliefs, payoff[:, CMO], briefed, brief_cf, own_w, other_w, fw, decay, counterfactual)
    for i in range(f):
        for role in range(3):
            for peer in range(3):
                x = min(max(p_coop[i, role, peer], LOW), HIGH)
                odds[9 * i + 3 * role + peer] = x / (1.0 - x)
                scaled_gaps[9 * i + 3 * role + peer] = _gap(beliefs[i, role, peer]) / scale
        x = min(max(p_brief[i], LOW), HIGH)
        odds[9 * f + i] = x / (1.0 - x)
        scaled_gaps[9 * f + i] = _gap(brief_beliefs[i]) / scale


@register_jitable
def _gap(s):  # pragma: no cover - runs compiled
    """learning.belief_gap of one accumulator."""
    s_a, w_a, s_n, w_n = s[0], s[1], s[2], s[3]
    if w_a > 0 and w_n > 0:
        return (s_a / w_a - s_n / w_n) * ((w_a * w_n) / ((w_a + 1.0) * (w_n + 1.0)))
    return 0.0


def _commit_loop(
    p_coop, p_brief, stepped, imitate, other, noise, margins, imitation_scale, explore, fixed, fixed_brief,
):  # fmt: skip  # pragma: no cover - runs compiled
    """Executive.learn after the logit step (``stepped`` holds ``exp(-z)`` of the step's log-odds ``z``,
    laid out as _belief_loop's ``odds``): the stepped propensities, benchmarking, drift, fixed
    values; then advance: ``p_coop``, ``p_brief`` in place."""
    f = p_coop.shape[0]
    new_coop = np.empty((f, 3, 3))
    new_brief = np.empty(f)
    coop_next = np.empty(3)
    for i in range(f):
        new_brief[i] = p_brief[i]
        for role in range(3):
            for peer in range(3):
                if peer != role:
                    coop_next[peer] = min(max(1.0 / (1.0 + stepped[9 * i + 3 * role + peer]), LOW), HIGH)
                else:
                    coop_next[peer] = p_coop[i, role, peer]
            brief = min(max(1.0 / (1.0 + stepped[9 * f + i]), LOW), HIGH) if role == CMO else 0.0
            if imitate[i, role]:
                j = other[i, role]
                w = min(1.0, max(0.0, (margins[j] - margins[i]) / imitation_scale))
                if w > 0:
                    for peer in range(3):
                        if peer != role:
                            p = coop_next[peer]
                            coop_next[peer] = min(HIGH, max(LOW, p + w * (p_coop[j, role, peer] - p)))
                    if role == CMO:
                        brief = min(HIGH, max(LOW, brief + w * (p_brief[j] - brief)))
            if explore:
                for peer in range(3):
                    if peer != role:
                        coop_next[peer] = min(HIGH, max(LOW, coop_next[peer] + noise[i, role, peer]))
                if role == CMO:
                    brief = min(HIGH, max(LOW, brief + noise[i, role, role]))
            for peer in range(3):
                new_coop[i, role, peer] = p_coop[i, role, peer] if fixed[i, role, peer] else coop_next[peer]
            if role == CMO:
                new_brief[i] = p_brief[i] if fixed_brief[i] else brief
    for i in range(f):  # commit (all executives learned from the same state)
        p_brief[i] = new_brief[i]
        for role in range(3):
            for peer in range(3):
                p_coop[i, role, peer] = new_coop[i, role, peer]


def _record_loop(
    row, e, revenue, profit, shares, alloc, influence, coop, briefed, p_coop, p_brief, stocks, incidents, env,
    effort, payoff, credits,
):  # fmt: skip  # pragma: no cover - runs compiled
    """Market._record: the quarter's row of the firm record (``row``, columns in the order of
    model.FIRM_COLUMNS: ``alloc`` in budget.Allocation's order, ``stocks`` from data integration to
    shadow stock) and of the executive record (``e``, model.EXEC_COLUMNS)."""
    for j in range(revenue.shape[0]):
        row[0, j] = revenue[j]
        row[1, j] = profit[j]
        row[2, j] = shares[j]
        for k in range(8):
            row[3 + k, j] = alloc[k][j]
        for r in range(3):
            row[11 + r, j] = influence[j, r]
            row[14 + r, j] = coop[j, r]
        row[17, j] = 1.0 if briefed[j] else 0.0
        row[18, j] = p_coop[j, 0, 1] * p_coop[j, 1, 0]
        row[19, j] = p_coop[j, 0, 2] * p_coop[j, 2, 0]
        row[20, j] = p_coop[j, 1, 2] * p_coop[j, 2, 1]
        row[21, j] = p_brief[j]
        for k in range(7):
            row[22 + k, j] = stocks[k][j]
        row[29, j] = incidents[j]
        for k in range(3):
            row[30 + k, j] = env[k]
        for r in range(3):
            e[0, j, r] = influence[j, r]
            for k in range(3):
                e[1 + k, j, r] = p_coop[j, r, k]
            e[5, j, r] = effort[j, r]
            e[6, j, r] = payoff[j, r]
            e[7, j, r] = credits[j, r]
        e[4, j, 0] = p_brief[j]


_KERNELS: dict[str, Any] = {}


def kernels() -> dict[str, Any] | None:
    """The compiled loops, or None with ORGSIM_NO_NUMBA=1 (the reference path is used then)."""
    return jit.compiled(
        _KERNELS,
        {
            "interact": _interact_loop,
            "budget": _budget_loop,
            "stocks": _stocks_loop,
            "profit": _profit_loop,
            "influence": _influence_loop,
            "draw": _draw_loop,
            "beliefs": _belief_loop,
            "commit": _commit_loop,
            "record": _record_loop,
        },
    )


class Suite:
    """The compiled phases of one model: its parameters as the loops read them, and its buffers.

    ``model`` is an :class:`orgsim.model.market.Market` (duck-typed: this module does not import mesa).
    Parameters are read once, when the model is built.
    """

    def __init__(self, model: Any) -> None:
        k = kernels()
        if k is None:
            raise RuntimeError("compiled loops are switched off (ORGSIM_NO_NUMBA)")
        self.k = k
        cfg = model.config
        fp, ip, lp, mech = cfg.firm, cfg.influence, cfg.learning, cfg.mechanisms
        f = model.n_firms
        self.mandate = float(cfg.levers.roi_mandate)
        self.unit = float(cfg.market.revenue_per_firm)
        self.incidents_on = bool(mech.incidents)
        stock = (
            fp.appraisal_gain, fp.waste_max, fp.analytics_leverage, fp.quality_growth, fp.quality_decay,
            fp.analytics_growth, fp.analytics_decay, fp.shadow_speed, fp.integration_growth, fp.silo_growth,
            fp.integration_decay, fp.experience_growth, fp.experience_decay, fp.roi_growth, fp.roi_decay,
            fp.appraisal_growth, fp.appraisal_decay, fp.shadow_decay, fp.incident_rate, fp.security_protection,
            fp.shadow_risk,
        )  # fmt: skip
        self.stock_p = tuple(float(v) for v in stock)
        self.profit_p = (1.0 - fp.incident_quality_loss, float(fp.incident_cost), 1.0 - fp.variable_cost)
        joint = float(ip.joint_credit) if mech.joint_credit_on else 0.0
        self.crediting = (
            float(ip.visibility_unbriefed), float(mech.briefing), joint, float(ip.coordination_cost),
            float(ip.influence_rate),
        )  # fmt: skip
        self.dep_weight = float(ip.dependence_weight) if mech.resource_dependence else 0.0
        self.ip = ip
        own_w = 1.0 if mech.reinforcement else 0.0
        other_w = float(lp.observation_weight) if mech.observation else 0.0
        self.learn_p = (float(lp.profit_weight), *self.crediting, own_w, other_w, float(mech.counterfactual))
        self.learn_p += (float(lp.foregone_weight), float(lp.belief_decay), float(lp.payoff_scale))
        self.draw_p = (bool(mech.imitation), float(lp.imitation_rate), float(lp.exploration))
        lv, mk, contest = cfg.levers, cfg.market, cfg.levers.budget_rule == "contest"
        self.budget_p = (
            float(lv.budget_share),
            float(ip.roi_evidence) if mech.roi_evidence_on else 0.0,
            (float(fp.claim_cmo), float(fp.claim_cio), float(fp.claim_cfo)),
            1.0 if contest else 0.0,
            float(fp.conflict_loss),
            float(lv.contested_share),
            float(fp.contest_exponent) if contest else 1.0,
            float(mk.beta_personalisation),  # times this year's pressure
            (float(mk.beta_experience), float(fp.tech_claim_max), float(lv.shadow_it_cap), float(mech.shadow_it)),
        )
        self.rate = float(lp.learning_rate)
        self.imitation_scale = float(lp.imitation_scale)
        # buffers reused every quarter (nothing the model keeps between quarters)
        self.u = np.empty((f, 10))
        self.no_mandate = np.zeros(f)
        self.lam = np.empty(f)
        self.imitate = np.zeros((f, 3), dtype=bool)
        self.other = np.zeros((f, 3), dtype=np.int64)
        self.noise = np.zeros((f, 3, 3))
        self.odds = np.empty(10 * f)
        self.gaps = np.empty(10 * f)
        self.steps = np.empty(10 * f)

    def interact(self, m: Any) -> None:
        """Market.executives_interact: the same draws (proposals, then the mandate's)."""
        m.rng.random(out=self.u)
        u_mandate = m.rng.random(m.n_firms) if self.mandate > 0 else self.no_mandate
        m.coop = np.empty((m.n_firms, 3))
        self.k["interact"](
            self.u, m.p_coop, m.p_brief, u_mandate, self.mandate, m.willing, m.briefed, m.coop, m.coop_history
        )

    def budget(self, m: Any, pressure: float) -> None:
        """Market.budget_round."""
        share, roi_evidence, claims, contest, loss, contested, exponent, beta_p, rest = self.budget_p
        p = (share, roi_evidence, *claims, contest, loss, contested, exponent, beta_p * pressure, *rest)
        out, new_domain = np.empty((8, m.n_firms)), np.empty((m.n_firms, 3))
        self.k["budget"](
            np.array(m.revenue_history[-4:]), m.roi, m.influence, m.effort, m.coop_history, m.domain, m.analytics,
            m.experience, p, out, new_domain,
        )  # fmt: skip
        m.alloc = Allocation(*out)
        m.domain = new_domain

    def capabilities(self, m: Any, threat: float) -> None:
        """Market.capabilities_move: stocks, incidents (the same Poisson draws), profit and margin."""
        a = m.alloc
        old = (m.quality, m.analytics, m.integration, m.experience, m.roi, m.appraisal, m.shadow_stock)
        new = np.empty((7, m.n_firms))
        self.k["stocks"](
            a.it_core, a.it_marketing, a.shadow_it, a.marketing, self.unit, m.coop, threat, self.stock_p, old, new,
            self.lam,
        )  # fmt: skip
        m.quality, m.analytics, m.integration, m.experience, m.roi, m.appraisal, m.shadow_stock = new
        m.incidents = np.zeros(m.n_firms, dtype=np.int64)
        imitation, rate, exploration = self.draw_p
        lam = self.lam if self.incidents_on else self.lam[:0]
        self.k["draw"](m.rng, lam, m.incidents, imitation, rate, exploration, self.imitate, self.other, self.noise)
        m.profit, margin = np.empty(m.n_firms), np.empty(m.n_firms)
        self.k["profit"](m.incidents, m.quality, m.revenue, a.budget, self.unit, self.profit_p, m.profit, margin)
        m.margin_history.append(margin)

    def influence(self, m: Any, pressure: float, threat: float, climate: float, prev: np.ndarray) -> None:
        """Market.influence_moves."""
        ip, f = self.ip, m.n_firms
        p = (
            ip.crit_cmo_base + ip.crit_cmo_pressure * pressure,
            ip.crit_cio_base + ip.crit_cio_threat * threat,
            float(ip.crit_cio_modernisation),
            float(ip.crit_cfo_base),
            float(ip.crit_cfo_stress),
            max(0.0, 1.0 - climate),
            self.dep_weight,
            *self.crediting,
        )
        own, crit, dependence = np.empty((f, 3)), np.empty((f, 3)), np.empty((f, 3))
        m._influence_before = m.influence
        m.credits, m.influence = np.empty((f, 3)), np.empty((f, 3))
        a = m.alloc
        self.k["influence"](
            m.revenue, prev, m.quality, m.experience, m.margin_history[-1], a.budget, a.it_marketing, m.coop,
            m.briefed, m._influence_before, p, own, crit, dependence, m.credits, m.influence,
        )  # fmt: skip
        m._crediting = (own, crit, dependence)

    def learn(self, m: Any, margins: np.ndarray) -> None:
        """Market.executives_learn (``margins``: every firm's mean margin over the last four quarters)."""
        exploration = self.draw_p[2]  # the learning draws were made with the incidents' (capabilities)
        own, crit, dependence = m._crediting
        self.k["beliefs"](
            m.coop, m.briefed, m.influence, m._influence_before, m.margin_history[-1], own, crit, dependence,
            self.learn_p, m.beliefs, m.brief_beliefs, m.payoff, m.p_coop, m.p_brief, self.odds, self.gaps,
        )  # fmt: skip
        # learning.logit_step's log, tanh and exp, in numpy like the reference path's
        z, step = np.log(self.odds, out=self.odds), np.tanh(self.gaps, out=self.gaps)
        np.multiply(self.rate, step, out=step)
        np.add(z, step, out=z)
        stepped = np.exp(np.negative(z, out=z), out=self.steps)
        self.k["commit"](
            m.p_coop, m.p_brief, stepped, self.imitate, self.other, self.noise, margins, self.imitation_scale,
            exploration > 0, m.fixed, m.fixed_brief,
        )  # fmt: skip

    def record(self, m: Any, q: int, row: np.ndarray, e: np.ndarray) -> None:
        """Market._record's rows of the firm and executive records for quarter ``q``."""
        a = m.alloc
        alloc = (a.budget, a.marketing, a.it_core, a.it_marketing, a.shadow_it, a.finance, a.conflict, a.tech_claim)
        stocks = (m.integration, m.analytics, m.experience, m.quality, m.roi, m.appraisal, m.shadow_stock)
        self.k["record"](
            row, e, m.revenue, m.profit, m.shares, alloc, m.influence, m.coop, m.briefed, m.p_coop, m.p_brief,
            stocks, m.incidents, m._env(q), m.effort, m.payoff, m.credits,
        )  # fmt: skip
