"""Customers' brand choice (orgsim.model.rules.choice): per-firm terms and one customer's logit pick.
Compiled runs: tests/test_rules_compiled.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from orgsim.model.rules import choice

NO_WOM = np.empty(0)
#: uniforms across (0, 1), away from the ends
DRAWS = (1e-9, 0.01, 0.3, 0.5, 0.7, 0.99, 1 - 1e-9)


def _terms(quality, experience, analytics, pressure=0.5, bq=2.0, be=3.0, bp=3.0, floor=0.4):
    return choice.firm_terms(
        np.asarray(quality, float), np.asarray(experience, float), np.asarray(analytics, float), pressure, bq, be,
        bp, floor,
    )  # fmt: skip


def _pick(product, gap, *, own=0, taste=1.0, u=0.5, w_scale=1.0, switching_cost=0.0, counts=None, wom=NO_WOM):
    f = len(product)
    counts = np.zeros(f, dtype=np.int64) if counts is None else np.asarray(counts, dtype=np.int64)
    util = np.full(f, np.nan)
    product, gap = np.asarray(product, float), np.asarray(gap, float)
    return choice.pick(own, taste, counts, u, product, gap, w_scale, np.asarray(wom, float), switching_cost, util)


def _softmax(x):
    e = np.exp(np.asarray(x, float) - np.max(x))
    return e / e.sum()


# -- firm_terms ----------------------------------------------------------------------------------
def test_firm_terms_known_values():
    product, gap, w_scale = _terms([0.5, 0.8], [0.4, 0.2], [0.1, 0.6], pressure=0.5)
    assert_allclose(product, [1.0, 1.6])
    service = np.array([3 * 0.4 + 3 * 0.5 * 0.1, 3 * 0.2 + 3 * 0.5 * 0.6])
    assert_allclose(gap, service - product)
    assert w_scale == pytest.approx(0.4 + 0.6 * 0.5)


def test_firm_terms_weight_of_service_grows_with_pressure():
    scales = [_terms([0.5], [0.5], [0.5], pressure=p)[2] for p in (0.0, 0.25, 0.5, 1.0)]
    assert scales[0] == pytest.approx(0.4) and scales[-1] == pytest.approx(1.0)
    assert np.all(np.diff(scales) > 0)
    # personalisation counts only under pressure
    _, gap0, _ = _terms([0.5, 0.5], [0.5, 0.5], [0.0, 1.0], pressure=0.0)
    assert gap0[0] == gap0[1]
    _, gap1, _ = _terms([0.5, 0.5], [0.5, 0.5], [0.0, 1.0], pressure=1.0)
    assert gap1[1] > gap1[0]


# -- pick ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("best", [0, 1, 3])
def test_pick_overwhelming_utility_wins(best):
    product = np.zeros(4)
    product[best] = 60.0
    for u in DRAWS:
        for own in range(4):
            assert _pick(product, np.zeros(4), own=own, u=u) == best


def test_pick_switching_cost_keeps_the_customer():
    product, gap = np.array([1.0, 1.2, 0.9]), np.array([0.3, 0.1, 0.5])
    for own in range(3):
        for u in DRAWS:
            assert _pick(product, gap, own=own, u=u, switching_cost=60.0) == own
    # without it the customer may leave
    assert {_pick(product, gap, own=0, u=u) for u in DRAWS} != {0}


def test_pick_equal_firms_split_by_the_draw():
    picks = [_pick(np.zeros(4), np.zeros(4), u=u) for u in (0.1, 0.3, 0.6, 0.9)]
    assert picks == [0, 1, 2, 3]


def test_pick_frequencies_are_the_logit():
    product, gap = np.array([1.0, 0.2, 1.5, 0.0]), np.array([0.4, 1.0, -0.5, 0.0])
    own, taste, w_scale, sc = 1, 0.8, 0.7, 0.6
    util = product + taste * w_scale * gap
    util[own] += sc
    n = 20000
    picks = [_pick(product, gap, own=own, taste=taste, w_scale=w_scale, switching_cost=sc, u=(k + 0.5) / n)
             for k in range(n)]  # fmt: skip
    freq = np.bincount(picks, minlength=4) / n
    assert_allclose(freq, _softmax(util), atol=2 / n)


def test_pick_taste_weighs_service_against_product():
    # firm 0 has the better product, firm 1 the better service
    product, gap = np.array([30.0, 0.0]), np.array([-30.0, 40.0])
    assert _pick(product, gap, taste=0.0) == 0
    assert _pick(product, gap, taste=1.0) == 1


def test_pick_word_of_mouth():
    degree, bwom = 5, 60.0
    wom = bwom * np.arange(degree + 1) / degree
    counts = [0, 0, 5, 0]
    for u in DRAWS:
        assert _pick(np.zeros(4), np.zeros(4), counts=counts, wom=wom, u=u) == 2
        # without word of mouth the neighbours' counts are ignored: the first firm whose cumulative weight reaches u
        assert _pick(np.zeros(4), np.zeros(4), counts=counts, u=u) == max(math.ceil(u * 4) - 1, 0)


def test_pick_ignores_what_util_held():
    util = np.full(3, 1e300)
    args = (0, 1.0, np.zeros(3, dtype=np.int64), 0.5, np.array([0.0, 5.0, 0.0]), np.zeros(3), 1.0, NO_WOM, 0.0)
    assert choice.pick(*args, util) == 1
    util = np.full(3, -1e300)
    assert choice.pick(*args, util) == 1


@settings(max_examples=200, deadline=None)
@given(
    util=st.lists(st.floats(-50.0, 50.0), min_size=1, max_size=8),
    data=st.data(),
    u=st.floats(0.0, 1.0, exclude_max=True),
    switching_cost=st.floats(0.0, 5.0),
    taste=st.floats(0.0, 3.0),
)
def test_pick_in_range_property(util, data, u, switching_cost, taste):
    f = len(util)
    gap = data.draw(st.lists(st.floats(-5.0, 5.0), min_size=f, max_size=f))
    own = data.draw(st.integers(0, f - 1))
    pick = _pick(util, gap, own=own, u=u, taste=taste, switching_cost=switching_cost)
    assert 0 <= pick < f
