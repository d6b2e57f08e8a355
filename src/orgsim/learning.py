"""How executives adjust propensities; pure functions (no mesa import).

Reinforcement: Bush & Mosteller (1955) with an endogenous aspiration level (Macy & Flache 2002):
an action that paid above aspiration becomes more likely, one that paid below less likely.
Benchmarking: proportional imitation (Schlag 1998): an executive looks at the same role in a
randomly drawn other firm and, if that firm earns a higher margin, moves its propensities toward
the other's in proportion to the margin gap.
"""

from __future__ import annotations

import numpy as np

LOW, HIGH = 0.01, 0.99


def stimulus(payoff: float, aspiration: float, scale: float) -> float:
    """Satisfaction in (-1, 1): how far the payoff lies above the aspiration level."""
    return float(np.tanh((payoff - aspiration) / scale))


def bush_mosteller(p: float, acted: bool, s: float, rate: float) -> float:
    """Propensity ``p`` to take an action after taking it (``acted``) or not, with stimulus ``s``."""
    if acted:
        p = p + rate * s * (1.0 - p) if s >= 0 else p + rate * s * p
    else:
        q = 1.0 - p
        q = q + rate * s * (1.0 - q) if s >= 0 else q + rate * s * q
        p = 1.0 - q
    return float(min(HIGH, max(LOW, p)))


def imitation_weight(own_margin: float, other_margin: float, scale: float) -> float:
    """How far to move toward a benchmark: 0 if it does no better, 1 at a lead of ``scale``."""
    return float(min(1.0, max(0.0, (other_margin - own_margin) / scale)))


def imitate(p: float, other: float, weight: float) -> float:
    return float(min(HIGH, max(LOW, p + weight * (other - p))))


def drift(p: float, noise: float) -> float:
    return float(min(HIGH, max(LOW, p + noise)))
