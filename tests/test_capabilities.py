"""Capability stocks (orgsim.model.rules.capabilities): bounded stocks, integration vs silos, incidents, a
firm's quarter of stocks.

The rules work on scalars or one firm's column and write in place; the tests loop over values where
a property holds for many. Compiled runs: tests/test_rules_compiled.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from orgsim.model.market import params_of
from orgsim.model.rules import budget
from orgsim.model.rules import capabilities as cap
from orgsim.scenario.files import load

#: the baseline scenario's stock parameters, as the model builds them
BASE = params_of(load("baseline")).stocks
#: [quality, analytics, integration, experience, roi, appraisal, shadow stock]
START = np.array([0.6, 0.2, 0.5, 0.4, 0.15, 0.1, 0.3])


def _money(marketing=0.0, it_core=0.0, governed=0.0, shadow=0.0, finance=0.0) -> np.ndarray:
    money = np.zeros(len(budget.LINES))
    money[1:6] = marketing, it_core, governed, shadow, finance
    money[0] = money[1:6].sum()
    return money


def _move(stocks=START, money=None, roi_work=0.0, appraisal_work=0.0, p=BASE) -> np.ndarray:
    stocks = np.array(stocks, dtype=float)
    cap.move_stocks(stocks, _money() if money is None else money, roi_work, appraisal_work, p)
    return stocks


# -- stock_step ----------------------------------------------------------------------------------
def test_stock_step_known_value():
    # 0.5 + 0.4 * 1 * 0.5 - 0.1 * 0.5
    assert cap.stock_step(0.5, 1.0, 0.4, 0.1) == pytest.approx(0.65)


def test_stock_step_stays_in_unit_interval():
    rng = np.random.default_rng(0)
    for _ in range(50):
        level = rng.random(20)
        invest = rng.random(20) * 5
        growth, decay = rng.random() * 10, rng.random()
        for _ in range(20):
            level = np.array([cap.stock_step(k, i, growth, decay) for k, i in zip(level, invest, strict=True)])
            assert np.all((level >= 0.0) & (level <= 1.0))


@pytest.mark.parametrize(("g", "invest", "d"), [(0.9, 0.3, 0.05), (4.0, 0.05, 0.03), (0.25, 1.0, 0.05)])
def test_stock_step_steady_state(g, invest, d):
    steady = g * invest / (g * invest + d)
    assert cap.stock_step(steady, invest, g, d) == pytest.approx(steady)
    # and it converges there from anywhere
    for level in (0.0, 0.5, 1.0):
        for _ in range(3000):
            level = cap.stock_step(level, invest, g, d)
        assert level == pytest.approx(steady, abs=1e-6)


def test_stock_step_no_investment_decays():
    assert cap.stock_step(0.8, 0.0, 1.0, 0.1) == pytest.approx(0.72)


# -- integration_step ----------------------------------------------------------------------------
def test_integration_step_shadow_lowers_integration():
    out = [cap.integration_step(0.5, 0.05, s, 4.0, 4.0, 0.03) for s in (0.0, 0.01, 0.05, 0.1, 0.5)]
    assert np.all(np.diff(out) < 0)
    assert all(0 <= v <= 1 for v in out)


def test_integration_step_governed_raises_and_known_value():
    assert cap.integration_step(0.5, 0.1, 0.0, 4.0, 4.0, 0.0) == pytest.approx(0.7)
    assert cap.integration_step(0.5, 0.0, 0.1, 4.0, 4.0, 0.0) == pytest.approx(0.3)


def test_integration_step_bounded_under_extremes():
    rng = np.random.default_rng(2)
    for level, governed, shadow in rng.random((100, 3)) * [1, 10, 10]:
        out = cap.integration_step(level, governed, shadow, 50.0, 50.0, 1.0)
        assert 0 <= out <= 1


# -- incidents, waste ----------------------------------------------------------------------------
def test_incident_rate_more_shadow_more_incidents():
    rate = [cap.incident_rate(0.5, 0.6, s, 1.0, 0.8, 5.0) for s in (0.0, 0.1, 0.5, 2.0)]
    assert np.all(np.diff(rate) > 0)


def test_incident_rate_more_quality_fewer_incidents():
    rate = [cap.incident_rate(0.5, q, 0.0, 1.0, 0.8, 5.0) for q in (0.0, 0.3, 0.6, 1.0)]
    assert np.all(np.diff(rate) < 0)
    assert all(r >= 0 for r in rate)


def test_incident_rate_known_values():
    # base * threat * (1 - protection * quality) * (1 + risk * shadow)
    assert cap.incident_rate(0.5, 0.5, 0.2, 2.0, 0.8, 5.0) == pytest.approx(1.2)
    assert cap.incident_rate(0.0, 0.5, 0.2, 2.0, 0.8, 5.0) == pytest.approx(0.0)


def test_waste_share():
    assert_allclose([cap.waste_share(r, 0.4) for r in (0.0, 0.5, 1.0)], [0.4, 0.2, 0.0])


def test_incident_damage_known_values():
    p = BASE._replace(incident_quality_loss=0.05, incident_cost=8.0, unit=100.0, variable_cost=0.6)
    quality, profit = cap.incident_damage(0.6, 0, 100.0, 25.0, p)
    assert quality == pytest.approx(0.6)
    assert profit == pytest.approx(100.0 * 0.4 - 25.0)
    quality, profit = cap.incident_damage(0.6, 2, 100.0, 25.0, p)
    assert quality == pytest.approx(0.6 * 0.95**2)
    assert profit == pytest.approx(100.0 * 0.4 - 25.0 - 2 * 8.0)


def test_incident_damage_more_incidents_more_damage():
    out = [cap.incident_damage(0.8, n, 100.0, 25.0, BASE) for n in range(6)]
    qualities, profits = zip(*out, strict=True)
    assert np.all(np.diff(qualities) < 0) and np.all(np.diff(profits) < 0)
    assert all(0 <= q <= 0.8 for q in qualities)


# -- move_stocks ---------------------------------------------------------------------------------
def test_move_stocks_no_spending_decay_only():
    p = BASE
    out = _move()
    decays = [p.quality_decay, p.analytics_decay, p.integration_decay, p.experience_decay, p.roi_decay]
    decays += [p.appraisal_decay, p.shadow_decay]
    assert_allclose(out, START * (1 - np.array(decays)))


def test_move_stocks_each_line_builds_its_stock():
    before = _move()
    assert _move(money=_money(it_core=20.0))[0] > before[0]  # quality
    assert _move(money=_money(governed=5.0))[1] > before[1]  # analytics
    assert _move(money=_money(governed=5.0))[2] > before[2]  # integration
    assert _move(money=_money(marketing=20.0))[3] > before[3]  # experience
    assert _move(roi_work=1.0)[4] > before[4]  # ROI measurement
    assert _move(appraisal_work=1.0)[5] > before[5]  # investment appraisal
    shadow = _move(money=_money(shadow=5.0))
    assert shadow[6] == pytest.approx(before[6] + 5.0 / BASE.unit)  # shadow stock accumulates
    assert shadow[2] < before[2]  # shadow IT tears integration into silos
    assert shadow[1] > before[1]  # and builds analytics faster
    # finance spending builds no stock
    assert_allclose(_move(money=_money(finance=30.0)), before)


def test_move_stocks_known_values():
    p = BASE
    money = _money(marketing=20.0, it_core=10.0, governed=4.0, shadow=2.0, finance=5.0)
    q, a, i, e, r, ap, sh = START
    it_eff = 1 + p.appraisal_gain * ap
    core, gov, shadow = 10.0 / p.unit * it_eff, 4.0 / p.unit * it_eff, 2.0 / p.unit
    campaigns = 20.0 / p.unit * (1 - p.waste_max * (1 - r))
    lever = 1 - p.analytics_leverage + p.analytics_leverage * a
    expected = [
        q + p.quality_growth * core * (1 - q) - p.quality_decay * q,
        a + p.analytics_growth * (gov + p.shadow_speed * shadow) * i * (1 - a) - p.analytics_decay * a,
        i + p.integration_growth * gov * (1 - i) - p.silo_growth * shadow * i - p.integration_decay * i,
        e + p.experience_growth * campaigns * lever * (1 - e) - p.experience_decay * e,
        r + p.roi_growth * 1.0 * (1 - r) - p.roi_decay * r,
        ap - p.appraisal_decay * ap,
        sh * (1 - p.shadow_decay) + shadow,
    ]
    assert_allclose(_move(money=money, roi_work=1.0), expected)


def test_move_stocks_appraisal_and_roi_make_money_go_further():
    money = _money(marketing=20.0, it_core=10.0, governed=4.0)
    low, high = START.copy(), START.copy()
    low[5], high[5] = 0.0, 1.0  # investment appraisal
    assert _move(high, money)[0] > _move(low, money)[0]
    low[4], high[4] = 0.0, 1.0  # ROI measurement
    assert _move(high, money)[3] > _move(low, money)[3]


@settings(max_examples=150, deadline=None)
@given(
    stocks=st.lists(st.floats(0.0, 1.0), min_size=7, max_size=7),
    lines=st.lists(st.floats(0.0, 500.0), min_size=5, max_size=5),
    roi_work=st.sampled_from([0.0, 1.0]),
    appraisal_work=st.sampled_from([0.0, 1.0]),
    quarters=st.integers(1, 8),
)
def test_move_stocks_stay_in_unit_interval_property(stocks, lines, roi_work, appraisal_work, quarters):
    s = np.array(stocks)
    money = _money(*lines)
    for _ in range(quarters):
        cap.move_stocks(s, money, roi_work, appraisal_work, BASE)
        assert np.all(np.isfinite(s))
        assert np.all((s[:6] >= 0.0) & (s[:6] <= 1.0))
        assert s[6] >= 0.0  # the shadow stock is a stock of spending: non-negative, not bounded by 1
