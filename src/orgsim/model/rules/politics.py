"""Chosen politics: how hard each executive fights in the budget round (compiled where the quarter calls it).

Effort in the yearly Tullock contest (:mod:`orgsim.model.rules.budget`) is a choice. Before the
round each executive reckons its expected payoff from the contest for an effort ``e`` in [0, 1],

    U_r(e) = V_r * (x_r + sum_k w_rk * x_k) - c_r * e,

where ``x`` are the Tullock shares of the contested pot with bids ``b_k = s_k * e_k`` (strength
``s`` = claim x influence x evidence, decisiveness ``a`` = ``contest_exponent``), the rivals' bids
being what the executive believes from the rounds it has seen (recency-weighted); ``w_rk`` is the
value it puts on a peer's win (partners who work together value each other's budget:
``shared_stake`` x the pair's past-year joint-work rate); ``V_r`` its value of the whole pot
(``effort_stake`` x ``contested_share`` x its domain's share of the CEO's criticality: the pot is
worth more the more of the budget is contested, and money counts for more where the domain is
critical now); ``c_r`` its marginal cost of effort: the time taken from its own domain
(``effort_time_cost`` x its share of the own-domain credit) plus its part of what conflict destroys,
``V_r * conflict_loss * (1 - trust) / 3`` (the derivative of
:func:`orgsim.model.rules.budget.conflict_loss_share`). It moves its effort a step ``effort_rate``
toward the best response (smoothed best response; fictitious play over bids, Brown 1951) and,
after the round, updates its beliefs with the bids it saw.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba.extending import register_jitable

from orgsim.model.roles import PAIRS

#: grid points of the search that brackets the best response when ``a != 1``
GRID = 64
#: golden-section steps inside the bracket (the bracket shrinks to 2/GRID * 0.618**STEPS)
STEPS = 48
INV_PHI = (math.sqrt(5.0) - 1.0) / 2.0


class PoliticsParams(NamedTuple):
    chosen: bool  # the chosen_effort switch: False holds efforts at their starting draws
    stake: float  # effort_stake: the value of winning the whole budget
    contested: float  # contested_share: the pot's share of the budget
    time_cost: float  # effort_time_cost
    shared_stake: float
    rate: float  # effort_rate
    decay: float  # bid_belief_decay
    conflict_loss: float
    exponent: float  # contest_exponent


@register_jitable
def contest_value(stake, contested, crit, r):
    """``V_r``: the value to executive ``r`` of the whole contested pot, ``stake`` x the pot's share
    of the budget ``contested`` x its domain's share of the criticality ``crit`` (a third each if all are 0)."""
    total = crit[0] + crit[1] + crit[2]
    return stake * contested * (crit[r] / total if total > 0 else 1.0 / 3.0)


@register_jitable
def own_credit_share(crit, own, r):
    """Executive ``r``'s share of the firm's own-domain credit ``crit * own`` (0 if there is none)."""
    total = crit[0] * own[0] + crit[1] * own[1] + crit[2] * own[2]
    return crit[r] * own[r] / total if total > 0 else 0.0


@register_jitable
def effort_cost(time_cost, own_share, value, conflict_loss, trust):
    """``c_r``: time taken from the own domain plus the executive's part of the conflict loss."""
    return time_cost * own_share + value * conflict_loss * (1.0 - min(max(trust, 0.0), 1.0)) / 3.0


@register_jitable
def peer_weights(shared_stake, joint, out):
    """``w_rk = shared_stake`` x the past-year joint-work rate of ``r`` and ``k`` into ``out`` (3 x 3);
    ``joint`` holds the rate per pair (:data:`orgsim.model.roles.PAIRS`)."""
    for r in range(3):
        out[r, r] = 0.0
    for k in range(3):
        a, b = PAIRS[k]
        out[a, b] = shared_stake * joint[k]
        out[b, a] = shared_stake * joint[k]


@register_jitable
def stakes(crit, own, trust, p, value, cost):
    """Every executive's value of the pot and marginal cost of effort, into ``value`` and ``cost``."""
    for r in range(3):
        value[r] = contest_value(p.stake, p.contested, crit, r)
        cost[r] = effort_cost(p.time_cost, own_credit_share(crit, own, r), value[r], p.conflict_loss, trust)


@register_jitable
def expected_payoff(effort, strength, rivals, weighted, value, cost, exponent):
    """``U(e) = V (x + sum_k w_k x_k) - c e`` with ``rivals = sum_k b_k**a`` and ``weighted =
    sum_k w_k b_k**a`` over the rivals' believed bids. With no bid at all nothing is won."""
    bid = strength * effort
    own = bid**exponent if bid > 0 else 0.0
    total = own + rivals
    share = (own + weighted) / total if total > 0 else 0.0
    return value * share - cost * effort


@register_jitable
def best_response(strength, rivals, weighted, value, cost, exponent):
    """The effort in [0, 1] that maximises :func:`expected_payoff`.

    0 when the marginal benefit is never positive: no value, no strength, no rival bid believed
    (any positive bid would win the pot, so the supremum is approached as effort goes to 0), or
    peers' wins valued as much as its own (``weighted >= rivals``). 1 when effort costs nothing.
    For ``a == 1`` the first-order condition ``s e + B = sqrt(V s (B - W) / c)``, clipped; else a
    grid of ``GRID + 1`` points brackets the maximum and a golden-section search refines it
    (``U`` is concave in effort for ``a <= 1``; the grid guards against the local maxima of ``a > 1``).
    """
    if value <= 0 or strength <= 0 or rivals <= 0 or rivals - weighted <= 0:
        return 0.0
    if cost <= 0:
        return 1.0
    if exponent == 1.0:
        e = (math.sqrt(value * strength * (rivals - weighted) / cost) - rivals) / strength
        return min(max(e, 0.0), 1.0)
    best, best_u = 0, -math.inf
    for i in range(GRID + 1):
        u = expected_payoff(i / GRID, strength, rivals, weighted, value, cost, exponent)
        if u > best_u:
            best, best_u = i, u
    lo, hi = max(best - 1, 0) / GRID, min(best + 1, GRID) / GRID
    x1, x2 = hi - INV_PHI * (hi - lo), lo + INV_PHI * (hi - lo)
    u1 = expected_payoff(x1, strength, rivals, weighted, value, cost, exponent)
    u2 = expected_payoff(x2, strength, rivals, weighted, value, cost, exponent)
    for _ in range(STEPS):
        if u1 >= u2:
            hi, x2, u2 = x2, x1, u1
            x1 = hi - INV_PHI * (hi - lo)
            u1 = expected_payoff(x1, strength, rivals, weighted, value, cost, exponent)
        else:
            lo, x1, u1 = x1, x2, u2
            x2 = lo + INV_PHI * (hi - lo)
            u2 = expected_payoff(x2, strength, rivals, weighted, value, cost, exponent)
    e = 0.5 * (lo + hi)
    if expected_payoff(e, strength, rivals, weighted, value, cost, exponent) >= best_u:
        return e
    return best / GRID


@register_jitable
def smoothed(effort, target, rate):
    """Smoothed best response: ``e + rate * (target - e)``, within [0, 1]."""
    return min(max(effort + rate * (target - effort), 0.0), 1.0)


@register_jitable
def believed_rivals(believed, weight, r, exponent):
    """``(B, W)``: the sum of the rivals' believed bids to the power ``a``, and the same weighted by ``w_r``."""
    rivals = 0.0
    weighted = 0.0
    for k in range(3):
        if k != r:
            bid = max(believed[r, k], 0.0)
            term = bid**exponent if bid > 0 else 0.0
            rivals += term
            weighted += weight[r, k] * term
    return rivals, weighted


@register_jitable
def move_efforts(strength, effort, believed, weight, value, cost, exponent, rate):
    """One firm's executives move their efforts (row ``effort``, in place) a step ``rate`` toward
    their best responses to the bids they believe (``believed[r, k]``: r's belief of k's bid),
    all from the same beliefs (simultaneous)."""
    nxt = np.empty(3)
    for r in range(3):
        rivals, weighted = believed_rivals(believed, weight, r, exponent)
        target = best_response(strength[r], rivals, weighted, value[r], cost[r], exponent)
        nxt[r] = smoothed(effort[r], target, rate)
    for r in range(3):
        effort[r] = nxt[r]


@register_jitable
def observe_bids(strength, effort, believed, decay):
    """After the round every executive updates its belief of each rival's bid toward the bid it saw,
    ``believed <- decay * believed + (1 - decay) * s_k e_k`` (recency-weighted)."""
    for r in range(3):
        for k in range(3):
            if k != r:
                believed[r, k] = decay * believed[r, k] + (1.0 - decay) * strength[k] * effort[k]


@register_jitable
def believed_total(believed, r):
    """Executive ``r``'s belief of its rivals' total bid."""
    total = 0.0
    for k in range(3):
        if k != r:
            total += believed[r, k]
    return total
