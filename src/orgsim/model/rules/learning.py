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


def evidence_all(payoff: np.ndarray, acted: np.ndarray, own_weight: float, other_weight: float) -> np.ndarray:
    """Evidence of every firm's learner of one role, shape (F, 4).

    Row ``i`` holds ``[sum_acted, weight_acted, sum_not, weight_not]``: the payoffs of the same
    role in all firms, split by whether it acted, weighted ``own_weight`` for firm ``i`` itself
    and ``other_weight`` for the others.
    """
    a = np.asarray(acted).astype(bool)
    u = np.asarray(payoff, dtype=float)
    own = np.stack([u * a, a.astype(float), u * ~a, (~a).astype(float)], axis=-1)
    return other_weight * (own.sum(axis=0) - own) + own_weight * own


def evidence(
    payoff: np.ndarray, acted: np.ndarray, own: int, own_weight: float, other_weight: float
) -> tuple[float, float, float, float]:
    """:func:`evidence_all` for the learner in firm ``own``."""
    row = evidence_all(payoff, acted, own_weight, other_weight)[own]
    return float(row[0]), float(row[1]), float(row[2]), float(row[3])


def foregone_all(acted: np.ndarray, payoff_other: np.ndarray, weight: float) -> np.ndarray:
    """Evidence of the action not taken, shape (F, 4): its foregone payoff at weight ``weight``
    (EWA's delta) on the side of the action that was not taken."""
    a = np.asarray(acted).astype(bool)
    u = weight * np.asarray(payoff_other, dtype=float)
    w = np.full(a.shape, float(weight))
    zero = np.zeros(a.shape)
    return np.stack([np.where(a, zero, u), np.where(a, zero, w), np.where(a, u, zero), np.where(a, w, zero)], axis=-1)


def foregone(acted: bool, payoff: float, payoff_other: float, weight: float) -> tuple[float, float, float, float]:
    """:func:`foregone_all` for one learner (``payoff`` is the realised one, not needed)."""
    row = foregone_all(np.array([acted]), np.array([payoff_other]), weight)[0]
    return float(row[0]), float(row[1]), float(row[2]), float(row[3])


def accumulate(sums: np.ndarray, new: np.ndarray | tuple, decay: float) -> np.ndarray:
    """Recency-weighted accumulators ``[S_acted, W_acted, S_not, W_not]`` (last axis)."""
    return decay * np.asarray(sums) + np.asarray(new)


def belief_gap(sums: np.ndarray, prior_weight: float = 1.0) -> float | np.ndarray:
    """Shrunken difference of the mean payoffs of acting and not acting (0 without evidence).

    Works on the last axis, so ``sums`` may be one accumulator (returns a float) or an array of them.
    """
    sums = np.asarray(sums, dtype=float)
    s_a, w_a, s_n, w_n = np.moveaxis(sums, -1, 0)
    seen = (w_a > 0) & (w_n > 0)
    mean_a = np.divide(s_a, w_a, out=np.zeros_like(s_a), where=seen)
    mean_n = np.divide(s_n, w_n, out=np.zeros_like(s_n), where=seen)
    shrink = (w_a * w_n) / ((w_a + prior_weight) * (w_n + prior_weight))
    gap = np.where(seen, (mean_a - mean_n) * shrink, 0.0)
    return float(gap) if gap.ndim == 0 else gap


def logit_step(p: float | np.ndarray, gap: float | np.ndarray, rate: float, scale: float) -> float | np.ndarray:
    """Move propensities by ``rate * tanh(gap / scale)`` in logit space, within [LOW, HIGH]."""
    p = np.minimum(np.maximum(np.asarray(p, dtype=float), LOW), HIGH)  # np.clip, without its overhead
    z = np.log(p / (1.0 - p)) + rate * np.tanh(np.asarray(gap, dtype=float) / scale)
    out = np.minimum(np.maximum(1.0 / (1.0 + np.exp(-z)), LOW), HIGH)
    return float(out) if out.ndim == 0 else out


def imitation_weight(own_margin: float, other_margin: float, scale: float) -> float:
    """How far to move toward a benchmark: 0 if it does no better, 1 at a lead of ``scale``."""
    return float(min(1.0, max(0.0, (other_margin - own_margin) / scale)))


def imitate(p: float, other: float, weight: float) -> float:
    return float(min(HIGH, max(LOW, p + weight * (other - p))))


def drift(p: float, noise: float) -> float:
    return float(min(HIGH, max(LOW, p + noise)))
