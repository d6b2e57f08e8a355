"""The Mesa model (orgsim.model.market.Market): smoke runs, determinism, RNG hygiene, pickling, batch_run."""

from __future__ import annotations

import pickle
import random
import subprocess
import sys

import mesa
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import orgsim
from orgsim.model.agents import Executive
from orgsim.model.market import EXEC_COLUMNS, FIRM_COLUMNS, REPORTERS, Market
from orgsim.scenario import files as scenarios

SHIPPED = sorted(scenarios.available())
SMALL = {"firms": 4, "customers": 1000, "steps": 8}


def _run(scenario="baseline", rng=1, **kw) -> Market:
    params = {**SMALL, **kw}
    return Market(scenario, rng=rng, **params).run()


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_runs(name):
    m = _run(name, rng=1, customers=1000, steps=8)
    assert not m.running and m.steps == 8
    firms, execs = m.firm_table(), m.executive_table()
    assert sorted(firms["step"].unique()) == list(range(9))
    assert sorted(execs["step"].unique()) == list(range(9))
    assert len(firms) == 9 * 4 and len(execs) == 9 * 4 * 3
    assert set(FIRM_COLUMNS) <= set(firms.columns)
    assert set(EXEC_COLUMNS) <= set(execs.columns)
    assert (firms["scenario"] == name).all()
    assert np.isfinite(firms[list(FIRM_COLUMNS)].to_numpy(dtype=float)).all()
    assert np.isfinite(execs[list(EXEC_COLUMNS)].to_numpy(dtype=float)).all()
    model_df = m.datacollector.get_model_vars_dataframe()
    assert len(model_df) == 9 and set(REPORTERS) <= set(model_df.columns)


def test_default_scenario_length_and_seed():
    m = Market(customers=200, firms=2)
    assert m.config.name == "baseline"
    assert m.seed == m.config.seed  # rng defaults to the scenario's seed


def test_tables_have_one_row_per_firm_and_step(baseline_run):
    firms = baseline_run.firms
    assert not firms.duplicated(["step", "firm"]).any()
    counts = firms.groupby("step")["firm"].nunique()
    assert (counts == 4).all()
    execs = baseline_run.executives
    assert not execs.duplicated(["step", "firm", "role"]).any()
    assert set(execs["role"]) == {"cmo", "cio", "cfo"}


def test_executive_table_matches_firm_table(baseline_run):
    firms, execs = baseline_run.firms, baseline_run.executives
    wide = execs.pivot_table(index=["step", "firm"], columns="role", values="influence").sort_index()
    f = firms.set_index(["step", "firm"]).sort_index()
    for role in ("cmo", "cio", "cfo"):
        np.testing.assert_allclose(wide[role].to_numpy(), f[f"influence_{role}"].to_numpy())


def test_tables_between_runs_are_identical_for_same_seed():
    a, b = _run("baseline", rng=11), _run("baseline", rng=11)
    assert_frame_equal(a.firm_table(), b.firm_table())
    assert_frame_equal(a.executive_table(), b.executive_table())
    assert_frame_equal(a.datacollector.get_model_vars_dataframe(), b.datacollector.get_model_vars_dataframe())


def test_numpy_integer_seed_is_the_same_as_int():
    assert_frame_equal(_run(rng=np.int64(5)).firm_table(), _run(rng=5).firm_table())


def test_different_seeds_differ():
    a, b = _run("baseline", rng=11), _run("baseline", rng=12)
    cols = ["market_share", "revenue", "influence_cmo"]
    assert not np.allclose(a.firm_table()[cols].to_numpy(), b.firm_table()[cols].to_numpy())
    assert not np.allclose(a.executive_table()["coop_cio"], b.executive_table()["coop_cio"])


def test_global_rng_state_untouched():
    random.seed(123)
    np.random.seed(123)
    py_state, np_state = random.getstate(), np.random.get_state()
    _run("digital_shift", rng=3)
    assert random.getstate() == py_state
    after = np.random.get_state()
    assert after[0] == np_state[0] and np.array_equal(after[1], np_state[1]) and after[2:] == np_state[2:]


def test_results_do_not_depend_on_global_rng():
    np.random.seed(1)
    random.seed(1)
    a = _run(rng=4).firm_table()
    np.random.seed(2)
    random.seed(2)
    b = _run(rng=4).firm_table()
    assert_frame_equal(a, b)


def test_model_pickles_and_resumes_identically():
    m = Market("baseline", rng=8, **SMALL)
    for _ in range(3):
        m.step()
    copy = pickle.loads(pickle.dumps(m))
    assert copy.steps == m.steps
    m.run()
    copy.run()
    assert_frame_equal(m.firm_table(), copy.firm_table())
    assert_frame_equal(m.executive_table(), copy.executive_table())


def test_mesa_batch_run():
    rows = mesa.batch_run(
        orgsim.Market,
        parameters={"customers": 500, "steps": 6, "shadow_it_cap": [0.1, 0.5]},
        rng=[1, 2],
        max_steps=100,
        number_processes=1,
        display_progress=False,
    )
    assert len(rows) == 4
    df = pd.DataFrame(rows)
    assert set(REPORTERS) <= set(df.columns)
    for col in ("influence_cmo", "influence_cio", "influence_cfo", "coop_cmo_cio", "profit"):
        assert np.isfinite(df[col]).all()
    assert sorted(df["shadow_it_cap"].unique()) == [0.1, 0.5]
    assert sorted(df["rng"].unique()) == [1, 2]
    assert (df["Step"] == 6).all()  # stopped by the model at its own length, not max_steps
    np.testing.assert_allclose(df[["influence_cmo", "influence_cio", "influence_cfo"]].sum(axis=1), 1.0)


def test_batch_run_matches_direct_runs():
    rows = mesa.batch_run(
        orgsim.Market,
        parameters={"customers": 500, "steps": 6, "firms": 3},
        rng=[5],
        max_steps=100,
        number_processes=1,
        display_progress=False,
    )
    direct = Market(rng=5, customers=500, steps=6, firms=3).run()
    assert rows[0]["influence_cmo"] == pytest.approx(REPORTERS["influence_cmo"](direct))


def test_keyword_overrides_reach_the_config():
    m = Market("walls", rng=1, customers=300, steps=5, firms=3, shadow_it_cap=0.4, budget_rule="bargain")
    assert (m.config.market.customers, m.config.steps, m.config.market.firms) == (300, 5, 3)
    assert m.config.levers.shadow_it_cap == 0.4 and m.config.levers.budget_rule == "bargain"
    assert m.config.name == "walls"


def test_scenario_config_object_accepted():
    cfg = scenarios.load("baseline", SMALL)
    assert_frame_equal(Market(cfg, rng=2).run().firm_table(), _run(rng=2).firm_table())


def test_executives_are_mesa_agents_three_per_firm():
    m = Market("baseline", rng=1, **SMALL)
    agents = list(m.agents)
    assert len(agents) == 3 * 4
    assert all(isinstance(a, Executive) and isinstance(a, mesa.Agent) for a in agents)
    assert len(m.agents_by_type[Executive]) == 12
    assert len({a.unique_id for a in agents}) == 12
    for firm in range(4):
        mine = [a for a in agents if a.firm == firm]
        assert sorted(a.role_name for a in mine) == ["cfo", "cio", "cmo"]
        for a in mine:
            assert m.executive(firm, a.role) is a
            assert a.influence == pytest.approx(m.influence[firm, a.role])
            assert a.coop[a.role] == 0.0
            assert np.all((a.coop >= 0) & (a.coop <= 1))
        assert sum(a.influence for a in mine) == pytest.approx(1.0)
    assert all(0 <= a.brief <= 1 for a in agents)  # every executive has a briefing propensity


def test_initial_influence_from_config():
    m = Market("baseline", rng=1, influence_cmo=0.5, influence_cio=0.3, influence_cfo=0.2, **SMALL)
    np.testing.assert_allclose(m.influence, np.tile([0.5, 0.3, 0.2], (4, 1)))


def test_focal_firm_dispositions_are_fixed():
    m = _run(rng=3, focal_coop_cmo_cio=1.0, focal_brief=0.0, steps=10)
    e = m.executive_table()
    f0 = e[e["firm"] == 0]
    assert (f0.loc[f0["role"] == "cmo", "coop_cio"] == 1.0).all()
    assert (f0.loc[f0["role"] == "cio", "coop_cmo"] == 1.0).all()
    assert (f0.loc[f0["role"] == "cmo", "brief"] == 0.0).all()
    f = m.firm_table()
    f0 = f[(f["firm"] == 0) & (f["step"] > 0)]
    assert (f0["coop_cmo_cio"] == 1).all() and (f0["cmo_briefs_ceo"] == 0).all()


def test_shadow_it_switch_off_means_no_shadow():
    f = _run(rng=2, shadow_it=False, shadow_it_cap=1.0, coop_cio_cmo=0.0, steps=10).firm_table()
    assert (f["shadow_it"] == 0).all() and (f["shadow_stock"] == 0).all()


def test_no_shadow_allowance_means_no_shadow():
    f = _run(rng=2, shadow_it_cap=0.0, steps=10).firm_table()
    assert (f["shadow_it"] == 0).all()


def test_incidents_switch_off():
    f = _run(rng=2, incidents=False, threat=[[0, 1.0]], steps=10).firm_table()
    assert (f["incidents"] == 0).all()


def test_roi_mandate_forces_cmo_cfo_work():
    f = _run(rng=2, roi_mandate=1.0, steps=6).firm_table()
    assert (f.loc[f["step"] > 0, "coop_cmo_cfo"] == 1).all()


def test_environment_columns_follow_the_paths():
    m = _run("digital_shift", rng=1, steps=8)
    f = m.firm_table()
    by_step = f.groupby("step")["pressure"].first().to_numpy()
    np.testing.assert_allclose(by_step, m.paths.pressure)


def test_budget_rounds_yearly():
    """The budget (and its split) changes only in budget-round quarters 5, 9, 13, ..."""
    f = _run(rng=6, steps=14, revenue_noise=0.0).firm_table()
    wide = f.pivot(index="step", columns="firm", values="budget").to_numpy()
    changed = {q for q in range(1, 15) if not np.allclose(wide[q], wide[q - 1])}
    assert changed <= {5, 9, 13}


def test_import_orgsim_is_light():
    code = "import sys, orgsim; print('mesa' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == "False"


def test_import_model_does_not_import_solara():
    code = "import sys, orgsim.model.market; print('solara' in sys.modules, 'mesa' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"propensity_concentration": 5e-324},
        {"taste_concentration": 5e-324},
        {"coop_cfo_cmo": 5e-324, "propensity_concentration": 0.5},
        {"effort_mean": 5e-324, "propensity_concentration": 0.5},
    ],
    ids=["propensity_concentration", "taste_concentration", "coop_mean", "effort_mean"],
)
def test_tiny_beta_parameters_are_rejected_or_run(overrides):
    """Values the config accepts must either run or raise a ConfigError (never a numpy error).

    Regression: the Beta draws of propensities, effort and taste guarded only ``mean <= 0`` /
    ``mean >= 1``; with a tiny positive mean or concentration the shape ``mean * concentration``
    (or ``(1 - mean) * concentration``) underflowed to 0 and numpy raised ``ValueError: a <= 0``.
    """
    from orgsim.scenario.schema import ConfigError

    try:
        m = Market("baseline", rng=1, customers=200, steps=2, firms=2, **overrides)
    except ConfigError:
        return
    m.run()
