"""Bootstrap confidence intervals and band shares (orgsim.stats)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from orgsim import stats


def test_bootstrap_mean_covers_the_true_mean_and_is_narrow() -> None:
    x = np.random.default_rng(1).normal(2.0, 1.0, size=5000)
    est = stats.bootstrap_mean(x, np.random.default_rng(2))
    assert est.n == 5000
    assert est.value == pytest.approx(float(x.mean()))
    assert est.low < 2.0 < est.high
    assert est.low < est.value < est.high
    # standard error 1/sqrt(5000) = 0.014: a 95 % interval is about 0.055 wide
    assert 0.03 < est.high - est.low < 0.08
    assert est.excludes(0.0)
    assert not est.excludes(2.0)


def test_bootstrap_mean_level_widens_the_interval() -> None:
    x = np.random.default_rng(3).normal(0.0, 1.0, size=200)
    narrow = stats.bootstrap_mean(x, np.random.default_rng(4), level=0.5)
    wide = stats.bootstrap_mean(x, np.random.default_rng(4), level=0.99)
    assert wide.high - wide.low > narrow.high - narrow.low


def test_bootstrap_mean_constant_data_has_zero_width() -> None:
    est = stats.bootstrap_mean(np.full(30, 0.5), np.random.default_rng(0))
    assert (est.value, est.low, est.high, est.n) == (0.5, 0.5, 0.5, 30)  # exact in binary: no rounding
    assert est.excludes(0.0)
    assert not est.excludes(0.5)


def test_bootstrap_mean_single_value() -> None:
    est = stats.bootstrap_mean(np.array([3.5]), np.random.default_rng(0))
    assert (est.value, est.low, est.high, est.n) == (3.5, 3.5, 3.5, 1)


def test_bootstrap_mean_empty_and_all_nan_are_nan() -> None:
    for x in (np.array([]), np.array([np.nan, np.inf])):
        est = stats.bootstrap_mean(x, np.random.default_rng(0))
        assert est.n == 0
        assert math.isnan(est.value) and math.isnan(est.low) and math.isnan(est.high)
        assert not est.excludes(0.0)


def test_bootstrap_mean_ignores_nans() -> None:
    x = np.array([1.0, 2.0, np.nan, 3.0, np.inf, -np.inf, 4.0])
    with_nan = stats.bootstrap_mean(x, np.random.default_rng(5))
    clean = stats.bootstrap_mean(np.array([1.0, 2.0, 3.0, 4.0]), np.random.default_rng(5))
    assert with_nan == clean
    assert with_nan.n == 4
    assert with_nan.value == 2.5


def test_bootstrap_mean_is_deterministic_for_the_same_rng() -> None:
    x = np.random.default_rng(6).exponential(size=40)
    a = stats.bootstrap_mean(x, np.random.default_rng(11))
    b = stats.bootstrap_mean(x, np.random.default_rng(11))
    c = stats.bootstrap_mean(x, np.random.default_rng(12))
    assert a == b
    assert a.value == c.value
    assert (a.low, a.high) != (c.low, c.high)


def test_bootstrap_mean_accepts_lists_and_reports_dicts() -> None:
    est = stats.bootstrap_mean([1, 2, 3], np.random.default_rng(0))  # type: ignore[arg-type]
    assert est.as_dict() == {"value": 2.0, "low": est.low, "high": est.high, "n": 3}
    assert 1.0 <= est.low <= 2.0 <= est.high <= 3.0


def test_band_share_on_known_data() -> None:
    x = np.array([0.0, 0.1, 0.2, 0.5, 0.8, 1.0, 1.5, np.nan])
    assert stats.band_share(x, 0.1, 1.0) == pytest.approx(5 / 7)  # closed band, NaN dropped
    assert stats.band_share(x, 2.0, 3.0) == 0.0
    assert stats.band_share(x, -1.0, 2.0) == 1.0
    assert math.isnan(stats.band_share(np.array([np.nan]), 0.0, 1.0))


def test_bootstrap_band_share_on_known_data() -> None:
    x = np.concatenate([np.full(75, 0.5), np.full(25, 5.0), [np.nan]])
    est = stats.bootstrap_band_share(x, 0.0, 1.0, np.random.default_rng(0))
    assert est.n == 100
    assert est.value == pytest.approx(0.75)
    assert est.low < 0.75 < est.high
    assert 0.6 < est.low and est.high < 0.9
    inside = stats.bootstrap_band_share(np.full(10, 0.5), 0.0, 1.0, np.random.default_rng(0))
    assert (inside.value, inside.low, inside.high) == (1.0, 1.0, 1.0)
    outside = stats.bootstrap_band_share(np.full(10, 2.0), 0.0, 1.0, np.random.default_rng(0))
    assert (outside.value, outside.low, outside.high) == (0.0, 0.0, 0.0)
