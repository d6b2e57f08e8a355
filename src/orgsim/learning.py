"""How executives adjust propensities; pure functions (no mesa import).

Belief-based learning (in the family of EWA, Camerer & Ho 1999, and fictitious play): for each
action it can take (work with a given peer; for the CMO, brief the CEO) an executive keeps two
recency-weighted average payoffs, one for quarters in which the action was taken and one for
quarters in which it was not. Evidence comes from its own experience (reinforcement, weight 1)
and from watching the same role in the other firms (vicarious learning, weight
``observation_weight``), and from the foregone payoff of the action it did not take, which it
can reckon because it sees how the CEO credits (weight ``foregone_weight``, EWA's delta), so an
executive learns even when its own joint work is rare. The
propensity moves in logit space by ``rate * tanh(gap / scale)`` where ``gap`` is the shrunken
difference of the two averages: with no evidence, or symmetric noise, it does not drift.

Benchmarking: proportional imitation (Schlag 1998): an executive looks at the same role in a
randomly drawn other firm and, if that firm earns a higher margin, moves its propensities toward
the other's in proportion to the margin gap.
"""

from __future__ import annotations

import numpy as np

LOW, HIGH = 0.01, 0.99


def evidence(
    payoff: np.ndarray, acted: np.ndarray, own: int, own_weight: float, other_weight: float
) -> tuple[float, float, float, float]:
    """Weighted payoff sums and weights for 'acted' and 'did not act' across firms.

    ``payoff`` and ``acted`` are per firm (the same role everywhere); ``own`` is the learner's firm.
    Returns ``(sum_acted, weight_acted, sum_not, weight_not)``.
    """
    w = np.full(payoff.shape[0], other_weight)
    w[own] = own_weight
    a = acted.astype(bool)
    return (float((w * payoff)[a].sum()), float(w[a].sum()), float((w * payoff)[~a].sum()), float(w[~a].sum()))


def foregone(acted: bool, payoff: float, payoff_other: float, weight: float) -> tuple[float, float, float, float]:
    """Evidence of the action not taken: its foregone payoff at weight ``weight`` (EWA's delta)."""
    if acted:
        return 0.0, 0.0, weight * payoff_other, weight
    return weight * payoff_other, weight, 0.0, 0.0


def accumulate(sums: np.ndarray, new: tuple[float, float, float, float], decay: float) -> np.ndarray:
    """Recency-weighted accumulators ``[S_acted, W_acted, S_not, W_not]``."""
    return decay * sums + np.asarray(new)


def belief_gap(sums: np.ndarray, prior_weight: float = 1.0) -> float:
    """Shrunken difference of the mean payoffs of acting and not acting (0 without evidence)."""
    s_a, w_a, s_n, w_n = sums
    if w_a <= 0 or w_n <= 0:
        return 0.0
    shrink = (w_a * w_n) / ((w_a + prior_weight) * (w_n + prior_weight))
    return float((s_a / w_a - s_n / w_n) * shrink)


def logit_step(p: float, gap: float, rate: float, scale: float) -> float:
    """Move a propensity by ``rate * tanh(gap / scale)`` in logit space, within [LOW, HIGH]."""
    p = min(HIGH, max(LOW, p))
    z = np.log(p / (1.0 - p)) + rate * np.tanh(gap / scale)
    return float(min(HIGH, max(LOW, 1.0 / (1.0 + np.exp(-z)))))


def imitation_weight(own_margin: float, other_margin: float, scale: float) -> float:
    """How far to move toward a benchmark: 0 if it does no better, 1 at a lead of ``scale``."""
    return float(min(1.0, max(0.0, (other_margin - own_margin) / scale)))


def imitate(p: float, other: float, weight: float) -> float:
    return float(min(HIGH, max(LOW, p + weight * (other - p))))


def drift(p: float, noise: float) -> float:
    return float(min(HIGH, max(LOW, p + noise)))
