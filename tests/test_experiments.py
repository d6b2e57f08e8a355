"""Experiment specs, designs, sweeps on every executor, the crash-safe store, resume, failures, replay."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import orgsim
from orgsim.api import simulate as real_simulate
from orgsim.cli.commands import main
from orgsim.experiments import design as ex
from orgsim.experiments import store as st
from orgsim.experiments import sweep as sw
from orgsim.io import OutputError
from orgsim.scenario.schema import ConfigError

ROOT = Path(__file__).resolve().parents[1]

TINY = """
name = "tiny"
scenario = "baseline"
master_seed = 5
replications = 2
[design]
kind = "factorial"
[settings]
customers = 400
steps = 6
firms = 3
[[factors]]
name = "shadow_it_cap"
role = "lever"
values = [0.0, 0.3]
[[factors]]
name = "pressure"
role = "uncertainty"
values = [0.2, [[0, 0.3], [6, 0.9]]]
labels = ["low", "rising"]
[outputs]
outcomes = ["influence_cmo", "coop_cmo_cio", "cmo_tech_share", "profit"]
series = ["influence_cmo", "shadow_it"]
"""


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orgsim", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("orgsim: error: "), proc.stderr
    for f in fragments:
        assert f in lines[0], (f, lines[0])


@pytest.fixture
def spec_file(tmp_path: Path):
    def write(text: str = TINY, name: str = "spec.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def edited(old: str, new: str, text: str = TINY) -> str:
    assert old in text
    return text.replace(old, new)


# -- spec validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (edited("replications = 2", "replications = 0"), "replications"),
        (edited("replications = 2", 'replications = "two"'), "replications"),
        (edited('kind = "factorial"', 'kind = "grid"'), "design.kind"),
        (edited('role = "lever"', 'role = "policy"'), "role"),
        (edited('name = "shadow_it_cap"', 'name = "shadow_cap"'), "unknown parameter 'shadow_cap'"),
        (edited("values = [0.0, 0.3]", "values = [0.0, 1.3]"), "factors.0.shadow_it_cap: value 1.3"),
        (edited("customers = 400", "customerz = 400"), "settings.customerz"),
        (edited("customers = 400", "customers = -4"), "customers"),
        (edited('outcomes = ["influence_cmo"', 'outcomes = ["influence_ceo"'), "unknown outcome 'influence_ceo'"),
        (edited('series = ["influence_cmo"', 'series = ["nope"'), "unknown firm column 'nope'"),
        (edited('labels = ["low", "rising"]', 'labels = ["low"]'), "labels"),
        (edited('kind = "factorial"', 'kind = "sobol"\nsamples = 8'), "needs range"),
        (TINY + "\nbogus = 1\n", "bogus: unknown key"),
        (edited('name = "tiny"', 'name = "a b"'), "name"),
        (edited('scenario = "baseline"', 'scenario = "nosuch"'), "nosuch"),
    ],
)
def test_bad_spec_is_one_line_error(spec_file, tmp_path: Path, text: str, fragment: str) -> None:
    path = spec_file(text)
    with pytest.raises(ConfigError, match=None) as info:
        ex.load_spec(path)
    msg = str(info.value)
    assert "\n" not in msg and fragment in msg, msg


def test_bad_sampled_designs(spec_file) -> None:
    ranged = TINY.replace("values = [0.0, 0.3]", "range = [0.0, 0.3]").replace(
        'values = [0.2, [[0, 0.3], [6, 0.9]]]\nlabels = ["low", "rising"]', "range = [0.1, 0.9]"
    )
    with pytest.raises(ConfigError, match="power of 2"):
        ex.load_spec(spec_file(ranged.replace('kind = "factorial"', 'kind = "sobol"\nsamples = 12')))
    with pytest.raises(ConfigError, match="needs samples"):
        ex.load_spec(spec_file(ranged.replace('kind = "factorial"', 'kind = "lhs"')))
    with pytest.raises(ConfigError, match="samples > 64"):
        ex.load_spec(spec_file(ranged.replace('kind = "factorial"', 'kind = "fast"\nsamples = 16')))
    with pytest.raises(ConfigError, match="lo < hi"):
        ex.load_spec(spec_file(ranged.replace("range = [0.1, 0.9]", "range = [0.9, 0.1]")))


def test_cli_bad_input_one_line(spec_file, tmp_path: Path) -> None:
    one_line_error(cli("sweep", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "o")), "not found")
    one_line_error(cli("sweep", str(spec_file(edited("replications = 2", "replications = -1"))), "--out", "x"))
    one_line_error(cli("sweep", str(spec_file()), "--out", str(tmp_path / "o"), "--workers", "0"), "workers")
    one_line_error(cli("sweep", str(spec_file()), "--out", str(tmp_path / "o"), "--scheduler", "bad address"))
    one_line_error(cli("sweep", str(spec_file())), "--out")
    one_line_error(cli("replay", str(tmp_path), "p00000-r000"), "not an experiment store")


@pytest.mark.parametrize("path", sorted((ROOT / "experiments").glob("*.toml")), ids=lambda p: p.stem)
def test_shipped_specs_are_valid(path: Path) -> None:
    plan = sw.plan(path)
    assert len(plan.design) == ex.expected_points(plan.spec)
    assert plan.n_runs == len(plan.design) * plan.spec.replications


def test_shipped_specs_include_the_two_required() -> None:
    names = {p.stem for p in (ROOT / "experiments").glob("*.toml")}
    assert {"pressure_governance", "sensitivity"} <= names
    pg = ex.load_spec(ROOT / "experiments/pressure_governance.toml")
    assert {f.role for f in pg.factors} == {"lever", "uncertainty"} and pg.replications > 1
    sens = ex.load_spec(ROOT / "experiments/sensitivity.toml")
    assert sens.design.kind == "sobol" and len(sens.factors) >= 6


# -- designs ------------------------------------------------------------------------------------

RANGED = """
name = "ranged"
master_seed = 11
[design]
kind = "{kind}"
samples = {n}
{extra}
[settings]
customers = 300
steps = 4
firms = 3
[[factors]]
name = "joint_credit"
role = "uncertainty"
range = [0.25, 1.0]
[[factors]]
name = "shadow_it_cap"
role = "lever"
range = [0.0, 0.4]
[[factors]]
name = "firms"
role = "uncertainty"
range = [2, 6]
"""


@pytest.mark.parametrize(
    ("kind", "n", "extra", "points"),
    [
        ("lhs", 10, "", 10),
        ("sobol", 8, "", 8 * (3 + 2)),
        ("sobol", 8, "second_order = true", 8 * (2 * 3 + 2)),
        ("morris", 4, "levels = 4", 4 * (3 + 1)),
        ("fast", 65, "", 65 * 3),
    ],
)
def test_design_sample_counts(spec_file, kind: str, n: int, extra: str, points: int) -> None:
    text = RANGED.format(kind=kind, n=n, extra=extra).replace(
        "[settings]\ncustomers = 300\nsteps = 4\nfirms = 3", "[settings]\ncustomers = 300\nsteps = 4"
    )
    spec = ex.load_spec(spec_file(text))
    table = ex.expand(spec)
    assert len(table) == points == ex.expected_points(spec)
    x = np.array([[row[n] for n in table.columns] for row in table.stored])
    lo, hi = np.array([[0.25, 0.0, 2], [1.0, 0.4, 6]])
    assert (x >= lo - 1e-12).all() and (x <= hi + 1e-12).all()
    # integer parameters are rounded in what the scenario gets, the stored design keeps SALib's value
    assert all(isinstance(o["firms"], int) for o in table.overrides)
    assert table.problem == {
        "num_vars": 3,
        "names": ["joint_credit", "shadow_it_cap", "firms"],
        "bounds": [[0.25, 1.0], [0.0, 0.4], [2.0, 6.0]],
    }
    # the design is a function of the spec alone
    again = ex.expand(ex.load_spec(spec_file(text, "again.toml")))
    assert again.stored == table.stored


def test_factorial_is_the_product_with_labels(spec_file) -> None:
    table = ex.expand(ex.load_spec(spec_file()))
    assert len(table) == 4
    assert [r["pressure"] for r in table.stored] == ["low", "rising", "low", "rising"]
    assert table.overrides[0]["pressure"] == [[0, 0.2]]  # a number is a constant path
    assert table.overrides[1]["pressure"] == [[0, 0.3], [6, 0.9]]


def test_run_seeds_are_spawned_from_the_master_seed() -> None:
    seeds = {ex.run_seed(5, p, r) for p in range(20) for r in range(5)}
    assert len(seeds) == 100
    assert ex.run_seed(5, 3, 1) == int(np.random.SeedSequence(5, spawn_key=(3, 1)).generate_state(1, np.uint32)[0])


# -- sweeps and the store ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def serial_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serial")
    (folder / "spec.toml").write_text(TINY, encoding="utf-8")
    rep = sw.sweep(folder / "spec.toml", folder / "store")
    assert rep.ok == 8 and rep.failed == 0 and rep.skipped == 0
    return folder / "store"


def test_store_layout_and_load(serial_store: Path) -> None:
    names = {p.name for p in serial_store.iterdir()}
    assert {"_sweep.json", "_design.parquet", "_manifest.jsonl", "_sessions.jsonl", "runs", "series"} <= names
    runs = orgsim.load(serial_store)
    assert list(runs["run_id"]) == [ex.run_id(p, r) for p in range(4) for r in range(2)]
    assert {"point", "rep", "seed", "shadow_it_cap", "pressure", "influence_cmo", "profit", "status"} <= set(
        runs.columns
    )
    assert (runs["status"] == "ok").all() and runs["influence_cmo"].between(0, 1).all()
    series = orgsim.load(serial_store, "series")
    assert len(series) == 8 * 7 and (series["firm"] == -1).all()
    # the parts read directly (pandas, DuckDB): the _ files are skipped
    assert len(pd.read_parquet(serial_store / "runs")) == 8
    import duckdb

    assert duckdb.sql(f"SELECT count(*) FROM '{serial_store}/runs/*.parquet'").fetchall() == [(8,)]
    meta = st.read_meta(serial_store)
    assert meta["n_runs"] == 8 and meta["orgsim_version"] == orgsim.__version__ and meta["versions"]["numpy"]
    assert meta["levers"] == ["shadow_it_cap"] and meta["uncertainties"] == ["pressure"]
    man = st.read_manifest(serial_store)
    assert (man["status"] == "ok").all() and man["config_hash"].str.len().eq(64).all()
    assert set(man.columns) >= {
        "run_id",
        "point",
        "rep",
        "seed",
        "status",
        "error",
        "duration",
        "config_hash",
        "factors",
    }


def test_load_selected_runs(serial_store: Path) -> None:
    ids = ["p00003-r001", "p00001-r000"]
    for table in ("runs", "series"):
        full = orgsim.load(serial_store, table)
        part = orgsim.load(serial_store, table, run_ids=ids)
        expected = full[full["run_id"].isin(ids)].reset_index(drop=True)
        pd.testing.assert_frame_equal(part, expected)
    assert orgsim.load(serial_store, run_ids=["p09999-r000"]).empty


def test_rerun_of_a_complete_sweep_does_nothing(serial_store: Path) -> None:
    before = (serial_store / "_manifest.jsonl").read_bytes()
    rep = sw.sweep(serial_store.parent / "spec.toml", serial_store)
    assert rep.done == 0 and rep.skipped == 8
    assert (serial_store / "_manifest.jsonl").read_bytes() == before


@pytest.mark.slow
def test_same_results_serial_processes_and_dask(serial_store: Path, tmp_path: Path) -> None:
    spec = serial_store.parent / "spec.toml"
    sw.sweep(spec, tmp_path / "procs", workers=2, chunk=3)
    sw.sweep(spec, tmp_path / "dask", workers=2, scheduler="local", chunk=2)
    ref_runs, ref_series = orgsim.load(serial_store), orgsim.load(serial_store, "series")
    for name in ("procs", "dask"):
        # the same results (each worker process records its own code version, equal here unless the sources changed)
        pd.testing.assert_frame_equal(
            orgsim.load(tmp_path / name).drop(columns="code_version"), ref_runs.drop(columns="code_version")
        )
        pd.testing.assert_frame_equal(orgsim.load(tmp_path / name, "series"), ref_series)


def test_another_spec_in_the_same_folder_is_refused(serial_store: Path, spec_file) -> None:
    other = spec_file(edited("master_seed = 5", "master_seed = 6"), "other.toml")
    with pytest.raises(OutputError, match="holds another sweep"):
        sw.sweep(other, serial_store)


def test_resume_flag_needs_a_store(spec_file, tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="nothing to resume"):
        sw.sweep(spec_file(), tmp_path / "none", resume=True)


def test_non_store_folder_is_refused(spec_file, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    with pytest.raises(OutputError, match="not empty"):
        sw.sweep(spec_file(), tmp_path / "full")


def test_partial_sweep_then_resume_equals_uninterrupted(serial_store: Path, tmp_path: Path) -> None:
    spec = serial_store.parent / "spec.toml"
    out = tmp_path / "part"
    assert sw.sweep(spec, out, limit=3).ok == 3
    rep = sw.sweep(spec, out, resume=True)
    assert rep.ok == 5 and rep.skipped == 3
    pd.testing.assert_frame_equal(orgsim.load(out), orgsim.load(serial_store))
    pd.testing.assert_frame_equal(orgsim.load(out, "series"), orgsim.load(serial_store, "series"))
    assert len(st.read_sessions(out)) == 2


def test_recovery_removes_orphans_and_a_torn_manifest_line(serial_store: Path, tmp_path: Path) -> None:
    spec = serial_store.parent / "spec.toml"
    out = tmp_path / "crash"
    sw.sweep(spec, out, limit=4, chunk=2)
    # what a crash can leave: a temporary file, a part no manifest line names, a torn last line
    (out / "runs" / ".part-x.parquet.abcd.tmp").write_bytes(b"PAR1 half")
    orphan = out / "runs" / "part-p00003-r000-dead.parquet"
    orphan.write_bytes((out / "runs" / sorted(os.listdir(out / "runs"))[0]).read_bytes())
    with (out / "_manifest.jsonl").open("a") as fh:
        fh.write('{"run_id": "p00002-r000", "sta')
    assert len(st.manifest_records(out)) == 4  # the torn line is not read
    assert len(orgsim.load(out)) == 4  # and the orphan part is not read either
    rep = sw.sweep(spec, out)
    assert rep.ok == 4 and not orphan.exists()
    assert not [p for p in (out / "runs").iterdir() if p.name.endswith(".tmp")]
    pd.testing.assert_frame_equal(orgsim.load(out), orgsim.load(serial_store))
    assert (out / "_manifest.jsonl").read_text().endswith("\n")
    assert len(pd.read_parquet(out / "runs")) == 8  # the folder holds no duplicate rows


@pytest.mark.slow
def test_resume_after_kill_9(tmp_path: Path, serial_store: Path) -> None:
    """Kill a real sweep process mid-way with SIGKILL; the same command completes it, nothing lost or doubled."""
    text = edited("replications = 2", "replications = 6").replace(
        "customers = 400\nsteps = 6", "customers = 3000\nsteps = 10"
    )
    spec = tmp_path / "spec.toml"
    spec.write_text(text, encoding="utf-8")
    out = tmp_path / "store"
    cmd = [sys.executable, "-m", "orgsim", "sweep", str(spec), "--out", str(out), "--chunk", "1", "-q"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    manifest = out / "_manifest.jsonl"
    while time.monotonic() < deadline:
        if manifest.is_file() and manifest.read_text().count("\n") >= 5:
            break
        assert proc.poll() is None, "the sweep ended before it could be killed"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    done_before = len(st.latest_records(out))
    assert 5 <= done_before < 24
    # (--allow-code-change: in a checkout others edit, the sources may change between the two commands)
    again = subprocess.run([*cmd, "--allow-code-change"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    records = st.manifest_records(out)
    assert sorted(r["run_id"] for r in records) == sorted({r["run_id"] for r in records})  # none twice
    assert len(records) == 24
    ref = tmp_path / "ref"
    sw.sweep(spec, ref)
    # the results, whichever process made them (the code version is that process's)
    pd.testing.assert_frame_equal(
        orgsim.load(out).drop(columns="code_version"), orgsim.load(ref).drop(columns="code_version")
    )
    pd.testing.assert_frame_equal(orgsim.load(out, "series"), orgsim.load(ref, "series"))


# -- failures and retries ------------------------------------------------------------------------


def _failing_simulate(bad_seeds: set[int], fail_times: dict[int, int] | None = None):
    real = real_simulate
    calls: dict[int, int] = {}

    def fake(scenario, seed=None, **kw):
        calls[seed] = calls.get(seed, 0) + 1
        if seed in bad_seeds and (fail_times is None or calls[seed] <= fail_times.get(seed, 0)):
            raise RuntimeError(f"boom at seed {seed}\nsecond line")
        return real(scenario, seed, **kw)

    return fake


def test_a_failing_run_is_recorded_and_the_rest_go_on(monkeypatch, spec_file, tmp_path: Path, capsys) -> None:
    from orgsim import api

    bad = ex.run_seed(5, 1, 0)
    monkeypatch.setattr(api, "simulate", _failing_simulate({bad}))
    out = tmp_path / "fail"
    code = main(["sweep", str(spec_file()), "--out", str(out), "-q"])
    assert code == 1
    man = st.read_manifest(out).set_index("run_id")
    assert man.loc["p00001-r000", "status"] == "failed"
    assert man.loc["p00001-r000", "error"] == f"RuntimeError: boom at seed {bad} second line"
    assert (man.drop(index="p00001-r000")["status"] == "ok").all()
    runs = orgsim.load(out)
    assert len(runs) == 7 and "p00001-r000" not in set(runs["run_id"])
    both = orgsim.load(out, include_failed=True)
    row = both[both["run_id"] == "p00001-r000"].iloc[0]
    assert row["status"] == "failed" and np.isnan(row["influence_cmo"]) and row["pressure"] == "rising"
    # a rerun leaves a recorded failure alone (and still says some failed); --retry-failed runs it again
    monkeypatch.setattr(api, "simulate", _failing_simulate(set()))
    assert main(["sweep", str(spec_file()), "--out", str(out), "-q"]) == 1
    assert len(orgsim.load(out)) == 7
    assert main(["sweep", str(spec_file()), "--out", str(out), "-q", "--retry-failed"]) == 0
    assert len(orgsim.load(out)) == 8 and st.read_manifest(out)["status"].eq("ok").all()


def test_retries_absorb_transient_failures(monkeypatch, spec_file, tmp_path: Path) -> None:
    from orgsim import api

    bad = ex.run_seed(5, 2, 1)
    monkeypatch.setattr(api, "simulate", _failing_simulate({bad}, {bad: 2}))
    rep = sw.sweep(spec_file(), tmp_path / "retry", retries=2)
    assert rep.failed == 0 and rep.ok == 8
    assert st.read_manifest(tmp_path / "retry").set_index("run_id").loc["p00002-r001", "attempts"] == 3


# -- replay --------------------------------------------------------------------------------------


def test_replay_reproduces_and_detects_tampering(serial_store: Path, tmp_path: Path) -> None:
    res, ok, msg = sw.replay(serial_store, "p00002-r001")
    assert ok, msg
    assert "reproduces" in msg and res.seed == ex.run_seed(5, 2, 1)
    proc = cli("replay", str(serial_store), "p00002-r001", "--out", str(tmp_path / "run"))
    assert proc.returncode == 0 and "reproduces" in proc.stdout
    assert (tmp_path / "run" / "firms.parquet").is_file()
    one_line_error(cli("replay", str(serial_store), "p09999-r000"), "no run 'p09999-r000'")
    # a store whose outputs were altered does not reproduce
    copy = tmp_path / "copy"
    import shutil

    shutil.copytree(serial_store, copy)
    rec = st.latest_records(copy)["p00002-r001"]
    part = copy / "runs" / rec["part"]
    df = pd.read_parquet(part)
    df.loc[df["run_id"] == "p00002-r001", "profit"] += 1e-9
    df.to_parquet(part, index=False)
    _, ok, msg = sw.replay(copy, "p00002-r001")
    assert not ok and "profit" in msg
    proc = cli("replay", str(copy), "p00002-r001")
    assert proc.returncode == 1 and "does not reproduce" in proc.stdout


def test_sweep_cli_prints_progress_summary(spec_file, tmp_path: Path) -> None:
    proc = cli("sweep", str(spec_file()), "--out", str(tmp_path / "c"), "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert "8 ok, 0 failed, 0 already done" in proc.stdout and "runs/s" in proc.stdout
    again = cli("sweep", str(spec_file()), "--out", str(tmp_path / "c"), "--resume")
    assert again.returncode == 0 and "0 ok, 0 failed, 8 already done" in again.stdout
    assert json.loads((tmp_path / "c" / "_sessions.jsonl").read_text().splitlines()[0])["executor"] == "processes"


@pytest.mark.slow
def test_sweep_memory_stays_flat_as_runs_grow(tmp_path: Path) -> None:
    """The sweeping process holds only the chunks in flight: ten times the runs, about the same peak.

    Measured here: 1.09 MB for 40 runs, 1.37 MB for 400 (what grows is garbage awaiting the cyclic
    collector and interned path strings, about 0.4 KB a run); holding the results would add about
    5 KB a run (2 MB here).
    """
    import gc
    import tracemalloc

    def spec(reps: int) -> Path:
        text = edited("replications = 2", f"replications = {reps}").replace(
            "customers = 400\nsteps = 6\nfirms = 3", "customers = 60\nsteps = 2\nfirms = 2"
        )
        path = tmp_path / f"spec{reps}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    sw.sweep(spec(1), tmp_path / "warm")  # imports, compiled kernels, caches
    peaks = {}
    for reps in (10, 100):
        gc.collect()
        tracemalloc.start()
        rep = sw.sweep(spec(reps), tmp_path / f"s{reps}", chunk=8)
        peaks[reps] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert rep.ok == 4 * reps
    assert peaks[100] < 1.6 * peaks[10], peaks


# -- a sweep that cannot start, code versions ------------------------------------------------------


def test_an_executor_that_cannot_start_leaves_no_store(
    monkeypatch, spec_file, serial_store: Path, tmp_path: Path
) -> None:
    import contextlib

    @contextlib.contextmanager
    def unreachable(workers: int = 1, scheduler: str | None = None):
        raise ConfigError(f"--scheduler {scheduler}: cannot connect")
        yield

    monkeypatch.setattr(sw, "executor", unreachable)
    with pytest.raises(ConfigError, match="cannot connect"):
        sw.sweep(spec_file(), tmp_path / "new", scheduler="tcp://127.0.0.1:9")
    assert not (tmp_path / "new").exists()
    before = sorted((p.relative_to(serial_store), p.read_bytes()) for p in serial_store.rglob("*") if p.is_file())
    with pytest.raises(ConfigError, match="cannot connect"):
        sw.sweep(serial_store.parent / "spec.toml", serial_store, retry_failed=True, scheduler="tcp://127.0.0.1:9")
    assert (
        sorted((p.relative_to(serial_store), p.read_bytes()) for p in serial_store.rglob("*") if p.is_file()) == before
    )


@pytest.mark.slow
def test_a_sweep_that_cannot_start_leaves_nothing_behind(spec_file, serial_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "new"
    one_line_error(cli("sweep", str(spec_file()), "--out", str(out), "--scheduler", "tcp://127.0.0.1:9"), "connect")
    assert not out.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    one_line_error(cli("sweep", str(spec_file()), "--out", str(empty), "--scheduler", "tcp://127.0.0.1:9"), "connect")
    assert empty.is_dir() and not any(empty.iterdir())
    # an existing store is never removed, nor written to, when the scheduler is unreachable
    before = {p.relative_to(serial_store): p.read_bytes() for p in serial_store.rglob("*") if p.is_file()}
    spec = serial_store.parent / "spec.toml"
    one_line_error(cli("sweep", str(spec), "--out", str(serial_store), "--scheduler", "tcp://127.0.0.1:9"), "connect")
    after = {p.relative_to(serial_store): p.read_bytes() for p in serial_store.rglob("*") if p.is_file()}
    assert after == before


def test_a_store_created_by_a_failing_sweep_is_removed(monkeypatch, spec_file, tmp_path: Path) -> None:
    def broken(*args, **kwargs):
        raise KeyboardInterrupt  # e.g. Ctrl-C before the first chunk is recorded

    monkeypatch.setattr(sw, "run_chunk", broken)
    with pytest.raises(KeyboardInterrupt):
        sw.sweep(spec_file(), tmp_path / "gone")
    assert not (tmp_path / "gone").exists()


def test_resuming_with_other_code_is_refused_unless_allowed(monkeypatch, spec_file, tmp_path: Path, capsys) -> None:
    from orgsim import io as run_io

    spec, out = spec_file(), tmp_path / "store"
    monkeypatch.setattr(run_io, "code_version", lambda: "0.1.0+gaaaaaaaaaaaa")
    assert sw.sweep(spec, out, limit=3).ok == 3
    monkeypatch.setattr(run_io, "code_version", lambda: "0.1.0+gbbbbbbbbbbbb.dirty-12345678")
    with pytest.raises(OutputError, match=r"0\.1\.0\+gaaaaaaaaaaaa; this is 0\.1\.0\+gbbbbbbbbbbbb\.dirty-12345678"):
        sw.sweep(spec, out)
    assert main(["sweep", str(spec), "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--allow-code-change" in err[0] and "0.1.0+gaaaaaaaaaaaa" in err[0]
    assert len(st.manifest_records(out)) == 3  # nothing was run
    assert main(["sweep", str(spec), "--out", str(out), "-q", "--allow-code-change"]) == 0
    runs = orgsim.load(out)
    assert runs["code_version"].value_counts().to_dict() == {
        "0.1.0+gbbbbbbbbbbbb.dirty-12345678": 5,
        "0.1.0+gaaaaaaaaaaaa": 3,
    }
    assert st.code_versions(out) == {"0.1.0+gaaaaaaaaaaaa": 3, "0.1.0+gbbbbbbbbbbbb.dirty-12345678": 5}
    assert "ok runs by code version: 0.1.0+gaaaaaaaaaaaa 3, 0.1.0+gbbbbbbbbbbbb.dirty-12345678 5" in sw.describe(out)
    from orgsim.experiments import analysis as an

    text = an.render_markdown(an.analyze(out, resamples=20))
    assert "the runs come from 2 code versions**: `0.1.0+gaaaaaaaaaaaa` (3 runs), " in text
    # a complete store has nothing to add: rerunning it with yet other code is no error
    monkeypatch.setattr(run_io, "code_version", lambda: "0.2.0")
    assert sw.sweep(spec, out).done == 0
    _, ok, msg = sw.replay(out, "p00000-r000")
    assert ok, msg


def test_code_version_of_old_stores_comes_from_their_sessions(serial_store: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "old"
    shutil.copytree(serial_store, copy)
    lines = [json.loads(x) for x in (copy / "_manifest.jsonl").read_text().splitlines()]
    (copy / "_manifest.jsonl").write_text(
        "".join(json.dumps({k: v for k, v in r.items() if k != "code_version"}) + "\n" for r in lines)
    )
    sessions = [json.loads(x) for x in (copy / "_sessions.jsonl").read_text().splitlines()]
    for s in sessions:
        s.pop("code_version", None)
        s["git_commit"] = "c" * 40
    (copy / "_sessions.jsonl").write_text("".join(json.dumps(s) + "\n" for s in sessions))
    assert set(orgsim.load(copy)["code_version"]) == {f"{orgsim.__version__}+g{'c' * 12}"}


def test_code_version_names_the_commit_and_uncommitted_edits(monkeypatch) -> None:
    from orgsim import io as run_io

    commit = run_io.git_commit()
    version = run_io.code_version.__wrapped__()  # computed now (the cached value is the process's first)
    assert version.startswith(orgsim.__version__)
    if commit is not None and commit == run_io.git_commit():  # (others may commit in a shared checkout)
        assert version.split("+g")[1][:12] == commit[:12]
        assert version.split("+g")[1][12:] == "" or version.split("+g")[1][12:].startswith(".dirty-")
    assert run_io.code_version() is run_io.code_version()  # computed once per process
