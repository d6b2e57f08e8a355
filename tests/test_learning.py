"""Learning rules (orgsim.model.rules.learning): belief-based learning with bounds and directions, imitation.

The concept once named Bush-Mosteller reinforcement; the code now uses belief-based (EWA-style)
learning, so its four cases (acted/did not act x payoff better/worse) are tested on that rule.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from orgsim.model.rules import learning
from orgsim.model.rules.learning import HIGH, LOW


def _learn_once(p: float, acted: bool, payoff: float, payoff_other: float, rate: float = 0.5) -> float:
    """One firm, one quarter: own evidence plus the foregone payoff, then a logit step."""
    ev = learning.evidence(np.array([payoff]), np.array([acted]), 0, 1.0, 0.3)
    cf = learning.foregone(acted, payoff, payoff_other, 0.5)
    sums = learning.accumulate(np.zeros(4), tuple(a + b for a, b in zip(ev, cf, strict=True)), 0.9)
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
    assert learning.logit_step(0.4, 0.0, 1.0, 0.01) == pytest.approx(0.4)


def test_belief_gap_known_value_and_shrinkage():
    sums = np.array([2.0, 2.0, 0.0, 2.0])  # mean acted 1, mean not 0
    assert learning.belief_gap(sums) == pytest.approx(1.0 * (4 / 9))
    assert learning.belief_gap(sums, prior_weight=0.0) == pytest.approx(1.0)
    more = np.array([20.0, 20.0, 0.0, 20.0])
    assert learning.belief_gap(more) > learning.belief_gap(sums)


def test_evidence_weights_own_and_others():
    payoff = np.array([1.0, 2.0, 3.0])
    acted = np.array([True, False, True])
    s_a, w_a, s_n, w_n = learning.evidence(payoff, acted, 0, 1.0, 0.5)
    assert (s_a, w_a, s_n, w_n) == pytest.approx((1.0 + 1.5, 1.5, 1.0, 0.5))


def test_foregone_goes_to_the_other_action():
    assert learning.foregone(True, 1.0, 2.0, 0.5) == (0.0, 0.0, 1.0, 0.5)
    assert learning.foregone(False, 1.0, 2.0, 0.5) == (1.0, 0.5, 0.0, 0.0)


def test_accumulate_decays():
    out = learning.accumulate(np.array([1.0, 2.0, 3.0, 4.0]), (1.0, 1.0, 0.0, 0.0), 0.5)
    assert out.tolist() == [1.5, 2.0, 1.5, 2.0]


def test_logit_step_bounds_under_extremes():
    for p in (0.0, LOW, 0.5, HIGH, 1.0):
        for gap in (-1e9, -1.0, 0.0, 1.0, 1e9):
            out = learning.logit_step(p, gap, 5.0, 1e-6)
            assert LOW <= out <= HIGH and math.isfinite(out)


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
