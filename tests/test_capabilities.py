"""Capability stocks (orgsim.model.rules.capabilities): bounded stocks, integration vs silos, incidents."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from orgsim.model.rules import capabilities as cap


def test_stock_step_known_value():
    # 0.5 + 0.4 * 1 * 0.5 - 0.1 * 0.5
    assert_allclose(cap.stock_step(np.array([0.5]), np.array([1.0]), 0.4, 0.1), [0.65])


def test_stock_step_stays_in_unit_interval():
    rng = np.random.default_rng(0)
    for _ in range(50):
        level = rng.random(20)
        invest = rng.random(20) * 5
        growth, decay = rng.random() * 10, rng.random()
        for _ in range(20):
            level = cap.stock_step(level, invest, growth, decay)
            assert np.all((level >= 0.0) & (level <= 1.0))


@pytest.mark.parametrize(("g", "invest", "d"), [(0.9, 0.3, 0.05), (4.0, 0.05, 0.03), (0.25, 1.0, 0.05)])
def test_stock_step_steady_state(g, invest, d):
    steady = g * invest / (g * invest + d)
    level = np.array([steady])
    assert_allclose(cap.stock_step(level, np.array([invest]), g, d), level)
    # and it converges there from anywhere
    level = np.array([0.0, 0.5, 1.0])
    for _ in range(3000):
        level = cap.stock_step(level, np.full(3, invest), g, d)
    assert_allclose(level, steady, atol=1e-6)


def test_stock_step_no_investment_decays():
    level = cap.stock_step(np.array([0.8]), np.array([0.0]), 1.0, 0.1)
    assert_allclose(level, [0.72])


def test_integration_step_shadow_lowers_integration():
    level = np.full(5, 0.5)
    governed = np.full(5, 0.05)
    shadow = np.array([0.0, 0.01, 0.05, 0.1, 0.5])
    out = cap.integration_step(level, governed, shadow, 4.0, 4.0, 0.03)
    assert np.all(np.diff(out) < 0)
    assert np.all((out >= 0) & (out <= 1))


def test_integration_step_governed_raises_and_known_value():
    out = cap.integration_step(np.array([0.5]), np.array([0.1]), np.array([0.0]), 4.0, 4.0, 0.0)
    assert_allclose(out, [0.7])
    out = cap.integration_step(np.array([0.5]), np.array([0.0]), np.array([0.1]), 4.0, 4.0, 0.0)
    assert_allclose(out, [0.3])


def test_integration_step_bounded_under_extremes():
    rng = np.random.default_rng(2)
    level = rng.random(100)
    out = cap.integration_step(level, rng.random(100) * 10, rng.random(100) * 10, 50.0, 50.0, 1.0)
    assert np.all((out >= 0) & (out <= 1))


def test_incident_rate_more_shadow_more_incidents():
    rate = cap.incident_rate(0.5, np.full(4, 0.6), np.array([0.0, 0.1, 0.5, 2.0]), 1.0, 0.8, 5.0)
    assert np.all(np.diff(rate) > 0)


def test_incident_rate_more_quality_fewer_incidents():
    rate = cap.incident_rate(0.5, np.array([0.0, 0.3, 0.6, 1.0]), np.zeros(4), 1.0, 0.8, 5.0)
    assert np.all(np.diff(rate) < 0)
    assert np.all(rate >= 0)


def test_incident_rate_known_values():
    # base * threat * (1 - protection * quality) * (1 + risk * shadow)
    assert_allclose(cap.incident_rate(0.5, np.array([0.5]), np.array([0.2]), 2.0, 0.8, 5.0), [1.2])
    assert_allclose(cap.incident_rate(0.0, np.array([0.5]), np.array([0.2]), 2.0, 0.8, 5.0), [0.0])


def test_waste_share():
    assert_allclose(cap.waste_share(np.array([0.0, 0.5, 1.0]), 0.4), [0.4, 0.2, 0.0])
