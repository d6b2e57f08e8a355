"""orgsim's performance benchmarks, all in one run: ``python benchmarks/run.py`` (or ``make bench``).

Writes docs/PERFORMANCE.md (and a JSON of the raw numbers beside it). ``--quick`` runs every
measurement at tiny sizes (the smoke test uses it); ``--out`` chooses the Markdown file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import references  # noqa: E402

from orgsim.model.customers import ChoiceInputs, Customers  # noqa: E402
from orgsim.scenario.files import load  # noqa: E402

FIRMS, DEGREE = 8, 10
GIB = 1024**3


# -- sizes ------------------------------------------------------------------------------------
@dataclass
class Sizes:
    market_n: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    market_quarters: dict[int, int] = field(default_factory=lambda: {10_000: 200, 100_000: 40, 1_000_000: 10})
    mesa_n: int = 5_000
    mesa_quarters: int = 3
    repeats: int = 3
    baseline_repeats: int = 7
    import_repeats: int = 5
    big_n: int = 1_000_000
    scaling_n: tuple[int, ...] = (10_000, 30_000, 100_000, 300_000, 1_000_000)
    batch_runs: int = 64  # runs take ~0.04 s: enough of them that the pool's per-task latency is not the measure
    batch_chunk: int = 8
    batch_overrides: dict[str, Any] = field(default_factory=dict)
    sweep_runs: tuple[int, int] = (16, 240)  # runs take ~0.04 s: long enough that the marginal rate is a rate
    sweep_settings: str = ""
    dashboard: bool = True
    install: bool = True  # section j: make run on a fresh clone
    # section k: a short ABC-SMC, at the real calibration's market size and replications (docs/CALIBRATION.md)
    abc_population: int = 40
    abc_generations: int = 2
    abc_rounds: int = 1  # calibrations per executor, alternately (1, 2, 2, 1, ...); the best of each is reported
    abc_reps: int = 2
    abc_customers: int = 5_000
    abc_steps: int | None = None  # the scenario's 40 quarters


QUICK = Sizes(
    market_n=(500, 2_000),
    market_quarters={500: 5, 2_000: 3},
    mesa_n=300,
    mesa_quarters=2,
    repeats=1,
    baseline_repeats=1,
    import_repeats=1,
    big_n=2_000,
    scaling_n=(500, 1_000, 2_000),
    batch_runs=4,
    batch_chunk=2,
    batch_overrides={"customers": 500, "steps": 4},
    sweep_runs=(2, 6),
    sweep_settings="customers = 500\nsteps = 4",
    dashboard=False,
    install=False,
    abc_population=10,
    abc_reps=1,
    abc_customers=300,
    abc_steps=8,
)


# -- helpers ----------------------------------------------------------------------------------
def machine_info() -> dict[str, str]:
    import mesa

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    except OSError:
        pass
    try:
        import numba

        numba_v = numba.__version__
    except ImportError:
        numba_v = "not installed"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "CPU": cpu,
        "cores (os.cpu_count)": str(os.cpu_count()),
        "cores usable (sched_getaffinity)": str(len(os.sched_getaffinity(0))),
        "RAM": ram,
        "Python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "numba": numba_v,
        "platform": platform.platform(),
        "git commit": commit or "unknown",
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "load average (1, 5, 15 min) at the start": ", ".join(f"{v:.2f}" for v in os.getloadavg()),
    }


def timed(fn: Callable[[], Any], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def baseline_inputs() -> tuple[ChoiceInputs, dict[str, Any]]:
    """The baseline's choice inputs at its pressure, with distinct firms (no ties between them)."""
    cfg = load("baseline")
    mk, fp = cfg.market, cfg.firm
    pressure = 0.3
    spread = np.linspace(-0.1, 0.1, FIRMS)
    x = ChoiceInputs(
        quality=fp.quality_start + spread,
        experience=fp.experience_start - 0.7 * spread,
        analytics=fp.analytics_start + 0.5 * spread[::-1],
        pressure=pressure,
        beta_quality=mk.beta_quality,
        beta_experience=mk.beta_experience,
        beta_personalisation=mk.beta_personalisation,
        beta_word_of_mouth=mk.beta_word_of_mouth,
        switching_cost=mk.switching_cost * (1.0 - pressure),
        experience_weight_floor=mk.experience_weight_floor,
        reconsider=min(1.0, mk.reconsider_base + mk.reconsider_pressure * pressure),
    )
    net = dict(rewiring=mk.network_rewiring, taste_mean=mk.taste_mean, taste_concentration=mk.taste_concentration)
    return x, net


def make_customers(n: int, seed: int = 1) -> Customers:
    _, net = baseline_inputs()
    return Customers(
        n, FIRMS, DEGREE, net["rewiring"], net["taste_mean"], net["taste_concentration"], np.random.default_rng(seed)
    )


def py(code: str, env: dict[str, str] | None = None) -> str:
    """Run Python code in a fresh interpreter of this venv; return its stdout (last line)."""
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    return res.stdout.strip().splitlines()[-1]


# -- a. the market step -----------------------------------------------------------------------
def bench_market(s: Sizes) -> dict[str, Any]:
    x, _ = baseline_inputs()
    rows = []

    def orgsim_rate(n: int, quarters: int) -> float:
        c = make_customers(n)
        rng = np.random.default_rng(2)
        c.choose(x, rng)  # warm-up (compilation, caches)
        best = min(timed(lambda: [c.choose(x, rng) for _ in range(quarters)], s.repeats))
        return n * quarters / best

    def fused_rate(n: int, quarters: int) -> float:
        c = make_customers(n)
        fm = references.FusedMarket(c.brand, c.taste, c.indptr, c.indices, x, seed=2)
        fm.step()
        best = min(timed(lambda: [fm.step() for _ in range(quarters)], s.repeats))
        return n * quarters / best

    def mesa_rate(n: int, quarters: int) -> float:
        c = make_customers(n)
        mm = references.MesaMarket(c.brand, c.taste, c.indptr, c.indices, x, rng=2)
        best = min(timed(lambda: [mm.step() for _ in range(quarters)], max(1, s.repeats - 1)))
        return n * quarters / best

    mesa = mesa_rate(s.mesa_n, s.mesa_quarters)
    rows.append({"implementation": "plain Mesa (reference i)", "N": s.mesa_n, "rate": mesa})
    q_small = max(s.mesa_quarters * 10, 20)
    rows.append({"implementation": "orgsim", "N": s.mesa_n, "rate": orgsim_rate(s.mesa_n, q_small)})
    rows.append({"implementation": "fused numba (reference ii)", "N": s.mesa_n, "rate": fused_rate(s.mesa_n, q_small)})
    for n in s.market_n:
        q = s.market_quarters[n]
        rows.append({"implementation": "orgsim", "N": n, "rate": orgsim_rate(n, q)})
        rows.append({"implementation": "fused numba (reference ii)", "N": n, "rate": fused_rate(n, q)})
    big = max(s.market_n)
    org_big = next(r["rate"] for r in rows if r["implementation"] == "orgsim" and r["N"] == big)
    fused_big = next(r["rate"] for r in rows if r["implementation"].startswith("fused") and r["N"] == big)
    return {
        "rows": rows,
        "n_top": big,
        "orgsim_top": org_big,
        "fused_top": fused_big,
        "mesa": mesa,
        "vs_mesa": org_big / mesa,
        "vs_fused": org_big / fused_big,
        "reconsider": x.reconsider,
    }


# -- b. baseline and import -------------------------------------------------------------------
def bench_baseline(s: Sizes) -> dict[str, Any]:
    from orgsim import simulate
    from orgsim.model.market import Market

    over = s.batch_overrides
    simulate("baseline", seed=1, **over)  # warm-up
    sim = timed(lambda: simulate("baseline", seed=1, **over), s.baseline_repeats)
    mod = timed(lambda: Market("baseline", rng=1, **over).run(), s.baseline_repeats)
    imports = {}
    for mod_name in ("orgsim", "orgsim.model.market"):
        code = f"import time; t = time.perf_counter(); import {mod_name}; print(time.perf_counter() - t)"
        vals, walls = [], []
        for _ in range(s.import_repeats):
            t = time.perf_counter()
            vals.append(float(py(code)))
            walls.append(time.perf_counter() - t)
        imports[mod_name] = {"import": statistics.median(vals), "process": statistics.median(walls)}
    return {
        "simulate_median": statistics.median(sim),
        "simulate_min": min(sim),
        "model_median": statistics.median(mod),
        "model_min": min(mod),
        "imports": imports,
        "repeats": s.baseline_repeats,
    }


# -- c. a million customers ---------------------------------------------------------------------
def bench_big(s: Sizes) -> dict[str, Any]:
    code = (
        "import resource, time, json\n"
        "t0 = time.perf_counter()\n"
        "import orgsim.model.market\n"
        "from orgsim import simulate\n"
        "t1 = time.perf_counter()\n"
        f"r = simulate('baseline', seed=1, customers={s.big_n})\n"
        "t2 = time.perf_counter()\n"
        "print(json.dumps({'import': t1 - t0, 'run': t2 - t1, 'maxrss_kib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))"
    )
    t = time.perf_counter()
    out = json.loads(py(code))
    out["process"] = time.perf_counter() - t
    out["peak_rss_gib"] = out["maxrss_kib"] * 1024 / GIB
    return out


# -- d. scaling -------------------------------------------------------------------------------
def _scaling_timings(sizes: list[int], quick: bool) -> list[dict[str, Any]]:
    """Section d's timings (run in a fresh interpreter by bench_scaling)."""
    from orgsim import simulate
    from orgsim.model.market import Market

    simulate("baseline", seed=1, customers=sizes[0])
    rows = []
    for n in sizes:
        # minimum of several timings: small sizes take milliseconds and the machine is shared
        reps = 1 if quick else (15 if n <= 30_000 else 7 if n <= 100_000 else 3 if n <= 300_000 else 2)
        whole = min(timed(lambda n=n: simulate("baseline", seed=1, customers=n), reps))
        model = min(timed(lambda n=n: Market("baseline", rng=1, customers=n).run(), reps))
        rows.append({"N": n, "seconds": whole, "model_seconds": model})
    return rows


def bench_scaling(s: Sizes) -> dict[str, Any]:
    """Time against N, in a fresh interpreter (as a user's process; not after sections a-c's objects)."""

    def slopes(n: np.ndarray, secs: np.ndarray) -> tuple[float, float]:
        every = float(np.polyfit(np.log(n), np.log(secs), 1)[0])
        big = n >= n.max() / 10 if len(n) > 2 else np.ones(len(n), dtype=bool)
        return every, float(np.polyfit(np.log(n[big]), np.log(secs[big]), 1)[0])

    code = (
        f"import json, sys; sys.path.insert(0, {str(HERE)!r}); import run as bench\n"
        f"print(json.dumps(bench._scaling_timings({list(s.scaling_n)!r}, {s.repeats == 1!r})))"
    )
    rows = json.loads(py(code))
    n = np.array([r["N"] for r in rows], dtype=float)
    slope_all, slope_big = slopes(n, np.array([r["seconds"] for r in rows]))
    model_all, model_big = slopes(n, np.array([r["model_seconds"] for r in rows]))
    big = n >= n.max() / 10 if len(n) > 2 else np.ones(len(n), dtype=bool)
    return {
        "rows": rows,
        "slope_all": slope_all,
        "slope_big": slope_big,
        "model_slope_all": model_all,
        "model_slope_big": model_big,
        "big_sizes": [int(v) for v in n[big]],
    }


# -- e. batch throughput ----------------------------------------------------------------------
def _run_one(seed: int, overrides: dict[str, Any]) -> dict[str, float]:
    import orgsim

    return orgsim.run(dict(overrides), seed)


def run_chunk(seeds: list[int], overrides: dict[str, Any]) -> list[dict[str, float]]:
    """A chunk of runs in one task (for process pools and Dask)."""
    return [_run_one(seed, overrides) for seed in seeds]


def _warm_worker(_: object = None) -> int:
    """Import orgsim and run a tiny model (loads the compiled kernels); hold the worker a moment so
    that each of the pool's workers takes one of these tasks."""
    import orgsim

    orgsim.run({"customers": 200, "steps": 6}, 0)  # past a budget round: every compiled loop loaded
    time.sleep(0.5)
    return os.getpid()


def bench_batch(s: Sizes) -> dict[str, Any]:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from orgsim.model.market import Market

    seeds = list(range(s.batch_runs))
    over = s.batch_overrides
    chunks = [seeds[i : i + s.batch_chunk] for i in range(0, len(seeds), s.batch_chunk)]
    res: dict[str, Any] = {"runs": len(seeds), "chunk": s.batch_chunk}

    _run_one(0, over)  # warm
    t = time.perf_counter()
    serial = run_chunk(seeds, over)
    res["serial"] = time.perf_counter() - t
    # per-run overhead: orgsim.run (scenario loading, tables, outcomes) against the bare model,
    # interleaved seed by seed so that the machine's noise hits both alike
    t_run, t_model = [], []
    for seed in seeds:
        t = time.perf_counter()
        _run_one(seed, over)
        t_run.append(time.perf_counter() - t)
        t = time.perf_counter()
        Market("baseline", rng=seed, **over).run()
        t_model.append(time.perf_counter() - t)
    res["run_median"], res["model_median"] = statistics.median(t_run), statistics.median(t_model)
    res["model_only"] = sum(t_model)

    # process pool: start-up measured separately from the warmed batch
    t = time.perf_counter()
    with ProcessPoolExecutor(2, mp_context=get_context("forkserver")) as pool:
        res["pool_pids"] = len(set(pool.map(_warm_worker, range(2))))
        res["pool_startup"] = time.perf_counter() - t
        t = time.perf_counter()
        pooled = [r for chunk in pool.map(run_chunk, chunks, [over] * len(chunks)) for r in chunk]
        res["pool"] = time.perf_counter() - t
    res["pool_same_results"] = pooled == serial

    # Dask LocalCluster, chunked client.map
    old_path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE), old_path) if p)  # workers import this module
    try:
        from dask.distributed import Client, LocalCluster

        t = time.perf_counter()
        with (
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
            Client(cluster) as client,
        ):
            client.run(_warm_worker)  # import orgsim and load the kernels in both workers
            res["dask_startup"] = time.perf_counter() - t
            t = time.perf_counter()
            futs = client.map(run_chunk, chunks, overrides=over, pure=False)
            dasked = [r for chunk in client.gather(futs) for r in chunk]
            res["dask"] = time.perf_counter() - t
        res["dask_same_results"] = dasked == serial
    except ImportError:
        res["dask"] = None
    finally:
        if old_path is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old_path

    # mesa.batch_run on the same runs (it forces the "spawn" start method: run it in a subprocess)
    for procs in (1, 2):
        code = (
            "import time, json, warnings\n"
            "import mesa, orgsim.model.market\n"
            "warnings.simplefilter('ignore')\n"
            f"over = {over!r}\n"
            "t = time.perf_counter()\n"
            f"out = mesa.batch_run(orgsim.model.market.Market, parameters={{'scenario': 'baseline', **over}}, number_processes={procs}, rng={seeds!r}, max_steps=10_000, display_progress=False)\n"
            "print(json.dumps({'wall': time.perf_counter() - t, 'rows': len(out)}))"
        )
        out = json.loads(py(code, env={"PYTHONPATH": str(HERE)}))
        res[f"batch_run_{procs}"] = out["wall"]
    return res


# -- g. orgsim sweep: the experiment runner with its store ------------------------------------
SWEEP_SPEC = """
name = "bench"
scenario = "baseline"
master_seed = 1
replications = {reps}
[settings]
{settings}
[[factors]]
name = "shadow_it_cap"
role = "lever"
values = [0.1]
"""


def bench_sweep(s: Sizes) -> dict[str, Any]:
    """`orgsim.experiments.sweep.sweep` end to end (spec, executor, store writes) on the baseline, per executor.

    Each executor runs a small and a large sweep in fresh stores; the whole-invocation rate
    includes the executor's start-up, the marginal rate (large - small runs over the time
    difference) is what a long sweep sees.
    """
    import tempfile

    from orgsim.experiments.store import load as load_store
    from orgsim.experiments.sweep import sweep

    small, large = s.sweep_runs
    res: dict[str, Any] = {"small": small, "large": large, "executors": {}}
    executors = {
        "serial": {"workers": 1},
        "2 processes": {"workers": 2},
        "Dask LocalCluster (2 workers)": {"workers": 2, "scheduler": "local"},
    }
    tables = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, kw in executors.items():
            walls = {}
            for n in (small, large):
                spec = Path(tmp) / f"spec{n}.toml"
                spec.write_text(SWEEP_SPEC.format(reps=n, settings=s.sweep_settings))
                out = Path(tmp) / f"{name.split()[0]}-{n}"
                rep = sweep(spec, out, **kw)
                assert rep.ok == n, (name, rep)
                walls[n] = rep.wall
                if n == large:
                    tables[name] = load_store(out)
            res["executors"][name] = {
                "wall_large": walls[large],
                "rate_whole": large / walls[large],
                "rate_marginal": (large - small) / (walls[large] - walls[small])
                if walls[large] > walls[small]
                else float("nan"),
            }
    ref = tables["serial"]
    res["same_results"] = {k: bool(v.equals(ref)) for k, v in tables.items()}
    return res


# -- h. the dashboard in a browser: first chart, step plus chart refresh -----------------------
def bench_dashboard(s: Sizes) -> dict[str, Any]:
    """Run the browser test (solara run + Chromium driven by Playwright) and read the timings it
    writes: the first chart after opening the page, and steps with their chart refresh."""
    import tempfile

    if not s.dashboard:
        return {"error": "not run at --quick sizes (the test suite runs the browser test itself)"}
    browser = subprocess.run(
        [sys.executable, "-m", "orgsim.dashboard.browser", "--install", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    if browser.returncode != 0:
        return {"error": browser.stderr.strip() or "no Chromium"}

    with tempfile.TemporaryDirectory() as shots:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_dashboard_browser.py"],
            cwd=ROOT,
            env={**os.environ, "ORGSIM_SCREENSHOTS": shots},
            capture_output=True,
            text=True,
            timeout=900,
        )
        timing = Path(shots) / "timing.json"
        if proc.returncode != 0 or not timing.is_file():
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
            return {"error": " / ".join(tail) or f"exit {proc.returncode}"}
        return json.loads(timing.read_text())


def dashboard_rows(h: dict[str, Any]) -> list[str]:
    """Section h's rows of the targets table."""
    out: list[str] = []
    if "median_ms" in h:
        first = h.get("first_chart_s") or [float("nan")]
        out.append(
            f"| dashboard: first chart ≤ 3 s after opening the page (first visit after start-up, and later) | "
            f"{' s, '.join(f'{t:.1f}' for t in first)} s | {verdict(max(first) <= 3.0)} |"
        )
        out.append(
            f"| dashboard: step + chart refresh ≤ 150 ms median, ≤ 250 ms 95th percentile (baseline, browser) | "
            f"{h['median_ms']} ms median, {h.get('p95_ms', h['max_ms'])} ms p95 of {len(h['steps_ms'])} steps "
            f"(max {h['max_ms']} ms) | {verdict(h['median_ms'] <= 150 and h.get('p95_ms', h['max_ms']) <= 250)} |"
        )
    else:
        out.append(
            f"| dashboard: first chart ≤ 3 s; step + chart refresh ≤ 150 ms median, ≤ 250 ms p95 | "
            f"not measured: {h.get('error')} | **not met** |"
        )
    return out


def dashboard_section(h: dict[str, Any]) -> list[str]:
    """Section h's text (heading and paragraphs)."""
    out: list[str] = []
    out.append("## h. Dashboard: the first chart, a step plus the chart refresh in the browser")
    out.append("")
    if "median_ms" in h:
        first = h.get("first_chart_s") or []
        out.append(
            "The browser test (`tests/test_dashboard_browser.py`: `solara run app.py`, Chromium driven by "
            "Playwright, offline) opens the page and stops the clock when the Run page's chart is drawn at "
            f"quarter 0: {', '.join(f'{t:.2f}' for t in first)} s (the first visit after the server started, then "
            "a later visit with the page's files in the browser's cache). The server imports the pages and runs "
            "the compiled model once before it listens; the chart loads plotly.js's basic bundle (1.2 MB, about "
            "0.25 s to start in Chromium here; the full bundle that plotly's FigureWidget sends through the "
            "websocket on every visit is 4.8 MB and about 1.1 s)."
        )
        out.append("")
        out.append(
            f"It then clicks Step on the Run page and stops the clock when the quarter label and the run figure "
            f"(7 panels, one plotly.js chart redrawn with `Plotly.react`) have redrawn; {h['scenario']}. "
            f"Milliseconds per step: {', '.join(str(t) for t in h['steps_ms'])} (median {h['median_ms']}, 95th "
            f"percentile {h.get('p95_ms', '?')}, max {h['max_ms']}; load average during the test "
            f"{', '.join(str(x) for x in h['load_average'])}). On the server a step is about 1 ms of model, 0.2 ms "
            "reading its record and about 2 ms building and sending the figure (one message); the rest is the "
            "round trip and plotly.js redrawing the panels in Chromium (40-90 ms measured alone)."
        )
    else:
        out.append(f"Not measured: {h.get('error')}")
    return out


# -- j. install: `make run` on a fresh clone --------------------------------------------------
INSTALL_TARGETS = {"wall_s": 120.0, "venv_mib": 800.0}


def bench_install(s: Sizes) -> dict[str, Any]:
    """`make run` on a fresh `git clone` of this checkout's HEAD in a temporary folder, with an
    empty pip cache: the core install, the numba compile and the baseline run. Wall time and the
    size of the clone's .venv (du)."""
    import tempfile

    if not s.install:
        return {"error": "not run at --quick sizes"}
    python = getattr(sys, "_base_executable", None) or sys.executable
    with tempfile.TemporaryDirectory(prefix="orgsim-install-") as tmp:
        clone = Path(tmp) / "orgsim"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True, check=True
        ).stdout.strip()
        env = {**os.environ, "PIP_CACHE_DIR": str(Path(tmp) / "pip-cache")}
        env.pop("VIRTUAL_ENV", None)
        start = time.perf_counter()
        proc = subprocess.run(
            ["make", "run", f"PYTHON={python}"], cwd=clone, env=env, capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-2:]
            return {"error": " / ".join(tail) or f"make run: exit {proc.returncode}"}
        du = subprocess.run(["du", "-sk", str(clone / ".venv")], capture_output=True, text=True, check=True)
        venv_mib = int(du.stdout.split()[0]) / 1024
        out_lines = proc.stdout.strip().splitlines()
    return {
        "commit": commit,
        "wall_s": wall,
        "venv_mib": venv_mib,
        "python": python,
        "output_lines": len(out_lines),
        "first_lines": out_lines[:2],
        "last_line": out_lines[-1] if out_lines else "",
    }


def install_rows(j: dict[str, Any]) -> list[str]:
    """Section j's rows of the targets table."""
    if "wall_s" not in j:
        return [
            f"| `make run` on a fresh clone ≤ 2 min, `.venv` ≤ 800 MiB | not measured: {j.get('error')} | **not met** |"
        ]
    t, m = INSTALL_TARGETS["wall_s"], INSTALL_TARGETS["venv_mib"]
    return [
        f"| `make run` on a fresh clone ≤ 2 min (core install, compile, baseline) | {j['wall_s']:.0f} s | "
        f"{verdict(j['wall_s'] <= t)} |",
        f"| … its `.venv` ≤ 800 MiB (core only) | {j['venv_mib']:.0f} MiB | {verdict(j['venv_mib'] <= m)} |",
    ]


def install_section(j: dict[str, Any]) -> list[str]:
    """Section j's text."""
    out = ["## j. Install: `make run` on a fresh clone", ""]
    if "wall_s" not in j:
        out += [f"Not measured: {j.get('error')}", ""]
        return out
    out.append(
        f"`git clone` of this checkout's HEAD ({j['commit']}) into a temporary folder, then `make run` with an empty "
        f"pip cache (packages from the configured index): a venv, the core install (`pip install -e .`, no "
        f"extras), the numba compile of the model's loops and the baseline run with its charts took "
        f"{j['wall_s']:.0f} s; the clone's `.venv` holds {j['venv_mib']:.0f} MiB. The command printed "
        f"{j['output_lines']} lines, the run's summary last (`{j['last_line']}`). The dashboard (`make app`) and "
        "the test tools (`make test`) are extras installed on top (README, Set-up)."
    )
    out.append("")
    return out


# -- k. the calibration's throughput: ABC-SMC on 1 and 2 processes ----------------------------
def bench_abc(s: Sizes) -> dict[str, Any]:
    """A short real ABC-SMC (`orgsim.calibration.abc.run_abc`: pyabc, the batch sampler, the sweep's
    executors, an SQLite history in a temporary folder) on 1 and on 2 processes, in the same run,
    alternately (1, 2, 2, 1, ...). The warm rate counts the model runs after the first batch over the
    time from the end of that batch (run_abc's first progress report) to the end: the pool's start-up
    and each worker's first imports fall in the first batch, pyabc's own work in the main process
    (proposals, weights, the database) is included. The whole rate is every run over the whole call.
    Also: whether the two executors' posteriors are identical, and a reference measured right after:
    the same simulations without pyabc on 1 and 2 processes (what the machine offered two workers)."""
    import tempfile
    from functools import partial

    try:
        from orgsim.calibration import abc
        from orgsim.calibration.targets import CALIBRATION, evaluate_chunk
    except ImportError as err:
        return {"error": f"the calibration extra is not installed ({err.name}): pip install -e '.[calibration]'"}

    settings = abc.Settings(
        population=s.abc_population,
        generations=s.abc_generations,
        reps=s.abc_reps,
        customers=s.abc_customers,
        steps=s.abc_steps,
    )
    first_batch_runs = settings.batch_size * settings.reps
    # warm this process, where the one-process runs simulate: compiled loops loaded, modules imported
    evaluate_chunk(settings.scenario, tuple(t.name for t in CALIBRATION), [(abc.overrides({}, settings), [1])])
    res: dict[str, Any] = {
        "settings": settings.as_dict(),
        "load_start": list(os.getloadavg()),
        "bytecode_written": not sys.flags.dont_write_bytecode,  # else each worker compiles every module it imports
        "processes": {PROCS[w]: {"rounds": []} for w in (1, 2)},
    }
    order = [w for r in range(s.abc_rounds) for w in ((1, 2) if r % 2 == 0 else (2, 1))]
    posteriors: dict[int, list[Any]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="orgsim-bench-abc-") as tmp:
        for i, workers in enumerate(order):
            marks: list[float] = []
            t0 = time.perf_counter()
            run = abc.run_abc(
                settings, Path(tmp) / f"{i}-w{workers}.db", workers=workers, progress=partial(_mark, marks)
            )
            end = time.perf_counter()
            assert run.generations == settings.generations and marks, (workers, run.generations)
            warm_runs, warm_wall = run.counters.runs - first_batch_runs, end - marks[0]
            res["processes"][PROCS[workers]]["executor"] = run.executor
            res["processes"][PROCS[workers]]["rounds"].append(
                {
                    "wall": end - t0,
                    "runs": run.counters.runs,
                    "parameter_sets": run.counters.simulations,
                    "sim_seconds": run.counters.sim_seconds,
                    "warm_runs": warm_runs,
                    "warm_wall": warm_wall,
                    "rate_whole": run.counters.runs / (end - t0),
                    "rate_warm": warm_runs / warm_wall if warm_runs > 0 and warm_wall > 0 else float("nan"),
                }
            )
            posteriors[workers].append(abc.posterior(run.db))
    res["plain"] = _plain_pool_reference(abc, evaluate_chunk, settings, tuple(t.name for t in CALIBRATION))
    res["load_end"] = list(os.getloadavg())
    for v in res["processes"].values():  # the best round of each (the machine's load only slows a round down)
        for key in ("rate_warm", "rate_whole"):
            v[key] = max((r[key] for r in v["rounds"]), key=lambda x: -math.inf if math.isnan(x) else x)
    one, two = (res["processes"][PROCS[w]] for w in (1, 2))
    # the serial part of the 1-process run: pyabc's main-process work (its share bounds the 2-process gain)
    res["outside_simulation_share"] = min(1.0 - r["sim_seconds"] / r["wall"] for r in one["rounds"])
    res["speedup"] = {k: two[k] / one[k] for k in ("rate_warm", "rate_whole")}
    ref = posteriors[1][0]
    res["same_posterior"] = bool(
        len(ref) == settings.population and all(p.equals(ref) for p in posteriors[1] + posteriors[2])
    )
    return res


PROCS = {1: "1 process", 2: "2 processes"}


def _plain_pool_reference(abc: Any, evaluate_chunk: Any, settings: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The same simulations without pyabc: one batch's parameter sets (the scenario's values, seeds as
    the sampler's) in the sampler's chunks, in this process and on a warmed pool of 2 (the sweep's
    executor). Its 2/1 ratio is what the machine offered two workers at that moment."""
    from orgsim.experiments.sweep import executor

    n = settings.batch_size
    tasks = [
        (abc.overrides({}, settings), abc.particle_seeds(settings.master_seed, 0, i, settings.reps)) for i in range(n)
    ]
    size = max(1, math.ceil(n / (2 * 4)))  # BatchSampler's chunks for 2 workers
    chunks = [tasks[i : i + size] for i in range(0, n, size)]
    t = time.perf_counter()
    serial = [evaluate_chunk(settings.scenario, names, c) for c in chunks]
    one = time.perf_counter() - t
    with executor(2) as (pool, _):
        for f in [pool.submit(evaluate_chunk, settings.scenario, names, c) for c in chunks]:
            f.result()  # warm: start-up and each worker's first imports
        t = time.perf_counter()
        pooled = [f.result() for f in [pool.submit(evaluate_chunk, settings.scenario, names, c) for c in chunks]]
        two = time.perf_counter() - t
    runs = n * settings.reps
    return {
        "runs": runs,
        "rate_1": runs / one,
        "rate_2": runs / two,
        "speedup": one / two,
        "same": json.dumps(pooled) == json.dumps(serial),
    }


def _mark(marks: list[float], _message: str) -> None:
    """run_abc's progress callback: when each report came (the first: the end of the first batch)."""
    marks.append(time.perf_counter())


def abc_rows(k: dict[str, Any]) -> list[str]:
    """Section k's row of the targets table: the posterior's independence of the workers (the speed is
    recorded; the issue sets no figure for it)."""
    if "speedup" not in k:
        return [
            f"| calibration (ABC-SMC): the same posterior on 1 and 2 processes | not measured: {k.get('error')} | **not met** |"
        ]
    one, two = (k["processes"][PROCS[w]] for w in (1, 2))
    return [
        f"| calibration (ABC-SMC): the same posterior on 1 and 2 processes; runs/s recorded (no speed target) | "
        f"identical: {k['same_posterior']}; {one['rate_warm']:.1f} and {two['rate_warm']:.1f} runs/s "
        f"({k['speedup']['rate_warm']:.2f}×) | {verdict(k['same_posterior'])} |"
    ]


def abc_section(k: dict[str, Any]) -> list[str]:
    """Section k's text."""
    out = ["## k. Calibration throughput (ABC-SMC on 1 and 2 processes)", ""]
    if "speedup" not in k:
        return [*out, f"Not measured: {k.get('error')}", ""]
    st = k["settings"]
    steps = st["steps"] if st["steps"] is not None else "the scenario's 40"
    rounds = len(k["processes"][PROCS[1]]["rounds"])
    out.append(
        f"`orgsim.calibration.abc.run_abc` — pyabc's ABC-SMC with orgsim's batch sampler on the sweep's executors "
        f"(one process; a process pool of 2, forkserver), its SQLite history in a temporary folder — on the "
        f"{st['scenario']} scenario: population {st['population']}, {st['generations']} generations (after "
        f"pyabc's prior sample), batches of {st['batch'] or st['population']} proposals, {st['reps']} "
        f"replications of {st['customers']:,} customers × {steps} quarters per parameter set, master seed "
        f"{st['master_seed']}. "
        + (
            f"{rounds} calibrations per executor, alternately (1, 2, 2, 1, ...); the best of each is in the table. "
            if rounds > 1
            else "One calibration per executor, one process first. "
        )
        + "The warm rate counts the "
        "model runs after the first batch over the time from that batch's end (run_abc's first progress report) "
        "to the end of the call: the pool's start-up and the workers' first imports fall in the first batch; "
        "pyabc's own work in the main process (proposals, weights, the database) is included. The whole rate is "
        "every run over the whole call."
    )
    out += [
        "",
        "| executor | model runs | parameter sets | wall s | runs/s warm | runs/s whole | × 1 process (warm) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    one = k["processes"][PROCS[1]]
    for v in k["processes"].values():
        walls = ", ".join(f"{r['wall']:.1f}" for r in v["rounds"])
        r0 = v["rounds"][0]
        out.append(
            f"| {v['executor']} | {r0['runs']} | {r0['parameter_sets']} | {walls} | {v['rate_warm']:.1f} | "
            f"{v['rate_whole']:.1f} | {v['rate_warm'] / one['rate_warm']:.2f}× |"
        )
    sp = k["speedup"]
    f = k["outside_simulation_share"]
    out += [
        "",
        f"**2 processes / 1: {sp['rate_warm']:.2f}×** (warm), {sp['rate_whole']:.2f}× whole. The ratio is the "
        "number to read: both executors ran in this run, alternately, on a shared machine (load average "
        f"{', '.join(f'{x:.2f}' for x in k['load_start'])} at the start of the section, "
        f"{', '.join(f'{x:.2f}' for x in k['load_end'])} at its end; on 2 cores, anything else running takes "
        f"from the 2-process runs first). What stays serial bounds it: the one-process run spent {100 * f:.0f} % "
        "of its wall time outside the simulations (pyabc proposing, weighing and writing in the main process), "
        f"which two workers cannot halve (at most {1 / (f + (1 - f) / 2):.2f}× with two perfect workers), and "
        "each batch waits for its slowest chunk.",
    ]
    pl = k.get("plain")
    if pl:
        out += [
            "",
            f"Reference in the same run, without pyabc: one batch's {pl['runs']} model runs (the scenario's values) "
            f"in the sampler's chunks, {pl['rate_1']:.1f} runs/s in this process and {pl['rate_2']:.1f} on a "
            f"warmed pool of 2: **{pl['speedup']:.2f}×**, what the machine offered two workers at that moment "
            f"(results identical: {pl['same']}). Read the calibration's ratio against it: with the reference near "
            "2× the gap is pyabc's serial part and the batches' waits; well below 2×, the machine had no second "
            "core free and neither ratio measures orgsim.",
        ]
    if not k.get("bytecode_written", True):
        out += [
            "",
            "This run had `PYTHONDONTWRITEBYTECODE` set (no `__pycache__` written), so every new worker compiled the "
            "bytecode of every module it imported (Mesa, pandas, orgsim: seconds each); the whole rates carry that "
            "start-up, the warm ones do not.",
        ]
    out += [
        "",
        f"Posteriors (particles, weights, distances) identical on 1 and 2 processes in every round: "
        f"{k['same_posterior']}. The batch sampler proposes in the main process and accepts in proposal order, so "
        "the result does not depend on the number of workers (tests/test_abc.py checks it too).",
        "",
    ]
    return out


# -- f. cold and warm start of the compiled code ----------------------------------------------
def bench_jit(s: Sizes) -> dict[str, Any]:
    import tempfile

    probe = (
        "import time, json, sys\n"
        "t0 = time.perf_counter()\n"
        "import orgsim.model.market\n"
        "from orgsim import simulate\n"
        "t1 = time.perf_counter()\n"
        "simulate('baseline', seed=1, customers=2000, steps=2)\n"
        "t2 = time.perf_counter()\n"
        "simulate('baseline', seed=1, customers=2000, steps=2)\n"
        "t3 = time.perf_counter()\n"
        f"sys.path.insert(0, {str(HERE)!r})\n"
        "import run as bench\n"
        "import references\n"
        "c = bench.make_customers(2000); x, _ = bench.baseline_inputs()\n"
        "t4 = time.perf_counter()\n"
        "references.FusedMarket(c.brand, c.taste, c.indptr, c.indices, x).step()\n"
        "t5 = time.perf_counter()\n"
        "print(json.dumps({'import': t1 - t0, 'first_run': t2 - t1, 'second_run': t3 - t2, 'fused_first': t5 - t4}))"
    )
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {"NUMBA_CACHE_DIR": cache}
        out["cold"] = json.loads(py(probe, env))
        out["warm"] = json.loads(py(probe, env))
    return out


# -- report -----------------------------------------------------------------------------------
# -- i. start-up of the command line -----------------------------------------------------------
#: whole-process wall-time targets of the newcomer's first minute (seconds)
STARTUP_TARGETS = {"orgsim --help": 0.5, "orgsim scenarios": 0.5, "orgsim params": 0.5, "orgsim run baseline": 2.5}
#: modules whose import time the breakdown of `orgsim run baseline` shows (cumulative, as first imported)
STARTUP_MODULES = (
    "orgsim.cli.commands",
    "pydantic",
    "orgsim.scenario.schema",
    "numpy",
    "pandas",
    "tqdm",
    "numba",
    "mesa",
    "orgsim.model.market",
    "pyarrow",
)
STARTUP_PHASES = """
import json, sys, time
t0 = time.perf_counter()
from orgsim.scenario.files import load
cfg = load("baseline")
t1 = time.perf_counter()
import orgsim.model.market
t2 = time.perf_counter()
from orgsim.api import simulate
res = simulate(cfg, cfg.seed)
t3 = time.perf_counter()
simulate(cfg, cfg.seed)
t4 = time.perf_counter()
from orgsim.io import write_run
write_run(res, sys.argv[1])
t5 = time.perf_counter()
print(json.dumps({"scenario (pydantic, TOML)": t1 - t0, "import orgsim.model.market (mesa, numba, ...)": t2 - t1,
                  "first simulate (compiled loops loaded from the cache)": t3 - t2,
                  "second simulate (the model alone)": t4 - t3, "write the run folder (pyarrow)": t5 - t4}))
"""


def _wall(cmd: list[str], cwd: str) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True)
    return time.perf_counter() - t


def bench_startup(s: Sizes) -> dict[str, Any]:
    """Whole-process wall time of the first commands a newcomer types (min of several fresh processes),
    and where the time of `orgsim run baseline` goes: interpreter, imports (-X importtime), phases."""
    import re
    import tempfile

    script = Path(sys.executable).with_name("orgsim")
    orgsim_cmd = [str(script)] if script.exists() else [sys.executable, "-m", "orgsim"]
    repeats = max(3, s.import_repeats)
    res: dict[str, Any] = {"repeats": repeats, "command": " ".join(orgsim_cmd), "commands": {}}
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "orgsim --help": ["--help"],
            "orgsim scenarios": ["scenarios"],
            "orgsim params": ["params"],
            "orgsim run baseline": ["run", "baseline", "--quiet"],  # writes tmp/runs/baseline (again: the same run)
        }
        res["python"] = min(_wall([sys.executable, "-c", "pass"], tmp) for _ in range(repeats))
        for name, args in commands.items():
            _wall([*orgsim_cmd, *args], tmp)  # warm the file cache
            walls = [_wall([*orgsim_cmd, *args], tmp) for _ in range(repeats)]
            res["commands"][name] = {
                "min": min(walls),
                "median": statistics.median(walls),
                "target": STARTUP_TARGETS[name],
            }
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "orgsim", "run", "baseline", "--quiet", "--out", f"{tmp}/it"],
            cwd=tmp,
            check=True,
            capture_output=True,
            text=True,
        )
        cumulative: dict[str, float] = {}
        for line in proc.stderr.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
            if m and m.group(4) in STARTUP_MODULES and m.group(4) not in cumulative:
                cumulative[m.group(4)] = int(m.group(2)) / 1e6
        res["imports"] = {k: cumulative[k] for k in STARTUP_MODULES if k in cumulative}
        phases = subprocess.run(
            [sys.executable, "-c", STARTUP_PHASES, f"{tmp}/phases"], cwd=tmp, check=True, capture_output=True, text=True
        )
        res["phases"] = json.loads(phases.stdout.strip().splitlines()[-1])
    return res


def startup_targets(i: dict[str, Any]) -> list[str]:
    """Section i's rows of the targets table."""
    return [
        f"| `{name}` ≤ {v['target']} s (whole process) | {v['min']:.2f} s (min of {i['repeats']}; median "
        f"{v['median']:.2f} s) | {verdict(v['min'] <= v['target'])} |"
        for name, v in i["commands"].items()
    ]


def startup_section(i: dict[str, Any]) -> list[str]:
    """Section i of the report: start-up of the command line."""
    L = ["## i. Start-up of the command line", ""]
    L.append(
        f"Wall time of a fresh process (`{i['command']} ...`, minimum and median of {i['repeats']} runs after one "
        f"to warm the file cache), the interpreter alone taking {i['python']:.2f} s. The command line imports only "
        "what a command needs: `--help`, `scenarios` and `params` never load Mesa, numba, pandas or matplotlib."
    )
    L += ["", "| command | min s | median s | target s |", "|---|---:|---:|---:|"]
    for name, v in i["commands"].items():
        L.append(f"| `{name}` | {v['min']:.2f} | {v['median']:.2f} | ≤ {v['target']} |")
    L += [
        "",
        "Where `orgsim run baseline` spends its time: cumulative import time of each module where it is first "
        "imported (`python -X importtime`, which itself adds some overhead; nested modules count in their parents)",
        "",
        "| module | import s |",
        "|---|---:|",
    ]
    L += [f"| `{k}` | {v:.3f} |" for k, v in i["imports"].items()]
    L += ["", "and its phases in one fresh interpreter:", "", "| phase | s |", "|---|---:|"]
    L += [f"| {k} | {v:.3f} |" for k, v in i["phases"].items()]
    L.append("")
    return L


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def fmt_rate(r: float) -> str:
    return f"{r / 1e6:.2f} M" if r >= 1e5 else f"{r / 1e3:.1f} k"


def report(
    info,
    a,
    b,
    c,
    d,
    e,
    f,
    g,
    h,
    quick: bool,
    profile_notes: str,
    i: dict[str, Any] | None = None,
    j: dict[str, Any] | None = None,
    k: dict[str, Any] | None = None,
    reruns: dict[str, dict[str, str]] | None = None,
) -> str:
    calibration = k  # the body's loops use k as a name
    L: list[str] = []
    L.append("# Performance")
    L.append("")
    L.append(
        "Generated by `make bench` (`python benchmarks/run.py`); every number below comes from the same run on "
        "the machine described here. The machine is shared and noisy: compare ratios measured in the same run "
        "rather than absolute times across runs; the load averages below show how much else was running "
        "(a load near or above the core count means the parallel measurements had less than two free cores)."
        + (" **This is a --quick run at tiny sizes: its numbers mean nothing.**" if quick else "")
    )
    L.append("")
    L.append("## Machine")
    L.append("")
    L.append("| | |")
    L.append("|---|---|")
    for key, v in info.items():
        L.append(f"| {key} | {v} |")
    L.append("")
    for letter, r in (reruns or {}).items():
        L.append(
            f"Section {letter} was measured after this run, on its own (`python benchmarks/run.py --only {letter}`), "
            f"on the same machine: {r['date']}, git commit {r['git commit']}, load average (1, 5, 15 min) "
            f"{r['load start']} at its start and {r['load end']} at its end. Its ratios are within that run."
        )
        L.append("")

    top = a["n_top"]
    base = b["simulate_median"]
    imp = b["imports"]["orgsim"]["import"]
    pool_speed = e["serial"] / e["pool"]
    overhead = e["run_median"] / e["model_median"] - 1.0
    L.append("## Targets")
    L.append("")
    L.append("| target | measured | verdict |")
    L.append("|---|---|---|")
    L.append(
        f"| market step ≥ 8 M customer-steps/s at N = {top:,} (one process) | {fmt_rate(a['orgsim_top'])} /s | {verdict(a['orgsim_top'] >= 8e6)} |"
    )
    L.append(
        f"| ≥ 40× the plain-Mesa reference (same run) | {a['vs_mesa']:.0f}× ({fmt_rate(a['orgsim_top'])} vs {fmt_rate(a['mesa'])} at N = {a['rows'][0]['N']:,}) | {verdict(a['vs_mesa'] >= 40)} |"
    )
    L.append(
        f"| ≥ 0.7× the fused numba reference (same run, N = {top:,}) | {a['vs_fused']:.2f}× ({fmt_rate(a['orgsim_top'])} vs {fmt_rate(a['fused_top'])}) | {verdict(a['vs_fused'] >= 0.7)} |"
    )
    L.append(
        f"| baseline whole model ≤ 0.3 s after import | {base:.3f} s (median of {b['repeats']} `simulate`; min {b['simulate_min']:.3f} s; `Market.run()` alone {b['model_median']:.3f} s) | {verdict(base <= 0.3)} |"
    )
    L.append(
        f"| `import orgsim` ≤ 1 s | {imp:.3f} s (`import orgsim.model.market`: {b['imports']['orgsim.model.market']['import']:.2f} s) | {verdict(imp <= 1.0)} |"
    )
    L.append(
        f"| {c['n']:,} customers × 40 quarters ≤ 10 s wall | {c['run']:.2f} s after import ({c['process']:.2f} s for the whole process with imports) | {verdict(c['run'] <= 10.0)} |"
    )
    L.append(f"| … and ≤ 1.5 GiB peak RSS | {c['peak_rss_gib']:.2f} GiB | {verdict(c['peak_rss_gib'] <= 1.5)} |")
    L.append(
        f"| scaling slope 0.9–1.1 (`simulate`, {min(r['N'] for r in d['rows']):,}–{max(r['N'] for r in d['rows']):,}) | "
        f"{d['slope_all']:.2f} (`Market(...).run()`: {d['model_slope_all']:.2f}; N ≥ {min(d['big_sizes']):,}: "
        f"{d['slope_big']:.2f}) | {verdict(0.9 <= d['slope_all'] <= 1.1)} |"
    )
    L.append(f"| batch: 2 processes ≥ 1.8× serial | {pool_speed:.2f}× | {verdict(pool_speed >= 1.8)} |")
    L.append(f"| batch: per-run overhead ≤ 5 % | {100 * overhead:.1f} % | {verdict(overhead <= 0.05)} |")
    gx = g["executors"]
    sweep_speed = gx["2 processes"]["rate_marginal"] / gx["serial"]["rate_marginal"]
    L += dashboard_rows(h)
    L.append(
        f"| `orgsim sweep`: 2 processes ≥ 1.8× serial (runs/s, store included) | {sweep_speed:.2f}× "
        f"({gx['2 processes']['rate_marginal']:.2f} vs {gx['serial']['rate_marginal']:.2f} runs/s) | {verdict(sweep_speed >= 1.8)} |"
    )
    if i is not None:
        L += startup_targets(i)
    if j is not None:
        L += install_rows(j)
    if calibration is not None:
        L += abc_rows(calibration)
    L.append("")

    L.append("## a. The customer-market step (`Customers.choose`)")
    L.append("")
    L.append(
        f"Choice + word of mouth + switching for one quarter, {FIRMS} firms, {DEGREE} neighbours, the baseline's "
        f"reconsideration share ({a['reconsider']:.2f} a quarter) and distinct firms. Rate = customers × quarters / s "
        "(every customer counts, whether it reconsiders or not); best of repeated timings after a warm-up."
    )
    L.append("")
    L.append("| implementation | N | customer-steps/s | vs plain Mesa |")
    L.append("|---|---:|---:|---:|")
    for r in a["rows"]:
        L.append(f"| {r['implementation']} | {r['N']:,} | {fmt_rate(r['rate'])} | {r['rate'] / a['mesa']:.0f}× |")
    L.append("")
    L.append(
        "References (benchmarks/references.py, tested to pick exactly the same firms as orgsim from the same "
        "uniforms in tests/test_benchmarks.py): (i) one `mesa.Agent` per customer with its brand, taste and "
        "neighbour list, `step()` over the firms in Python with the model's rng, `advance()` to commit; "
        "(ii) one fused numba loop drawing its own uniforms."
    )
    L.append("")

    L.append("## b. Baseline whole model and import time")
    L.append("")
    L.append("| measurement | seconds |")
    L.append("|---|---:|")
    L.append(
        f"| `simulate('baseline')` (8 firms × 10 000 customers × 40 quarters), median | {b['simulate_median']:.3f} |"
    )
    L.append(f"| same, min | {b['simulate_min']:.3f} |")
    L.append(f"| `Market('baseline').run()` (no tables), median | {b['model_median']:.3f} |")
    for m, v in b["imports"].items():
        L.append(f"| `import {m}` in a fresh interpreter (median) | {v['import']:.3f} |")
        L.append(f"| `python -c 'import {m}'` whole process (median) | {v['process']:.3f} |")
    L.append("")

    L.append(f"## c. {c['n']:,} customers × 40 quarters")
    L.append("")
    L.append("`simulate('baseline', customers=...)` in a fresh subprocess; peak RSS is the child's own `ru_maxrss`.")
    L.append("")
    L.append("| measurement | value |")
    L.append("|---|---:|")
    L.append(f"| import (orgsim.model.market) | {c['import']:.2f} s |")
    L.append(f"| run (after import) | {c['run']:.2f} s |")
    L.append(f"| whole process | {c['process']:.2f} s |")
    L.append(f"| peak RSS | {c['peak_rss_gib']:.3f} GiB |")
    L.append("")

    L.append("## d. Scaling of the whole model")
    L.append("")
    L.append(
        "`simulate('baseline', customers=N)` (build, 40 quarters, the firm and executive tables and the outcomes) and "
        "`Market('baseline', customers=N).run()` (build and 40 quarters), in a fresh interpreter, minimum of 15 "
        "timings up to N = 30,000, 7 at 100,000, 3 at 300,000, 2 at 1,000,000."
    )
    L.append("")
    L.append("| N | `simulate` s | µs per customer-quarter | `Market(...).run()` s |")
    L.append("|---:|---:|---:|---:|")
    for r in d["rows"]:
        L.append(
            f"| {r['N']:,} | {r['seconds']:.3f} | {1e6 * r['seconds'] / (r['N'] * 40):.3f} | {r['model_seconds']:.3f} |"
        )
    L.append("")
    L.append(
        f"Log-log slope of time on N, fitted on all sizes: **{d['slope_all']:.2f}** (`simulate`), "
        f"{d['model_slope_all']:.2f} (`Market(...).run()`); fitted on N ≥ {min(d['big_sizes']):,} "
        f"({', '.join(f'{v:,}' for v in d['big_sizes'])}): {d['slope_big']:.2f} and {d['model_slope_big']:.2f}. "
        "What does not grow with N (the executives' suite, recording, Mesa's step and DataCollector, building the "
        "tables) flattens the curve at small N; the market's cost per customer rises a little with N as its arrays "
        "outgrow the caches."
    )
    L.append("")

    L.append("## e. Batch throughput (`orgsim.run` on the baseline)")
    L.append("")
    runs = e["runs"]
    L.append(
        f"{runs} runs (seeds 0..{runs - 1}), chunks of {e['chunk']} runs per task. Pool and Dask times exclude their "
        "start-up (listed separately); `mesa.batch_run` times include its spawn pool."
    )
    L.append("")
    L.append("| executor | wall s | runs/s | vs serial |")
    L.append("|---|---:|---:|---:|")

    def row(name, wall):
        if wall is None:
            L.append(f"| {name} | n/a | n/a | n/a |")
        else:
            L.append(f"| {name} | {wall:.2f} | {runs / wall:.2f} | {e['serial'] / wall:.2f}× |")

    row("serial `orgsim.run`", e["serial"])
    row("`Market(...).run()` only (no tables, no outcomes)", e["model_only"])
    row("ProcessPoolExecutor(2, forkserver), chunked map", e["pool"])
    row("Dask LocalCluster(2 workers × 1 thread), chunked client.map", e.get("dask"))
    row("`mesa.batch_run(Market, number_processes=1)`", e["batch_run_1"])
    row("`mesa.batch_run(Market, number_processes=2)`", e["batch_run_2"])
    L.append("")
    L.append(
        f"Start-up: process pool {e['pool_startup']:.2f} s, Dask {e.get('dask_startup', float('nan')):.2f} s. "
        f"Pool results identical to serial: {e['pool_same_results']}; Dask: {e.get('dask_same_results')}. "
        f"Per-run overhead = median `orgsim.run` time / median `Market(...).run()` time − 1 = {100 * overhead:.1f} % "
        f"({e['run_median']:.3f} s vs {e['model_median']:.3f} s, timed alternately seed by seed; it is loading the "
        "scenario and computing the outcomes from the record). Pool efficiency: "
        f"{100 * e['serial'] / (2 * e['pool']):.0f} % of a perfect 2× (the pool's warm-up ran one task in each of its "
        f"{e.get('pool_pids', '?')} workers)."
    )
    L.append("")

    L.append("## f. Cold and warm start of compiled code")
    L.append("")
    L.append(
        "Fresh interpreters with an empty `NUMBA_CACHE_DIR` (cold: numba compiles) and then the same folder "
        "(warm: numba loads its cache); a tiny model (2 000 customers, 2 quarters) run twice."
    )
    L.append("")
    L.append("| start | import orgsim.model.market s | first run s | second run s | fused reference, first quarter s |")
    L.append("|---|---:|---:|---:|---:|")
    for k in ("cold", "warm"):
        v = f[k]
        L.append(f"| {k} | {v['import']:.3f} | {v['first_run']:.3f} | {v['second_run']:.3f} | {v['fused_first']:.3f} |")
    L.append("")
    L.append("## g. `orgsim sweep` throughput (baseline runs, store writes included)")
    L.append("")
    L.append(
        f"`orgsim.experiments.sweep.sweep` on a spec of baseline runs (one design point, replications as runs), each "
        f"executor in fresh stores: a sweep of {g['small']} and one of {g['large']} runs. The whole rate is "
        f"{g['large']} runs over the large sweep's wall time, executor start-up included; the marginal rate, "
        f"({g['large']} − {g['small']}) runs over the difference of the two wall times, is what a long sweep sees."
    )
    L.append("")
    L.append("| executor | wall s (large) | runs/s whole | runs/s marginal | × serial (marginal) |")
    L.append("|---|---:|---:|---:|---:|")
    for name, v in gx.items():
        L.append(
            f"| {name} | {v['wall_large']:.2f} | {v['rate_whole']:.2f} | {v['rate_marginal']:.2f} | "
            f"{v['rate_marginal'] / gx['serial']['rate_marginal']:.2f}× |"
        )
    L.append("")
    L.append(f"Stored runs tables identical to the serial sweep's: {g['same_results']}.")
    L.append("")

    L += dashboard_section(h)
    L.append("")
    if i is not None:
        L += startup_section(i)
    if j is not None:
        L += install_section(j)
    if calibration is not None:
        L += abc_section(calibration)
    if profile_notes:
        L.append(profile_notes.rstrip())
        L.append("")
    return "\n".join(L) + "\n"


#: every section: its letter, its key in the JSON and the function that measures it
SECTIONS = {
    "a": ("a. market step", bench_market),
    "b": ("b. baseline and import", bench_baseline),
    "c": ("c. big run", bench_big),
    "d": ("d. scaling", bench_scaling),
    "e": ("e. batch", bench_batch),
    "f": ("f. jit cold/warm", bench_jit),
    "g": ("g. sweep", bench_sweep),
    "h": ("h. dashboard", bench_dashboard),
    "i": ("i. start-up", bench_startup),
    "j": ("j. install", bench_install),
    "k": ("k. calibration", bench_abc),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="tiny sizes (smoke test); numbers mean nothing")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "PERFORMANCE.md")
    ap.add_argument("--profile-notes", type=Path, default=HERE / "PROFILE.md", help="Markdown appended to the report")
    ap.add_argument(
        "--only",
        metavar="LETTERS",
        help="measure only these sections (e.g. k, or a,e) and take the others from the JSON beside --out "
        "(an earlier run's); the report says when and under what load each re-measured section ran",
    )
    args = ap.parse_args(argv)
    s = QUICK if args.quick else Sizes()
    t0 = time.perf_counter()
    previous: dict[str, Any] = {}
    chosen = list(SECTIONS)
    if args.only is not None:
        chosen = [x.strip() for x in args.only.split(",") if x.strip()]
        unknown = [x for x in chosen if x not in SECTIONS]
        if unknown or not chosen:
            print(f"run.py: --only {args.only}: sections are letters among {', '.join(SECTIONS)}", file=sys.stderr)
            return 2
        prev_path = args.out.with_suffix(".json")
        try:
            previous = json.loads(prev_path.read_text())
            absent = [key for letter, (key, _) in SECTIONS.items() if letter not in chosen and key not in previous]
        except (OSError, ValueError) as err:
            print(f"run.py: --only needs an earlier run's {prev_path} ({type(err).__name__})", file=sys.stderr)
            return 2
        if absent or "machine" not in previous:
            print(
                f"run.py: --only: {prev_path} lacks {', '.join(absent) or 'machine'}; run every section",
                file=sys.stderr,
            )
            return 2
    info = previous["machine"] if previous else machine_info()
    reruns = dict(previous.get("reruns", {}))
    results = {key: previous[key] for letter, (key, _) in SECTIONS.items() if letter not in chosen}
    for letter in chosen:
        key, fn = SECTIONS[letter]
        load_start = ", ".join(f"{v:.2f}" for v in os.getloadavg())
        t = time.perf_counter()
        results[key] = fn(s)
        print(f"{key}: {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
        if previous:
            reruns[letter] = {
                "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "git commit": machine_info()["git commit"],
                "load start": load_start,
                "load end": ", ".join(f"{v:.2f}" for v in os.getloadavg()),
            }
        else:
            reruns.pop(letter, None)
    if "c" in chosen:
        results["c. big run"]["n"] = s.big_n
    if not previous:
        info["load average (1, 5, 15 min) at the end"] = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    quick = args.quick or bool(previous.get("quick", False))
    notes = args.profile_notes.read_text() if args.profile_notes.exists() else ""
    text = report(
        info,
        *(results[SECTIONS[x][0]] for x in "abcdefgh"),
        quick=quick,
        profile_notes=notes,
        i=results["i. start-up"],
        j=results["j. install"],
        k=results["k. calibration"],
        reruns=dict(sorted(reruns.items())),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    raw = {"machine": info, "quick": quick, "reruns": dict(sorted(reruns.items())), **results}
    args.out.with_suffix(".json").write_text(json.dumps(raw, indent=1, default=str))
    print(f"wrote {args.out} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
