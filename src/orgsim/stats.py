"""Statistics for validation verdicts: bootstrap confidence intervals and band shares (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Estimate:
    """A statistic with a two-sided confidence interval."""

    value: float
    low: float
    high: float
    n: int

    def excludes(self, x: float = 0.0) -> bool:
        return bool(self.low > x or self.high < x)

    def as_dict(self) -> dict[str, float]:
        return {"value": self.value, "low": self.low, "high": self.high, "n": self.n}


def bootstrap_mean(x: np.ndarray, rng: np.random.Generator, level: float = 0.95, resamples: int = 4000) -> Estimate:
    """Mean of ``x`` with a percentile bootstrap confidence interval (Efron & Tibshirani 1993)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    if n == 1:
        return Estimate(float(x[0]), float(x[0]), float(x[0]), 1)
    idx = rng.integers(0, n, size=(resamples, n))
    means = x[idx].mean(axis=1)
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(means, [alpha, 1.0 - alpha])
    return Estimate(float(x.mean()), float(lo), float(hi), n)


def band_share(x: np.ndarray, low: float, high: float) -> float:
    """Share of finite values of ``x`` inside the closed band [low, high]."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return float("nan")
    return float(np.mean((x >= low) & (x <= high)))


def bootstrap_band_share(
    x: np.ndarray, low: float, high: float, rng: np.random.Generator, level: float = 0.95, resamples: int = 4000
) -> Estimate:
    """Share of values inside [low, high] with a bootstrap confidence interval."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    inside = ((x >= low) & (x <= high)).astype(float)
    return bootstrap_mean(inside, rng, level, resamples)
