"""The executives' quarter, phases 2 to 6 and the record, as loops over firms that call the rules.

Each phase is a function of the model's state (:class:`State`, the arrays the :class:`Market
<orgsim.model.market.Market>` and its agents view) and parameters (:class:`Params`, read once from
the scenario); each does its bookkeeping and calls the rules of :mod:`orgsim.model.rules` firm by
firm. :func:`executives_quarter` runs them in order and :func:`record` writes a quarter's rows.
Compiled by numba (:mod:`orgsim.model.jit`); with ``ORGSIM_NO_NUMBA=1`` the same code runs as
plain Python, for reading and debugging. Random numbers come from the model's generator, in the
order the phases use them. No mesa import.

Array layout: ``p_coop[firm, role, peer]`` (own entry 0), ``p_brief[firm, role]``,
``beliefs[firm, role, peer, :]`` and ``brief_beliefs[firm, role, :]`` as ``[S_acted, W_acted, S_not,
W_not]``, ``bid_beliefs[firm, role, peer]`` (what ``role`` believes ``peer`` bids in the budget
round), ``coop[firm, pair]`` in the order of :data:`orgsim.model.roles.PAIRS`, ``stocks[stock,
firm]`` in the order of :data:`STOCKS`, ``money[line, firm]`` in the order of
:data:`orgsim.model.rules.budget.LINES`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba.extending import register_jitable

from orgsim.model import jit
from orgsim.model.records import ExecCol, FirmCol
from orgsim.model.roles import CFO, CIO, CIO_CFO, CMO, CMO_CFO, CMO_CIO, PAIRS
from orgsim.model.rules import budget, capabilities, influence, interaction, learning, politics
from orgsim.model.rules.budget import BudgetParams
from orgsim.model.rules.capabilities import StockParams
from orgsim.model.rules.influence import CreditParams
from orgsim.model.rules.learning import LearnParams
from orgsim.model.rules.politics import PoliticsParams

#: the firm's capability stocks, in the order of the rows of ``State.stocks``
STOCKS = ("quality", "analytics", "integration", "experience", "roi", "appraisal", "shadow_stock")
QUALITY, ANALYTICS, INTEGRATION, EXPERIENCE, ROI, APPRAISAL, SHADOW = range(7)
#: quarters of joint work the budget round looks back on
HISTORY = 4


class Params(NamedTuple):
    """Every parameter the quarter reads, by phase (built once per model from its scenario)."""

    mandate: float  # probability that the CEO orders CMO-CFO joint work in a quarter (ROI mandate)
    budget: BudgetParams
    stocks: StockParams
    credit: CreditParams
    learn: LearnParams
    politics: PoliticsParams


class State(NamedTuple):
    """The model's state: arrays updated in place, by the phases and by nothing else."""

    env: np.ndarray  # (3, T + 1): pressure, threat, climate per quarter
    revenue: np.ndarray  # (T + 1, F) per quarter
    margin: np.ndarray  # (T + 1, F) profit / revenue per quarter
    profit: np.ndarray  # (F,) this quarter's
    shares: np.ndarray  # (F,) market shares after this quarter's choices
    stocks: np.ndarray  # (7, F), STOCKS
    incidents: np.ndarray  # (F,) int64, this quarter's
    money: np.ndarray  # (8, F), budget.LINES (quarterly, fixed for the year by the budget round)
    domain: np.ndarray  # (F, 3) last budget round's split among marketing, IT and finance
    influence: np.ndarray  # (F, 3) the CEO's trust in each executive, rows on the simplex
    influence_before: np.ndarray  # (F, 3) at the start of this quarter's influence phase
    credits: np.ndarray  # (F, 3) the CEO's credit this quarter
    own: np.ndarray  # (F, 3) value of each executive's domain this quarter
    crit: np.ndarray  # (F, 3) criticality of each domain this quarter
    dependence: np.ndarray  # (F, 3) credit for budget others depend on
    coop: np.ndarray  # (F, 3) joint work per pair this quarter (0.0 / 1.0)
    briefed: np.ndarray  # (F, 3) bool: the executive briefed the CEO this quarter
    attention: np.ndarray  # (F, 3) the CEO's attention share each executive's briefing got this quarter
    coop_history: np.ndarray  # (HISTORY, F, 3) joint work, newest quarter first
    p_coop: np.ndarray  # (F, 3, 3) propensity to be willing to work with each peer
    p_brief: np.ndarray  # (F, 3) each executive's propensity to brief the CEO
    effort: np.ndarray  # (F, 3) political effort in the budget round (chosen before each round)
    spent: np.ndarray  # (F, 3) effort spent in this quarter's budget round (0 in other quarters)
    bid_beliefs: np.ndarray  # (F, 3, 3) each executive's belief of each peer's bid (strength x effort)
    willing: np.ndarray  # (F, 3, 3) bool, this quarter's proposals
    payoff: np.ndarray  # (F, 3) this quarter's payoff (influence gain + weighted margin)
    fixed: np.ndarray  # (F, 3, 3) bool: propensities held fixed by an experiment
    fixed_brief: np.ndarray  # (F, 3) bool
    beliefs: np.ndarray  # (F, 3, 3, 4) accumulators per executive and peer
    brief_beliefs: np.ndarray  # (F, 3, 4) accumulators per executive for briefing
    brief_foregone: np.ndarray  # (F, 3) the foregone payoff of briefing (or not) each used this quarter (0: none)
    coop_foregone: np.ndarray  # (F, 3, 3) the foregone payoff of joint work (or not) with each peer used (0: none)
    firm_record: np.ndarray  # (T + 1, len(FIRM_COLUMNS), F)
    exec_record: np.ndarray  # (T + 1, len(EXEC_COLUMNS), F, 3)


# -- phase 2 ----------------------------------------------------------------------------------
@register_jitable
def executives_interact(s, p, rng):
    """2. Proposals and briefings (twelve uniforms per firm, firm by firm), then the ROI mandate's
    uniforms; joint work where both are willing; the cooperation history moves on a quarter."""
    f = s.coop.shape[0]
    u = np.empty((f, interaction.DRAWS))
    for i in range(f):
        for c in range(interaction.DRAWS):
            u[i, c] = rng.random()
    mandated = np.zeros(f, dtype=np.bool_)
    if p.mandate > 0:
        for i in range(f):
            mandated[i] = rng.random() < p.mandate
    for i in range(f):
        interaction.propose(u[i], s.p_coop[i], s.p_brief[i], s.willing[i], s.briefed[i])
        interaction.joint_work(s.willing[i], mandated[i], s.coop[i])
    for h in range(HISTORY - 1, -1, -1):  # element by element: numba compiles array copies slowly
        for i in range(f):
            for k in range(3):
                s.coop_history[h, i, k] = s.coop_history[h - 1, i, k] if h > 0 else s.coop[i, k]


# -- phase 3 ----------------------------------------------------------------------------------
@register_jitable
def mean_of_last(rows, q, j, n):
    """Mean of column ``j`` over rows ``q - n + 1 .. q`` (fewer at the start of the run)."""
    first = max(q - n + 1, 0)
    total = rows[first, j]
    for t in range(first + 1, q + 1):
        total += rows[t, j]
    return total / (q + 1 - first)


@register_jitable
def budget_round(s, p, q):
    """3. Yearly: each firm's budget round over the past year's revenue and joint work. In a contest
    each executive first moves its effort toward its best response to the bids it believes (if
    ``chosen_effort``; from the criticality and own values of the last quarter, the past year's
    joint work), spends it, and afterwards updates its beliefs with the bids it saw."""
    h = s.coop_history.shape[0]
    pp = p.politics
    strength = np.empty(3)
    value = np.empty(3)
    cost = np.empty(3)
    weight = np.empty((3, 3))
    joint = np.empty(3)
    for j in range(s.coop.shape[0]):
        trust = 0.0  # share of the past year's possible joint work that happened
        for k in range(3):  # each pair's share of the past year's quarters with joint work
            joint[k] = 0.0
            for t in range(h):
                joint[k] += s.coop_history[t, j, k]
            trust += joint[k]
            joint[k] /= h
        trust /= 3 * h
        if p.budget.contest:
            budget.contest_strength(s.influence[j], s.stocks[ROI, j], p.budget, strength)
            if pp.chosen:
                politics.stakes(s.crit[j], s.own[j], trust, pp, value, cost)
                politics.peer_weights(pp.shared_stake, joint, weight)
                politics.move_efforts(strength, s.effort[j], s.bid_beliefs[j], weight, value, cost, pp.exponent,
                                      pp.rate)  # fmt: skip
        for r in range(3):
            s.spent[j, r] = s.effort[j, r] if p.budget.contest else 0.0
        budget.budget_round(
            mean_of_last(s.revenue, q, j, 4), s.domain[j], s.influence[j], s.effort[j], s.stocks[ROI, j],
            trust, joint[CMO_CIO], s.stocks[ANALYTICS, j], s.stocks[EXPERIENCE, j], s.env[0, q], p.budget,
            s.money[:, j],
        )  # fmt: skip
        if p.budget.contest:
            politics.observe_bids(strength, s.effort[j], s.bid_beliefs[j], pp.decay)


@register_jitable
def no_budget_round(s):
    """3. In the three quarters between rounds no effort is spent on budget politics."""
    for j in range(s.spent.shape[0]):
        for r in range(3):
            s.spent[j, r] = 0.0


# -- phase 4 ----------------------------------------------------------------------------------
@register_jitable
def capabilities_move(s, p, q, rng):
    """4. Stocks move with spending and joint work; security incidents (Poisson draws, firm by
    firm) knock quality down and cost money; profit and margin."""
    sp = p.stocks
    threat = s.env[1, q]
    for j in range(s.coop.shape[0]):
        capabilities.move_stocks(s.stocks[:, j], s.money[:, j], s.coop[j, CMO_CFO], s.coop[j, CIO_CFO], sp)
        s.incidents[j] = 0
        if sp.incidents_on:
            lam = capabilities.incident_rate(
                threat, s.stocks[QUALITY, j], s.stocks[SHADOW, j], sp.incident_rate, sp.security_protection,
                sp.shadow_risk,
            )  # fmt: skip
            s.incidents[j] = rng.poisson(lam)
        revenue = s.revenue[q, j]
        s.stocks[QUALITY, j], s.profit[j] = capabilities.incident_damage(
            s.stocks[QUALITY, j], s.incidents[j], revenue, s.money[0, j], sp
        )
        s.margin[q, j] = s.profit[j] / revenue if revenue > 0 else 0.0


# -- phase 5 ----------------------------------------------------------------------------------
@register_jitable
def influence_moves(s, p, q):
    """5. The CEO credits each executive (criticality x domain value, joint work, briefings and the
    attention they got, dependence); influence moves a step toward the credited shares."""
    cp = p.credit
    ago = q - 4 if q >= 4 else 0
    for j in range(s.coop.shape[0]):
        influence.criticality(
            s.env[0, q], s.env[1, q], s.env[2, q], s.stocks[QUALITY, j], s.revenue[q, j], s.revenue[ago, j], cp,
            s.crit[j],
        )  # fmt: skip
        influence.domain_value(s.stocks[EXPERIENCE, j], s.stocks[QUALITY, j], s.margin[q, j], s.own[j])
        influence.dependence(s.money[3, j], s.money[0, j], cp, s.dependence[j])
        for r in range(3):
            s.influence_before[j, r] = s.influence[j, r]
        influence.attention(s.briefed[j], cp.ceo_attention, s.attention[j])
        influence.credit(s.own[j], s.crit[j], s.dependence[j], s.coop[j], s.briefed[j], s.spent[j], cp, s.credits[j])
        influence.update(s.influence_before[j], s.credits[j], cp.rate, s.influence[j])


# -- phase 6 ----------------------------------------------------------------------------------
@register_jitable
def foregone_gains(s, p, margin_now, flip, out):
    """What each executive would have gained (influence gain + weighted margin) under the CEO's exact
    rule had pair ``flip``'s joint work gone the other way (``flip`` = 3 + r: had executive ``r``
    briefed otherwise, the others' briefings as they were), into ``out`` (F, 3)."""
    c = np.empty(3)
    b = np.empty(3, dtype=np.bool_)
    g = np.empty(3)
    for i in range(s.coop.shape[0]):
        for k in range(3):
            c[k] = 1.0 - s.coop[i, k] if k == flip else s.coop[i, k]
            b[k] = (not s.briefed[i, k]) if k == flip - 3 else s.briefed[i, k]
        influence.gain(s.own[i], s.crit[i], s.dependence[i], c, b, s.spent[i], s.influence_before[i], p.credit, g)
        for r in range(3):
            out[i, r] = g[r] + margin_now[i]


@register_jitable
def foregone_estimates(s, p, margin_now, flip, out, has):
    """Each executive's foregone payoff of the action not taken — pair ``flip``'s joint work, or
    (``flip`` = 3 + r) executive r's briefing — into ``out`` (F, 3), ``has`` (F, 3) whether it has
    one: the CEO's exact rule (``foregone_rule = "exact"``) or what it observes this quarter
    (:func:`orgsim.model.rules.learning.observed_foregone`)."""
    f = s.coop.shape[0]
    if p.learn.exact:
        foregone_gains(s, p, margin_now, flip, out)
        for i in range(f):
            for r in range(3):
                has[i, r] = True
        return
    none = np.empty(0)
    for i in range(f):
        for r in range(3):
            out[i, r] = 0.0
            has[i, r] = False
        if flip < 3:
            a, b = PAIRS[flip]
            for r in (a, b):
                est, n = learning.observed_foregone(s.payoff[:, r], s.coop[:, flip], i, r, s.payoff[i], s.coop[i])
                out[i, r] = est
                has[i, r] = n > 0
        else:
            r = flip - 3
            est, n = learning.observed_foregone(s.payoff[:, r], s.briefed[:, r], i, r, none, none)
            out[i, r] = est
            has[i, r] = n > 0


@register_jitable
def update_beliefs(beliefs, payoff, acted, foregone, has, lp):
    """Every firm's learner of one role about one action: evidence (own, observed, foregone), accumulated."""
    ev = np.empty(4)
    for i in range(payoff.shape[0]):
        learning.evidence(payoff, acted, i, lp.own_weight, lp.other_weight, ev)
        if lp.counterfactual and has[i]:
            learning.add_foregone(acted[i] != 0, foregone[i], lp.foregone_weight, ev)
        learning.accumulate(beliefs[i], ev, lp.decay)


@register_jitable
def executives_learn(s, p, q, rng):
    """6. Belief learning from own, observed and foregone payoffs; then benchmarking and exploration
    (their draws executive by executive: imitate?, whom, the noise); all commit together."""
    lp = p.learn
    f = s.coop.shape[0]
    margin_now = np.empty(f)
    for i in range(f):
        margin_now[i] = lp.profit_weight * s.margin[q, i]
        for r in range(3):
            s.payoff[i, r] = (s.influence[i, r] - s.influence_before[i, r]) + margin_now[i]
    foregone = np.zeros((f, 3))
    has = np.zeros((f, 3), dtype=np.bool_)
    for k in range(3):
        if lp.counterfactual:
            foregone_estimates(s, p, margin_now, k, foregone, has)
        a, b = PAIRS[k]
        update_beliefs(s.beliefs[:, a, b], s.payoff[:, a], s.coop[:, k], foregone[:, a], has[:, a], lp)
        update_beliefs(s.beliefs[:, b, a], s.payoff[:, b], s.coop[:, k], foregone[:, b], has[:, b], lp)
        for i in range(f):
            s.coop_foregone[i, a, b] = foregone[i, a] if (lp.counterfactual and has[i, a]) else 0.0
            s.coop_foregone[i, b, a] = foregone[i, b] if (lp.counterfactual and has[i, b]) else 0.0
    for r in range(3):
        if lp.counterfactual:
            foregone_estimates(s, p, margin_now, 3 + r, foregone, has)
        update_beliefs(s.brief_beliefs[:, r], s.payoff[:, r], s.briefed[:, r], foregone[:, r], has[:, r], lp)
        for i in range(f):
            s.brief_foregone[i, r] = foregone[i, r] if (lp.counterfactual and has[i, r]) else 0.0

    margins = np.empty(f)  # each firm's mean margin over the past year, for benchmarking
    for i in range(f):
        margins[i] = mean_of_last(s.margin, q, i, 4)
    new_coop = np.empty((f, 3, 3))
    new_brief = np.empty((f, 3))
    for i in range(f):
        for role in range(3):
            nxt = np.empty(3)
            for peer in range(3):
                nxt[peer] = s.p_coop[i, role, peer]
                if peer != role:
                    gap = learning.belief_gap(s.beliefs[i, role, peer])
                    nxt[peer] = learning.logit_step(s.p_coop[i, role, peer], gap, lp.rate, lp.scale)
            gap = learning.belief_gap(s.brief_beliefs[i, role])
            brief = learning.logit_step(s.p_brief[i, role], gap, lp.rate, lp.scale)
            if lp.imitation and rng.random() < lp.imitation_rate:
                other = rng.integers(0, f - 1)
                other = other + 1 if other >= i else other
                w = learning.imitation_weight(margins[i], margins[other], lp.imitation_scale)
                if w > 0:
                    for peer in range(3):
                        if peer != role:
                            nxt[peer] = learning.imitate(nxt[peer], s.p_coop[other, role, peer], w)
                    brief = learning.imitate(brief, s.p_brief[other, role], w)
            if lp.exploration > 0:
                noise = rng.normal(0.0, lp.exploration, 3)
                for peer in range(3):
                    if peer != role:
                        nxt[peer] = learning.drift(nxt[peer], noise[peer])
                brief = learning.drift(brief, noise[role])  # the draw of its own slot
            for peer in range(3):
                new_coop[i, role, peer] = s.p_coop[i, role, peer] if s.fixed[i, role, peer] else nxt[peer]
            new_brief[i, role] = s.p_brief[i, role] if s.fixed_brief[i, role] else brief
    for i in range(f):  # commit: every executive learned from the same state
        for role in range(3):
            s.p_brief[i, role] = new_brief[i, role]
            for peer in range(3):
                s.p_coop[i, role, peer] = new_coop[i, role, peer]


# -- the quarter and its record ----------------------------------------------------------------
@jit.kernel
def executives_quarter(s, p, q, budget_year, rng):
    """Phases 2 to 6 of quarter ``q`` (the budget round only if ``budget_year``), then its record."""
    executives_interact(s, p, rng)
    if budget_year:
        budget_round(s, p, q)
    else:
        no_budget_round(s)
    capabilities_move(s, p, q, rng)
    influence_moves(s, p, q)
    executives_learn(s, p, q, rng)
    write_record(s, q)


@jit.kernel
def record(s, q):
    """Quarter ``q``'s record (the start of the run's, or after a change by hand)."""
    write_record(s, q)


@register_jitable
def write_record(s, q):
    """Quarter ``q``'s rows of the firm and executive records (columns: :mod:`orgsim.model.records`)."""
    row, e = s.firm_record[q], s.exec_record[q]
    for j in range(s.coop.shape[0]):
        row[FirmCol.revenue, j] = s.revenue[q, j]
        row[FirmCol.profit, j] = s.profit[j]
        row[FirmCol.market_share, j] = s.shares[j]
        for k in range(8):
            row[FirmCol.budget + k, j] = s.money[k, j]
        for r in range(3):
            row[FirmCol.influence_cmo + r, j] = s.influence[j, r]
            row[FirmCol.coop_cmo_cio + r, j] = s.coop[j, r]
            a, b = PAIRS[r]  # next quarter's probability of the pair's joint work (without a mandate)
            row[FirmCol.p_coop_cmo_cio + r, j] = s.p_coop[j, a, b] * s.p_coop[j, b, a]
        row[FirmCol.cmo_briefs_ceo, j] = 1.0 if s.briefed[j, CMO] else 0.0
        row[FirmCol.p_brief, j] = s.p_brief[j, CMO]
        n = 0
        for r in range(3):
            if s.briefed[j, r]:
                n += 1
        row[FirmCol.briefings, j] = n
        row[FirmCol.data_integration, j] = s.stocks[INTEGRATION, j]
        row[FirmCol.analytics, j] = s.stocks[ANALYTICS, j]
        row[FirmCol.experience, j] = s.stocks[EXPERIENCE, j]
        row[FirmCol.quality, j] = s.stocks[QUALITY, j]
        row[FirmCol.roi_measurement, j] = s.stocks[ROI, j]
        row[FirmCol.it_appraisal, j] = s.stocks[APPRAISAL, j]
        row[FirmCol.shadow_stock, j] = s.stocks[SHADOW, j]
        row[FirmCol.incidents, j] = s.incidents[j]
        for k in range(3):
            row[FirmCol.pressure + k, j] = s.env[k, q]
        for r in range(3):
            e[ExecCol.influence, j, r] = s.influence[j, r]
            for peer in range(3):
                e[ExecCol.coop_cmo + peer, j, r] = s.p_coop[j, r, peer]
            e[ExecCol.brief, j, r] = s.p_brief[j, r]
            e[ExecCol.briefed, j, r] = 1.0 if s.briefed[j, r] else 0.0
            e[ExecCol.attention, j, r] = s.attention[j, r]
            e[ExecCol.brief_gap, j, r] = learning.belief_gap(s.brief_beliefs[j, r])
            e[ExecCol.brief_foregone, j, r] = s.brief_foregone[j, r]
            for peer in range(3):  # what it believes of working with each peer, and what it observed
                gap = learning.belief_gap(s.beliefs[j, r, peer]) if peer != r else 0.0
                e[ExecCol.gap_cmo + peer, j, r] = gap
                e[ExecCol.foregone_cmo + peer, j, r] = s.coop_foregone[j, r, peer]
            e[ExecCol.effort, j, r] = s.effort[j, r]
            e[ExecCol.believed_bids, j, r] = politics.believed_total(s.bid_beliefs[j], r)
            e[ExecCol.payoff, j, r] = s.payoff[j, r]
            e[ExecCol.credit, j, r] = s.credits[j, r]


__all__ = ["CFO", "CIO", "STOCKS", "Params", "State", "executives_quarter", "record"]
