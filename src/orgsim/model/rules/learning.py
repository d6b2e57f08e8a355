"""How executives adjust their propensities, per learner (compiled where the quarter calls them).

Belief-based learning (in the family of EWA, Camerer & Ho 1999, and fictitious play): for each
action it can take (work with a given peer; brief the CEO) an executive keeps two
recency-weighted sums of payoffs with their weights, ``[S_acted, W_acted, S_not, W_not]``: one for
quarters in which the action was taken and one for quarters in which it was not. Evidence comes
from its own experience (reinforcement, weight 1), from watching the same role in the other firms
(vicarious learning, weight ``observation_weight``), and from an estimate of the foregone payoff of
the action it did not take (weight ``foregone_weight``, EWA's delta), so an executive learns even
when its own joint work is rare. The estimate is what it can observe this quarter
(:func:`observed_foregone`, ``foregone_rule = "observed"``) or, for comparison, the CEO's exact
crediting rule with the action flipped (``"exact"``, computed in the quarter). The propensity moves in logit space
by ``rate * tanh(gap / scale)`` where ``gap`` is the shrunken difference of the two averages: with
no evidence, or symmetric noise, it does not drift.

Benchmarking: proportional imitation (Schlag 1998): an executive looks at the same role in a
randomly drawn other firm and, if that firm earns a higher margin, moves its propensities toward
the other's in proportion to the margin gap; then a small exploration noise.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from numba.extending import register_jitable

from orgsim.model.roles import PAIRS

#: propensities stay within [LOW, HIGH]
LOW, HIGH = 0.01, 0.99


class LearnParams(NamedTuple):
    profit_weight: float
    own_weight: float  # 0 when the reinforcement channel is off
    other_weight: float  # observation_weight; 0 when the observation channel is off
    counterfactual: bool
    exact: bool  # foregone_rule == "exact": the foregone payoff from the CEO's rule, else observed
    foregone_weight: float
    decay: float  # belief_decay
    scale: float  # payoff_scale
    rate: float  # learning_rate
    imitation: bool
    imitation_rate: float
    imitation_scale: float
    exploration: float


@register_jitable
def evidence(payoff, acted, own, own_weight, other_weight, out):
    """The evidence the learner of firm ``own`` draws from the payoffs of its role in every firm.

    ``payoff[j]`` and ``acted[j]`` are firm ``j``'s; ``out`` gets ``[sum_acted, weight_acted,
    sum_not, weight_not]``, firm ``own`` weighted ``own_weight``, the others ``other_weight``.
    """
    for c in range(4):
        out[c] = 0.0
    for j in range(payoff.shape[0]):
        w = own_weight if j == own else other_weight
        if acted[j]:
            out[0] += w * payoff[j]
            out[1] += w
        else:
            out[2] += w * payoff[j]
            out[3] += w


@register_jitable
def add_foregone(acted, payoff_other, weight, ev):
    """Add the foregone payoff of the action not taken, at weight ``weight`` (EWA's delta), to ``ev``."""
    if acted:
        ev[2] += weight * payoff_other
        ev[3] += weight
    else:
        ev[0] += weight * payoff_other
        ev[1] += weight


@register_jitable
def observed_foregone(payoff, acted, own, role, firm_payoff, firm_coop):
    """The executive of role ``role`` in firm ``own``: its estimate of the payoff of the action it did
    not take this quarter, from what it can observe; returns ``(estimate, n)`` (``n`` observations;
    no estimate, 0.0, if ``n`` is 0).

    ``payoff[j]`` and ``acted[j]`` are the payoff and the action (taken or not) of the same role
    in firm ``j``. The observations are (a) the payoffs of the same role in the *other* firms that
    took the action it did not, and, for joint work (``firm_coop`` holds its own firm's joint work
    per pair, :data:`orgsim.model.roles.PAIRS`; empty for briefing), (b) the CEO's visible reaction
    in its own firm: the payoffs (influence gain + weighted margin, ``firm_payoff``) of its peers
    whose standing in joint work was the other one — a peer who did joint work this quarter if it
    did not, a peer who did none if it did. The estimate is their unweighted mean. It does not use
    the CEO's crediting rule.
    """
    total = 0.0
    n = 0
    for j in range(payoff.shape[0]):
        if j != own and (acted[j] != 0) != (acted[own] != 0):
            total += payoff[j]
            n += 1
    if firm_coop.shape[0] == 3:
        for peer in range(3):
            if peer != role:
                worked = False
                for k in range(3):
                    a, b = PAIRS[k]
                    if (a == peer or b == peer) and firm_coop[k] != 0:
                        worked = True
                if worked != (acted[own] != 0):
                    total += firm_payoff[peer]
                    n += 1
    return (total / n if n > 0 else 0.0), n


@register_jitable
def accumulate(sums, ev, decay):
    """Recency-weighted accumulators ``[S_acted, W_acted, S_not, W_not]``, in place."""
    for c in range(4):
        sums[c] = decay * sums[c] + ev[c]


@register_jitable
def belief_gap(sums, prior_weight=1.0):
    """Shrunken difference of the mean payoffs of acting and not acting (0 without evidence on both sides)."""
    s_a, w_a, s_n, w_n = sums[0], sums[1], sums[2], sums[3]
    if w_a > 0 and w_n > 0:
        return (s_a / w_a - s_n / w_n) * ((w_a * w_n) / ((w_a + prior_weight) * (w_n + prior_weight)))
    return 0.0


@register_jitable
def logit_step(p, gap, rate, scale):
    """Move a propensity by ``rate * tanh(gap / scale)`` in logit space, within [LOW, HIGH]."""
    x = min(max(p, LOW), HIGH)
    z = math.log(x / (1.0 - x)) + rate * math.tanh(gap / scale)
    return min(max(1.0 / (1.0 + math.exp(-z)), LOW), HIGH)


@register_jitable
def imitation_weight(own_margin, other_margin, scale):
    """How far to move toward a benchmark: 0 if it does no better, 1 at a lead of ``scale``."""
    return min(1.0, max(0.0, (other_margin - own_margin) / scale))


@register_jitable
def imitate(p, other, weight):
    return min(HIGH, max(LOW, p + weight * (other - p)))


@register_jitable
def drift(p, noise):
    return min(HIGH, max(LOW, p + noise))
