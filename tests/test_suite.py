"""The executive suite as arrays (orgsim.model.quarter) equals the agents' own methods, draw for draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orgsim import simulate
from orgsim.model import quarter as suite
from orgsim.model.market import Market

CASES = [
    ("baseline", 0, {}),
    ("walls", 5, {}),
    ("cfo_roi_mandate", 1, {}),
    ("digital_shift", 2, {}),
    ("downturn", 3, {}),
    ("security_crisis", 4, {}),
    ("shadow_it", 6, {}),
    ("baseline", 2, {"focal_coop_cmo_cio": 0.9, "focal_coop_cio_cfo": 0.2, "focal_brief": 0.1}),
    ("walls", 3, {"counterfactual": False}),
    ("baseline", 4, {"imitation": False, "exploration": 0.0}),
    ("baseline", 6, {"firms": 2, "observation": False}),
    ("baseline", 8, {"briefing": False, "joint_credit_on": False, "reinforcement": False}),
    ("baseline", 9, {"firms": 20, "budget_rule": "bargain", "imitation_rate": 1.0}),
    ("security_crisis", 10, {"incidents": False, "shadow_it": False}),
    ("digital_shift", 11, {"resource_dependence": False, "roi_evidence_on": False, "word_of_mouth": False}),
    ("shadow_it", 12, {"revenue_noise": 0.0, "roi_mandate": 0.7, "steps": 17}),
]


@pytest.mark.parametrize(("scenario", "seed", "params"), CASES)
def test_compiled_suite_equals_agent_methods(scenario, seed, params, monkeypatch):
    fast = simulate(scenario, seed=seed, customers=1500, **params)
    monkeypatch.setenv("ORGSIM_NO_NUMBA", "1")
    assert suite.kernels() is None
    slow = simulate(scenario, seed=seed, customers=1500, **params)
    pd.testing.assert_frame_equal(fast.firms, slow.firms, check_exact=True)
    pd.testing.assert_frame_equal(fast.executives, slow.executives, check_exact=True)


def test_both_paths_leave_the_generator_in_the_same_state(monkeypatch):
    fast = Market("baseline", rng=11, customers=500, steps=9).run()
    monkeypatch.setenv("ORGSIM_NO_NUMBA", "1")
    slow = Market("baseline", rng=11, customers=500, steps=9).run()
    assert fast.rng.random() == slow.rng.random()
    assert np.array_equal(fast.beliefs, slow.beliefs) and np.array_equal(fast.brief_beliefs, slow.brief_beliefs)


def test_compiled_interact_draws_as_the_agents_do(monkeypatch):
    m = Market("baseline", rng=3, customers=200, roi_mandate=0.5)
    monkeypatch.setenv("ORGSIM_NO_NUMBA", "1")
    ref = Market("baseline", rng=3, customers=200, roi_mandate=0.5)
    assert m._suite is not None and ref._suite is None
    m.executives_interact(1)
    ref.executives_interact(1)
    assert np.array_equal(m.willing, ref.willing) and np.array_equal(m.briefed, ref.briefed)
    assert np.array_equal(m.coop, ref.coop) and np.array_equal(m.coop_history, ref.coop_history)
    assert not m.willing[:, [0, 1, 2], [0, 1, 2]].any()
    assert m.rng.random() == ref.rng.random()


def test_executive_attributes_are_views_of_the_model_arrays():
    m = Market("baseline", rng=1, customers=200, steps=3).run()
    cmo, cio = m.executive(2, 0), m.executive(2, 1)
    assert np.shares_memory(cmo.coop, m.p_coop)
    assert cmo.brief == m.p_brief[2] and cio.brief == 0.0
    assert cio.effort == m.effort[2, 1] and cio.payoff == m.payoff[2, 1]
    cmo.coop = np.array([0.0, 0.5, 0.25])
    assert m.p_coop[2, 0].tolist() == [0.0, 0.5, 0.25]
    cio.brief = 0.7  # not a CMO: has no briefing propensity
    assert m.p_brief[2] == cmo.brief


def test_fixed_propensities_stay_fixed_in_the_compiled_suite():
    m = Market("baseline", rng=2, customers=500, focal_coop_cmo_cio=0.8, focal_brief=0.05).run()
    assert m.p_coop[0, 0, 1] == 0.8 and m.p_coop[0, 1, 0] == 0.8 and m.p_brief[0] == 0.05
    assert m.fixed[0, 0, 1] and m.fixed[0, 1, 0] and not m.fixed[1:].any()
    assert (m.p_coop[1:, 0, 1] != 0.8).all()  # the other firms learned
