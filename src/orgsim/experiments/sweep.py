"""Run an experiment spec on one process, a local process pool or a Dask cluster, into a store.

Every executor is a ``concurrent.futures.Executor`` (a serial one in-process, a forkserver
``ProcessPoolExecutor``, or Dask's ``Client.get_executor()``). Runs go out in chunks; at most a
few chunks are in flight, and each finished chunk is written to the store at once (parts first,
then its manifest lines), so memory stays flat and a crash loses at most the chunks in flight.
Running the same sweep again resumes it: runs already recorded are skipped.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from orgsim import io as run_io
from orgsim.experiments import design as ex
from orgsim.experiments.store import (
    FAILED,
    MANIFEST,
    MISSING,
    Store,
    code_versions,
    find_record,
    read_design,
    read_meta,
    record_code_versions,
    run_state,
    status_array,
)
from orgsim.io import OutputError, config_hash, git_commit, package_versions
from orgsim.scenario.schema import ConfigError, ScenarioConfig

#: per-run columns of the runs table before the factors and outcomes
RUN_KEYS = ("run_id", "point", "rep", "seed")


@dataclass(frozen=True)
class Task:
    """One run to do."""

    run_id: str
    point: int
    rep: int
    seed: int
    overrides: dict[str, Any]
    factors: dict[str, Any]
    posterior: dict[str, Any] = field(default_factory=dict)  # the posterior draw applied (in overrides too)


@dataclass(frozen=True)
class Job:
    """What a worker needs besides the tasks (pickled once per chunk)."""

    base: ScenarioConfig
    outcomes: tuple[str, ...]
    series: tuple[str, ...]
    series_firms: str
    retries: int


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or "(no message)"
    return f"{type(err).__name__}: {text}"[:500]


def run_task(job: Job, task: Task) -> tuple[dict[str, Any], dict[str, Any] | None, Any]:
    """Run one task (with retries); returns (manifest record, runs row or None, series frame or None)."""
    from orgsim.api import simulate
    from orgsim.scenario.files import load

    attempts, start = 0, time.perf_counter()
    while True:
        attempts += 1
        try:
            cfg = load(job.base, task.overrides)
            res = simulate(cfg, task.seed, run_id=task.run_id, executives=False)
            break
        except Exception as err:  # a run's failure is data: record it and go on
            if attempts <= job.retries:
                continue
            record = _record(task, "failed", _one_line(err), attempts, time.perf_counter() - start, None)
            record["traceback"] = "".join(traceback.format_exception_only(err)).strip()[-2000:]
            return record, None, None
    row = {"run_id": task.run_id, "point": task.point, "rep": task.rep, "seed": task.seed, **task.factors}
    row.update(posterior_columns(task.posterior))
    row.update({k: res.outcomes[k] for k in job.outcomes})
    series = None
    if job.series:
        firms = series_table(res.firms, list(job.series), job.series_firms)
        series = firms.assign(run_id=task.run_id, point=task.point, rep=task.rep)[
            ["run_id", "point", "rep", "step", "firm", *job.series]
        ]
    record = _record(task, "ok", "", attempts, time.perf_counter() - start, config_hash(cfg))
    return record, row, series


def series_table(firms: Any, cols: list[str], how: str) -> Any:
    """The kept series of a run's firm table: every firm, or the mean over firms (firm = -1) per quarter."""
    out = firms[["step", "firm", *cols]]
    if how == "mean":
        out = out.groupby("step", as_index=False)[cols].mean()
        out.insert(1, "firm", -1)
    return out.astype({"firm": "int32"})


def _record(task: Task, status: str, error: str, attempts: int, duration: float, chash: str | None) -> dict[str, Any]:
    return {
        "run_id": task.run_id,
        "point": task.point,
        "rep": task.rep,
        "seed": task.seed,
        "spawn_key": [task.point, task.rep],
        "status": status,
        "error": error,
        "attempts": attempts,
        "duration": round(duration, 4),
        "config_hash": chash,
        "code_version": run_io.code_version(),  # of the process that ran it (a Dask worker's own)
        "factors": task.factors,
        "overrides": task.overrides,
        **({"posterior": task.posterior} if task.posterior else {}),
    }


def posterior_columns(drawn: dict[str, Any]) -> dict[str, Any]:
    """A run's posterior draw as runs-table columns ``posterior_<param>``."""
    return {f"posterior_{k}": v for k, v in drawn.items()}


def run_chunk(job: Job, tasks: list[Task]) -> list[tuple[dict[str, Any], dict[str, Any] | None, Any]]:
    """Run a chunk of tasks in one worker call."""
    return [run_task(job, t) for t in tasks]


# -- executors -----------------------------------------------------------------------------------


class SerialExecutor(Executor):
    """Runs every call at submit time, in this process."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as err:
            fut.set_exception(err)
        return fut


@contextlib.contextmanager
def executor(workers: int = 1, scheduler: str | None = None) -> Iterator[tuple[Executor, str]]:
    """An executor and its description: serial (1 worker), process pool (N), or Dask (``scheduler``)."""
    if scheduler is not None:
        from orgsim.extras import require

        require("experiments", "distributed", what="--scheduler")
        import logging

        from distributed import Client, LocalCluster

        logging.getLogger("distributed").setLevel(logging.ERROR)
        if scheduler == "local":
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
            desc = f"dask LocalCluster ({workers} workers)"
        else:
            cluster = None
            try:
                client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as err:
                raise ConfigError(f"--scheduler {scheduler}: cannot connect: {_one_line(err)}") from None
            n = len(client.scheduler_info().get("workers", {}))
            desc = f"dask scheduler {scheduler} ({n} workers)"
        try:
            yield client.get_executor(pure=False), desc
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    elif workers > 1:
        pool = ProcessPoolExecutor(workers, mp_context=get_context("forkserver"))
        try:
            yield pool, f"{workers} processes"
        finally:  # on an interrupt: drop the queued chunks, wait only for the running ones
            pool.shutdown(wait=True, cancel_futures=True)
    else:
        yield SerialExecutor(), "serial"


# -- planning ------------------------------------------------------------------------------------


@dataclass
class Plan:
    spec: ex.Spec
    base: ScenarioConfig
    design: ex.DesignTable
    meta: dict[str, Any]
    posterior: Any = None  # orgsim.calibration.posterior.Posterior, or None
    #: parameters a posterior draw leaves alone besides the factors: those the scenario file and the
    #: spec's fixed settings set (they define the experiment, as the factors do)
    kept: tuple[str, ...] = ()

    @property
    def n_runs(self) -> int:
        return len(self.design) * self.spec.replications

    def tasks(self) -> Iterator[Task]:
        for point, (stored, over) in enumerate(zip(self.design.stored, self.design.overrides, strict=True)):
            for rep in range(self.spec.replications):
                seed = ex.run_seed(self.spec.master_seed, point, rep)
                drawn: dict[str, Any] = {}
                if self.posterior is not None:
                    from orgsim.calibration import posterior as post

                    # the draw depends on the run's seed only: same on resume, any executor or worker count
                    drawn = post.applied(post.run_draw(self.posterior, seed), [*over, *self.kept])
                yield Task(ex.run_id(point, rep), point, rep, seed, {**drawn, **over}, stored, drawn)


def plan(spec_path: str | Path | ex.Spec, posterior: str | Path | None = None) -> Plan:
    """Load a spec and expand its design; the meta record identifies the sweep (spec hash).

    ``spec_path`` is a spec file or a :class:`~orgsim.experiments.design.Spec` built in code (checked
    like a file's, its scenario a name or an absolute path). ``posterior``: a calibration posterior
    (:func:`orgsim.calibration.posterior.load`) every run draws its parameters from, under the
    design's factors (a factor wins over the posterior for its parameter).
    """
    import orgsim

    if isinstance(spec_path, ex.Spec):
        spec, origin = spec_path, f"spec {spec_path.name!r}"
        ex.check_spec(spec, origin)
    else:
        spec, origin = ex.load_spec(spec_path), str(spec_path)
    base = ex.base_config(spec, origin)
    design = ex.expand(spec)
    spec_json = spec.model_dump(mode="json")
    base_json = base.model_dump(mode="json")
    spec_hash = config_hash({"spec": spec_json, "base": base_json})
    factors = []
    for f in spec.factors:
        entry: dict[str, Any] = {"name": f.param, "parameter": f.name, "role": f.role}
        if f.values is not None:
            entry["values"] = [ex.storable(v) for v in f.values]
        if f.range is not None:
            entry["range"] = list(f.range)
        if f.labels is not None:
            entry["labels"] = list(f.labels)
        factors.append(entry)
    d = spec.design
    meta = {
        "name": spec.name,
        "description": spec.description,
        "spec": spec_json,
        "spec_hash": spec_hash,
        "base_config": base_json,
        "base_config_hash": config_hash(base_json),
        "design": {
            "kind": d.kind,
            "samples": d.samples,
            "second_order": d.second_order,
            "levels": d.levels,
            "seed": spec.master_seed % 2**32 if d.seed is None else d.seed,
            "problem": design.problem,
        },
        "factors": factors,
        "factor_names": spec.factor_names,
        "levers": [f.param for f in spec.factors if f.role == "lever"],
        "uncertainties": [f.param for f in spec.factors if f.role == "uncertainty"],
        "outcomes": spec.outcomes,
        "series": list(spec.outputs.series),
        "series_firms": spec.outputs.series_firms,
        "replications": spec.replications,
        "master_seed": spec.master_seed,
        "n_points": len(design),
        "n_runs": len(design) * spec.replications,
        "orgsim_version": orgsim.__version__,
        "git_commit": git_commit(),
        "versions": package_versions(),
        "created": _now(),
    }
    post, kept = None, ()
    if posterior is not None:
        from orgsim.calibration import posterior as posterior_module

        post = posterior_module.load(posterior)
        factors_leaf = {posterior_module.leaf(f.name) for f in spec.factors}
        kept = (*posterior_module.scenario_sets(spec.scenario), *spec.settings)
        kept_leaf = {posterior_module.leaf(k) for k in kept} - factors_leaf
        meta["posterior"] = {
            **post.describe(),
            "applied": [n for n in post.names if posterior_module.leaf(n) not in factors_leaf | kept_leaf],
            "overridden_by_factors": [n for n in post.names if posterior_module.leaf(n) in factors_leaf],
            "kept_by_scenario": [n for n in post.names if posterior_module.leaf(n) in kept_leaf],
        }
    return Plan(spec, base, design, meta, post, tuple(kept))


def design_frame(p: Plan) -> Any:
    import pandas as pd

    df = pd.DataFrame(p.design.stored, columns=p.design.columns)
    df.insert(0, "point", range(len(df)))
    return df


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def auto_chunk(todo: int, workers: int) -> int:
    """Runs per chunk: about eight chunks per worker, at most 50 runs, at least 1."""
    return max(1, min(50, math.ceil(todo / (max(workers, 1) * 8))))


# -- running -------------------------------------------------------------------------------------


@dataclass
class Report:
    """What a sweep invocation did."""

    total: int
    skipped: int = 0
    ok: int = 0
    failed: int = 0
    wall: float = 0.0
    executor: str = ""
    failed_in_store: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.ok + self.failed

    @property
    def rate(self) -> float:
        return self.done / self.wall if self.wall > 0 else 0.0


def sweep(
    spec_path: str | Path | ex.Spec,
    out: str | Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    chunk: int | None = None,
    retries: int = 0,
    retry_failed: bool = False,
    resume: bool = False,
    limit: int | None = None,
    allow_code_change: bool = False,
    progress: Callable[[int, int], None] | None = None,
    posterior: str | Path | None = None,
) -> Report:
    """Run (or resume) a sweep into the store ``out`` (``spec_path``: a spec file or a ``Spec`` built in code).

    Runs recorded ``ok`` are never rerun; runs recorded ``failed`` are rerun only with
    ``retry_failed``. ``resume=True`` requires ``out`` to hold this sweep already. ``limit`` stops
    after that many new runs (a partial sweep, resumable like an interrupted one). Adding runs to a
    store whose recorded runs were made by other code (another commit, uncommitted edits or orgsim
    version: :func:`orgsim.io.code_version`) is refused unless ``allow_code_change``; every run
    records its code version (the ``code_version`` column of :func:`orgsim.load`).

    Nothing is written before the folder, the code version and the executor (a Dask scheduler's
    connection) are checked; a store this call created is removed again if it fails before
    recording a run.

    ``posterior`` (a calibration posterior, :func:`orgsim.calibration.posterior.load`): every run
    draws the parameters the design does not vary from it, seeded by the run's seed; the draws go
    into the runs table as ``posterior_<param>`` columns. A store is resumed only with the same
    posterior (by content hash).
    """
    p = plan(spec_path, posterior)
    out = Path(out)
    store = Store(out)
    resuming = store.check(p.meta)  # read-only: another sweep or a foreign folder is refused here
    if resume and not resuming:
        raise OutputError(f"{out}: nothing to resume (not an experiment store)")
    now = run_io.code_version()
    reps = p.spec.replications
    if resuming:
        status = status_array(out, len(p.design), reps)
        wanted = (status == MISSING) | ((status == FAILED) if retry_failed else False)
        others = sorted(v for v in code_versions(out) if v != now)
        if others and wanted.any() and not allow_code_change:
            raise OutputError(
                f"{out}: its runs were made by other code ({', '.join(others)}; this is {now}); "
                "pass --allow-code-change to add runs of this code to it (orgsim.load's code_version column "
                "tells them apart) or choose another --out"
            )
    existed = out.exists()
    session = {
        "started": _now(),
        "orgsim_version": p.meta["orgsim_version"],
        "git_commit": p.meta["git_commit"],
        "code_version": now,
        "versions": p.meta["versions"],
        "executor": "dask" if scheduler else ("processes" if workers > 1 else "serial"),
        "workers": workers,
        "argv": sys.argv[1:],
    }
    report = Report(total=p.n_runs)
    job = Job(p.base, tuple(p.spec.outcomes), tuple(p.spec.outputs.series), p.spec.outputs.series_firms, retries)
    start = time.perf_counter()
    with (
        executor(workers, scheduler) as (pool, desc),
        _removed_on_failure(store, created=not resuming, existed=existed),
    ):
        # the executor is up (a scheduler connected): only now is the store created or resumed
        status = store.open(p.meta, design_frame(p), session)  # one byte per run
        wanted = (status == MISSING) | ((status == FAILED) if retry_failed else False)
        n_todo = int(wanted.sum()) if limit is None else min(int(wanted.sum()), limit)
        todo = itertools.islice(
            (t for t in p.tasks() if wanted[t.point * reps + t.rep]), n_todo
        )  # lazily: memory stays flat
        report.skipped = p.n_runs - n_todo
        report.executor = desc
        size = chunk or auto_chunk(n_todo, workers)
        it = (list(c) for c in itertools.batched(todo, size))
        window = max(2, 2 * workers)
        pending: dict[Future, list[Task]] = {}
        if progress:
            progress(0, n_todo)

        def fill() -> None:
            while len(pending) < window:
                nxt = next(it, None)
                if nxt is None:
                    return
                pending[pool.submit(run_chunk, job, nxt)] = nxt

        fill()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                tasks = pending.pop(fut)
                try:
                    results = fut.result()
                except Exception as err:  # the worker itself died: record the chunk's runs as failed
                    results = [
                        (_record(t, "failed", f"worker lost: {_one_line(err)}", 1, 0.0, None), None, None)
                        for t in tasks
                    ]
                _store_chunk(store, results, bool(job.series))
                for rec, _, _ in results:
                    if rec["status"] == "ok":
                        report.ok += 1
                    else:
                        report.failed += 1
                        report.failures.append((rec["run_id"], rec["error"]))
                if progress:
                    progress(report.done, n_todo)
            fill()
    report.wall = time.perf_counter() - start
    report.failed_in_store = int((status_array(out, len(p.design), reps) == FAILED).sum())
    return report


@contextlib.contextmanager
def _removed_on_failure(store: Store, created: bool, existed: bool) -> Iterator[None]:
    """Remove the store this sweep created if the sweep fails before it records a single run.

    A store that existed before (resumed) is never touched; a folder that existed empty is emptied again.
    """
    try:
        yield
    except BaseException:
        if created and store.path.is_dir() and not (store.path / MANIFEST).exists():
            import shutil

            if existed:
                for entry in store.path.iterdir():
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            else:
                shutil.rmtree(store.path, ignore_errors=True)
        raise


def _store_chunk(store: Store, results: list[tuple[dict[str, Any], Any, Any]], keep_series: bool) -> None:
    import pandas as pd

    records = [dict(rec) for rec, _, _ in results]
    rows = [row for _, row, _ in results if row is not None]
    if rows:
        stem = rows[0]["run_id"]
        part = store.write_part("runs", pd.DataFrame(rows), stem)
        series_part = None
        if keep_series:
            frames = [s for _, _, s in results if s is not None]
            series_part = store.write_part("series", pd.concat(frames, ignore_index=True), stem)
        for rec in records:
            if rec["status"] == "ok":
                rec["part"] = part
                if series_part:
                    rec["series_part"] = series_part
    store.record(records)


# -- replay --------------------------------------------------------------------------------------


def replay(path: str | Path, run_id: str, executives: bool = False) -> tuple[Any, bool, str]:
    """Rerun one run of a store from its manifest record; check it reproduces the stored outputs.

    Returns ``(Results, reproduced, message)``; ``executives`` also builds the executives table.
    """
    import numpy as np

    from orgsim.api import simulate
    from orgsim.experiments.store import load as load_table
    from orgsim.scenario.files import load
    from orgsim.scenario.schema import validate

    meta = read_meta(path)
    rec = find_record(path, run_id)
    if rec is None:
        known = sorted(run_state(path))
        hint = f" (runs: {known[0]} .. {known[-1]})" if known else " (the store has no runs yet)"
        raise OutputError(f"{path}: no run {run_id!r}{hint}")
    base = validate(meta["base_config"], f"{path}/_sweep.json")
    cfg = load(base, rec["overrides"])
    res = simulate(cfg, int(rec["seed"]), run_id=run_id, executives=executives)
    if rec["status"] != "ok":
        return res, False, f"{run_id} was recorded as failed ({rec['error']}); it ran now without error"
    problems = []
    if rec.get("config_hash") and config_hash(cfg) != rec["config_hash"]:
        problems.append("configuration hash differs")
    row = load_table(path, run_ids=[run_id]).iloc[0]
    diff = [
        k
        for k in meta["outcomes"]
        if not np.array_equal(np.float64(row[k]), np.float64(res.outcomes[k]), equal_nan=True)
    ]
    if diff:
        problems.append(f"outcomes differ: {', '.join(diff)}")
    n_series = 0
    if meta["series"]:
        stored = load_table(path, "series", run_ids=[run_id])
        cols = meta["series"]
        firms = series_table(res.firms, cols, meta["series_firms"])
        n_series = len(cols)
        if len(firms) != len(stored) or not all(
            np.array_equal(stored[c].to_numpy(dtype=float), firms[c].to_numpy(dtype=float)) for c in cols
        ):
            problems.append("time series differ")
    if problems:
        versions = ""
        made_by, now = record_code_versions(path).get(run_id), run_io.code_version()
        if made_by and made_by != now:
            versions = f" (made by code {made_by}, this is {now})"
        return res, False, f"{run_id} does not reproduce: {'; '.join(problems)}{versions}"
    tail = f" and {n_series} series" if n_series else ""
    return res, True, f"{run_id} reproduces: {len(meta['outcomes'])} outcomes{tail} identical (seed {rec['seed']})"


def describe(path: str | Path) -> str:
    """One paragraph on a store: name, design, runs ok / failed / missing."""
    meta = read_meta(path)
    recs = run_state(path)
    ok = sum(st[0] == "ok" for st in recs.values())
    failed = len(recs) - ok
    missing = meta["n_runs"] - len(recs)
    design = read_design(path)
    text = (
        f"{meta['name']}: {meta['design']['kind']} design, {len(design)} points x {meta['replications']} "
        f"replications = {meta['n_runs']} runs; {ok} ok, {failed} failed, {missing} missing"
    )
    versions = code_versions(path)
    if len(versions) > 1:  # mixed on purpose (--allow-code-change): say so every time
        text += "; ok runs by code version: " + ", ".join(f"{v} {n}" for v, n in sorted(versions.items()))
    return text
