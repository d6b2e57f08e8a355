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


def criticality(pressure: float, threat: float, quality: np.ndarray, stress: np.ndarray, p) -> np.ndarray:
    """Criticality of each domain, shape (F, 3); ``p`` holds the crit_* weights."""
    f = quality.shape[0]
    out = np.empty((f, 3))
    out[:, CMO] = p.crit_cmo_base + p.crit_cmo_pressure * pressure
    out[:, CIO] = p.crit_cio_base + p.crit_cio_threat * threat + p.crit_cio_modernisation * (1.0 - quality)
    out[:, CFO] = p.crit_cfo_base + p.crit_cfo_stress * stress
    return out


def credit(
    own_value: np.ndarray,
    crit: np.ndarray,
    visibility: np.ndarray,
    coop: np.ndarray,
    joint_weight: float,
    coordination_cost: float,
    dependence: np.ndarray,
) -> np.ndarray:
    """Credit per executive, shape (F, 3).

    Own-domain credit is ``crit * own_value * visibility`` (``own_value`` in [0, 1], ``visibility``
    the share the CEO sees). Each cooperating link costs ``coordination_cost`` of it (time and
    autonomy diverted from the own domain) and earns each partner ``joint_weight`` times the mean
    of the two partners' own-domain credit: the joint result is credited to both, added rather
    than transferred, so in shares it comes at the expense of the executive left out.
    ``dependence`` is extra credit for controlling budget others depend on.
    """
    base = crit * own_value * visibility
    links = np.zeros_like(base)
    shared = np.zeros_like(base)
    for k, (a, b) in enumerate(PAIRS):
        pair = 0.5 * (base[:, a] + base[:, b]) * coop[:, k]
        links[:, a] += coop[:, k]
        links[:, b] += coop[:, k]
        shared[:, a] += pair
        shared[:, b] += pair
    own = base * np.clip(1.0 - coordination_cost * links, 0.0, None)
    return own + joint_weight * shared + dependence


def update(influence: np.ndarray, credits: np.ndarray, rate: float) -> np.ndarray:
    """Move influence a step ``rate`` toward the credited shares; rows stay on the simplex."""
    total = credits.sum(axis=1, keepdims=True)
    target = np.where(total > 0, credits / np.where(total > 0, total, 1.0), influence)
    new = (1.0 - rate) * influence + rate * target
    return new / new.sum(axis=1, keepdims=True)
