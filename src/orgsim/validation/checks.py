"""Pattern-oriented validation (Grimm et al. 2005): every claim of the seeds, with statistics and knockouts.

Each :class:`Pattern` names the scenario contrast it uses (its *arms*), one or more *checks* — a
statistic computed per replication from the arms' firm tables, and the sign or band it must meet —
and a *knockout*: the same arms with the mechanism the pattern rests on switched off. A pattern
PASSes when every check meets its criterion; its knockout PASSes when every knockout-bearing check
vanishes (a band check falls outside its band) or shrinks significantly (the paired per-replication
difference main − knockout, in the pattern's direction, has a 95 % bootstrap CI above 0).
A failing pattern is reported as FAIL, never forced.

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
from orgsim.formatting import value as fmt_value

Override = tuple[tuple[str, Any], ...]


def _ov(**kw: Any) -> Override:
    return tuple(sorted(kw.items()))


@dataclass(frozen=True)
class Arm:
    """A scenario with overrides; one run of it per replication seed."""

    scenario: str
    overrides: Override = ()

    def with_(self, extra: Override) -> Arm:
        merged = dict(self.overrides)
        merged.update(dict(extra))
        return Arm(self.scenario, tuple(sorted(merged.items())))

    def label(self) -> str:
        if not self.overrides:
            return self.scenario
        return self.scenario + " [" + ", ".join(f"{k}={fmt_value(v)}" for k, v in self.overrides) + "]"


Tables = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Check:
    """A statistic per replication and the criterion its mean must meet."""

    name: str
    statistic: Callable[[Tables], float]
    direction: int = 0  # sign check: +1 must be > 0 (CI above 0), -1 < 0; band check: which way is "more pattern"
    band: tuple[float, float] | None = None
    knockout: bool = True  # does the pattern's knockout bear on this check?

    def criterion(self) -> str:
        if self.band is not None:
            return f"mean in [{self.band[0]:g}, {self.band[1]:g}]"
        return "CI > 0" if self.direction > 0 else "CI < 0"


@dataclass(frozen=True)
class Pattern:
    id: str
    claim: str
    source: str
    arms: dict[str, Arm]
    checks: tuple[Check, ...]
    knockout: Override
    knockout_label: str
    mechanism: str
    kind: str = "seed"  # "seed" (P1-P11) or "fact" (further stylised facts)


# -- statistics on firm tables ---------------------------------------------------------------------


def window(df: pd.DataFrame, first: int | None = None, last: int | None = None, end: int | None = None) -> pd.DataFrame:
    """Rows of quarters first..last (inclusive), or of the last ``end`` quarters."""
    if end is not None:
        top = int(df["step"].max())
        return df[df["step"] > top - end]
    lo = 0 if first is None else first
    hi = int(df["step"].max()) if last is None else last
    return df[(df["step"] >= lo) & (df["step"] <= hi)]


def mean_of(df: pd.DataFrame, col: str, firm: int | None = None, **w: Any) -> float:
    d = window(df, **w)
    if firm is not None:
        d = d[d["firm"] == firm]
    return float(d[col].mean())


def cmo_domain_share(df: pd.DataFrame) -> pd.Series:
    return (df["budget_marketing"] + df["budget_it_marketing"] + df["shadow_it"]) / df["budget"]


def it_marketing_share(df: pd.DataFrame) -> pd.Series:
    it = df["budget_it_core"] + df["budget_it_marketing"]
    return df["budget_it_marketing"] / it.where(it > 0)


def _tech(df: pd.DataFrame) -> pd.Series:
    tech = df["budget_it_core"] + df["budget_it_marketing"] + df["shadow_it"]
    return tech.where(tech > 0)


def tech_claim_share(df: pd.DataFrame) -> pd.Series:
    return df["cmo_tech_claim"] / _tech(df)


def focal_diff(t: Tables, col: str, hi: str = "hi", lo: str = "lo", end: int = 20) -> float:
    """Firm 0's mean of ``col`` over the last ``end`` quarters: arm ``hi`` minus arm ``lo``."""
    return mean_of(t[hi], col, firm=0, end=end) - mean_of(t[lo], col, firm=0, end=end)


def focal_series_diff(t: Tables, fn: Callable[[pd.DataFrame], pd.Series], end: int = 20) -> float:
    def one(df: pd.DataFrame) -> float:
        d = window(df, end=end)
        d = d[d["firm"] == 0]
        return float(fn(d).mean())

    return one(t["hi"]) - one(t["lo"])


# -- the patterns ----------------------------------------------------------------------------------

BASE = Arm("baseline")
SHIFT = Arm("digital_shift")
WALLS = Arm("walls")
WALLS_FLAT = Arm("walls", _ov(pressure=((0, 0.3),)))


def _focal(arm: Arm, **kw: Any) -> Arm:
    return arm.with_(_ov(**kw))


def patterns() -> list[Pattern]:
    """P1-P11 of DESIGN.md and the further stylised facts, in order."""
    hi_lo_mi = {
        "hi": _focal(BASE, focal_coop_cmo_cio=0.95),
        "lo": _focal(BASE, focal_coop_cmo_cio=0.05),
    }
    shift_hi_lo = {
        "hi": _focal(SHIFT, focal_coop_cmo_cio=0.95),
        "lo": _focal(SHIFT, focal_coop_cmo_cio=0.05),
    }
    shadow = Arm("shadow_it")
    return [
        Pattern(
            "P1",
            "rising P raises the CMO's influence share and the CMO's claim on technology spend",
            "000",
            {"shift": SHIFT, "base": BASE},
            (
                Check(
                    "CMO influence, last 2 years: digital_shift − baseline",
                    lambda t: mean_of(t["shift"], "influence_cmo", end=8) - mean_of(t["base"], "influence_cmo", end=8),
                    +1,
                ),
                Check(
                    "CMO tech claim / tech spend, last 2 years: digital_shift − baseline",
                    lambda t: float(
                        tech_claim_share(window(t["shift"], end=8)).mean()
                        - tech_claim_share(window(t["base"], end=8)).mean()
                    ),
                    +1,
                ),
            ),
            _ov(crit_cmo_pressure=0.0, beta_personalisation=0.0),
            "pressure does not raise the customer domain's criticality nor the value of personalisation",
            "criticality of the customer domain (strategic contingencies) and customers' weight on personalisation",
        ),
        Pattern(
            "P2",
            "the CIO keeps control of most technology spend: CMO-controlled tech spend stays below the CIO's",
            "000",
            {"base": BASE},
            (
                Check(
                    "CIO-controlled share of technology spend, last 2 years (baseline)",
                    lambda t: float(
                        1.0 - (window(t["base"], end=8)["shadow_it"] / _tech(window(t["base"], end=8))).mean()
                    ),
                    +1,
                    band=(0.5, 1.0),
                ),
                Check(
                    "share of firm-quarters (last 2 years) with shadow IT < CIO-controlled IT",
                    lambda t: float(
                        (
                            window(t["base"], end=8)["shadow_it"]
                            < window(t["base"], end=8)[["budget_it_core", "budget_it_marketing"]].sum(axis=1)
                        ).mean()
                    ),
                    +1,
                    band=(0.9, 1.0),
                    knockout=False,
                ),
            ),
            _ov(
                shadow_it_cap=1.0, crit_cio_base=0.0, crit_cio_threat=0.0, crit_cio_modernisation=0.0, coop_cio_cmo=0.02
            ),
            "no IT governance cap, IT not critical, CIO never supports",
            "IT governance (shadow cap), the criticality of security and modernisation, sticky budgets",
        ),
        Pattern(
            "P3",
            "marketing IT takes a non-trivial share of the IT budget and depends on the CIO's support",
            "000",
            {"base": BASE, **hi_lo_mi},
            (
                Check(
                    "governed marketing IT / IT budget, last 2 years (baseline)",
                    lambda t: float(it_marketing_share(window(t["base"], end=8)).mean()),
                    band=(0.04, 0.35),
                    knockout=False,
                ),
                Check(
                    "firm 0's marketing-IT share of IT: CIO supports − CIO blocks",
                    lambda t: focal_series_diff(t, it_marketing_share),
                    +1,
                ),
            ),
            _ov(shadow_it=False),
            "no shadow IT: all marketing technology runs through IT whatever the cooperation",
            "governance follows cooperation: the CIO runs marketing IT only for a CMO it works with",
        ),
        Pattern(
            "P4",
            "marketing technology without CIO support grows data silos and lowers profit",
            "000",
            {"hi": _focal(shadow, focal_coop_cmo_cio=0.05), "lo": _focal(shadow, focal_coop_cmo_cio=0.95)},
            (
                Check(
                    "firm 0's data integration: CIO blocks − CIO supports",
                    lambda t: focal_diff(t, "data_integration"),
                    -1,
                ),
                Check("firm 0's profit: CIO blocks − CIO supports", lambda t: focal_diff(t, "profit"), -1),
            ),
            _ov(shadow_it=False),
            "no shadow IT (marketing technology cannot bypass IT)",
            "shadow marketing technology: faster, but silos integration and raises incident risk",
        ),
        Pattern(
            "P5",
            "a CIO who supports the CMO gains influence relative to a CIO who blocks",
            "000",
            shift_hi_lo,
            (
                Check(
                    "firm 0's CIO influence: supports − blocks (digital_shift)",
                    lambda t: focal_diff(t, "influence_cio"),
                    +1,
                ),
            ),
            _ov(joint_credit_on=False, resource_dependence=False),
            "no joint credit and no resource-dependence credit",
            "joint work credited to both partners; controlling budget marketing depends on",
        ),
        Pattern(
            "P6",
            "at the baseline start about 90 % of CMOs do not cooperate closely with the CFO",
            "003",
            {"base": BASE},
            (
                Check(
                    "share of CMOs not working closely with the CFO at the start (1 − drawn joint-work probability)",
                    lambda t: 1.0 - mean_of(t["base"], "p_coop_cmo_cfo", first=0, last=0),
                    +1,
                    band=(0.85, 0.95),
                ),
                Check(
                    "share of firm-quarters without CMO-CFO joint work, first year",
                    lambda t: 1.0 - mean_of(t["base"], "coop_cmo_cfo", first=1, last=4),
                    +1,
                    band=(0.8, 0.97),
                    knockout=False,
                ),
            ),
            _ov(coop_cmo_cfo=0.5, coop_cfo_cmo=0.5),
            "uninformed start (propensities 0.5 instead of the seed-calibrated 0.30)",
            "starting dispositions calibrated to the seed (a target, not an outcome)",
        ),
        Pattern(
            "P7",
            "CMO-CFO cooperation raises measured ROI and marketing's budget",
            "003",
            {"hi": _focal(BASE, focal_coop_cmo_cfo=0.95), "lo": _focal(BASE, focal_coop_cmo_cfo=0.05)},
            (
                Check(
                    "firm 0's ROI measurement: cooperates − not",
                    lambda t: focal_diff(t, "roi_measurement"),
                    +1,
                    knockout=False,
                ),
                Check(
                    "firm 0's CMO budget share: cooperates − not", lambda t: focal_series_diff(t, cmo_domain_share), +1
                ),
            ),
            _ov(roi_evidence_on=False),
            "ROI evidence carries no weight in the budget round",
            "ROI measurement from joint work; evidence strengthens marketing's claim in the budget contest",
        ),
        Pattern(
            "P8",
            "CMO-CIO cooperation raises analytics and customer experience",
            "003",
            hi_lo_mi,
            (
                Check("firm 0's analytics: cooperates − not", lambda t: focal_diff(t, "analytics"), +1),
                Check("firm 0's customer experience: cooperates − not", lambda t: focal_diff(t, "experience"), +1),
            ),
            _ov(integration_growth=0.0, analytics_leverage=0.0),
            "governed IT does not integrate data; campaigns do not use analytics",
            "governed marketing IT integrates data; analytics grows on integrated data and feeds experience",
        ),
        Pattern(
            "P9",
            "firms whose CMO and CIO cooperate earn more revenue and profit",
            "003",
            shift_hi_lo,
            (
                Check("firm 0's revenue: cooperates − not (digital_shift)", lambda t: focal_diff(t, "revenue"), +1),
                Check("firm 0's profit: cooperates − not (digital_shift)", lambda t: focal_diff(t, "profit"), +1),
            ),
            _ov(beta_experience=0.0, beta_personalisation=0.0),
            "customers ignore experience and personalisation",
            "customers choose on experience and personalisation built by joint work",
        ),
        Pattern(
            "P10",
            "about 63 % of CMOs brief the CEO regularly; briefing raises CMO influence",
            "003",
            {"base": BASE, "hi": _focal(BASE, focal_brief=0.95), "lo": _focal(BASE, focal_brief=0.05)},
            (
                Check(
                    "CMOs' briefing propensity at the start (mean of the draws)",
                    lambda t: mean_of(t["base"], "p_brief", first=0, last=0),
                    band=(0.58, 0.68),
                    knockout=False,
                ),
                Check("firm 0's CMO influence: briefs − does not", lambda t: focal_diff(t, "influence_cmo"), +1),
            ),
            _ov(briefing=False),
            "briefing does not change what the CEO sees",
            "briefing raises the visibility of the CMO's credit",
        ),
        Pattern(
            "P11",
            "starting from walls (low cooperation), rising P makes cooperation spread",
            "003",
            {"rise": WALLS, "flat": WALLS_FLAT},
            (
                Check(
                    "CMO-CIO joint-work probability, last 2 years: rising P − constant P",
                    lambda t: mean_of(t["rise"], "p_coop_cmo_cio", end=8) - mean_of(t["flat"], "p_coop_cmo_cio", end=8),
                    +1,
                ),
                Check(
                    "CMO-CIO joint-work probability under rising P: last 2 years − first 2 years",
                    lambda t: (
                        mean_of(t["rise"], "p_coop_cmo_cio", end=8)
                        - mean_of(t["rise"], "p_coop_cmo_cio", first=1, last=8)
                    ),
                    +1,
                ),
            ),
            _ov(counterfactual=False, observation=False),
            "executives learn only from their own joint work (no foregone payoffs, no observation of other firms)",
            "belief learning from foregone payoffs and from the same role in other firms",
        ),
        # -- further stylised facts of organisation research --------------------------------------
        Pattern(
            "S1",
            "a security crisis raises the CIO's influence and IT's budget (strategic contingencies)",
            "Hickson et al. 1971",
            {"shock": Arm("security_crisis"), "base": BASE},
            (
                _shock_check("CIO influence, quarters 12-24: security_crisis − baseline", "influence_cio", 12, 24),
                _shock_check(
                    "core-IT share of the budget, quarters 13-28: security_crisis − baseline", _core_it_share, 13, 28
                ),
            ),
            _ov(crit_cio_threat=0.0),
            "threat does not make IT more critical",
            "criticality of the IT domain rises with threat",
            kind="fact",
        ),
        Pattern(
            "S2",
            "a downturn raises the CFO's influence and finance's budget (financial stress)",
            "Pfeffer & Salancik 1978; Fligstein 1987",
            {"shock": Arm("downturn"), "base": BASE},
            (
                _shock_check("CFO influence, quarters 12-24: downturn − baseline", "influence_cfo", 12, 24),
                _shock_check(
                    "finance share of the budget, quarters 13-28: downturn − baseline", _finance_share, 13, 28
                ),
            ),
            _ov(crit_cfo_stress=0.0),
            "financial stress does not make finance more critical",
            "criticality of finance rises with financial stress",
            kind="fact",
        ),
        Pattern(
            "S3",
            "budgets are incremental: most yearly changes of a department's budget share are small",
            "Wildavsky 1964; Davis, Dempster & Wildavsky 1966",
            {"base": BASE},
            (
                Check(
                    "share of yearly department-share changes below 5 points (baseline)",
                    lambda t: _small_budget_changes(t["base"], 0.05),
                    +1,
                    band=(0.8, 1.0),
                ),
            ),
            _ov(contested_share=1.0),
            "the whole budget is re-contested every year",
            "sticky budgets: only a share is re-contested",
            kind="fact",
        ),
        Pattern(
            "S4",
            "budget changes are punctuated: their distribution is fat-tailed (kurtosis > 3)",
            "Jones, Baumgartner & True 1998; Jones et al. 2009",
            {"base": BASE},
            (
                Check(
                    "excess kurtosis of yearly department-share changes (baseline)",
                    lambda t: _budget_change_kurtosis(t["base"]),
                    +1,
                ),
            ),
            _ov(contested_share=1.0),
            "the whole budget is re-contested every year",
            "sticky budgets with occasional large shifts of influence",
            kind="fact",
        ),
        Pattern(
            "S5",
            "conflict dissipates resources: firms with more cooperation lose less budget to contests",
            "Tullock 1980; Konrad 2009",
            {"rise": WALLS, "base": BASE},
            (
                Check(
                    "budget lost to conflict / budget, all quarters: walls − baseline",
                    lambda t: float(
                        (t["rise"]["conflict_loss"] / t["rise"]["budget"]).mean()
                        - (t["base"]["conflict_loss"] / t["base"]["budget"]).mean()
                    ),
                    +1,
                ),
            ),
            _ov(conflict_loss=0.0),
            "no effort is lost in the contest",
            "rent dissipation in the budget contest, lower between cooperating executives",
            kind="fact",
        ),
    ]


def _core_it_share(df: pd.DataFrame) -> pd.Series:
    return df["budget_it_core"] / df["budget"]


def _finance_share(df: pd.DataFrame) -> pd.Series:
    return df["budget_finance"] / df["budget"]


def _shock_check(name: str, col: str | Callable[[pd.DataFrame], pd.Series], first: int, last: int) -> Check:
    """Arm ``shock`` minus arm ``base`` in quarters first..last, of a column or a derived series."""

    def value(df: pd.DataFrame) -> float:
        d = window(df, first=first, last=last)
        return float((d[col] if isinstance(col, str) else col(d)).mean())

    return Check(name, lambda t: value(t["shock"]) - value(t["base"]), +1)


def _yearly_share_changes(firms: pd.DataFrame) -> np.ndarray:
    years = firms[(firms["step"] % 4 == 1) & (firms["step"] > 1)]
    shares = pd.DataFrame(
        {
            "firm": years["firm"],
            "step": years["step"],
            "cmo": cmo_domain_share(years),
            "cio": years["budget_it_core"] / years["budget"],
            "cfo": years["budget_finance"] / years["budget"],
        }
    ).sort_values(["firm", "step"])
    diffs = shares.groupby("firm")[["cmo", "cio", "cfo"]].diff().dropna()
    return diffs.to_numpy().ravel()


def _small_budget_changes(firms: pd.DataFrame, limit: float) -> float:
    d = _yearly_share_changes(firms)
    return float(np.mean(np.abs(d) < limit)) if len(d) else float("nan")


def _budget_change_kurtosis(firms: pd.DataFrame) -> float:
    d = _yearly_share_changes(firms)
    if len(d) < 4 or np.std(d) == 0:
        return float("nan")
    z = (d - d.mean()) / d.std()
    return float(np.mean(z**4) - 3.0)


# -- running ---------------------------------------------------------------------------------------


def replication_seeds(master: int, reps: int) -> list[int]:
    """Seeds of the replications, spawned from one master seed (numpy SeedSequence)."""
    children = np.random.SeedSequence(master).spawn(reps)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


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
class CheckResult:
    name: str
    criterion: str
    estimate: stats.Estimate
    passed: bool
    knockout: stats.Estimate | None = None  # the statistic under the knockout
    knockout_effect: stats.Estimate | None = None  # paired main − knockout (in the pattern's direction)
    knockout_passed: bool | None = None


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

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def knockout_passed(self) -> bool:
        flags = [c.knockout_passed for c in self.checks if c.knockout_passed is not None]
        return bool(flags) and all(flags)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "claim": self.claim,
            "source": self.source,
            "kind": self.kind,
            "arms": self.arms,
            "mechanism": self.mechanism,
            "knockout": self.knockout_label,
            "passed": self.passed,
            "knockout_passed": self.knockout_passed,
            "checks": [
                {
                    "name": c.name,
                    "criterion": c.criterion,
                    "estimate": c.estimate.as_dict(),
                    "passed": c.passed,
                    "knockout": c.knockout.as_dict() if c.knockout else None,
                    "knockout_effect": c.knockout_effect.as_dict() if c.knockout_effect else None,
                    "knockout_passed": c.knockout_passed,
                }
                for c in self.checks
            ],
            "values": self.values,
        }


def _verdict(check: Check, est: stats.Estimate) -> bool:
    if not np.isfinite(est.value):
        return False
    if check.band is not None:
        return check.band[0] <= est.value <= check.band[1]
    return est.low > 0 if check.direction > 0 else est.high < 0


def _arms(pattern: Pattern, extra: Override = ()) -> tuple[dict[str, Arm], dict[str, Arm]]:
    """The pattern's arms (with ``extra`` overrides, e.g. a sensitivity setting) and its knockout arms."""
    arms = {k: a.with_(extra) for k, a in pattern.arms.items()}
    return arms, {k: a.with_(pattern.knockout) for k, a in arms.items()}


def evaluate(
    pattern: Pattern,
    seeds: list[int],
    runs: dict[RunKey, pd.DataFrame],
    rng: np.random.Generator,
    extra: Override = (),
) -> PatternResult:
    """Statistics, verdicts and knockouts of one pattern from finished runs."""
    arms, ko_arms = _arms(pattern, extra)
    res = PatternResult(
        pattern.id,
        pattern.claim,
        pattern.source,
        pattern.kind,
        {k: a.label() for k, a in arms.items()},
        pattern.knockout_label,
        pattern.mechanism,
    )
    for check in pattern.checks:
        main = np.array([check.statistic({k: runs[RunKey(a, s)] for k, a in arms.items()}) for s in seeds])
        est = stats.bootstrap_mean(main, rng)
        cr = CheckResult(check.name, check.criterion(), est, _verdict(check, est))
        res.values[check.name] = [float(x) for x in main]
        if check.knockout:
            ko = np.array([check.statistic({k: runs[RunKey(a, s)] for k, a in ko_arms.items()}) for s in seeds])
            cr.knockout = stats.bootstrap_mean(ko, rng)
            res.values[check.name + " (knockout)"] = [float(x) for x in ko]
            outside = check.band is not None and not (check.band[0] <= cr.knockout.value <= check.band[1])
            shrinks = False
            if check.direction:
                cr.knockout_effect = stats.bootstrap_mean((main - ko) * check.direction, rng)
                shrinks = bool(cr.knockout_effect.low > 0)
            cr.knockout_passed = bool(outside or shrinks)
        res.checks.append(cr)
    return res


def needed_runs(pats: list[Pattern], seeds: list[int], extra: Override = ()) -> list[RunKey]:
    keys = []
    for p in pats:
        arms, ko_arms = _arms(p, extra)
        for arm in (*arms.values(), *ko_arms.values()):
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


def to_json(results: list[PatternResult], meta: dict[str, Any]) -> str:
    data = {"meta": meta, "patterns": [r.as_dict() for r in results]}
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
