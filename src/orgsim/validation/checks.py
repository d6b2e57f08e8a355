"""Pattern-oriented validation (Grimm et al. 2005): running and evaluating the pre-registered patterns.

The patterns themselves — arms, statistics, criteria, bands, knockouts and classes — are defined in
:mod:`orgsim.validation.patterns` (the pre-registered file). This module runs their arms and
evaluates them. A pattern PASSes when every check that is not an illustration meets its criterion.
A knockout (one per named channel, and all channels together) PASSes when the pattern FAILS under
it: every knockout-bearing check, evaluated on the knockout arms with the same criterion (sign or
band), fails. The pattern's knockout verdict passes when at least one of its knockouts passes; those
channels *carry* the pattern. The knockout's estimate and the paired per-replication difference
main − knockout (in the check's direction) are reported alongside. A panel check's estimate is the
pooled fixed-effects regression with standard errors clustered by run (see the pattern file); other
checks use the replications' mean with a bootstrap interval. A failing pattern is reported as FAIL,
never forced.

Runs are the model's own runs (``api.simulate``) with seeds spawned from one master seed; arms that
several patterns share are run once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

import numpy as np
import pandas as pd

from orgsim import stats
from orgsim.validation.patterns import (  # noqa: F401  (re-exported: the patterns' API lives on here)
    BASE,
    CLASSES,
    EMERGENT,
    INPUT,
    MECHANICAL,
    SHIFT,
    WALLS,
    WALLS_FLAT,
    Arm,
    Check,
    Knockout,
    Override,
    Pattern,
    Tables,
    cmo_domain_share,
    focal_diff,
    focal_series_diff,
    it_marketing_share,
    mean_of,
    patterns,
    tech_claim_share,
    window,
)

# -- running ---------------------------------------------------------------------------------------


def replication_seeds(master: int, reps: int) -> list[int]:
    """Seeds of the replications, spawned from one master seed (numpy SeedSequence)."""
    children = np.random.SeedSequence(master).spawn(reps)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def _ov(**kw: Any) -> Override:
    """Overrides as a sorted tuple (as the pattern file writes them)."""
    return tuple(sorted(kw.items()))


@dataclass(frozen=True)
class RunKey:
    arm: Arm
    seed: int


def _run_one(args: tuple[Arm, int, dict[str, Any]]) -> pd.DataFrame:
    from orgsim.api import simulate

    arm, seed, size = args
    res = simulate(arm.scenario, seed, **{**size, **dict(arm.overrides)})
    return res.firms


def run_all(
    keys: Iterable[RunKey], size: dict[str, Any], workers: int = 1, progress: Callable[[int, int], None] | None = None
) -> dict[RunKey, pd.DataFrame]:
    """Run every distinct (arm, seed) once; ``workers`` > 1 uses a process pool."""
    todo = list(dict.fromkeys(keys))
    out: dict[RunKey, pd.DataFrame] = {}
    jobs = [(k.arm, k.seed, size) for k in todo]
    if workers <= 1:
        for i, (k, job) in enumerate(zip(todo, jobs, strict=True)):
            out[k] = _run_one(job)
            if progress:
                progress(i + 1, len(todo))
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("forkserver")) as pool:
            for i, (k, df) in enumerate(zip(todo, pool.map(_run_one, jobs, chunksize=4), strict=True)):
                out[k] = df
                if progress:
                    progress(i + 1, len(todo))
    return out


@dataclass
class ChannelCheck:
    """One check under one knockout."""

    estimate: stats.Estimate
    effect: stats.Estimate | None  # paired per-replication main − knockout (in the check's direction)
    passed: bool  # the check FAILS under the knockout


@dataclass
class CheckResult:
    name: str
    criterion: str
    estimate: stats.Estimate
    passed: bool
    knockout: stats.Estimate | None = None  # the statistic under the knockout of all channels together
    knockout_effect: stats.Estimate | None = None  # paired main − knockout (in the pattern's direction)
    knockout_passed: bool | None = None
    illustration: bool = False  # reported, not part of the verdict
    panel: bool = False  # estimate from the pooled panel regression (clustered by run)
    p_value: float | None = None  # a panel check's two-sided p-value
    channels: dict[str, ChannelCheck] = field(default_factory=dict)  # per knockout (channel name)
    by_reps: dict[int, stats.Estimate] = field(default_factory=dict)  # the estimate on the first n replications


@dataclass
class KnockoutResult:
    """One knockout of a pattern: a named channel (or all together) and whether the pattern fails under it."""

    channel: str
    label: str
    overrides: dict[str, Any]
    passed: bool | None  # None: no knockout-bearing check


@dataclass
class PatternResult:
    id: str
    claim: str
    source: str
    kind: str
    arms: dict[str, str]
    knockout_label: str
    mechanism: str
    checks: list[CheckResult] = field(default_factory=list)
    values: dict[str, list[float]] = field(default_factory=dict)
    pattern_class: str = ""  # input, mechanical or emergent (from the pre-registered pattern)
    class_reason: str = ""
    equation: str = ""
    knockouts: list[KnockoutResult] = field(default_factory=list)  # each named channel, then all together

    @property
    def holds(self) -> bool:
        """The pattern passes and at least one of its knockouts fails it."""
        return self.passed and self.knockout_passed

    @property
    def passed(self) -> bool:
        verdict = [c for c in self.checks if not c.illustration]
        return bool(verdict) and all(c.passed for c in verdict)

    @property
    def knockout_passed(self) -> bool:
        """At least one knockout (a named channel, or all channels together) makes the pattern fail."""
        return any(k.passed for k in self.knockouts)

    @property
    def carriers(self) -> list[str]:
        """The channels whose knockout alone makes the pattern fail."""
        named = self.knockouts[:-1] if len(self.knockouts) > 1 else self.knockouts
        return [k.channel for k in named if k.passed]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "claim": self.claim,
            "source": self.source,
            "kind": self.kind,
            "class": self.pattern_class,
            "class_reason": self.class_reason,
            "equation": self.equation,
            "arms": self.arms,
            "mechanism": self.mechanism,
            "knockout": self.knockout_label,
            "passed": self.passed,
            "knockout_passed": self.knockout_passed,
            "carried_by": self.carriers,
            "knockouts": [
                {"channel": k.channel, "label": k.label, "overrides": k.overrides, "passed": k.passed}
                for k in self.knockouts
            ],
            "checks": [
                {
                    "name": c.name,
                    "criterion": c.criterion,
                    "illustration": c.illustration,
                    "panel": c.panel,
                    "estimate": c.estimate.as_dict(),
                    "p_value": c.p_value,
                    "passed": c.passed,
                    "knockout": c.knockout.as_dict() if c.knockout else None,
                    "knockout_effect": c.knockout_effect.as_dict() if c.knockout_effect else None,
                    "knockout_passed": c.knockout_passed,
                    "channels": {
                        name: {
                            "estimate": ch.estimate.as_dict(),
                            "effect": ch.effect.as_dict() if ch.effect else None,
                            "passed": ch.passed,
                        }
                        for name, ch in c.channels.items()
                    },
                    "by_reps": {str(n): e.as_dict() for n, e in c.by_reps.items()},
                }
                for c in self.checks
            ],
            "values": self.values,
        }


def check_verdict(check: Check, est: stats.Estimate) -> bool:
    """Whether an estimate meets a check's criterion: a band contains the mean; a sign check's CI excludes 0."""
    if not np.isfinite(est.value):
        return False
    if check.band is not None:
        return check.band[0] <= est.value <= check.band[1]
    return est.low > 0 if check.direction > 0 else est.high < 0


def _arms(pattern: Pattern, extra: Override = ()) -> tuple[dict[str, Arm], dict[str, dict[str, Arm]]]:
    """The pattern's arms (with ``extra`` overrides, e.g. a sensitivity setting) and, per knockout
    (channel name), its knockout arms."""
    arms = {k: a.with_(extra) for k, a in pattern.arms.items()}
    return arms, {ko.channel: {k: a.with_(ko.overrides) for k, a in arms.items()} for ko in pattern.knockouts()}


#: replications at which each check's estimate is also recomputed on the first n (the report's Replications table)
REPLICATION_STEPS = (5, 10, 15, 20, 30)


def _estimator(
    check: Check, tables: list[Tables], values: np.ndarray, rng: np.random.Generator
) -> Callable[[int], tuple[stats.Estimate, float | None]]:
    """The check's estimate on the first n replications: the pooled panel regression or the bootstrap mean."""
    if check.panel is None:
        return lambda n: (stats.bootstrap_mean(values[:n], rng), None)
    frames = []
    for i, t in enumerate(tables):
        f = check.panel(t)
        frames.append(f.assign(run=i, run_year=[f"{i}:{y}" for y in f["year"]]))
    stacked = pd.concat(frames, ignore_index=True)
    return lambda n: stats.clustered_fe_slope(stacked[stacked["run"] < n], "y", "x", ("firm",), "run", "run_year")


def evaluate(
    pattern: Pattern,
    seeds: list[int],
    runs: dict[RunKey, pd.DataFrame],
    rng: np.random.Generator,
    extra: Override = (),
) -> PatternResult:
    """Statistics, verdicts and knockouts of one pattern from finished runs."""
    arms, ko_arms = _arms(pattern, extra)
    knockouts = pattern.knockouts()
    res = PatternResult(
        pattern.id,
        pattern.claim,
        pattern.source,
        pattern.kind,
        {k: a.label() for k, a in arms.items()},
        pattern.knockout_label,
        pattern.mechanism,
        pattern_class=pattern.pattern_class,
        class_reason=pattern.class_reason,
        equation=pattern.equation,
    )
    for check in pattern.checks:
        tables = [{k: runs[RunKey(a, s)] for k, a in arms.items()} for s in seeds]
        main = np.array([check.statistic(t) for t in tables])
        estimate = _estimator(check, tables, main, rng)
        est, p_value = estimate(len(seeds))
        cr = CheckResult(
            check.name,
            check.criterion(),
            est,
            check_verdict(check, est),
            illustration=check.illustration,
            panel=check.panel is not None,
            p_value=p_value,
        )
        cr.by_reps = {n: estimate(n)[0] for n in REPLICATION_STEPS if n < len(seeds)}
        res.values[check.name] = [float(x) for x in main]
        if check.knockout and not check.illustration:
            for ko in knockouts:
                used = {k: a for k, a in ko_arms[ko.channel].items() if not check.arms or k in check.arms}
                ko_tables = [{k: runs[RunKey(a, s)] for k, a in used.items()} for s in seeds]
                values = np.array([check.statistic(t) for t in ko_tables])
                ko_est = _estimator(check, ko_tables, values, rng)(len(seeds))[0]
                effect = stats.bootstrap_mean((main - values) * check.direction, rng) if check.direction else None
                # the knockout passes only when the check, with the same criterion, FAILS on the knockout arms;
                # a statistic that cannot be computed under the knockout (non-finite) shows nothing: no pass
                failed = bool(np.isfinite(ko_est.value)) and not check_verdict(check, ko_est)
                cr.channels[ko.channel] = ChannelCheck(ko_est, effect, failed)
                res.values[f"{check.name} (knockout: {ko.channel})"] = [float(x) for x in values]
            together = cr.channels[knockouts[-1].channel]
            cr.knockout, cr.knockout_effect, cr.knockout_passed = together.estimate, together.effect, together.passed
            res.values[check.name + " (knockout)"] = res.values[f"{check.name} (knockout: {knockouts[-1].channel})"]
        res.checks.append(cr)
    for ko in knockouts:
        flags = [c.channels[ko.channel].passed for c in res.checks if ko.channel in c.channels]
        res.knockouts.append(KnockoutResult(ko.channel, ko.label, dict(ko.overrides), all(flags) if flags else None))
    return res


def needed_runs(pats: list[Pattern], seeds: list[int], extra: Override = ()) -> list[RunKey]:
    keys = []
    for p in pats:
        arms, ko_arms = _arms(p, extra)
        bearing = [c for c in p.checks if c.knockout and not c.illustration]
        # knockout arms only for the arms that a knockout-bearing check reads
        read = set().union(*(c.arms or arms for c in bearing)) if bearing else set()
        ko = [a for group in ko_arms.values() for k, a in group.items() if k in read]
        for arm in (*arms.values(), *ko):
            keys.extend(RunKey(arm, s) for s in seeds)
    return keys


def validate(
    reps: int = 30,
    master_seed: int = 20170512,
    size: dict[str, Any] | None = None,
    workers: int | None = None,
    only: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[PatternResult]:
    """Run and evaluate every pattern (or those in ``only``)."""
    pats = [p for p in patterns() if only is None or p.id in only]
    seeds = replication_seeds(master_seed, reps)
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    runs = run_all(needed_runs(pats, seeds), size or {}, workers, progress)
    rng = np.random.default_rng(master_seed)
    return [evaluate(p, seeds, runs, rng) for p in pats]


def _finite(obj: Any) -> Any:
    """Replace non-finite floats by None so the JSON is valid."""
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def preregistration() -> dict[str, Any]:
    """The pre-registered pattern file: its path, the SHA-256 of its bytes and the git commit that last changed it.

    ``commit`` is ``git log -1 --format=%H -- <file>`` in a git checkout, else "unknown";
    ``modified`` says whether the file differs from that checkout's HEAD (None when unknown).
    """
    import hashlib
    import subprocess
    from pathlib import Path

    from orgsim.validation import patterns as pre

    path = Path(pre.__file__).resolve()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    commit, modified = "unknown", None
    if not ({"site-packages", "dist-packages"} & set(path.parts)):
        try:
            out = subprocess.run(
                ["git", "log", "-1", "--format=%H", "--", path.name],
                cwd=path.parent,
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout.strip()
            if len(out) == 40:
                commit = out
                diff = subprocess.run(
                    ["git", "diff", "--quiet", "HEAD", "--", path.name], cwd=path.parent, timeout=10, check=False
                )
                modified = diff.returncode != 0
        except (OSError, subprocess.SubprocessError):
            pass
    return {"file": "src/orgsim/validation/patterns.py", "sha256": digest, "commit": commit, "modified": modified}


def to_json(results: list[PatternResult], meta: dict[str, Any]) -> str:
    data = {"meta": meta, "preregistration": preregistration(), "patterns": [r.as_dict() for r in results]}
    return json.dumps(_finite(data), indent=2, allow_nan=False)


# -- sensitivity of the patterns -------------------------------------------------------------------

#: one-at-a-time screen: each main parameter at a low and a high value (default in between)
SENSITIVITY: dict[str, tuple[float, float]] = {
    "crit_cmo_pressure": (0.75, 3.0),
    "joint_credit": (0.25, 1.0),
    "coordination_cost": (0.1, 0.4),
    "learning_rate": (0.1, 0.4),
    "foregone_weight": (0.25, 1.0),
    "observation_weight": (0.1, 0.6),
    "contested_share": (0.1, 0.4),
    "shadow_it_cap": (0.05, 0.3),
    "beta_personalisation": (1.5, 6.0),
    "switching_cost": (0.75, 3.0),
}


def sensitivity(
    reps: int = 5,
    master_seed: int = 20170512,
    size: dict[str, Any] | None = None,
    workers: int | None = None,
    params: dict[str, tuple[float, float]] | None = None,
    only: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """One-at-a-time screen: does each pattern (and its knockout) hold at each parameter's low and high value?

    Returns one row per parameter, value and pattern: verdicts and the first check's estimate.
    """
    pats = [p for p in patterns() if only is None or p.id in only]
    params = params or SENSITIVITY
    seeds = replication_seeds(master_seed, reps)
    settings = [(name, v) for name, values in params.items() for v in values]
    keys = [k for name, v in settings for k in needed_runs(pats, seeds, _ov(**{name: v}))]
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    runs = run_all(keys, size or {}, workers, progress)
    rng = np.random.default_rng(master_seed)
    rows = []
    for name, v in settings:
        for p in pats:
            r = evaluate(p, seeds, runs, rng, _ov(**{name: v}))
            first = r.checks[0].estimate
            rows.append(
                {
                    "parameter": name,
                    "value": v,
                    "pattern": p.id,
                    "passed": r.passed,
                    "knockout_passed": r.knockout_passed,
                    "statistic": r.checks[0].name,
                    "estimate": first.value,
                    "low": first.low,
                    "high": first.high,
                }
            )
    return pd.DataFrame(rows)
