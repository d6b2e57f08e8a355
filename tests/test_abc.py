"""The Bayesian calibration (orgsim.calibration): targets, statistics, priors, the CLI's input checks,
and ABC-SMC's two promises — the posterior does not depend on the number of workers, and a run
killed with SIGKILL and started again ends where an uninterrupted one does."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyabc")

from orgsim.calibration import abc
from orgsim.calibration.targets import (
    CALIBRATION,
    HELD_OUT,
    TARGETS,
    UNMAPPED,
    firm_years,
    kurtosis,
    l_kurtosis,
    replicated_statistics,
)
from orgsim.scenario.specs import param_spec

ROOT = Path(__file__).resolve().parents[1]
TINY = abc.Settings(population=20, generations=2, reps=2, customers=300, steps=12, master_seed=7)


# -- targets and statistics ------------------------------------------------------------------------


def test_targets_are_those_of_targets_md() -> None:
    text = (ROOT / "docs" / "TARGETS.md").read_text()
    assert len({t.id for t in TARGETS}) == len(TARGETS) and len({t.name for t in TARGETS}) == len(TARGETS)
    for t in CALIBRATION:
        assert t.rule == "band" and t.sd is not None and t.sd > 0
        assert t.lo < t.value < t.hi
        assert math.isclose(t.sd, (t.hi - t.lo) / 2 / 1.959964)
        # the band is the one TARGETS.md proposes (no figure invented here)
        assert f"[{t.lo:.2f}, {t.hi:.2f}]" in text, t.id
    assert {t.id for t in HELD_OUT} >= {"H1", "H2a", "H2b", "H3", "H4a", "H6", "H7"}
    assert any(u[0] == "T9" for u in UNMAPPED)


def _table(n_firms: int = 2, steps: int = 12) -> pd.DataFrame:
    rows = []
    for s in range(steps + 1):
        for f in range(n_firms):
            rows.append(
                {
                    "step": s,
                    "firm": f,
                    "revenue": 100.0,
                    "profit": 10.0 + f,
                    "budget": 14.0,
                    "budget_marketing": 7.0,
                    "shadow_it": 1.0,
                    "budget_it_marketing": 1.0,
                    "budget_it_core": 4.0,
                    "budget_finance": 1.0,
                    "influence_cmo": 0.3,
                    "influence_cio": 0.4,
                    "influence_cfo": 0.3,
                    # firm 0 works with the CIO in 3 of 4 quarters, firm 1 in 2 of 4
                    "coop_cmo_cio": int((s % 4) != 0) if f == 0 else int(s % 2 == 0),
                    "coop_cmo_cfo": int(s == 1),
                    "cmo_briefs_ceo": int(f == 0),
                    "p_coop_cmo_cfo": 0.1,
                    "p_brief": 0.6,
                    "incidents": int(s == 12 and f == 0),
                }
            )
    return pd.DataFrame(rows)


def test_statistics_by_hand() -> None:
    stats = replicated_statistics(_table(), TARGETS)
    assert stats["martech_share"] == pytest.approx(2 / 9)
    assert stats["cmo_tech_share"] == pytest.approx(1 / 6)
    assert stats["it_marketing_share"] == pytest.approx(1 / 5)
    assert stats["cmo_share"] == pytest.approx(8 / 14)
    assert stats["cio_share"] == pytest.approx(5 / 14)
    assert stats["cfo_share"] == pytest.approx(1 / 14)
    assert stats["budget_to_revenue"] == pytest.approx(0.14)
    assert stats["strong_cmo_cio"] == pytest.approx(0.5)  # firm 0's two years are strong, firm 1's are not
    assert stats["no_close_cmo_cfo_start"] == pytest.approx(0.9)
    assert stats["no_close_cmo_cfo_year1"] == pytest.approx(0.75)
    assert stats["brief_start"] == pytest.approx(0.6)
    assert stats["brief_year1"] == pytest.approx(0.5)
    assert stats["strong_cmo_cfo"] == 0.0
    assert stats["incident_years"] == pytest.approx(0.25)  # 1 of 4 firm-years in the last two years


def test_stacked_replications_average_the_runs() -> None:
    a, b = _table(), _table()
    b["budget_marketing"] = 16.0
    both = pd.concat([a.assign(rep=0), b.assign(rep=1)], ignore_index=True)
    one = replicated_statistics(a)["martech_share"], replicated_statistics(b)["martech_share"]
    assert replicated_statistics(both)["martech_share"] == pytest.approx(np.mean(one))
    flags = firm_years(both, "coop_cmo_cio")
    assert len(flags) == 2 * 2 * 3  # reps x firms x complete years


def test_kurtosis_and_l_kurtosis_of_a_normal_sample() -> None:
    x = np.random.default_rng(1).normal(size=200_000)
    assert kurtosis(x) == pytest.approx(3.0, abs=0.05)
    assert l_kurtosis(x) == pytest.approx(0.1226, abs=0.003)
    assert l_kurtosis(np.random.default_rng(2).laplace(size=200_000)) > 0.16


# -- priors, distance, seeds -----------------------------------------------------------------------


def test_priors_lie_within_the_schema() -> None:
    assert len(abc.PRIORS) <= 11
    for p in abc.PRIORS:
        spec = param_spec(p.name)
        assert p.lo < p.hi
        assert spec.contains(p.hi) and (spec.contains(p.lo) or (spec.lo_open and p.lo == spec.lo)), p.name
    assert abc.PRIORS[1].hi + abc.PRIORS[2].hi < 1.0  # marketing + finance start shares leave IT some budget
    over = abc.overrides({"coop_cmo_cfo": 0.2}, TINY)
    assert over["coop_cfo_cmo"] == 0.2 and over["customers"] == 300 and over["steps"] == 12


def test_distance() -> None:
    x0 = abc.observed()
    assert abc.distance(x0, x0) == 0.0
    t = CALIBRATION[0]
    off = {**x0, t.name: t.value + 2 * t.sd}
    assert abc.distance(off, x0) == pytest.approx(4.0)
    assert abc.distance({**x0, t.name: float("nan")}, x0) == math.inf


def test_particle_seeds_are_fixed_and_distinct() -> None:
    a = abc.particle_seeds(1, 0, 5, 3)
    assert a == abc.particle_seeds(1, 0, 5, 3)
    assert len(set(a + abc.particle_seeds(1, 1, 5, 3) + abc.particle_seeds(1, 0, 6, 3))) == 9


# -- the command line ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["calibrate", "--population", "20"],
        ["calibrate", "--abc", "--iterations", "3"],
        ["calibrate", "--abc", "--population", "0"],
        ["calibrate", "--abc", "--scheduler", "nonsense"],
    ],
)
def test_calibrate_bad_input_is_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from orgsim.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("orgsim: error:") and "Traceback" not in err


def test_a_foreign_database_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from orgsim.cli import main

    db = tmp_path / "x.db"
    db.write_text("not a database")
    assert main(["calibrate", "--abc", "--db", str(db), "--out", str(tmp_path / "o")]) == 2
    assert "not a calibration database" in capsys.readouterr().err


# -- ABC-SMC: workers and resume -------------------------------------------------------------------


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    db = tmp_path_factory.mktemp("abc") / "serial.db"
    run = abc.run_abc(TINY, db, workers=1)
    assert run.generations == TINY.generations
    return abc.posterior(db)


@pytest.mark.slow
def test_posterior_does_not_depend_on_the_workers(serial: pd.DataFrame, tmp_path: Path) -> None:
    db = tmp_path / "two.db"
    abc.run_abc(TINY, db, workers=2)
    two = abc.posterior(db)
    assert len(serial) == TINY.population
    pd.testing.assert_frame_equal(serial, two, check_exact=True)
    # a database is tied to its settings
    with pytest.raises(abc.ConfigError, match="other settings"):
        abc.run_abc(abc.Settings(**{**TINY.as_dict(), "reps": 3}), db)


def _cli(db: Path, out: Path) -> list[str]:
    s = TINY
    return [
        sys.executable,
        "-m",
        "orgsim",
        "calibrate",
        "--abc",
        *("--population", str(s.population), "--generations", str(s.generations), "--reps", str(s.reps)),
        *("--customers", str(s.customers), "--steps", str(s.steps), "--master-seed", str(s.master_seed)),
        *("--db", str(db), "--out", str(out)),
    ]


@pytest.mark.slow
def test_a_run_killed_after_its_first_generation_resumes_to_the_same_posterior(
    serial: pd.DataFrame, tmp_path: Path
) -> None:
    db, out = tmp_path / "killed.db", tmp_path / "out"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(_cli(db, out), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    deadline = time.monotonic() + 120
    assert proc.stderr is not None
    for line in proc.stderr:  # wait for the first generation to be committed
        if line.startswith("generation 0 done"):
            break
        assert time.monotonic() < deadline, "the first generation did not finish"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert 1 <= abc.generations_done(db) <= TINY.generations
    from orgsim.cli import main

    assert main(_cli(db, out)[3:]) == 0  # resumed by the same command, in this process
    assert abc.generations_done(db) == TINY.generations
    pd.testing.assert_frame_equal(serial, abc.posterior(db), check_exact=True)
    written = pd.read_parquet(out / "particles.parquet")
    pd.testing.assert_frame_equal(serial, written, check_exact=True)
    assert (out / "posterior.json").is_file() and (out / "particles.csv").is_file()
