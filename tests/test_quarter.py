"""The quarter (orgsim.model.quarter): one implementation, run compiled or as plain Python.

The rules are written once (orgsim.model.rules) and the quarter's loops call them; numba compiles
both, and ORGSIM_NO_NUMBA=1 runs the same code without the compiler. These tests check the wiring
of the state, the agents' views, the draws, and that a rule changed in its one place changes a run
(numba's cache included).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

from orgsim import simulate
from orgsim.model import jit, quarter
from orgsim.model.market import EXEC_COLUMNS, Market, params_of
from orgsim.model.rules import learning
from orgsim.scenario.files import load

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("scenario", "seed", "params"),
    [
        ("walls", 5, {}),
        ("baseline", 2, {"focal_coop_cmo_cio": 0.9, "focal_brief": 0.1, "roi_mandate": 0.5}),
        ("security_crisis", 9, {"firms": 3, "budget_rule": "bargain", "imitation_rate": 1.0}),
        ("budget_squeeze", 4, {"firms": 4, "contest_exponent": 0.7, "shared_stake": 1.0}),
        ("scarce_attention", 6, {"firms": 5, "foregone_rule": "exact", "briefing_time_cost": 0.3}),
        ("digital_shift", 8, {"firms": 4, "finite_attention": False, "briefing": False}),
    ],
)
def test_plain_python_runs_the_same_code(scenario, seed, params, monkeypatch):
    """The compiled quarter and the same functions run by Python agree (to rounding: numba may
    evaluate tanh, log and exp with other last bits than Python's math module)."""
    fast = simulate(scenario, seed=seed, customers=800, steps=10, **params)
    monkeypatch.setenv("ORGSIM_NO_NUMBA", "1")
    assert not jit.enabled()
    slow = simulate(scenario, seed=seed, customers=800, steps=10, **params)
    pd.testing.assert_frame_equal(fast.firms, slow.firms, rtol=1e-9, atol=1e-12)
    pd.testing.assert_frame_equal(fast.executives, slow.executives, rtol=1e-9, atol=1e-12)


def test_parameters_are_read_by_name_with_the_switches_folded_in():
    p = params_of(load("baseline", {"joint_credit_on": False, "observation": False, "budget_rule": "bargain"}))
    assert p.credit.joint_credit == 0.0 and p.learn.other_weight == 0.0
    assert p.budget.contest is False and p.budget.exponent == 1.0
    cfg = load("baseline")
    q = params_of(cfg)
    assert q.credit.joint_credit == cfg.influence.joint_credit and q.stocks.unit == cfg.market.revenue_per_firm
    assert q.learn.rate == cfg.learning.learning_rate and q.mandate == cfg.levers.roi_mandate


def test_politics_parameters_and_the_switch_are_read_by_name():
    cfg = load("budget_squeeze", {"chosen_effort": False, "effort_rate": 0.3, "contest_exponent": 2.0})
    pp = params_of(cfg).politics
    assert pp.chosen is False and pp.rate == 0.3 and pp.exponent == 2.0
    assert pp.contested == cfg.levers.contested_share and pp.stake == cfg.learning.effort_stake
    assert pp.time_cost == params_of(cfg).credit.effort_time_cost == cfg.influence.effort_time_cost
    assert pp.conflict_loss == cfg.firm.conflict_loss and pp.decay == cfg.learning.bid_belief_decay


def test_interaction_draws_twelve_uniforms_per_firm_then_the_mandate():
    m = Market("baseline", rng=3, customers=200, roi_mandate=0.5)
    s, f = m.state, m.n_firms
    rng = np.random.default_rng(77)
    u = rng.random((f, 12))
    mandated = rng.random(f) < 0.5
    quarter.executives_interact(s, m.params, np.random.default_rng(77))  # the rule, called from Python
    for i in range(f):
        for r in range(3):
            for peer in range(3):
                assert s.willing[i, r, peer] == (peer != r and u[i, 4 * r + peer] < s.p_coop[i, r, peer])
            assert s.briefed[i, r] == (u[i, 4 * r + 3] < s.p_brief[i, r])
        assert s.coop[i, 0] == (s.willing[i, 0, 1] and s.willing[i, 1, 0])
        assert s.coop[i, 1] == ((s.willing[i, 0, 2] and s.willing[i, 2, 0]) or mandated[i])
    assert np.array_equal(s.coop_history[0], s.coop)


def test_executive_attributes_are_views_of_the_model_state():
    m = Market("baseline", rng=1, customers=200, steps=3).run()
    cmo, cio = m.executive(2, 0), m.executive(2, 1)
    assert np.shares_memory(cmo.coop, m.state.p_coop) and np.shares_memory(cmo.beliefs, m.state.beliefs)
    assert cmo.brief == m.p_brief[2, 0] and cio.brief == m.p_brief[2, 1] and cio.attention == m.attention[2, 1]
    assert np.shares_memory(cio.brief_beliefs, m.state.brief_beliefs)
    assert cio.effort == m.effort[2, 1] and cio.payoff == m.payoff[2, 1] and cio.credit == m.credits[2, 1]
    cmo.coop = np.array([0.0, 0.5, 0.25])
    assert m.p_coop[2, 0].tolist() == [0.0, 0.5, 0.25]
    cio.brief = 0.7  # every executive has its own briefing propensity
    assert m.p_brief[2, 1] == 0.7 and m.p_brief[2, 0] == cmo.brief
    assert np.shares_memory(m.quality, m.state.stocks) and np.shares_memory(m.alloc.it_marketing, m.state.money)


def test_mesa_sees_the_executives():
    m = Market("baseline", rng=1, customers=200, steps=2).run()
    cmos = m.agents.select(lambda a: a.role == 0)
    assert len(cmos) == m.n_firms
    assert cmos.agg("influence", np.mean) == pytest.approx(m.influence[:, 0].mean())
    by_role = m.agents.groupby("role_name").agg("influence", sum)
    assert sum(by_role.values()) == pytest.approx(m.n_firms)
    dc = mesa.DataCollector(agent_reporters={"influence": "influence", "effort": "effort", "brief": "brief"})
    dc.collect(m)
    table = dc.get_agent_vars_dataframe()
    assert len(table) == 3 * m.n_firms and table["influence"].sum() == pytest.approx(m.n_firms)


def test_fixed_propensities_stay_fixed():
    m = Market("baseline", rng=2, customers=500, focal_coop_cmo_cio=0.8, focal_brief=0.05).run()
    assert m.p_coop[0, 0, 1] == 0.8 and m.p_coop[0, 1, 0] == 0.8 and m.p_brief[0, 0] == 0.05
    assert m.fixed[0, 0, 1] and m.fixed[0, 1, 0] and not m.fixed[1:].any()
    assert m.fixed_brief[0, 0] and not m.fixed_brief[0, 1:].any() and not m.fixed_brief[1:].any()
    assert (m.p_brief[0, 1:] != m.state.exec_record[0, EXEC_COLUMNS.index("brief"), 0, 1:]).all()  # CIO, CFO learn
    assert (m.p_coop[1:, 0, 1] != 0.8).all()  # the other firms learned


def test_propensities_stay_within_bounds_over_a_run():
    m = Market("digital_shift", rng=4, customers=500, exploration=0.2).run()
    off_diagonal = ~np.eye(3, dtype=bool)[None].repeat(m.n_firms, 0)
    assert (m.p_coop[off_diagonal] >= learning.LOW).all() and (m.p_coop[off_diagonal] <= learning.HIGH).all()
    assert (m.p_brief >= learning.LOW).all() and (m.p_brief <= learning.HIGH).all()


def test_the_numba_cache_is_named_by_the_model_sources():
    assert jit.cache_dir().name.startswith("numba-")


_RUN = "import orgsim; print(repr(orgsim.run({'customers': 400, 'steps': 8}, 3)['quality']))"


def _copy_of_the_package(tmp: Path) -> Path:
    dest = tmp / "src"
    shutil.copytree(ROOT / "src", dest, ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    shutil.copytree(ROOT / "scenarios", tmp / "scenarios")
    return dest


def _run_in(src: Path, no_numba: bool) -> str:
    env = {**os.environ, "PYTHONPATH": str(src), "ORGSIM_NO_NUMBA": "1" if no_numba else "0"}
    out = subprocess.run([sys.executable, "-c", _RUN], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


@pytest.mark.slow
@pytest.mark.parametrize("no_numba", [False, True], ids=["compiled", "plain"])
def test_a_rule_changed_in_one_place_changes_a_run(tmp_path, no_numba):
    """Edit the stock rule in a copy of the package: the run's quality changes, compiled (numba's
    cache must not serve the old rule) and plain alike; restoring the rule restores the result."""
    src = _copy_of_the_package(tmp_path)
    rule = src / "orgsim" / "model" / "rules" / "capabilities.py"
    before = _run_in(src, no_numba)
    original = rule.read_text()
    edited = original.replace(
        "return min(max(level + growth * investment * (1.0 - level) - decay * level, 0.0), 1.0)",
        "return min(max(level + growth * investment * (1.0 - level) - 2.0 * decay * level, 0.0), 1.0)",
    )
    assert edited != original
    rule.write_text(edited)
    changed = _run_in(src, no_numba)
    assert float(changed) < float(before)  # quality depreciates twice as fast
    rule.write_text(original)
    assert _run_in(src, no_numba) == before
