"""Learning rules (orgsim.model.rules.learning): belief-based learning with bounds and directions, imitation.

The concept once named Bush-Mosteller reinforcement; the code now uses belief-based (EWA-style)
learning, so its four cases (acted/did not act x payoff better/worse) are tested on that rule.
The rules work per learner (scalars, one accumulator row) and write in place; compiled runs:
tests/test_rules_compiled.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orgsim.model.rules import learning
from orgsim.model.rules.learning import HIGH, LOW


def _evidence(payoff, acted, own, own_weight, other_weight) -> np.ndarray:
    ev = np.full(4, np.nan)
    learning.evidence(np.asarray(payoff, float), np.asarray(acted, bool), own, own_weight, other_weight, ev)
    return ev


def _learn_once(p: float, acted: bool, payoff: float, payoff_other: float, rate: float = 0.5) -> float:
    """One firm, one quarter: own evidence plus the foregone payoff, then a logit step."""
    ev = _evidence([payoff], [acted], 0, 1.0, 0.3)
    learning.add_foregone(acted, payoff_other, 0.5, ev)
    sums = np.zeros(4)
    learning.accumulate(sums, ev, 0.9)
    return learning.logit_step(p, learning.belief_gap(sums), rate, 0.01)


@pytest.mark.parametrize(
    ("acted", "payoff", "payoff_other", "direction"),
    [
        (True, 0.05, 0.0, +1),  # acted and it paid better than not acting: more
        (True, -0.05, 0.0, -1),  # acted and it paid worse: less
        (False, 0.05, 0.0, -1),  # did not act and that paid better: less
        (False, -0.05, 0.0, +1),  # did not act and that paid worse: more
    ],
)
@pytest.mark.parametrize("p", [0.02, 0.3, 0.5, 0.9, 0.98])
def test_four_cases_direction_and_bounds(acted, payoff, payoff_other, direction, p):
    new = _learn_once(p, acted, payoff, payoff_other)
    assert LOW <= new <= HIGH
    if direction > 0:
        assert new > p or new == HIGH
    else:
        assert new < p or new == LOW


def test_no_evidence_no_drift():
    assert learning.belief_gap(np.zeros(4)) == 0.0
    assert learning.belief_gap(np.array([1.0, 1.0, 0.0, 0.0])) == 0.0  # only one side seen
    assert learning.belief_gap(np.array([0.0, 0.0, 1.0, 1.0])) == 0.0
    assert learning.logit_step(0.4, 0.0, 1.0, 0.01) == pytest.approx(0.4)
    # quarters without evidence only decay the sums: the propensity stays where it is
    sums = np.zeros(4)
    p = 0.37
    for _ in range(20):
        learning.accumulate(sums, np.zeros(4), 0.9)
        p = learning.logit_step(p, learning.belief_gap(sums), 0.5, 0.01)
    assert sums.tolist() == [0.0, 0.0, 0.0, 0.0]
    assert p == pytest.approx(0.37)


@settings(max_examples=150, deadline=None)
@given(
    payoff=st.floats(-1.0, 1.0),
    acted=st.lists(st.booleans(), min_size=2, max_size=8),
    other_weight=st.floats(0.0, 1.0),
    decay=st.floats(0.0, 1.0),
    p=st.floats(LOW, HIGH),
)
def test_no_drift_when_acting_and_not_acting_pay_the_same_property(payoff, acted, other_weight, decay, p):
    """Every firm earns the same payoff whatever it did (and so would the other action): no drift."""
    n = len(acted)
    sums = np.zeros(4)
    for own in range(n):
        ev = _evidence(np.full(n, payoff), acted, own, 1.0, other_weight)
        learning.add_foregone(acted[own], payoff, 0.5, ev)
        learning.accumulate(sums, ev, decay)
    gap = learning.belief_gap(sums)
    assert gap == pytest.approx(0.0, abs=1e-9)
    assert learning.logit_step(p, gap, 0.5, 0.01) == pytest.approx(min(max(p, LOW), HIGH), abs=1e-6)


def test_belief_gap_known_value_and_shrinkage():
    sums = np.array([2.0, 2.0, 0.0, 2.0])  # mean acted 1, mean not 0
    assert learning.belief_gap(sums) == pytest.approx(1.0 * (4 / 9))
    assert learning.belief_gap(sums, prior_weight=0.0) == pytest.approx(1.0)
    more = np.array([20.0, 20.0, 0.0, 20.0])
    assert learning.belief_gap(more) > learning.belief_gap(sums)
    # antisymmetric: swapping the two sides flips the sign
    assert learning.belief_gap(np.array([0.0, 2.0, 2.0, 2.0])) == pytest.approx(-(4 / 9))


def test_evidence_weights_own_and_others():
    s_a, w_a, s_n, w_n = _evidence([1.0, 2.0, 3.0], [True, False, True], 0, 1.0, 0.5)
    assert (s_a, w_a, s_n, w_n) == pytest.approx((1.0 + 1.5, 1.5, 1.0, 0.5))
    s_a, w_a, s_n, w_n = _evidence([1.0, 2.0, 3.0], [True, False, True], 1, 1.0, 0.5)
    assert (s_a, w_a, s_n, w_n) == pytest.approx((0.5 + 1.5, 1.0, 2.0, 1.0))


def test_evidence_channels_off():
    # no observation: only the own firm counts; no reinforcement: only the others
    assert _evidence([1.0, 2.0, 3.0], [True, False, True], 1, 1.0, 0.0).tolist() == [0.0, 0.0, 2.0, 1.0]
    assert _evidence([1.0, 2.0, 3.0], [True, False, True], 1, 0.0, 1.0).tolist() == [4.0, 2.0, 0.0, 0.0]


def test_evidence_overwrites_out():
    ev = np.full(4, 99.0)
    learning.evidence(np.array([1.0]), np.array([False]), 0, 1.0, 0.3, ev)
    assert ev.tolist() == [0.0, 0.0, 1.0, 1.0]


def test_foregone_goes_to_the_other_action():
    ev = np.zeros(4)
    learning.add_foregone(True, 2.0, 0.5, ev)
    assert ev.tolist() == [0.0, 0.0, 1.0, 0.5]
    ev = np.zeros(4)
    learning.add_foregone(False, 2.0, 0.5, ev)
    assert ev.tolist() == [1.0, 0.5, 0.0, 0.0]
    ev = np.array([1.0, 1.0, 1.0, 1.0])  # added to what is there
    learning.add_foregone(True, 2.0, 0.5, ev)
    assert ev.tolist() == [1.0, 1.0, 2.0, 1.5]


def test_accumulate_decays():
    sums = np.array([1.0, 2.0, 3.0, 4.0])
    learning.accumulate(sums, np.array([1.0, 1.0, 0.0, 0.0]), 0.5)
    assert sums.tolist() == [1.5, 2.0, 1.5, 2.0]


def test_logit_step_bounds_under_extremes():
    for p in (0.0, LOW, 0.5, HIGH, 1.0):
        for gap in (-1e9, -1.0, 0.0, 1.0, 1e9):
            out = learning.logit_step(p, gap, 5.0, 1e-6)
            assert LOW <= out <= HIGH and math.isfinite(out)


@settings(max_examples=200, deadline=None)
@given(
    p=st.floats(0.0, 1.0),
    gap=st.floats(-1e6, 1e6),
    rate=st.floats(0.0, 10.0),
    scale=st.floats(1e-6, 10.0),
)
def test_logit_step_bounds_property(p, gap, rate, scale):
    out = learning.logit_step(p, gap, rate, scale)
    assert LOW <= out <= HIGH and math.isfinite(out)
    if gap > 0:
        assert out >= min(max(p, LOW), HIGH) - 1e-12
    elif gap < 0:
        assert out <= min(max(p, LOW), HIGH) + 1e-12


def test_logit_step_known_value_and_monotone_in_gap():
    z = math.log(0.5 / 0.5) + 0.2 * math.tanh(1.0)
    assert learning.logit_step(0.5, 0.01, 0.2, 0.01) == pytest.approx(1 / (1 + math.exp(-z)))
    values = [learning.logit_step(0.4, g, 0.5, 0.01) for g in (-0.05, -0.01, 0.0, 0.01, 0.05)]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert learning.logit_step(0.4, 0.05, 0.0, 0.01) == pytest.approx(0.4)  # rate 0: no learning


def test_imitation_weight():
    assert learning.imitation_weight(0.10, 0.05, 0.05) == 0.0  # the other does worse
    assert learning.imitation_weight(0.10, 0.10, 0.05) == 0.0  # no better
    assert learning.imitation_weight(0.10, 0.125, 0.05) == pytest.approx(0.5)
    assert learning.imitation_weight(0.10, 0.50, 0.05) == 1.0  # capped


def test_imitate_and_drift_bounds():
    assert learning.imitate(0.2, 0.6, 0.5) == pytest.approx(0.4)
    assert learning.imitate(0.2, 0.6, 0.0) == pytest.approx(0.2)
    assert learning.imitate(0.5, 1.0, 1.0) == HIGH
    assert learning.imitate(0.5, 0.0, 1.0) == LOW
    assert learning.drift(0.5, 0.1) == pytest.approx(0.6)
    assert learning.drift(0.98, 0.5) == HIGH
    assert learning.drift(0.02, -0.5) == LOW
