"""How the CEO credits executives and how influence moves, one firm at a time (compiled where called).

Strategic contingencies (Hickson et al. 1971): the CEO credits each executive with the value of
its domain weighted by how critical that domain is now. Resource dependence (Pfeffer & Salancik
1978): controlling budget that others depend on adds credit. Joint results are credited to both
partners (added, not transferred), so in shares they come at the expense of the executive left
out. The CEO's attention is finite: it absorbs at most ``ceo_attention`` briefings a quarter, so
executives who brief compete for it; a briefing raises the share of an executive's own-domain
result the CEO sees by the attention it gets, and costs the briefer time. Influence moves a step
toward the credited shares; shares stay on the simplex.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba.extending import register_jitable

from orgsim.model.roles import CFO, CIO, CMO, PAIRS


class CreditParams(NamedTuple):
    crit_cmo_base: float
    crit_cmo_pressure: float
    crit_cio_base: float
    crit_cio_threat: float
    crit_cio_modernisation: float
    crit_cfo_base: float
    crit_cfo_stress: float
    dependence_weight: float  # 0 when the resource-dependence channel is off
    visibility_unbriefed: float  # the CMO's v0: share of its own-domain result seen without a briefing
    visibility_unbriefed_cio: float
    visibility_unbriefed_cfo: float
    briefing_on: bool  # False: a briefing changes nothing the CEO sees (it still costs time)
    ceo_attention: float  # briefings the CEO absorbs a quarter (3.0, enough for all, when finite_attention is off)
    briefing_time_cost: float  # own-domain credit lost in a quarter the executive briefs
    joint_credit: float  # 0 when the joint-credit channel is off
    coordination_cost: float
    effort_time_cost: float  # own-domain credit lost per unit of political effort spent this quarter
    rate: float  # influence_rate


@register_jitable
def criticality(pressure, threat, climate, quality, revenue, revenue_year_ago, p, out):
    """How critical each domain is to the CEO now, into ``out``: customers (pressure) for the CMO;
    threat and the modernisation gap for the CIO; financial stress (a bad climate, revenue lost
    against a year ago) for the CFO."""
    decline = max((revenue_year_ago - revenue) / (revenue_year_ago if revenue_year_ago > 0 else 1.0), 0.0)
    out[CMO] = p.crit_cmo_base + p.crit_cmo_pressure * pressure
    out[CIO] = p.crit_cio_base + p.crit_cio_threat * threat + p.crit_cio_modernisation * (1.0 - quality)
    out[CFO] = p.crit_cfo_base + p.crit_cfo_stress * (max(0.0, 1.0 - climate) + decline)


@register_jitable
def domain_value(experience, quality, margin, out):
    """The value of each executive's own domain in [0, 1]: customer experience, quality, margin."""
    out[CMO] = experience
    out[CIO] = quality
    out[CFO] = min(max(0.5 + margin, 0.0), 1.0)


@register_jitable
def dependence(it_marketing, budget, p, out):
    """Credit for controlling budget others depend on: the CIO's governed marketing IT."""
    out[CMO] = 0.0
    out[CIO] = p.dependence_weight * it_marketing / (budget if budget > 0 else 1.0)
    out[CFO] = 0.0


@register_jitable
def attention(briefed, ceo_attention, out):
    """The CEO's attention share each executive of one firm receives, into ``out``: with ``n``
    executives briefing, each gets ``a = min(1, ceo_attention / n)``, the others 0 (the shares sum
    to ``min(n, ceo_attention)``, at most ``ceo_attention``). Returns ``n``."""
    n = 0
    for r in range(3):
        if briefed[r]:
            n += 1
    a = min(1.0, ceo_attention / n) if n > 0 else 0.0
    for r in range(3):
        out[r] = a if briefed[r] else 0.0
    return n


@register_jitable
def visibility(v0, share, briefing_on):
    """The share of an executive's own-domain result the CEO sees: ``v0 + (1 - v0) * share`` with
    the attention ``share`` its briefing got (0 without a briefing); ``v0`` if briefing has no effect."""
    return v0 + (1.0 - v0) * share if briefing_on else v0


@register_jitable
def credit(own, crit, dep, coop, briefed, spent, p, out):
    """The CEO's credit for each executive of one firm, into ``out``.

    Own-domain credit is ``crit * own * visibility``: without a briefing the CEO sees the share
    ``v0`` of the result (``visibility_unbriefed`` for the CMO, ``..._cio``, ``..._cfo``); a briefing
    that gets the attention share ``a`` (:func:`attention`) raises it to ``v0 + (1 - v0) * a``.
    Each cooperating link costs ``coordination_cost`` of it (time and autonomy diverted from the
    own domain), political effort spent in this quarter's budget round (``spent``, 0 outside a
    round) ``effort_time_cost`` per unit, and a briefing ``briefing_time_cost``; each link earns
    each partner ``joint_credit`` times the mean of the two partners' own-domain credit: the joint
    result is credited to both. ``coop`` holds the firm's joint work per pair
    (:data:`orgsim.model.roles.PAIRS`), ``briefed`` who briefed the CEO this quarter.
    """
    share = np.empty(3)
    attention(briefed, p.ceo_attention, share)
    v0 = (p.visibility_unbriefed, p.visibility_unbriefed_cio, p.visibility_unbriefed_cfo)
    base = np.empty(3)
    for r in range(3):
        base[r] = crit[r] * own[r] * visibility(v0[r], share[r], p.briefing_on)
    links = np.zeros(3)
    shared = np.zeros(3)
    for k in range(3):
        a, b = PAIRS[k]
        pair = 0.5 * (base[a] + base[b]) * coop[k]
        links[a] += coop[k]
        links[b] += coop[k]
        shared[a] += pair
        shared[b] += pair
    for r in range(3):
        time = p.coordination_cost * links[r] + p.effort_time_cost * spent[r]
        if briefed[r]:
            time += p.briefing_time_cost
        kept = max(1.0 - time, 0.0)
        out[r] = base[r] * kept + p.joint_credit * shared[r] + dep[r]


@register_jitable
def update(before, credits, rate, out):
    """Influence moved a step ``rate`` toward the credited shares, into ``out`` (stays on the simplex)."""
    total = credits[0] + credits[1] + credits[2]
    s = 0.0
    for r in range(3):
        target = credits[r] / total if total > 0 else before[r]
        out[r] = (1.0 - rate) * before[r] + rate * target
        s += out[r]
    for r in range(3):
        out[r] = out[r] / s


@register_jitable
def gain(own, crit, dep, coop, briefed, spent, before, p, out):
    """The influence each executive of one firm gains with joint work ``coop``, the briefings ``briefed``
    and the political effort ``spent``: the CEO's credit, the step toward it, minus the influence
    before (into ``out``)."""
    c = np.empty(3)
    credit(own, crit, dep, coop, briefed, spent, p, c)
    update(before, c, p.rate, out)
    for r in range(3):
        out[r] -= before[r]
