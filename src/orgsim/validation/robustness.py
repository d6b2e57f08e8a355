"""Robustness of the emergent patterns over the assumed parameters (issue 14, "a validation that can fail").

The main validation (:mod:`orgsim.validation.checks`) tests every pattern at one parameter set, the
defaults. This module asks how much of the space of the *assumed* parameters keeps the emergent
patterns, which parameters move their statistics, and how the standard outcomes' variance splits
into seed, market and parameter parts. It runs through the experiment machinery: one Morris design
(SALib) per arm, built in code as an :class:`orgsim.experiments.design.Spec`, run by
:func:`orgsim.experiments.sweep.sweep` into one store per arm, from which the pattern statistics are
recomputed per replication.

Pre-registered rule (fixed and committed before the screen was first run at its settings)
-----------------------------------------------------------------------------------------

**Factors.** Every parameter of the scenario schema whose source is ``assumed``
(:data:`orgsim.scenario.schema.SRC_ASSUMED`) and whose value is a number (float or int). Excluded,
with the reason:

- boolean parameters (the mechanism switches): they are the knockouts, not assumptions of degree;
- choices (``foregone_rule``): not a number;
- keyframe paths (``pressure``, ``threat``, ``climate``): they are what the scenarios (the markets
  below) vary;
- the focal parameters (``focal_*``, None unless an experiment fixes firm 0's disposition): an
  experimental manipulation, not an assumption about firms;
- ``firms`` and ``customers``: the size of the market, a structure, not a behavioural assumption
  (the screen runs at :data:`CUSTOMERS` customers);
- ``revenue_per_firm``: the money unit; it rescales every money column by exactly its factor and
  changes nothing else (checked: same seed, 100 vs 150, every other firm column identical), so it
  could only move the money outcomes' units;
- ``steps`` and ``seed`` (top level, no source): the run length the patterns' windows assume and the
  seed the replications vary.

**Ranges.** For each arm the factor's *reference value* is its value in that arm's scenario (the
schema default unless the scenario file or the arm's overrides set it: ``shadow_it`` sets
``shadow_it_cap`` = 0.6, ``walls`` sets the CIO-CFO propensities to 0.15); the range is reference ×
[0.5, 1.5], clipped to the schema's bounds (a bound the schema declares open is kept 10⁻⁶ of the
bound interval inside). A reference value of 0 (``roi_mandate``) has no scale: its range is
[lo, lo + 0.1 · (hi − lo)] of the schema bounds ([0, 0.1] for a probability). Integer parameters are
rounded (:func:`orgsim.experiments.design.param_value`); none remains after the exclusions.

**Design.** Morris elementary effects (SALib), :data:`TRAJECTORIES` trajectories on a
:data:`LEVELS`-level grid, design seed :data:`DESIGN_SEED`; every arm has the same factors in the same
order, the same design seed and the same master seed :data:`MASTER_SEED`, so point *i* sits at the
same place of every arm's unit hypercube (the same multiple of each reference value, up to
clipping) and its replication *r* has the same seed in every arm (``SeedSequence(master,
spawn_key=(point, rep))``): the arms of one replication are paired, as in the main validation.
:data:`REPS` replications per point, :data:`CUSTOMERS` customers per market.

**Arms.** The arms the non-illustration checks of every emergent pattern read (found by calling
each check's statistic on a table per arm and recording which arms it reads), plus the markets
``baseline``, ``digital_shift`` and ``downturn`` of the variance decomposition. A check whose
``illustration`` attribute is true is reported in the main validation but is not part of any
verdict: it is left out here.

**Holding at a point.** A pattern holds at a design point when every non-illustration check's mean
over the point's replications meets its criterion read as a sign (direction · mean > 0) for a sign
check, or lies in the band for a band check. This is weaker than the main validation's test (a 95 %
confidence interval excluding 0, over 30 replications): with two replications a point's mean is
noisy, so the shares measure where the *direction* of each pattern survives. Knockouts are not
evaluated across the space. The shares are over the design points, with a Wilson 95 % interval
(which treats points as independent) and a percentile bootstrap over trajectories (the design's
clusters: points of one trajectory differ in one factor at a time).

**Morris indices** of each check's statistic (its per-point mean over replications): μ*, its 95 %
bootstrap half-width and σ (SALib, unscaled elementary effects: the change of the statistic per
step of Δ = levels / (2 (levels − 1)) = 2/3 of a factor's range).

**Variance decomposition** of each standard outcome (:data:`orgsim.api.OUTCOMES`) over the three
markets at the same points and seeds: the two-way ANOVA with replication of the balanced design
point × market × replication. Sum-of-squares shares (parameter: between points, averaged over
markets; market: between markets; parameter × market: interaction; seed: within point-market
cells) sum to 1. Because each cell has only two replications, seed noise inflates the parameter
and interaction sums of squares; the variance components (expected mean squares, random-effects
model, negative estimates set to 0) correct for it and are reported beside them.
:func:`orgsim.experiments.analysis.seed_variance` (one-way, within one store) gives the seed share
per market, reported in the JSON as a cross-check.

**P11** is reported as the distribution over runs of its checks' per-replication values (every
point and replication): quantiles, the share of runs above 0 and a histogram.

Stores are resumable: running again skips the runs already recorded (the sweep's own behaviour); a
store's folder name carries its spec hash, so other settings make a new store instead of an error.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from orgsim.formatting import md_table, num
from orgsim.scenario.schema import SRC_ASSUMED, ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from orgsim.experiments.design import Spec
    from orgsim.scenario.specs import ParamSpec
    from orgsim.validation.patterns import Arm, Check, Pattern

DEFAULT_STORE = Path("runs/robustness")
CUSTOMERS = 5000
TRAJECTORIES = 10
REPS = 2
LEVELS = 4
MASTER_SEED = 20170512
DESIGN_SEED = 20170512
LOW, HIGH = 0.5, 1.5  # the range: reference value × [LOW, HIGH]
ZERO_SPAN = 0.1  # a reference value of 0: [lo, lo + ZERO_SPAN · (hi − lo)]
OPEN_INSET = 1e-6  # an open bound is kept this share of the bound interval inside
MARKETS = ("baseline", "digital_shift", "downturn")
P11 = "P11"
LEVEL = 0.95
BOOT = 4000
TOP = 10
BATCH = 25  # design points per batch when recomputing the statistics
HIST_BINS = 40

#: assumed numeric parameters left out, with the reason (the other exclusions are by kind: bool, choice,
#: keyframe path, focal)
EXCLUDED: dict[str, str] = {
    "firms": "market structure (number of competing firms), not a behavioural assumption",
    "customers": f"market size; the screen runs at a fixed size ({CUSTOMERS} customers)",
    "revenue_per_firm": "the money unit: it rescales every money column by its factor and changes nothing else",
}
EXCLUDED_KINDS: dict[str, str] = {
    "bool": "mechanism switches: the knockouts, not assumptions of degree",
    "choice": "a choice of rule, not a number",
    "path": "keyframe paths (pressure, threat, climate): what the scenarios (markets) vary",
    "focal": "focal-firm manipulations (None unless an experiment fixes firm 0): not assumptions about firms",
}

RULE = (
    "Factors: every parameter of the scenario schema whose source is *assumed* and whose value is a number, "
    "except the market's size (`firms`, `customers`) and its money unit (`revenue_per_firm`, a pure rescaling); "
    "mechanism switches (booleans: the knockouts), the choice `foregone_rule`, the keyframe paths `pressure`, "
    "`threat`, `climate` (what the markets vary) and the focal-firm manipulations are not factors. "
    f"Range: the factor's value in the arm's scenario × [{LOW:g}, {HIGH:g}], clipped to the schema's bounds "
    f"(an open bound kept {OPEN_INSET:g} of the bound interval inside); a value of 0 has the range "
    f"[lo, lo + {ZERO_SPAN:g} · (hi − lo)]. Integers rounded (none remains). "
    "A pattern *holds at a point* when every non-illustration check's mean over the point's replications meets "
    "its criterion read as a sign (direction · mean > 0) or lies in its band."
)


# -- factors ---------------------------------------------------------------------------------------


def excluded() -> dict[str, str]:
    """Every assumed parameter that is not a factor, with the reason."""
    from orgsim.scenario.specs import param_specs

    out: dict[str, str] = {}
    for s in param_specs().values():
        if s.source != SRC_ASSUMED:
            continue
        if s.name in EXCLUDED:
            out[s.name] = EXCLUDED[s.name]
        elif s.group == "focal":
            out[s.name] = EXCLUDED_KINDS["focal"]
        elif s.kind not in ("float", "int"):
            out[s.name] = EXCLUDED_KINDS.get(s.kind, s.kind)
    return out


def factor_specs() -> list[ParamSpec]:
    """The factors: every assumed numeric parameter not excluded, in the schema's order."""
    from orgsim.scenario.specs import param_specs

    skip = excluded()
    return [
        s
        for s in param_specs().values()
        if s.source == SRC_ASSUMED and s.kind in ("float", "int") and s.group and s.name not in skip
    ]


def factor_range(spec: ParamSpec, reference: float) -> tuple[float, float]:
    """The pre-registered range of a factor around its reference value (see the module docstring)."""
    lo_b = -math.inf if spec.lo is None else float(spec.lo)
    hi_b = math.inf if spec.hi is None else float(spec.hi)
    width = hi_b - lo_b if math.isfinite(hi_b - lo_b) else 1.0
    if reference == 0:
        lo = lo_b if math.isfinite(lo_b) else 0.0
        lo, hi = lo, lo + ZERO_SPAN * width
    else:
        lo, hi = sorted((reference * LOW, reference * HIGH))
    inset = OPEN_INSET * width
    lo = max(lo, lo_b + inset if spec.lo_open else lo_b)
    hi = min(hi, hi_b - inset if spec.hi_open else hi_b)
    if not lo < hi:
        raise ConfigError(f"robustness: {spec.name}: empty range around {reference:g} within its bounds")
    return float(lo), float(hi)


def reference_values(scenario: str, overrides: Mapping[str, Any] | None = None) -> dict[str, float]:
    """Each factor's value in a scenario (with overrides): the centre of its range in that arm."""
    from orgsim.scenario.files import load

    cfg = load(scenario, dict(overrides or {}) or None)
    return {s.name: float(getattr(getattr(cfg, s.group), s.name)) for s in factor_specs()}


# -- arms and specs --------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Tuples (keyframe paths in the pattern file) as lists, so a spec's JSON and hash are stable."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def arm_slug(arm: Arm) -> str:
    """A folder-safe name of an arm: the scenario, plus a short hash of its overrides."""
    if not arm.overrides:
        return arm.scenario
    text = json.dumps(_plain(arm.overrides), sort_keys=True)
    return f"{arm.scenario}-{hashlib.sha256(text.encode()).hexdigest()[:6]}"


def arm_spec(
    arm: Arm,
    *,
    customers: int = CUSTOMERS,
    trajectories: int = TRAJECTORIES,
    reps: int = REPS,
    factors: Sequence[str] | None = None,
    master_seed: int = MASTER_SEED,
    design_seed: int = DESIGN_SEED,
) -> Spec:
    """The Morris spec of one arm: its scenario and overrides, the factors' ranges around the arm's values."""
    from orgsim.experiments.design import Design, Factor, Outputs, Spec
    from orgsim.model.records import FIRM_COLUMNS

    specs = factor_specs()
    if factors is not None:
        known = {s.name for s in specs}
        unknown = [f for f in factors if f not in known]
        if unknown:
            raise ConfigError(f"robustness: not an assumed numeric parameter: {', '.join(unknown)}")
        specs = [s for s in specs if s.name in set(factors)]
    if len(specs) < 2:
        raise ConfigError("robustness: a Morris design needs at least two factors")
    overrides = {k: _plain(v) for k, v in arm.overrides}
    clash = sorted(set(overrides) & {s.name for s in specs})
    if clash:
        raise ConfigError(f"robustness: arm {arm.label()} fixes factor(s) {', '.join(clash)}")
    ref = reference_values(arm.scenario, overrides)
    return Spec(
        name=f"robustness-{arm_slug(arm)}",
        description=f"robustness screen of the emergent patterns: arm {arm.label()}",
        scenario=arm.scenario,
        master_seed=master_seed,
        replications=reps,
        design=Design(kind="morris", samples=trajectories, levels=LEVELS, seed=design_seed),
        settings={**overrides, "customers": int(customers)},
        factors=[Factor(name=s.name, role="uncertainty", range=factor_range(s, ref[s.name])) for s in specs],
        outputs=Outputs(series=list(FIRM_COLUMNS), series_firms="all"),
    )


@dataclass(frozen=True)
class CheckRef:
    """A non-illustration check of an emergent pattern and the arms (pattern key -> arm) it reads."""

    uid: str  # "<pattern id>.<check index>"
    pattern: str
    index: int
    name: str
    criterion: str
    direction: int
    band: tuple[float, float] | None
    arms: dict[str, Arm]


def _probe_table(rng: np.random.Generator) -> pd.DataFrame:
    """A synthetic firm table (8 firms, quarters 0-40, every firm column) to find which arms a check reads."""
    import pandas as pd

    from orgsim.model.records import FIRM_COLUMNS

    steps, firms = np.meshgrid(np.arange(41), np.arange(8), indexing="ij")
    data = {"step": steps.ravel(), "firm": firms.ravel()}
    data.update({c: rng.uniform(0.1, 1.0, steps.size) for c in FIRM_COLUMNS})
    return pd.DataFrame(data)


class _Recorder(dict):
    """A dict that records the keys read from it."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)


def arms_read(check: Check, pattern: Pattern) -> dict[str, Arm]:
    """The pattern's arms a check's statistic reads (all of them if the probe cannot tell)."""
    table = _probe_table(np.random.default_rng(0))
    rec = _Recorder({k: table.copy() for k in pattern.arms})
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            check.statistic(rec)
    except Exception:  # the probe's table is synthetic: a statistic may fail on it; then take every arm
        return dict(pattern.arms)
    return {k: a for k, a in pattern.arms.items() if k in rec.read} or dict(pattern.arms)


def emergent_checks(pats: Iterable[Pattern] | None = None) -> list[CheckRef]:
    """Every non-illustration check of every emergent pattern, with the arms it reads."""
    from orgsim.validation.patterns import EMERGENT, patterns

    out = []
    for p in pats if pats is not None else patterns():
        if p.pattern_class != EMERGENT:
            continue
        for i, c in enumerate(p.checks):
            if getattr(c, "illustration", False):
                continue
            out.append(
                CheckRef(f"{p.id}.{i}", p.id, i, c.name, c.criterion(), int(c.direction), c.band, arms_read(c, p))
            )
    return out


def needed_arms(checks: Sequence[CheckRef], markets: Sequence[str] = MARKETS) -> list[Arm]:
    """The distinct arms: those the checks read, then the markets."""
    from orgsim.validation.patterns import Arm

    arms = [a for c in checks for a in c.arms.values()] + [Arm(m) for m in markets]
    return list(dict.fromkeys(arms))


def store_path(root: Path, arm: Arm, spec: Spec) -> Path:
    """``root/<arm slug>-<8 hex of the sweep's spec hash>`` (spec and resolved scenario, as the store's
    ``_sweep.json`` records it): other settings or an edited scenario make another store, not an error."""
    from orgsim.experiments.design import base_config
    from orgsim.io import config_hash

    base = base_config(spec).model_dump(mode="json")
    digest = config_hash({"spec": spec.model_dump(mode="json"), "base": base})[:8]
    return Path(root) / f"{arm_slug(arm)}-{digest}"


# -- the statistics per replication ---------------------------------------------------------------


def hold_matrix(means: np.ndarray, direction: int, band: tuple[float, float] | None) -> np.ndarray:
    """Whether each point mean meets a check's criterion read as a sign (or lies in its band)."""
    m = np.asarray(means, dtype=float)
    ok = np.isfinite(m)
    with np.errstate(invalid="ignore"):
        if band is not None:
            met = (m >= band[0]) & (m <= band[1])
        else:
            met = direction * m > 0
    return ok & met


def _batch_values(job: tuple[Any, ...]) -> Any:
    """Per-replication values of the checks for design points lo..hi-1 (runs in a worker process).

    ``job`` = (arm slug -> store path, [(uid, pattern id, check index, pattern key -> arm slug)], lo, hi,
    reps, uid -> check name). Returns (uid -> values of shape (hi - lo, reps), uid -> [errors, first message]).
    """
    from orgsim.experiments.design import run_id
    from orgsim.experiments.store import load
    from orgsim.validation.patterns import patterns

    stores, checks, lo, hi, reps, names = job
    by_id = {p.id: p for p in patterns()}
    ids = [run_id(pt, r) for pt in range(lo, hi) for r in range(reps)]
    frames: dict[str, dict[str, Any]] = {}
    for slug in sorted({s for *_, keys in checks for s in keys.values()}):
        df = load(stores[slug], "series", run_ids=ids)
        df = df.drop(columns=["point", "rep"])
        frames[slug] = {rid: g.drop(columns="run_id").reset_index(drop=True) for rid, g in df.groupby("run_id")}
    out = {uid: np.full((hi - lo, reps), np.nan) for uid, *_ in checks}
    errors: dict[str, list[Any]] = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for uid, pid, idx, keys in checks:
            check = by_id[pid].checks[idx] if pid in by_id and idx < len(by_id[pid].checks) else None
            if check is None or check.name != names[uid]:
                raise ConfigError(f"robustness: the pattern file changed while the screen ran ({uid} is gone)")
            for i, pt in enumerate(range(lo, hi)):
                for r in range(reps):
                    rid = run_id(pt, r)
                    tables = {k: frames[s].get(rid) for k, s in keys.items()}
                    if any(t is None for t in tables.values()):
                        continue  # a failed run: no value
                    try:
                        out[uid][i, r] = float(check.statistic(tables))
                    except Exception as err:  # a statistic undefined at this point: NaN, counted and reported
                        e = errors.setdefault(uid, [0, f"{type(err).__name__}: {err}"[:200]])
                        e[0] += 1
    return out, errors


# -- decomposition, intervals ----------------------------------------------------------------------


def wilson(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval of a binomial share k / n."""
    from scipy.stats import norm

    if n <= 0:
        return float("nan"), float("nan")
    z = float(norm.ppf(0.5 + level / 2.0))
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def cluster_bootstrap_share(
    flags: np.ndarray, clusters: np.ndarray, rng: np.random.Generator, level: float = LEVEL, resamples: int = BOOT
) -> tuple[float, float]:
    """Percentile interval of a share, resampling whole clusters (Morris trajectories) with replacement."""
    flags = np.asarray(flags, dtype=float)
    codes, inverse = np.unique(clusters, return_inverse=True)
    k = np.bincount(inverse, weights=flags, minlength=len(codes))
    n = np.bincount(inverse, minlength=len(codes)).astype(float)
    if len(codes) < 2:
        return float("nan"), float("nan")
    idx = rng.integers(0, len(codes), size=(resamples, len(codes)))
    shares = k[idx].sum(axis=1) / n[idx].sum(axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(shares, [alpha, 1 - alpha])
    return float(lo), float(hi)


ANOVA_PARTS = ("parameter", "market", "interaction", "seed")


def two_way_anova(y: np.ndarray) -> dict[str, Any]:
    """Two-way ANOVA with replication of a balanced array ``y[point, market, rep]``.

    Returns the sums of squares, degrees of freedom and mean squares of parameter (points), market,
    their interaction and seed (within cells), the sum-of-squares shares (summing to 1) and the
    variance-component shares (expected mean squares of the random-effects model, negative estimates
    set to 0, summing to 1). NaN shares for a constant outcome.
    """
    y = np.asarray(y, dtype=float)
    a, b, n = y.shape
    grand = y.mean()
    cell = y.mean(axis=2)
    row = cell.mean(axis=1)
    col = cell.mean(axis=0)
    ss = {
        "parameter": b * n * float(((row - grand) ** 2).sum()),
        "market": a * n * float(((col - grand) ** 2).sum()),
        "interaction": n * float(((cell - row[:, None] - col[None, :] + grand) ** 2).sum()),
        "seed": float(((y - cell[:, :, None]) ** 2).sum()),
    }
    df = {"parameter": a - 1, "market": b - 1, "interaction": (a - 1) * (b - 1), "seed": a * b * (n - 1)}
    ms = {k: ss[k] / df[k] if df[k] > 0 else float("nan") for k in ss}
    total = float(((y - grand) ** 2).sum())
    shares = {k: ss[k] / total if total > 0 else float("nan") for k in ss}
    comp = {
        "seed": ms["seed"],
        "interaction": max(0.0, (ms["interaction"] - ms["seed"]) / n) if b > 1 else 0.0,
        "parameter": max(0.0, (ms["parameter"] - (ms["interaction"] if b > 1 else ms["seed"])) / (b * n)),
        "market": max(0.0, (ms["market"] - ms["interaction"]) / (a * n)) if b > 1 else 0.0,
    }
    comp_total = sum(v for v in comp.values() if np.isfinite(v))
    comp_shares = {k: comp[k] / comp_total if comp_total > 0 else float("nan") for k in ANOVA_PARTS}
    return {
        "ss": ss,
        "df": df,
        "ms": ms,
        "ss_total": total,
        "shares": shares,
        "components": comp,
        "component_shares": comp_shares,
    }


# -- the result ------------------------------------------------------------------------------------


@dataclass
class RobustnessResult:
    """Everything the robustness section reports (see the module docstring)."""

    settings: dict[str, Any]
    factors: list[dict[str, Any]]  # name, group, default, reference and range per arm
    excluded: dict[str, str]
    checks: list[CheckRef]
    values: dict[str, np.ndarray]  # uid -> (points, reps) per-replication statistic
    clusters: np.ndarray  # trajectory of each point
    shares: list[dict[str, Any]]  # per pattern and "all emergent"
    check_shares: list[dict[str, Any]]
    morris: pd.DataFrame  # uid, pattern, check, factor, mu_star, mu_star_conf, sigma, mu, rank
    morris_skipped: dict[str, str]
    variance: pd.DataFrame  # outcome, n_points, shares and component shares
    seed_variance: pd.DataFrame  # analysis.seed_variance per market (cross-check)
    p11: list[dict[str, Any]]
    errors: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def point_means(self) -> dict[str, np.ndarray]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return {uid: np.nanmean(v, axis=1) for uid, v in self.values.items()}

    def holds(self) -> dict[str, np.ndarray]:
        """Per emergent pattern (and "all") whether it holds at each point."""
        return pattern_holds(self.checks, self.point_means)

    def as_dict(self, full: bool = False) -> dict[str, Any]:
        """JSON-safe (non-finite numbers as None). Without ``full``: the Morris table's top :data:`TOP`
        factors per statistic (the full table is :func:`morris_csv`), P11's histogram and the per-point
        verdicts as strings of 0/1 (point order); ``full`` adds every factor's indices, every run's
        statistic (``values``) and P11's per-run values."""
        holds = self.holds()
        p11 = self.p11 if full else [{k: v for k, v in d.items() if k != "values"} for d in self.p11]
        return _finite(
            {
                "settings": self.settings,
                "rule": RULE,
                "factors": self.factors,
                "excluded": self.excluded,
                "checks": [
                    {
                        "uid": c.uid,
                        "pattern": c.pattern,
                        "name": c.name,
                        "criterion": c.criterion,
                        "direction": c.direction,
                        "band": list(c.band) if c.band else None,
                        "arms": {k: a.label() for k, a in c.arms.items()},
                    }
                    for c in self.checks
                ],
                "shares": self.shares,
                "check_shares": self.check_shares,
                "morris": (self.morris if full else top_factors(self.morris)).to_dict(orient="records"),
                "morris_rows": "all" if full else f"top {TOP} per statistic (all in robustness_morris.csv)",
                "morris_skipped": self.morris_skipped,
                "variance": self.variance.to_dict(orient="records"),
                "seed_variance": self.seed_variance.to_dict(orient="records"),
                "p11": p11,
                "errors": self.errors,
                "points": {k: "".join("1" if x else "0" for x in v) for k, v in holds.items()},
                **({"values": {uid: v.tolist() for uid, v in self.values.items()}} if full else {}),
            }
        )


def _finite(obj: Any) -> Any:
    """JSON-safe: non-finite floats as None, numpy scalars as Python numbers, tuples as lists."""
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


ALL = "all emergent"


def pattern_holds(checks: Sequence[CheckRef], means: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per pattern: every one of its checks' point means meets its criterion; ``ALL``: every pattern holds."""
    out: dict[str, np.ndarray] = {}
    for c in checks:
        met = hold_matrix(means[c.uid], c.direction, c.band)
        out[c.pattern] = out[c.pattern] & met if c.pattern in out else met
    if out:
        out[ALL] = np.logical_and.reduce(list(out.values()))
    return out


# -- running ---------------------------------------------------------------------------------------


def run(
    store_root: str | Path = DEFAULT_STORE,
    workers: int = 1,
    customers: int = CUSTOMERS,
    trajectories: int = TRAJECTORIES,
    reps: int = REPS,
    progress: Callable[[int, int], None] | None = None,
    *,
    factors: Sequence[str] | None = None,
    master_seed: int = MASTER_SEED,
    design_seed: int = DESIGN_SEED,
    allow_code_change: bool = False,
) -> RobustnessResult:
    """Sweep every arm's Morris design into ``store_root`` (resumable) and analyse it.

    ``factors`` restricts the factors (tests; the report uses every factor). ``progress(done, total)``
    counts the runs over all arms (runs already in the stores count as done), then the replications
    (point, rep) whose statistics are recomputed from the stores: total = runs + points × reps.
    """
    from orgsim.experiments.sweep import sweep
    from orgsim.extras import require

    require("experiments", "SALib", what="the robustness screen")
    if workers < 1 or customers < 1 or trajectories < 2 or reps < 2:
        raise ConfigError("robustness: need workers ≥ 1, customers ≥ 1, trajectories ≥ 2 and reps ≥ 2")
    start = time.perf_counter()
    root = Path(store_root)
    checks = emergent_checks()
    if not checks:
        raise ConfigError("robustness: no emergent pattern has a check to screen")
    arms = needed_arms(checks)
    kw = dict(customers=customers, trajectories=trajectories, reps=reps, factors=factors)
    specs = {arm: arm_spec(arm, master_seed=master_seed, design_seed=design_seed, **kw) for arm in arms}
    paths = {arm: store_path(root, arm, spec) for arm, spec in specs.items()}
    n_points = trajectories * (len(specs[arms[0]].factors) + 1)
    per_arm = n_points * reps
    total = per_arm * len(arms)
    reports = {}
    for i, arm in enumerate(arms):
        base = i * per_arm

        def arm_progress(done: int, todo: int, base: int = base) -> None:
            if progress:
                progress(base + per_arm - todo + done, total + n_points * reps)

        reports[arm] = sweep(
            specs[arm], paths[arm], workers=workers, allow_code_change=allow_code_change, progress=arm_progress
        )
    sweep_wall = time.perf_counter() - start

    def batch_progress(done: int) -> None:
        if progress:
            progress(total + min(n_points, done * BATCH) * reps, total + n_points * reps)

    values, errors = _values(checks, paths, n_points, reps, workers, batch_progress)
    result = analyse(
        checks,
        values,
        paths,
        specs,
        n_points=n_points,
        reps=reps,
        trajectories=trajectories,
        design_seed=design_seed,
    )
    result.errors = errors
    from orgsim.experiments.store import code_versions
    from orgsim.io import code_version

    versions: dict[str, int] = {}
    for path in paths.values():
        for v, n in code_versions(path).items():
            versions[v] = versions.get(v, 0) + n
    result.settings.update(
        {
            "customers": customers,
            "trajectories": trajectories,
            "levels": LEVELS,
            "reps": reps,
            "master_seed": master_seed,
            "design_seed": design_seed,
            "n_factors": len(specs[arms[0]].factors),
            "n_points": n_points,
            "n_arms": len(arms),
            "n_runs": total,
            "runs_new": sum(r.ok + r.failed for r in reports.values()),
            "runs_failed": sum(r.failed_in_store for r in reports.values()),
            "arms": {arm_slug(a): {"label": a.label(), "store": str(paths[a])} for a in arms},
            "workers": workers,
            "wall_time_sweeps": round(sweep_wall, 1),
            "wall_time": round(time.perf_counter() - start, 1),
            "code_versions": versions,
            "code_version_now": code_version(),
        }
    )
    return result


def _values(
    checks: Sequence[CheckRef],
    paths: Mapping[Arm, Path],
    n_points: int,
    reps: int,
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, list[Any]]]:
    """Recompute every check's statistic per (point, rep) from the stores, in batches of :data:`BATCH`
    points; ``progress(batches done)``."""
    stores = {arm_slug(a): str(p) for a, p in paths.items()}
    plan = [(c.uid, c.pattern, c.index, {k: arm_slug(a) for k, a in c.arms.items()}) for c in checks]
    names = {c.uid: c.name for c in checks}
    jobs = [(stores, plan, lo, min(lo + BATCH, n_points), reps, names) for lo in range(0, n_points, BATCH)]
    if workers > 1 and len(jobs) > 1:
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        with ProcessPoolExecutor(workers, mp_context=get_context("forkserver")) as pool:
            parts = []
            for part in pool.map(_batch_values, jobs):
                parts.append(part)
                if progress:
                    progress(len(parts))
    else:
        parts = []
        for job in jobs:
            parts.append(_batch_values(job))
            if progress:
                progress(len(parts))
    values = {c.uid: np.concatenate([p[0][c.uid] for p in parts], axis=0) for c in checks}
    errors: dict[str, list[Any]] = {}
    for _, errs in parts:
        for uid, (n, msg) in errs.items():
            e = errors.setdefault(uid, [0, msg])
            e[0] += n
    return values, errors


def analyse(
    checks: Sequence[CheckRef],
    values: Mapping[str, np.ndarray],
    paths: Mapping[Arm, Path],
    specs: Mapping[Arm, Spec],
    *,
    n_points: int,
    reps: int,
    trajectories: int,
    design_seed: int = DESIGN_SEED,
) -> RobustnessResult:
    """Shares, Morris indices, variance decomposition and the P11 distribution from the values and stores."""
    import pandas as pd

    from orgsim.experiments.store import read_design, read_meta

    arms = list(paths)
    k = len(specs[arms[0]].factors)
    clusters = np.arange(n_points) // (k + 1)
    res = RobustnessResult(
        settings={},
        factors=_factor_table(specs),
        excluded=excluded(),
        checks=list(checks),
        values={uid: np.asarray(v, dtype=float) for uid, v in values.items()},
        clusters=clusters,
        shares=[],
        check_shares=[],
        morris=pd.DataFrame(),
        morris_skipped={},
        variance=pd.DataFrame(),
        seed_variance=pd.DataFrame(),
        p11=[],
    )
    rng = np.random.default_rng(design_seed)
    holds = res.holds()
    for name, flags in holds.items():
        hits, n = int(flags.sum()), len(flags)
        lo, hi = wilson(hits, n)
        blo, bhi = cluster_bootstrap_share(flags, clusters, rng)
        res.shares.append(
            {
                "pattern": name,
                "holds": hits,
                "points": n,
                "share": hits / n if n else float("nan"),
                "wilson_low": lo,
                "wilson_high": hi,
                "boot_low": blo,
                "boot_high": bhi,
            }
        )
    means = res.point_means
    for c in checks:
        met = hold_matrix(means[c.uid], c.direction, c.band)
        m = means[c.uid]
        res.check_shares.append(
            {
                "uid": c.uid,
                "pattern": c.pattern,
                "check": c.name,
                "criterion": c.criterion,
                "share": float(met.mean()) if len(met) else float("nan"),
                "finite": int(np.isfinite(m).sum()),
                "median": float(np.nanmedian(m)) if np.isfinite(m).any() else float("nan"),
                "q05": float(np.nanquantile(m, 0.05)) if np.isfinite(m).any() else float("nan"),
                "q95": float(np.nanquantile(m, 0.95)) if np.isfinite(m).any() else float("nan"),
            }
        )
    # Morris on the pattern statistics (X: the design of the check's first arm; unscaled effects
    # use SALib's Δ, so every arm's design gives the same indices)
    rows: list[dict[str, Any]] = []
    for j, c in enumerate(checks):
        y = means[c.uid]
        first = next(iter(c.arms.values()))
        meta = read_meta(paths[first])
        prob = {key: meta["design"]["problem"][key] for key in ("num_vars", "names", "bounds")}
        x = read_design(paths[first])[prob["names"]].to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(y))
        if len(bad):
            res.morris_skipped[c.uid] = f"{len(bad)} of {n_points} points without a finite value: no Morris indices"
            continue
        if np.ptp(y) == 0:
            res.morris_skipped[c.uid] = "constant at every point"
            continue
        from SALib.analyze import morris

        sub_seed = int(np.random.SeedSequence([design_seed, j]).generate_state(1)[0])
        out = morris.analyze(
            prob, x, y, num_resamples=1000, conf_level=LEVEL, print_to_console=False, num_levels=LEVELS, seed=sub_seed
        )
        order = np.argsort(-np.asarray(out["mu_star"], dtype=float), kind="stable")
        rank = np.empty(len(order), dtype=int)
        rank[order] = np.arange(1, len(order) + 1)
        for i, name in enumerate(prob["names"]):
            rows.append(
                {
                    "uid": c.uid,
                    "pattern": c.pattern,
                    "check": c.name,
                    "factor": name,
                    "mu_star": float(out["mu_star"][i]),
                    "mu_star_conf": float(out["mu_star_conf"][i]),
                    "sigma": float(out["sigma"][i]),
                    "mu": float(out["mu"][i]),
                    "rank": int(rank[i]),
                }
            )
    res.morris = pd.DataFrame(
        rows, columns=["uid", "pattern", "check", "factor", "mu_star", "mu_star_conf", "sigma", "mu", "rank"]
    )
    res.variance, res.seed_variance = _variance(paths, n_points, reps)
    # P11: the distribution over runs of its checks' per-replication values
    for c in checks:
        if c.pattern != P11:
            continue
        v = res.values[c.uid]
        flat = v[np.isfinite(v)]
        m = means[c.uid]
        q = np.quantile(flat, [0.05, 0.25, 0.5, 0.75, 0.95]) if len(flat) else [float("nan")] * 5
        counts, edges = np.histogram(flat, bins=HIST_BINS) if len(flat) else (np.zeros(0), np.zeros(0))
        res.p11.append(
            {
                "uid": c.uid,
                "check": c.name,
                "criterion": c.criterion,
                "runs": int(v.size),
                "finite": len(flat),
                "mean": float(flat.mean()) if len(flat) else float("nan"),
                "q05": float(q[0]),
                "q25": float(q[1]),
                "median": float(q[2]),
                "q75": float(q[3]),
                "q95": float(q[4]),
                "share_runs_above_0": float((flat > 0).mean()) if len(flat) else float("nan"),
                "share_points_above_0": float((m > 0).mean()) if len(m) else float("nan"),
                "hist_edges": edges.tolist(),
                "hist_counts": counts.astype(int).tolist(),
                "values": flat.tolist(),
            }
        )
    return res


def _factor_table(specs: Mapping[Arm, Spec]) -> list[dict[str, Any]]:
    """Per factor: group, schema default, and the range of every arm (baseline's first when present)."""
    from orgsim.scenario.specs import param_spec

    arms = list(specs)
    out = []
    for i, f in enumerate(specs[arms[0]].factors):
        ps = param_spec(f.param)
        ranges = {arm_slug(a): list(specs[a].factors[i].range or ()) for a in arms}
        common = ranges.get("baseline") or next(iter(ranges.values()))
        other = {a: r for a, r in ranges.items() if r != common}
        out.append({"factor": f.param, "group": ps.group, "default": ps.default, "range": common, "other_arms": other})
    return out


def _variance(paths: Mapping[Arm, Path], n_points: int, reps: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two-way decomposition per outcome over the markets, and the one-way seed share per market."""
    import pandas as pd

    from orgsim.api import OUTCOMES
    from orgsim.experiments.analysis import seed_variance
    from orgsim.experiments.store import load

    markets = [a for a in paths if a.scenario in MARKETS and not a.overrides]
    markets.sort(key=lambda a: MARKETS.index(a.scenario))
    runs = {a.scenario: load(paths[a], "runs") for a in markets}
    rows = []
    for outcome in OUTCOMES:
        y = np.full((n_points, len(markets), reps), np.nan)
        for j, a in enumerate(markets):
            df = runs[a.scenario]
            vals = pd.to_numeric(df[outcome], errors="coerce").to_numpy(dtype=float)
            y[df["point"].to_numpy(dtype=int), j, df["rep"].to_numpy(dtype=int)] = vals
        keep = np.isfinite(y).all(axis=(1, 2))
        row: dict[str, Any] = {"outcome": outcome, "n_points": int(keep.sum()), "dropped_points": int((~keep).sum())}
        if keep.sum() >= 2 and len(markets) >= 1:
            a = two_way_anova(y[keep])
            row.update({f"share_{k}": a["shares"][k] for k in ANOVA_PARTS})
            row.update({f"component_{k}": a["component_shares"][k] for k in ANOVA_PARTS})
            row["ss_total"] = a["ss_total"]
        rows.append(row)
    cols = ["outcome", "n_points", "dropped_points", "ss_total"]
    cols += [f"share_{k}" for k in ANOVA_PARTS] + [f"component_{k}" for k in ANOVA_PARTS]
    table = pd.DataFrame(rows).reindex(columns=cols)
    one_way = []
    for market, df in runs.items():
        sv = seed_variance(df, list(OUTCOMES), resamples=0)
        sv.insert(0, "market", market)
        one_way.append(sv)
    return table, (pd.concat(one_way, ignore_index=True) if one_way else pd.DataFrame())


# -- figures and Markdown --------------------------------------------------------------------------

FIG_SHARES = "robustness_shares.png"
FIG_P11 = "robustness_p11.png"


def save_figures(result: RobustnessResult, img_dir: str | Path, dpi: int = 100) -> list[Path]:
    """The robustness figures (hold shares; P11's distribution over runs) as PNGs in ``img_dir``."""
    from orgsim.io import atomic_write, prepare_dir
    from orgsim.plot import new_figure

    img = prepare_dir(img_dir)
    out = []
    if result.shares:
        fig = new_figure((6.4, 0.5 * len(result.shares) + 1.4))
        ax = fig.subplots()
        names = [s["pattern"] for s in result.shares]
        share = np.array([s["share"] for s in result.shares])
        lo = np.array([s["wilson_low"] for s in result.shares])
        hi = np.array([s["wilson_high"] for s in result.shares])
        pos = np.arange(len(names))[::-1]
        ax.barh(pos, share, color=["#ff7f0e" if n == ALL else "#1f77b4" for n in names])
        ax.errorbar(share, pos, xerr=[share - lo, hi - share], fmt="none", color="black", capsize=3)
        ax.set_yticks(pos, names)
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of design points where the pattern holds (95 % Wilson interval)")
        ax.set_title(f"Emergent patterns over {result.settings.get('n_points', '?')} Morris points", fontsize="medium")
        out.append(
            atomic_write(
                img / FIG_SHARES, lambda fh: fig.savefig(fh, format="png", dpi=dpi, metadata={"Software": None})
            )
        )
    if result.p11:
        n = len(result.p11)
        fig = new_figure((4.6 * n + 0.4, 3.8))
        axes = fig.subplots(1, n, squeeze=False)[0]
        for ax, d in zip(axes, result.p11, strict=True):
            edges, counts = np.asarray(d["hist_edges"]), np.asarray(d["hist_counts"])
            if len(counts):
                ax.stairs(counts, edges, fill=True, color="#1f77b4", alpha=0.85)
            ax.axvline(0, color="black", lw=1)
            ax.set_title(_wrap(d["check"], 48), fontsize="small")
            ax.set_xlabel(f"per-run value; share > 0: {num(d['share_runs_above_0'])}")
            ax.set_ylabel("runs")
        fig.suptitle(f"P11 over {result.p11[0]['runs']} runs (all points and replications)", fontsize="medium")
        out.append(
            atomic_write(img / FIG_P11, lambda fh: fig.savefig(fh, format="png", dpi=dpi, metadata={"Software": None}))
        )
    return out


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def _pct(x: Any) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:.1f} %"


def markdown(result: RobustnessResult, img_rel: str = "img") -> str:
    """The report's "## Robustness" section (figures linked as ``img_rel/robustness_*.png``)."""
    s = result.settings
    img = img_rel.rstrip("/")
    arms = s.get("arms", {})
    lines = [
        "## Robustness",
        "",
        "Do the emergent patterns survive away from the default parameters? One Morris screen over every "
        "assumed parameter, run through the experiment machinery (`orgsim.experiments.sweep` into one store "
        "per arm), with each emergent pattern's statistics recomputed in every run.",
        "",
        "### Method (pre-registered: fixed and committed before the screen was first run at these settings)",
        "",
        f"- **Rule.** {RULE}",
        f"- **Design.** Morris elementary effects (SALib): {s.get('trajectories')} trajectories on a "
        f"{s.get('levels')}-level grid over {s.get('n_factors')} factors = {s.get('n_points')} design points, "
        f"{s.get('reps')} replications each, {s.get('customers')} customers per market; design seed "
        f"{s.get('design_seed')} and master seed {s.get('master_seed')} in every arm, so point *i* is the same "
        "multiple of each factor's reference value in every arm (up to clipping) and replication *r* of "
        "point *i* has the same seed in every arm: the arms of a replication are paired.",
        f"- **Arms** ({s.get('n_arms')}; {s.get('n_runs')} runs): "
        + "; ".join(f"`{v['label']}`" for v in arms.values())
        + ". The arms the non-illustration checks of the emergent patterns read, plus the markets "
        "baseline, digital_shift and downturn of the variance decomposition. Illustrations (focal-firm "
        "contrasts) are not part of the verdict and are left out.",
        "- **What holding means here.** A pattern holds at a point when each of its checks' mean over the "
        f"point's {s.get('reps')} replications has the criterion's sign (or lies in its band). This is **weaker** "
        "than the main validation's test (a 95 % confidence interval at the defaults, over its replications): "
        "the shares below say where each pattern's *direction* survives, not where it is significant. "
        "**Knockouts are not evaluated across the space.** The Wilson interval treats points as independent; "
        "points of one Morris trajectory are not (they differ in one factor at a time), so a percentile "
        f"bootstrap over the {s.get('trajectories')} trajectories is shown as well.",
        "- **Morris indices** are computed on each check's per-point mean over replications: μ* (mean absolute "
        "elementary effect: the change of the statistic per step of 2/3 of a factor's range), its 95 % "
        "bootstrap half-width and σ (spread of the effects: interactions or non-linearity).",
        "",
    ]
    lines += [
        "| setting | value |",
        "|---|---|",
        f"| runs (new in this invocation) | {s.get('n_runs')} ({s.get('runs_new')}) |",
        f"| failed runs in the stores | {s.get('runs_failed')} |",
        f"| wall time (sweeps; total) | {s.get('wall_time_sweeps')} s; {s.get('wall_time')} s on {s.get('workers')} worker(s) |",
        f"| code version of the runs | {', '.join(f'`{v}` ({n})' for v, n in (s.get('code_versions') or {}).items())} |",
        f"| code version of this report | `{s.get('code_version_now')}` |",
        "",
    ]
    others = [v for v in (s.get("code_versions") or {}) if v != s.get("code_version_now")]
    if others:
        lines += [
            f"Runs in the stores were made by another code version ({', '.join(others)}) than this report's: a "
            "complete store is reused, not rerun. Remove the stores (default `runs/robustness/`) to rerun them "
            "with this code.",
            "",
        ]
    lines += ["### Where the emergent patterns hold", ""]
    rows = []
    for d in result.shares:
        name = f"**{d['pattern']} together**" if d["pattern"] == ALL else d["pattern"]
        rows.append(
            [
                name,
                f"{d['holds']} / {d['points']}",
                f"**{_pct(d['share'])}**" if d["pattern"] == ALL else _pct(d["share"]),
                f"{_pct(d['wilson_low'])} – {_pct(d['wilson_high'])}",
                f"{_pct(d['boot_low'])} – {_pct(d['boot_high'])}",
            ]
        )
    lines += md_table(["pattern", "points where it holds", "share", "95 % Wilson", "95 % trajectory bootstrap"], rows)
    lines += ["", f"![hold shares of the emergent patterns]({img}/{FIG_SHARES})", ""]
    lines += ["Per check (the share of points whose mean meets the criterion; quantiles of the point means):", ""]
    lines += md_table(
        ["check", "statistic", "criterion", "share", "5 %", "median", "95 %"],
        [
            [c["uid"], c["check"], c["criterion"], _pct(c["share"]), num(c["q05"]), num(c["median"]), num(c["q95"])]
            for c in result.check_shares
        ],
    )
    lines += ["", "### Morris screening of the pattern statistics", ""]
    lines += [
        f"Top {TOP} factors by μ* for each statistic (the JSON's `robustness.morris` holds the same rows; the "
        "full table, every factor, is `robustness_morris.csv` beside `validation.json`).",
        "",
    ]
    for c in result.checks:
        lines += [f"**{c.uid}** — {c.name} ({c.criterion})", ""]
        if c.uid in result.morris_skipped:
            lines += [f"No indices: {result.morris_skipped[c.uid]}.", ""]
            continue
        d = top_factors(result.morris[result.morris["uid"] == c.uid])
        lines += md_table(
            ["rank", "factor", "μ*", "± 95 %", "σ", "μ"],
            [
                [
                    int(r["rank"]),
                    f"`{r['factor']}`",
                    num(r["mu_star"]),
                    num(r["mu_star_conf"]),
                    num(r["sigma"]),
                    num(r["mu"]),
                ]
                for _, r in d.iterrows()
            ],
        )
        lines += [""]
    lines += [
        "### Variance decomposition of the standard outcomes",
        "",
        "Two-way ANOVA with replication of the balanced design point × market (baseline, digital_shift, "
        f"downturn) × {s.get('reps')} replications, at the same points and seeds. Sum-of-squares shares "
        "(they sum to 1): *parameter* between points (averaged over markets), *market* between markets, "
        "*interaction* parameter × market, *seed* within point-market cells. With two replications per cell "
        "seed noise also inflates the parameter and interaction rows (their expected sums of squares hold "
        "(points − 1) and (points − 1)(markets − 1) seed variances); the variance components in brackets "
        "(expected mean squares, random-effects model, negative estimates set to 0, also summing to 1) "
        "remove it.",
        "",
    ]
    vrows = []
    for _, r in result.variance.iterrows():
        vrows.append(
            [f"`{r['outcome']}`"] + [f"{num(r[f'share_{k}'])} ({num(r[f'component_{k}'])})" for k in ANOVA_PARTS]
        )
    lines += md_table(["outcome", "parameter", "market", "parameter × market", "seed"], vrows)
    lines += [""]
    if result.p11:
        lines += ["### P11 as a distribution over runs", ""]
        lines += [
            "Every run's value of P11's checks (all design points and replications of the screen), not only "
            "their means:",
            "",
        ]
        lines += md_table(
            ["check", "runs", "mean", "5 %", "25 %", "median", "75 %", "95 %", "runs > 0", "points (mean) > 0"],
            [
                [
                    d["check"],
                    d["finite"],
                    num(d["mean"]),
                    num(d["q05"]),
                    num(d["q25"]),
                    num(d["median"]),
                    num(d["q75"]),
                    num(d["q95"]),
                    _pct(d["share_runs_above_0"]),
                    _pct(d["share_points_above_0"]),
                ]
                for d in result.p11
            ],
        )
        lines += ["", f"![P11 per run]({img}/{FIG_P11})", ""]
    if result.errors:
        lines += [
            "Statistics that could not be computed in some runs (counted as no value): "
            + "; ".join(f"{uid}: {n} runs ({msg})" for uid, (n, msg) in result.errors.items()),
            "",
        ]
    lines += ["### Factors and ranges", ""]
    lines += [
        "Each factor's range in the baseline-valued arms; arms whose scenario sets the factor to another "
        "value have their own range around it (last column). Excluded assumed parameters: "
        + "; ".join(f"`{k}` ({v})" for k, v in result.excluded.items())
        + ".",
        "",
    ]
    frows = []
    for f in result.factors:
        common, special = f["range"], f["other_arms"]
        frows.append(
            [
                f"`{f['factor']}`",
                f["group"],
                num(f["default"]),
                f"[{num(common[0])}, {num(common[1])}]",
                "; ".join(f"{a}: [{num(r[0])}, {num(r[1])}]" for a, r in special.items()) or "—",
            ]
        )
    lines += md_table(["factor", "group", "default", "range", "other arms"], frows)
    return "\n".join(lines)


def headline(result: RobustnessResult) -> str:
    """One line for the report's headline: where each emergent pattern's direction holds over the screen."""
    per = [d for d in result.shares if d["pattern"] != ALL]
    together = next((d for d in result.shares if d["pattern"] == ALL), None)
    parts = ", ".join(f"{d['pattern']} {_pct(d['share'])}" for d in per)
    text = (
        f"Robustness (Morris screen over {len(result.factors)} assumed parameters, {together['points'] if together else '?'} "
        f"points, direction of the mean only, no knockouts): each emergent pattern holds at {parts} of the points"
    )
    if together is not None:
        text += (
            f"; all emergent patterns together at **{_pct(together['share'])}** "
            f"(95 % Wilson {_pct(together['wilson_low'])} – {_pct(together['wilson_high'])})"
        )
    return text + "."


def top_factors(morris: pd.DataFrame, top: int = TOP) -> pd.DataFrame:
    """The ``top`` factors by μ* of each statistic (rows of the Morris table with rank ≤ top)."""
    return morris[morris["rank"] <= top].sort_values(["uid", "rank"], kind="stable").reset_index(drop=True)


def morris_csv(result: RobustnessResult) -> bytes:
    """The full Morris table (every statistic and factor) as CSV bytes."""
    return result.morris.to_csv(index=False, float_format="%.6g").encode("utf-8")
