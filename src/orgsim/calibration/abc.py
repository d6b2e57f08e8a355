"""Bayesian calibration of the baseline by ABC-SMC (pyabc), against the targets of :mod:`.targets`.

**Why pyabc.** Issue 15 asks for a library made for likelihood-free inference: pyabc's ABC-SMC or
sbi. sbi needs torch, and on Python 3.12 pip fetches torch's CUDA build from PyPI (several GB) — not
acceptable for a fresh-clone CI. pyabc 0.13 installs on Python 3.12 with light dependencies
(SQLAlchemy, jabbar, gitpython, the redis client), keeps its history in an SQLite database, and
resumes from it. It is the ``calibration`` extra (``pip install -e '.[calibration]'``).

**The fit.** Parameters: :data:`PRIORS` (uniform; the schema's ranges narrowed where a source says
more), at most twelve, the rest at the scenario's values. For a parameter set, ``reps`` replications
of the baseline run with seeds derived from (master seed, generation, proposal index, replication);
the statistic of each calibration target is averaged over them. Distance: the sum over calibration
targets of ((statistic - value) / sd)^2 (:func:`distance`). Epsilon: pyabc's default (the median of
the previous population's distances; the first from a prior sample of the population's size);
transition: pyabc's default multivariate normal kernel.

**Crash safety.** pyabc writes each finished generation to its SQLite database in one transaction.
:func:`run_abc` runs one generation per call of ``ABCSMC.run(max_nr_populations=1)``, each time on a
fresh ``ABCSMC`` object after ``new`` (first generation) or ``load`` (every later one), so an
uninterrupted run and one killed (``kill -9``) and started again go through the same code path and
reach the same database contents.

**Determinism.** All of the model's randomness comes from explicit seeds. The one exception is pyabc
itself: it draws proposals (prior, kernel, resampling) from numpy's *global* generator. That
generator is seeded before each generation from (master seed, generation index), and the proposals
are drawn in the main process only: :class:`BatchSampler` proposes candidates in fixed-size batches
(the batch size does not depend on the number of workers), evaluates their simulations on an
executor of :func:`orgsim.experiments.sweep.executor` (one process, a process pool or Dask), and
accepts them in proposal order. pyabc's ``simulate_one`` draws a proposal and evaluates it in one
call, so a batch goes twice through it: first to record the proposals (the model returns no data),
then — numpy's global state rewound — to evaluate them with the simulated statistics (the model
returns the batch's results in order; a check makes sure that the same proposals came). The
posterior therefore does not depend on the number of workers, and a resumed run equals an
uninterrupted one.
"""

from __future__ import annotations

import ast
import json
import logging
import math
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyabc
from pyabc.sampler import Sampler

from orgsim.calibration.targets import CALIBRATION, Target, evaluate_chunk
from orgsim.scenario.schema import ConfigError

#: a distance for a parameter set whose statistics are not numbers (never accepted)
FAR = float("inf")


@dataclass(frozen=True)
class Prior:
    """A uniform prior on [lo, hi] and why it is that range."""

    name: str
    lo: float
    hi: float
    reason: str
    informed_by: str  # the targets that speak to it

    @property
    def width(self) -> float:
        return self.hi - self.lo


PRIORS: tuple[Prior, ...] = (
    Prior("budget_share", 0.05, 0.30, "schema (0, 0.6]; narrowed to about twice the published 12-16 % of revenue on "
          "either side (TARGETS.md 7.D)", "T8"),
    Prior("start_share_marketing", 0.40, 0.78, "schema (0, 1); narrowed around the CMO's published 60-72 % of the "
          "discretionary budget (7.D), which the CMO's domain (campaigns + its technology) contains", "T7, T1"),
    Prior("start_share_finance", 0.03, 0.20, "schema (0, 1); narrowed around finance's published 6-10 % (7.D); "
          "with start_share_marketing <= 0.78 IT keeps >= 2 %", "T7"),
    Prior("claim_cmo", 0.05, 1.0, "schema (0, 1]; claim_cio is held at its default (0.4242): the contest's shares "
          "depend on the claims' ratios only, so one of the three is redundant", "T7"),
    Prior("claim_cfo", 0.05, 1.0, "schema (0, 1]; as claim_cmo", "T7"),
    Prior("tech_claim_max", 0.05, 1.0, "schema [0, 1]; lower end above 0 (every source reports some martech spend)",
          "T1, T2, T3"),
    Prior("shadow_it_cap", 0.0, 0.5, "schema [0, 1]; marketing-funded technology is at most 29 % of marketing "
          "budgets (section 1), so a cap above 0.5 never binds", "T2, T1"),
    Prior("coop_cmo_cio", 0.0, 1.0, "schema [0, 1]", "T4, T3"),
    Prior("coop_cio_cmo", 0.0, 1.0, "schema [0, 1]", "T4, T3"),
    Prior("coop_cmo_cfo", 0.0, 1.0, "schema [0, 1]; coop_cfo_cmo is set equal (tied: the targets see only "
          "their product, the joint-work rate)", "T5"),
    Prior("brief_mean", 0.0, 1.0, "schema [0, 1]", "T6"),
    Prior("governance_reach", 0.0, 1.0, "schema [0, 1]; the surveys of ODD section 8 argue against one for one "
          "but measure no value", "T3, T1, T2"),
)  # fmt: skip

#: parameters set equal to a calibrated one (name -> the prior's name)
TIED = {"coop_cfo_cmo": "coop_cmo_cfo"}

#: pairs of calibrated parameters whose product the targets see: the CMO's and the CIO's propensities
#: to work together, whose product is the pair's expected joint-work rate (T4, and through it T3)
PRODUCTS = (("coop_cmo_cio", "coop_cio_cmo"),)


def product_name(a: str, b: str) -> str:
    """The key of a product in the posterior summary (``a*b``)."""
    return f"{a}*{b}"


def product_prior_interval(a: Prior, b: Prior, grid: int = 2000) -> tuple[float, float]:
    """The central 95 % interval of ``x * y`` with x, y independent and uniform on their priors.

    Deterministic: the products of a midpoint grid of ``grid`` x ``grid`` points, whose quantiles
    approach the exact ones as the grid grows (for U[0, 1] x U[0, 1]: 0.0038 and 0.785)."""
    x = a.lo + (np.arange(grid) + 0.5) / grid * a.width
    y = b.lo + (np.arange(grid) + 0.5) / grid * b.width
    lo, hi = np.quantile(np.multiply.outer(x, y), [0.025, 0.975])
    return float(lo), float(hi)


_LOG = logging.getLogger("ABC")
_GLOBAL_KEY = 0  # spawn-key roots: numpy's global generator per generation, and the particles' model seeds
_PARTICLE_KEY = 1


@dataclass(frozen=True)
class Settings:
    """Everything that fixes a calibration's result (stored in the database; a resume must match all
    but ``generations``, which only says where to stop: asking for more continues the run)."""

    population: int = 300  # the committed calibration's (docs/CALIBRATION.md)
    generations: int = 14
    reps: int = 4  # from targets-v2 fit 4 on (2 before): the noise floor, docs/ODD.md section 8
    customers: int = 5000
    steps: int | None = None  # the scenario's (40) unless set
    master_seed: int = 20170512
    batch: int | None = None  # proposals per batch; default: the population size
    scenario: str = "baseline"
    #: the ABC kernel's covariance: this multiple of the previous population's weighted covariance
    #: (2: Beaumont et al. 2009), or None for pyabc's default (Silverman's rule on the effective sample
    #: size, about 0.4 here); None in every database made before the setting existed
    kernel_scale: float | None = 2.0

    @property
    def batch_size(self) -> int:
        return self.batch or self.population

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def overrides(theta: Mapping[str, float], settings: Settings) -> dict[str, Any]:
    """The simulate() overrides of a parameter set (tied parameters and market size included)."""
    out: dict[str, Any] = {k: float(v) for k, v in theta.items()}
    for name, source in TIED.items():
        if source in out:
            out[name] = out[source]
    out["customers"] = settings.customers
    if settings.steps is not None:
        out["steps"] = settings.steps
    return out


def particle_seeds(master_seed: int, t: int, index: int, reps: int) -> list[int]:
    """Model seeds of proposal ``index`` of generation ``t`` (t = -1: pyabc's prior sample)."""
    out = []
    for rep in range(reps):
        ss = np.random.SeedSequence(master_seed, spawn_key=(_PARTICLE_KEY, t + 1, index, rep))
        out.append(int(ss.generate_state(1, dtype=np.uint32)[0]))
    return out


def seed_global(master_seed: int, t: int) -> None:
    """Seed numpy's global generator (pyabc's source of proposals) for generation ``t``."""
    np.random.seed(np.random.SeedSequence(master_seed, spawn_key=(_GLOBAL_KEY, t)).generate_state(4))


def distance(x: Mapping[str, Any], x0: Mapping[str, Any], targets: tuple[Target, ...] = CALIBRATION) -> float:
    """Sum over targets of ((x - target) / sd)^2; infinite if a statistic is not a number."""
    total = 0.0
    for t in targets:
        v = float(np.asarray(x[t.name]))
        if not math.isfinite(v):
            return FAR
        total += ((v - float(np.asarray(x0[t.name]))) / t.sd) ** 2  # type: ignore[operator]
    return total


def observed() -> dict[str, float]:
    return {t.name: t.value for t in CALIBRATION}


class OrgsimModel(pyabc.Model):
    """pyabc's view of the model: in ``record`` mode it notes the proposals (and returns no data); in
    ``replay`` mode it returns the batch's simulated statistics in proposal order."""

    def __init__(self) -> None:
        super().__init__(name="orgsim")
        self.mode = "record"
        self.proposals: list[dict[str, float]] = []
        self.results: list[dict[str, float]] = []
        self.cursor = 0

    def sample(self, pars: Any) -> dict[str, float]:
        theta = {k: float(v) for k, v in dict(pars).items()}
        if self.mode == "record":
            self.proposals.append(theta)
            return {t.name: float("nan") for t in CALIBRATION}
        i = self.cursor
        if theta != self.proposals[i]:
            raise RuntimeError(f"pyabc proposed {theta} on replay, {self.proposals[i]} on record: not reproducible")
        self.cursor += 1
        return self.results[i]


@dataclass
class Counters:
    simulations: int = 0  # parameter sets simulated (batches included in full)
    runs: int = 0  # model runs (x reps)
    sim_seconds: float = 0.0  # wall time spent waiting for simulations


class BatchSampler(Sampler):
    """Propose in fixed-size batches in this process, simulate a batch on ``pool``, accept in order."""

    def __init__(
        self,
        model: OrgsimModel,
        pool: Executor,
        settings: Settings,
        workers: int = 1,
        progress: Callable[[int, int, int], None] | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        self.pool = pool
        self.settings = settings
        self.workers = max(1, workers)
        self.progress = progress
        self.counters = Counters()

    def _simulate(self, t: int, start: int, proposals: list[dict[str, float]]) -> list[dict[str, float]]:
        s = self.settings
        tasks = [
            (overrides(theta, s), particle_seeds(s.master_seed, t, start + i, s.reps))
            for i, theta in enumerate(proposals)
        ]
        names = tuple(x.name for x in CALIBRATION)
        size = max(1, math.ceil(len(tasks) / (self.workers * 4)))
        t0 = time.perf_counter()
        futures = [
            self.pool.submit(evaluate_chunk, s.scenario, names, tasks[i : i + size]) for i in range(0, len(tasks), size)
        ]
        out = [row for fut in futures for row in fut.result()]  # in proposal order, whatever finished first
        self.counters.sim_seconds += time.perf_counter() - t0
        self.counters.simulations += len(tasks)
        self.counters.runs += len(tasks) * s.reps
        return out

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Callable,
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,
        ana_vars: Any = None,
    ) -> Any:
        sample = self._create_empty_sample()
        batch = self.settings.batch_size
        used = 0
        start = 0
        while sample.n_accepted < n and used < max_eval:
            state = np.random.get_state()
            self.model.mode, self.model.proposals = "record", []
            for _ in range(batch):
                simulate_one()
            self.model.results = self._simulate(t, start, self.model.proposals)
            np.random.set_state(state)
            self.model.mode, self.model.cursor = "replay", 0
            for _ in range(batch):
                particle = simulate_one()
                used += 1
                sample.append(particle)
                if sample.n_accepted >= n or used >= max_eval:
                    break
            start += batch
            if self.progress:
                self.progress(t, sample.n_accepted, used)
        if sample.n_accepted < n:
            sample.ok = False
        self.nr_evaluations_ = used
        return sample


def _unit_bandwidth(n_samples: float, dimension: int) -> float:
    """A bandwidth factor of 1: the kernel's covariance is then ``scaling`` x the population's."""
    return 1.0


def transition(settings: Settings) -> pyabc.MultivariateNormalTransition:
    """The perturbation kernel: a multivariate normal around each particle (see ``Settings.kernel_scale``)."""
    if settings.kernel_scale is None:
        return pyabc.MultivariateNormalTransition()
    return pyabc.MultivariateNormalTransition(scaling=settings.kernel_scale, bandwidth_selector=_unit_bandwidth)


def _abcsmc(model: OrgsimModel, sampler: BatchSampler, settings: Settings) -> pyabc.ABCSMC:
    prior = pyabc.Distribution(**{p.name: pyabc.RV("uniform", p.lo, p.width) for p in PRIORS})
    return pyabc.ABCSMC(
        model, prior, distance, population_size=settings.population, sampler=sampler, transitions=transition(settings)
    )


def db_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def stored_settings(db: str | Path) -> Settings | None:
    """The settings a database was made with (None: no calibration in it yet)."""
    path = Path(db)
    if not path.is_file() or path.stat().st_size == 0:
        return None
    try:
        history = pyabc.History(db_url(path), create=False)
        if not history.all_runs():
            return None
        history.id = 1
        raw = ast.literal_eval(history.get_abc().json_parameters)
        stored = json.loads(raw["orgsim_settings"])
        stored.setdefault("kernel_scale", None)  # made before the setting: pyabc's default kernel
        return Settings(**stored)
    except Exception as err:  # not pyabc's database, or not ours
        raise ConfigError(f"{path}: not a calibration database of orgsim ({type(err).__name__})") from None


def stored_observed(db: str | Path) -> dict[str, float]:
    """The calibration targets' values a database was made with (name -> value)."""
    history = pyabc.History(db_url(db), create=False)
    history.id = 1
    return {k: float(np.asarray(v)) for k, v in history.observed_sum_stat().items()}


def generations_done(db: str | Path) -> int:
    if stored_settings(db) is None:
        return 0
    history = pyabc.History(db_url(db), create=False)
    history.id = 1
    return int(history.n_populations)


@dataclass
class AbcRun:
    """What a call of :func:`run_abc` did."""

    db: Path
    settings: Settings
    executor: str = ""
    resumed_at: int = 0  # generations found in the database
    generations: int = 0  # generations in the database at the end
    wall: float = 0.0
    counters: Counters = field(default_factory=Counters)

    @property
    def rate(self) -> float:
        """Model runs per second of simulation wall time."""
        return self.counters.runs / self.counters.sim_seconds if self.counters.sim_seconds > 0 else 0.0


def run_abc(
    settings: Settings,
    db: str | Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> AbcRun:
    """Run (or resume) an ABC-SMC calibration into the SQLite database ``db``.

    A database holding a calibration with other settings is refused (ConfigError); one holding these
    settings is continued from its last finished generation.
    """
    from orgsim.experiments.sweep import executor

    db = Path(db)
    found = stored_settings(db)
    diff = [
        f"{k} {v!r} (asked {getattr(settings, k)!r})"
        for k, v in (found.as_dict().items() if found else ())
        if k != "generations" and getattr(settings, k) != v  # more generations continue the same run
    ]
    if diff:
        raise ConfigError(f"{db}: holds a calibration with other settings: {', '.join(diff)}; choose another --db")
    if found is not None:
        stored = stored_observed(db)
        if stored != observed():
            raise ConfigError(
                f"{db}: holds a calibration against other targets ({', '.join(sorted(stored))}); choose another --db"
            )
    db.parent.mkdir(parents=True, exist_ok=True)
    logging.getLogger("ABC").setLevel(logging.WARNING)
    out = AbcRun(db=db, settings=settings)
    start = time.perf_counter()
    with executor(workers, scheduler) as (pool, desc):
        out.executor = desc
        done = generations_done(db)
        out.resumed_at = done

        def tick(t: int, accepted: int, used: int) -> None:
            if progress:
                what = "prior sample (pyabc's first epsilon)" if t < 0 else f"generation {t}"
                progress(f"{what}: {accepted}/{settings.population} accepted of {used} proposals")

        for t in range(done, settings.generations):
            model = OrgsimModel()
            sampler = BatchSampler(model, pool, settings, workers, tick)
            abc = _abcsmc(model, sampler, settings)
            if stored_settings(db) is None:
                abc.new(db_url(db), observed(), meta_info={"orgsim_settings": json.dumps(settings.as_dict())})
            else:
                abc.load(db_url(db), 1)
            seed_global(settings.master_seed, t)
            history = abc.run(max_nr_populations=1)
            c = sampler.counters
            out.counters.simulations += c.simulations
            out.counters.runs += c.runs
            out.counters.sim_seconds += c.sim_seconds
            if progress:
                eps = float(history.get_all_populations()["epsilon"].iloc[-1])
                progress(
                    f"generation {t} done: epsilon {eps:.4g}, {c.simulations} parameter sets simulated "
                    f"({c.runs} runs, {c.runs / c.sim_seconds if c.sim_seconds else 0:.1f} runs/s)"
                )
    out.generations = generations_done(db)
    out.wall = time.perf_counter() - start
    return out


# -- the posterior -----------------------------------------------------------------------------------


def posterior(db: str | Path, t: int | None = None) -> pd.DataFrame:
    """The last (or ``t``-th) population: one row per particle, parameters, ``weight`` and ``distance``."""
    if stored_settings(db) is None:
        raise ConfigError(f"{db}: no calibration in it")
    history = pyabc.History(db_url(db), create=False)
    history.id = 1
    df, w = history.get_distribution(m=0, t=t)
    names = [p.name for p in PRIORS]
    out = df[names].reset_index(drop=True).astype(float)
    out.columns.name = None
    out["weight"] = np.asarray(w, dtype=float)
    dist = history.get_weighted_distances(t=t)
    out["distance"] = dist["distance"].to_numpy(dtype=float)
    return out


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """Quantile of a weighted sample (the inverse of the weighted empirical CDF, midpoints interpolated)."""
    order = np.argsort(x, kind="stable")
    x, w = np.asarray(x, dtype=float)[order], np.asarray(w, dtype=float)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, cdf, x))


def _marginal(x: np.ndarray, w: np.ndarray) -> dict[str, float]:
    """Weighted mean, median and 95 % interval of one posterior quantity."""
    return {
        "mean": float(np.sum(w * x) / w.sum()),
        "median": weighted_quantile(x, w, 0.5),
        "q025": weighted_quantile(x, w, 0.025),
        "q975": weighted_quantile(x, w, 0.975),
    }


def summary(db: str | Path) -> dict[str, Any]:
    """Posterior mean, median and 95 % interval per parameter, with the run's history (JSON-ready)."""
    settings = stored_settings(db)
    if settings is None:
        raise ConfigError(f"{db}: no calibration in it")
    post = posterior(db)
    w = post["weight"].to_numpy()
    history = pyabc.History(db_url(db), create=False)
    history.id = 1
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    params = {}
    for p in PRIORS:
        m = _marginal(post[p.name].to_numpy(), w)
        params[p.name] = {
            **m,
            "prior": [p.lo, p.hi],
            "width_ratio": (m["q975"] - m["q025"]) / (0.95 * p.width),  # 95 % interval / the prior's
        }
    return {
        "method": "ABC-SMC (pyabc 0.13), orgsim.calibration.abc",
        # the stored settings hold the generations first asked for; a resume may have added more
        "settings": {**settings.as_dict(), "generations": len(pops)},
        "tied": TIED,
        "targets": {t.name: {"id": t.id, "value": t.value, "sd": t.sd, "band": [t.lo, t.hi]} for t in CALIBRATION},
        "generations": [
            {
                "t": int(r.t),
                "epsilon": float(r.epsilon),
                "proposals": int(r.samples),
                "acceptance_rate": settings.population / float(r.samples) if r.samples else None,
                "effective_sample_size": _ess(history.get_distribution(t=int(r.t))[1]),
            }
            for r in pops.itertuples()
        ],
        "effective_sample_size": _ess(w),
        "parameters": params,
        "products": product_summaries(post),
    }


def product_summaries(post: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Weighted mean, median and 95 % interval of each product of :data:`PRODUCTS` over a particle
    table (:func:`posterior`'s), with the product's prior 95 % interval and the width ratio (JSON-ready)."""
    w = post["weight"].to_numpy()
    by_name = {p.name: p for p in PRIORS}
    products = {}
    for a, b in PRODUCTS:
        if a not in by_name or b not in by_name:
            continue
        m = _marginal(post[a].to_numpy() * post[b].to_numpy(), w)
        plo, phi = product_prior_interval(by_name[a], by_name[b])
        products[product_name(a, b)] = {
            "of": [a, b],
            **m,
            "prior_interval": [plo, phi],
            "width_ratio": (m["q975"] - m["q025"]) / (phi - plo),  # 95 % interval / the prior's
        }
    return products


def _ess(weights: Any) -> float:
    """Kish's effective sample size of importance weights, (sum w)^2 / sum w^2 (pyabc's)."""
    return float(pyabc.weighted_statistics.effective_sample_size(np.asarray(weights, dtype=float)))


def trade_offs(db: str | Path) -> list[dict[str, Any]]:
    """What the last population gives up, per calibration target: its weighted mean statistic, its weighted
    mean squared standardised distance ((statistic - value) / sd)^2 (its share of the ABC distance) and
    its correlation with every other target's statistic over the particles (JSON-ready)."""
    history = pyabc.History(db_url(db), create=False)
    history.id = 1
    w, stats = history.get_weighted_sum_stats(t=history.max_t)
    w = np.asarray(w, dtype=float)
    x = {t.id: np.array([float(np.asarray(s[t.name])) for s in stats]) for t in CALIBRATION}
    out = []
    for t in CALIBRATION:
        z = (x[t.id] - t.value) / t.sd  # type: ignore[operator]
        corr = {
            o: float(np.corrcoef(x[t.id], v)[0, 1]) if np.std(x[t.id]) > 0 and np.std(v) > 0 else None
            for o, v in x.items()
            if o != t.id
        }
        out.append(
            {
                "id": t.id,
                "mean": float(np.sum(w * x[t.id]) / w.sum()),
                "mean_z2": float(np.sum(w * z * z) / w.sum()),
                "correlations": corr,
            }
        )
    return out


#: what write_posterior can write, by key: the file's name
POSTERIOR_FILES = {"parquet": "particles.parquet", "csv": "particles.csv", "json": "posterior.json"}


def write_posterior(
    db: str | Path, out: str | Path, formats: tuple[str, ...] = ("parquet", "csv", "json")
) -> dict[str, Path]:
    """The particles (``particles.parquet``, ``particles.csv``) and ``posterior.json`` (:func:`summary`)
    into folder ``out``, those of ``formats`` (keys of :data:`POSTERIOR_FILES`) only."""
    _check_posterior_out(out, formats)
    return write_posterior_files(posterior(db), summary(db), out, formats)


def _check_posterior_out(out: str | Path, formats: tuple[str, ...]) -> None:
    unknown = [f for f in formats if f not in POSTERIOR_FILES]
    if unknown or not formats:
        raise ConfigError(f"write_posterior: formats {list(formats)}; choose among {', '.join(POSTERIOR_FILES)}")
    if Path(out).exists() and not Path(out).is_dir():
        raise ConfigError(f"{out}: exists and is not a folder")


def write_posterior_files(
    post: pd.DataFrame, summ: dict[str, Any], out: str | Path, formats: tuple[str, ...]
) -> dict[str, Path]:
    """A particle table and its summary into folder ``out`` as :func:`write_posterior` names them
    (``formats``: keys of :data:`POSTERIOR_FILES`)."""
    from orgsim.io import atomic_write

    _check_posterior_out(out, formats)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {k: out / POSTERIOR_FILES[k] for k in POSTERIOR_FILES if k in formats}
    if "parquet" in paths:
        atomic_write(paths["parquet"], lambda fh: post.to_parquet(fh, index=False))
    if "csv" in paths:
        atomic_write(paths["csv"], lambda fh: fh.write(post.to_csv(index=False).encode()))
    if "json" in paths:
        text = json.dumps(summ, indent=2) + "\n"
        atomic_write(paths["json"], lambda fh: fh.write(text.encode()))
    return paths
