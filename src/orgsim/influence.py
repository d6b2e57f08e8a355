"""How the CEO credits executives and how influence moves; pure functions (no mesa import).

Strategic contingencies (Hickson et al. 1971): the CEO credits each executive with the value of
its domain weighted by how critical that domain is now. Resource dependence (Pfeffer & Salancik
1978): controlling budget that others depend on adds credit. Joint results are credited to both
partners (added, not transferred), so in shares they come at the expense of the executive left
out. Influence moves a step toward the credited shares; shares stay on the simplex.
"""

from __future__ import annotations

import numpy as np

CMO, CIO, CFO = 0, 1, 2
PAIRS = ((CMO, CIO), (CMO, CFO), (CIO, CFO))


def criticality(pressure: float, threat: float, quality: np.ndarray, stress: np.ndarray,
                p) -> np.ndarray:
    """Criticality of each domain, shape (F, 3); ``p`` holds the crit_* weights."""
    f = quality.shape[0]
    out = np.empty((f, 3))
    out[:, CMO] = p.crit_cmo_base + p.crit_cmo_pressure * pressure
    out[:, CIO] = p.crit_cio_base + p.crit_cio_threat * threat + p.crit_cio_modernisation * (1.0 - quality)
    out[:, CFO] = p.crit_cfo_base + p.crit_cfo_stress * stress
    return out


def joint_value(crit: np.ndarray, analytics: np.ndarray, integration: np.ndarray,
                roi: np.ndarray, appraisal: np.ndarray) -> np.ndarray:
    """Credited value of each pair's joint result, shape (F, 3) in PAIRS order.

    CMO-CIO: customer data and analytics, as critical as the customer domain; CMO-CFO: measured
    ROI; CIO-CFO: IT investment appraisal (each as critical as the mean of the partners' domains).
    """
    out = np.empty_like(crit)
    out[:, 0] = crit[:, CMO] * 0.5 * (analytics + integration)
    out[:, 1] = 0.5 * (crit[:, CMO] + crit[:, CFO]) * roi
    out[:, 2] = 0.5 * (crit[:, CIO] + crit[:, CFO]) * appraisal
    return out


def credit(own_value: np.ndarray, crit: np.ndarray, visibility: np.ndarray, coop: np.ndarray,
           joint: np.ndarray, joint_weight: float, coordination_cost: float,
           dependence: np.ndarray) -> np.ndarray:
    """Credit per executive, shape (F, 3).

    ``own_value`` (F, 3) in [0, 1]; ``visibility`` (F, 3) share of own credit the CEO sees;
    ``coop`` (F, 3) 0/1 per pair; ``joint`` (F, 3) pair values; ``dependence`` (F, 3) extra credit
    for controlled budget others depend on. Each cooperating link costs ``coordination_cost`` of
    own-domain credit (time and autonomy).
    """
    links = np.zeros_like(own_value)
    shared = np.zeros_like(own_value)
    for k, (a, b) in enumerate(PAIRS):
        links[:, a] += coop[:, k]
        links[:, b] += coop[:, k]
        shared[:, a] += coop[:, k] * joint[:, k]
        shared[:, b] += coop[:, k] * joint[:, k]
    own = crit * own_value * visibility * (1.0 - coordination_cost * links)
    return np.clip(own, 0.0, None) + joint_weight * shared + dependence


def update(influence: np.ndarray, credits: np.ndarray, rate: float) -> np.ndarray:
    """Move influence a step ``rate`` toward the credited shares; rows stay on the simplex."""
    total = credits.sum(axis=1, keepdims=True)
    target = np.where(total > 0, credits / np.where(total > 0, total, 1.0), influence)
    new = (1.0 - rate) * influence + rate * target
    return new / new.sum(axis=1, keepdims=True)
