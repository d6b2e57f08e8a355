"""Capability stocks with depreciation, pure functions (no mesa import).

Every stock ``K`` in [0, 1] moves as ``K + g * I * (1 - K) - d * K``: investment ``I`` (spend per
unit of revenue per firm, or 1 for a quarter of joint work) builds it with diminishing returns,
and it depreciates at rate ``d``.
"""

from __future__ import annotations

import numpy as np


def stock_step(level: np.ndarray, investment: np.ndarray, growth: float, decay: float) -> np.ndarray:
    """One quarter of a bounded capability stock."""
    out = level + growth * investment * (1.0 - level) - decay * level
    return np.clip(out, 0.0, 1.0)


def integration_step(
    level: np.ndarray, governed: np.ndarray, shadow: np.ndarray, growth: float, silo: float, decay: float
) -> np.ndarray:
    """Data integration: built by governed marketing IT, torn into silos by shadow IT."""
    out = level + growth * governed * (1.0 - level) - silo * shadow * level - decay * level
    return np.clip(out, 0.0, 1.0)


def incident_rate(
    threat: float, quality: np.ndarray, shadow_stock: np.ndarray, base: float, protection: float, shadow_risk: float
) -> np.ndarray:
    """Expected incidents per quarter: threat x unprotected share x (1 + shadow exposure)."""
    return base * threat * (1.0 - protection * quality) * (1.0 + shadow_risk * shadow_stock)


def waste_share(roi: np.ndarray, waste_max: float) -> np.ndarray:
    """Share of campaign spend wasted for lack of ROI measurement."""
    return waste_max * (1.0 - roi)
