"""Statistics for validation verdicts: bootstrap confidence intervals, band shares, panel regressions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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


def within_slope(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> float:
    """OLS slope of ``y`` on ``x`` with one fixed effect per group (both demeaned within ``groups``).

    NaN when ``x`` does not vary within any group (or fewer than 3 finite rows).
    """
    x, y, groups = np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(groups)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return float("nan")
    x, y, groups = x[ok], y[ok], groups[ok]
    _, codes = np.unique(groups, return_inverse=True)
    counts = np.bincount(codes)
    xd = x - (np.bincount(codes, x) / counts)[codes]
    yd = y - (np.bincount(codes, y) / counts)[codes]
    sxx = float(xd @ xd)
    return float(xd @ yd) / sxx if sxx > 1e-15 else float("nan")


def clustered_fe_slope(
    frame: Any, y: str, x: str, effects: Sequence[str], cluster: str, absorb: str, level: float = 0.95
) -> tuple[Estimate, float]:
    """OLS of ``y`` on ``x`` with fixed effects, standard errors clustered by ``cluster``.

    ``absorb`` is a fixed effect nested within the clusters (e.g. run × year within run), absorbed by
    demeaning (Frisch-Waugh-Lovell); each column of ``effects`` adds one dummy per level. The
    covariance is statsmodels' cluster-robust CR1 with the absorbed effects not counted in the
    small-sample factor, as is usual when they are nested within the clusters (Cameron & Miller
    2015, J. Human Resources 50(2)); the interval uses t with G − 1 degrees of freedom.

    Returns (the coefficient of ``x`` with its confidence interval, ``n`` = number of clusters; its
    two-sided p-value). NaN when there are fewer than 2 clusters or ``x`` does not vary within
    the absorbed groups.
    """
    import pandas as pd

    from orgsim.extras import require

    require("experiments", "statsmodels", what="the validation's panel regressions")
    import statsmodels.api as sm

    d = frame[[y, x, cluster, absorb, *effects]].replace([np.inf, -np.inf], np.nan).dropna()
    groups = pd.factorize(d[cluster])[0]
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    nan = Estimate(float("nan"), float("nan"), float("nan"), n_groups)
    if n_groups < 2:
        return nan, float("nan")
    cols = [d[x].to_numpy(dtype=float)]
    for e in effects:
        codes = pd.factorize(d[e], sort=True)[0]
        cols += [(codes == k).astype(float) for k in range(1, int(codes.max()) + 1)]
    design = np.column_stack(cols)
    target = d[y].to_numpy(dtype=float)
    absorbed = pd.factorize(d[absorb])[0]
    counts = np.bincount(absorbed)
    design = design - (np.stack([np.bincount(absorbed, c) for c in design.T], axis=1) / counts[:, None])[absorbed]
    target = target - (np.bincount(absorbed, target) / counts)[absorbed]
    keep = _independent_columns(design)
    if 0 not in keep:
        return nan, float("nan")
    fit = sm.OLS(target, design[:, keep]).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    low, high = fit.conf_int(alpha=1.0 - level)[0]
    return Estimate(float(fit.params[0]), float(low), float(high), n_groups), float(fit.pvalues[0])


def _independent_columns(design: np.ndarray, tol: float = 1e-10) -> list[int]:
    """Indices of the columns of ``design`` that add rank, in order (the first kept if it varies)."""
    kept: list[int] = []
    for j in range(design.shape[1]):
        if np.linalg.matrix_rank(design[:, [*kept, j]], tol=tol * max(1.0, np.abs(design).max())) == len(kept) + 1:
            kept.append(j)
    return kept
