"""docs/CALIBRATION.md from an ABC-SMC history: targets, priors, posterior, predictive checks, held-out verdicts.

Posterior predictive checks: ``draws`` parameter sets are resampled from the last population by
their weights (an explicit generator seeded from the master seed), each is simulated ``reps`` times
(seeds from the master seed, the draw and the replication), and every target's statistic is
computed as in the fit (mean over replications; pooled statistics on all replications' rows). The
predicted mean and the 2.5-97.5 % range over draws are set against the target's band. Verdict: a
calibration target is *reproduced* when the predictive mean lies in its band; a held-out target
*passes* when the predictive mean meets its rule. The share of draws meeting it is shown beside.
The shipped defaults are simulated with the same seeds for comparison (they are not changed here).

Contrast targets (H5: the influence coefficient in ``downturn`` minus in the calibrated scenario)
run the other scenario at the same draws and seeds (common random numbers), for the posterior and
for the shipped defaults: the report's predictive runs double; the ABC itself never runs it.

With ``--docs`` the report also writes the posterior's particles (``particles.csv``) and summary
(``posterior.json``) to ``docs/posterior/`` by :func:`orgsim.calibration.abc.write_posterior`, the
folder ``orgsim run/sweep --posterior`` reads in a fresh clone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.calibration import abc
from orgsim.calibration.targets import (
    CALIBRATION,
    HELD_OUT,
    TARGETS,
    UNMAPPED,
    VERSION,
    Target,
    contrast,
    contrast_scenarios,
    evaluate_chunk,
    target,
)

_PPC_KEY = 2  # spawn-key root of the predictive checks (abc uses 0 and 1)
_DEFAULTS_KEY = 3
#: a posterior 95 % interval at least this share of the prior's 95 % interval: "not identified"
FLAT = 0.8
#: what --docs writes into docs/posterior/ (the committed copy: CSV, not Parquet)
DOCS_POSTERIOR_FORMATS = ("csv", "json")


def draw_particles(post: pd.DataFrame, draws: int, master_seed: int) -> pd.DataFrame:
    """``draws`` particles resampled by weight (with replacement), reproducibly."""
    rng = np.random.default_rng(np.random.SeedSequence(master_seed, spawn_key=(_PPC_KEY,)))
    w = post["weight"].to_numpy()
    idx = rng.choice(len(post), size=draws, replace=True, p=w / w.sum())
    return post.iloc[idx].reset_index(drop=True)


def _seeds(master_seed: int, key: int, i: int, reps: int) -> list[int]:
    return [
        int(np.random.SeedSequence(master_seed, spawn_key=(key, i, r)).generate_state(1, dtype=np.uint32)[0])
        for r in range(reps)
    ]


def predictive(
    thetas: list[dict[str, float]],
    settings: abc.Settings,
    key: int,
    *,
    scenario: str | None = None,
    names: tuple[str, ...] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """The statistics ``names`` (default: every target's of one table) at each parameter set (rows in
    order), ``settings.reps`` replications each, in ``scenario`` (default: the calibrated one). The
    seeds depend on the key, the row and the replication only: another scenario gets the same ones."""
    from orgsim.experiments.sweep import executor

    tasks = [
        (abc.overrides(theta, settings), _seeds(settings.master_seed, key, i, settings.reps))
        for i, theta in enumerate(thetas)
    ]
    if names is None:
        names = tuple(t.name for t in TARGETS if t.statistic is not None)
    size = max(1, math.ceil(len(tasks) / (max(workers, 1) * 4)))
    with executor(workers, scheduler) as (pool, _):
        futures = [
            pool.submit(evaluate_chunk, scenario or settings.scenario, names, tasks[i : i + size])
            for i in range(0, len(tasks), size)
        ]
        rows = [row for fut in futures for row in fut.result()]
    return pd.DataFrame(rows, columns=list(names))


def with_contrasts(
    pred: pd.DataFrame, others: dict[str, pd.DataFrame], targets: tuple[Target, ...] = TARGETS
) -> pd.DataFrame:
    """``pred`` (the calibrated scenario's statistics, a row per parameter set) with a column per
    contrast target: row by row, :func:`orgsim.calibration.targets.contrast` against the same row of
    ``others[scenario]`` (the same parameter set and seeds in the other scenario)."""
    out = pred.copy()
    for t in targets:
        if t.contrast is None:
            continue
        other = others[t.contrast[0]]
        if len(other) != len(pred):
            raise ValueError(f"{t.id}: {len(other)} rows in {t.contrast[0]}, {len(pred)} in the calibrated scenario")
        out[t.name] = [
            contrast(t, base, {t.contrast[0]: row})
            for base, row in zip(pred.to_dict("records"), other.to_dict("records"), strict=True)
        ]
    return out


def contrast_parts(
    pred: pd.DataFrame, others: dict[str, pd.DataFrame], settings: abc.Settings, targets: tuple[Target, ...] = TARGETS
) -> dict[str, dict[str, Any]]:
    """Per contrast target: the mean over draws of its statistic in each of the two scenarios."""

    def mean(x: pd.Series) -> float | None:
        v = x.to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        return float(v.mean()) if len(v) else None

    out = {}
    for t in targets:
        if t.contrast is None:
            continue
        scenario, of = t.contrast
        out[t.id] = {
            "statistic": of,
            "scenario": scenario,
            "reference": settings.scenario,
            "scenario_mean": mean(others[scenario][of]),
            "reference_mean": mean(pred[of]),
        }
    return out


def predictive_with_contrasts(
    thetas: list[dict[str, float]],
    settings: abc.Settings,
    key: int,
    *,
    workers: int = 1,
    scheduler: str | None = None,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """:func:`predictive` in the calibrated scenario, then in each contrast's other scenario (same
    parameter sets and seeds, only the statistics the contrasts need); the first with the contrast
    columns added (:func:`with_contrasts`), and the other scenarios' tables."""
    pred = predictive(thetas, settings, key, workers=workers, scheduler=scheduler)
    others = {
        scenario: predictive(
            thetas, settings, key, scenario=scenario, names=names, workers=workers, scheduler=scheduler
        )
        for scenario, names in contrast_scenarios(TARGETS).items()
    }
    return with_contrasts(pred, others), others


def check_rows(pred: pd.DataFrame, defaults: pd.DataFrame, targets: tuple[Target, ...]) -> list[dict[str, Any]]:
    out = []
    for t in targets:
        x = pred[t.name].to_numpy(dtype=float)
        ok = x[np.isfinite(x)]
        mean = float(ok.mean()) if len(ok) else float("nan")
        lo, hi = (float(np.quantile(ok, 0.025)), float(np.quantile(ok, 0.975))) if len(ok) else (math.nan, math.nan)
        meets = [t.holds(v) for v in ok]
        share = float(np.mean([m is True for m in meets])) if len(ok) and t.rule != "report" else None
        d = defaults[t.name].to_numpy(dtype=float)
        d = d[np.isfinite(d)]
        out.append(
            {
                "id": t.id,
                "name": t.name,
                "role": t.role,
                "band": t.band_text,
                "defaults_mean": float(d.mean()) if len(d) else None,
                "mean": mean,
                "q025": lo,
                "q975": hi,
                "share_meeting": share,
                "verdict": t.holds(mean),
                "defaults_verdict": t.holds(float(d.mean())) if len(d) else None,
                "draws": len(ok),
            }
        )
    return out


# -- figures ---------------------------------------------------------------------------------------


def _marginals(post: pd.DataFrame, path: Path) -> Path:
    from orgsim.plot import new_figure, save_figure

    n = len(abc.PRIORS)
    cols = 4
    rows = math.ceil(n / cols)
    fig = new_figure((3.2 * cols, 2.4 * rows))
    w = post["weight"].to_numpy()
    for i, p in enumerate(abc.PRIORS):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.hist(post[p.name], bins=20, range=(p.lo, p.hi), weights=w, density=True, color="#4C72B0", alpha=0.8)
        ax.axhline(1 / p.width, color="0.4", ls="--", lw=1)
        ax.set_xlim(p.lo, p.hi)
        ax.set_title(p.name, fontsize=9)
        ax.tick_params(labelsize=7)
    fig.suptitle("Posterior marginals (bars) against the uniform priors (dashed)", fontsize=10)
    return save_figure(fig, path, 110)


def _pairs(post: pd.DataFrame, path: Path) -> Path:
    from orgsim.plot import new_figure, save_figure

    n = len(abc.PRIORS)
    fig = new_figure((1.35 * n, 1.35 * n))
    w = post["weight"].to_numpy()
    size = 2 + 60 * w / w.max()
    for i, pi in enumerate(abc.PRIORS):
        for j, pj in enumerate(abc.PRIORS):
            if j > i:
                continue
            ax = fig.add_subplot(n, n, i * n + j + 1)
            if i == j:
                ax.hist(post[pi.name], bins=15, range=(pi.lo, pi.hi), weights=w, color="#4C72B0")
                ax.set_xlim(pi.lo, pi.hi)
            else:
                ax.scatter(post[pj.name], post[pi.name], s=size, alpha=0.35, color="#4C72B0", lw=0)
                ax.set_xlim(pj.lo, pj.hi)
                ax.set_ylim(pi.lo, pi.hi)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == n - 1:
                ax.set_xlabel(pj.name, fontsize=6, rotation=30, ha="right")
            if j == 0:
                ax.set_ylabel(pi.name, fontsize=6, rotation=0, ha="right")
    fig.suptitle("Posterior, pairwise (marker size: weight; axes: the prior ranges)", fontsize=10)
    return save_figure(fig, path, 100)


def _scale_of(c: dict[str, Any]) -> float:
    """Divisor that brings a check onto the unit scale of the shares (kurtosis, ratios)."""
    t = next(x for x in TARGETS if x.id == c["id"])
    vals = [v for v in (c["q975"], c["q025"], t.value, c["defaults_mean"]) if v is not None and np.isfinite(v)]
    scale = max((abs(v) for v in vals), default=1.0)
    return 1.0 if scale <= 1.0 else float(math.ceil(scale))


def _ppc_figure(checks: list[dict[str, Any]], path: Path) -> Path:
    from matplotlib.patches import Rectangle

    from orgsim.plot import new_figure, save_figure

    fig = new_figure((9.0, 0.42 * len(checks) + 1.4))
    ax = fig.add_subplot(1, 1, 1)
    for k, c in enumerate(checks):
        t = next(x for x in TARGETS if x.id == c["id"])
        y = len(checks) - k
        scale = _scale_of(c)
        if t.rule == "band":
            ax.add_patch(
                Rectangle((t.lo / scale, y - 0.3), (t.hi - t.lo) / scale, 0.6, color="#55A868", alpha=0.35, lw=0)
            )
        else:
            edge = t.hi if t.rule == "below" else t.value
            ax.plot([edge / scale] * 2, [y - 0.3, y + 0.3], color="#55A868", lw=2)
        if np.isfinite(c["mean"]):
            ax.plot([c["q025"] / scale, c["q975"] / scale], [y, y], color="#4C72B0", lw=2)
            ax.plot([c["mean"] / scale], [y], "o", color="#4C72B0")
        if c["defaults_mean"] is not None:
            ax.plot([c["defaults_mean"] / scale], [y], "x", color="#C44E52")
    labels = [f"{c['id']} {c['name']}" + ("" if _scale_of(c) == 1 else f" (/{_scale_of(c):g})") for c in checks]
    ax.set_yticks(range(len(checks), 0, -1), labels, fontsize=7)
    ax.set_xlabel(
        "green: target band or threshold; blue: posterior predictive mean and 95 % range; red x: shipped defaults",
        fontsize=8,
    )
    ax.grid(axis="x", alpha=0.3)
    return save_figure(fig, path, 110)


# -- the report ------------------------------------------------------------------------------------


def _f(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:.{digits}f}"


def _verdict(c: dict[str, Any]) -> str:
    if c["verdict"] is None:
        return "reported (no verdict)"
    if c["role"] == "calibration":
        return "**reproduced**" if c["verdict"] else "**not reproduced**"
    return "**pass**" if c["verdict"] else "**fail**"


def _check_table(checks: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| id | statistic | target | shipped defaults | posterior predictive mean | 95 % range over draws | draws meeting it | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in checks:
        share = "–" if c["share_meeting"] is None else f"{100 * c['share_meeting']:.0f} %"
        lines.append(
            f"| {c['id']} | `{c['name']}` | {c['band']} | {_f(c['defaults_mean'])} | {_f(c['mean'])} | "
            f"[{_f(c['q025'])}, {_f(c['q975'])}] | {share} | {_verdict(c)} |"
        )
    return lines


def _contrast_lines(parts: dict[str, dict[str, Any]], meta: dict[str, Any]) -> list[str]:
    """What each contrast target compares, its two means, and what it cost."""
    lines = []
    for tid, p in parts.items():
        lines.append(
            f"{tid} compares `{p['statistic']}` in `{p['scenario']}` with `{p['reference']}` at the same draws "
            f"and seeds (common random numbers): mean {_f(p['scenario_mean'])} in `{p['scenario']}`, "
            f"{_f(p['reference_mean'])} in `{p['reference']}`; the table's value is the mean of the per-draw "
            "differences."
        )
    if parts:
        lines += [
            f"Cost: the `{'`, `'.join(meta.get('contrast_scenarios', []))}` runs double the report's predictive "
            "runs (posterior draws and shipped defaults); the ABC fit does not run them.",
            "",
        ]
    return lines


def markdown(summary: dict[str, Any], checks: list[dict[str, Any]], meta: dict[str, Any], img_rel: str) -> str:
    s = summary["settings"]
    cal = [c for c in checks if c["role"] == "calibration"]
    held = [c for c in checks if c["role"] == "held-out"]
    n_rep = sum(bool(c["verdict"]) for c in cal)
    flat = [n for n, p in summary["parameters"].items() if p["width_ratio"] >= FLAT]
    L: list[str] = []
    L += [
        "# Calibration against published figures (ABC-SMC)",
        "",
        "<!-- generated by `orgsim calibrate --abc --docs` (orgsim.calibration.report); do not edit by hand -->",
        "",
        f"Generated {meta['generated']} by `{meta['command']}` (orgsim {meta['version']}, commit {meta['commit']}).",
        "",
        "**Status: adopted.** The shipped defaults labelled *posterior* are this posterior's point estimate",
        "(below, *The shipped defaults*); `docs/VALIDATION.md` is computed at them, so the patterns are out of",
        "sample. `orgsim run`, `orgsim sweep` and the dashboard's Compare page draw from the posterior with",
        "`--posterior docs/posterior` (this command wrote its particles and summary there).",
        "",
        f"**Result:** {n_rep} of {len(cal)} calibration targets reproduced (posterior predictive mean within the",
        f"target's band), {sum(c['defaults_verdict'] is True for c in cal)} of {len(cal)} at the shipped defaults; "
        f"held-out checks: {sum(c['verdict'] is True for c in held)} pass, "
        f"{sum(c['verdict'] is False for c in held)} fail, {sum(c['verdict'] is None for c in held)} reported without a verdict.",
        *_consistency_headline(meta.get("consistency")),
        f"Not identified by these data (posterior 95 % interval ≥ {int(FLAT * 100)} % of the prior's): "
        + (", ".join(f"`{n}`" for n in flat) if flat else "none")
        + ".",
        "",
        "## Method",
        "",
        "Likelihood-free Bayesian calibration by ABC-SMC with pyabc 0.13 (`orgsim.calibration.abc`; pyabc rather",
        "than sbi because sbi needs torch, whose PyPI wheel on Python 3.12 is the CUDA build of several GB; and",
        "sbi's neural posterior estimation, measured on the same priors and targets within one fit's budget,",
        "reproduced no more of them: docs/ODD.md section 8, `tools/npe_measure.py`).",
        f"Scenario `{s['scenario']}`, {s['customers']} customers, "
        f"{s['steps'] or 40} quarters, {s['reps']} replications per parameter set (seeds from the master seed "
        f"{s['master_seed']}, the generation and the proposal), population {s['population']}, "
        f"{len(summary['generations'])} generations, batches of {s['batch'] or s['population']} proposals.",
        "Distance: Σ over the calibration targets of ((statistic − value) / sd)², the statistic being the mean",
        "over the replications; value = the band's midpoint, sd = half the band's width / 1.96 (the bands of",
        "docs/TARGETS.md read as 95 % intervals: TARGETS.md gives bands, not standard deviations). Epsilon:",
        f"the median of the previous population's distances; kernel: {_kernel_text(s.get('kernel_scale'))}.",
        "The history is an SQLite database that a rerun resumes (also after `kill -9`); the result does not",
        "depend on the number of worker processes (tests/test_abc.py checks both).",
        "",
        "## Targets",
        "",
        f"Targets version {VERSION} (`orgsim.calibration.targets`: version 1 was docs/TARGETS.md section 8's",
        "proposal; version 2 holds out T2, see *Do the budget targets agree?*). Figures, years, samples and",
        "reliability are in docs/TARGETS.md. Windows:",
        "*stationary* = the run's last 2 years; *first year* = quarters 1–4; *start* = quarter 0.",
        "",
        "| id | target | role | band | value ± sd | window | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in TARGETS:
        vs = f"{t.value:.3f} ± {t.sd:.3f}" if t.sd is not None else "–"
        L.append(f"| {t.id} | {t.label} (`{t.name}`) | {t.role} | {t.band_text} | {vs} | {t.window} | {t.source} |")
    notes = [t for t in TARGETS if t.note]
    if notes:
        L += ["", "Notes:", ""]
        L += [f"- **{t.id}**: {t.note}." for t in notes]
    L += ["", "Not mapped to a model statistic in this version:", ""]
    for tid, what, why in UNMAPPED:
        L.append(f"- **{tid}** {what}: {why}.")
    L += [
        "",
        "## Priors",
        "",
        "Uniform on the ranges below; every other parameter stays at the baseline's value. "
        + "; ".join(f"`{k}` is set equal to `{v}`" for k, v in summary["tied"].items())
        + ".",
        "",
        "| parameter | shipped default | prior | why this range | informed by |",
        "|---|---|---|---|---|",
    ]
    from orgsim.scenario.specs import param_spec

    for p in abc.PRIORS:
        L.append(
            f"| `{p.name}` | {param_spec(p.name).default:g} | U[{p.lo:g}, {p.hi:g}] | {p.reason} | {p.informed_by} |"
        )
    L += [
        "",
        "## Generations",
        "",
        "| t | epsilon | proposals | acceptance rate | ESS |",
        "|---|---|---|---|---|",
    ]
    for g in summary["generations"]:
        ess = g.get("effective_sample_size")
        L.append(
            f"| {g['t']} | {g['epsilon']:.4g} | {g['proposals']} | {_f(g['acceptance_rate'], 3)} | "
            f"{'' if ess is None else f'{ess:.1f}'} |"
        )
    L += [
        "",
        f"Effective sample size (ESS, Kish's) of the last population: {summary['effective_sample_size']:.0f} of "
        f"{s['population']}. " + ess_warning(summary),
        f"Simulations: {meta['proposals_total']} parameter sets accepted or rejected by pyabc (plus each batch's",
        "unused remainder), each of them "
        f"{s['reps']} runs; posterior predictive checks: {meta['draws']} draws × {s['reps']} runs"
        + "".join(f" and as many in `{x}`" for x in meta.get("contrast_scenarios", []))
        + (
            f", the shipped defaults {meta['defaults_draws']} × {s['reps']} runs in each"
            if meta.get("defaults_draws")
            else ""
        )
        + ".",
        "",
        "## Posterior",
        "",
        "| parameter | mean | median | 95 % interval | prior | interval / prior's |",
        "|---|---|---|---|---|---|",
    ]
    for name, p in summary["parameters"].items():
        L.append(
            f"| `{name}` | {p['mean']:.3f} | {p['median']:.3f} | [{p['q025']:.3f}, {p['q975']:.3f}] | "
            f"[{p['prior'][0]:g}, {p['prior'][1]:g}] | {p['width_ratio']:.2f} |"
        )
    for p in summary.get("products", {}).values():  # a pair's joint-work rate: what the targets see
        a, b = p["of"]
        L.append(
            f"| `{a}` × `{b}` (product) | {p['mean']:.3f} | {p['median']:.3f} | [{p['q025']:.3f}, {p['q975']:.3f}] | "
            f"95 %: [{p['prior_interval'][0]:.3f}, {p['prior_interval'][1]:.3f}] | {p['width_ratio']:.2f} |"
        )
    L += [
        "",
        f"![Posterior marginals]({img_rel}/marginals.png)",
        "",
        f"![Posterior, pairwise]({img_rel}/pairs.png)",
        "",
        "## Posterior predictive checks: calibration targets",
        "",
        f"{meta['draws']} parameter sets drawn from the posterior by weight, {s['reps']} runs each; the shipped",
        "defaults run with the same seeds.",
        "",
        *_check_table(cal),
        "",
        "## Held-out targets",
        "",
        "Not used in the fit; computed at the same posterior draws.",
        "",
        *_check_table(held),
        "",
        *_contrast_lines(meta.get("contrasts", {}), meta),
        f"![Predictive checks]({img_rel}/checks.png)",
        "",
        *_defaults_lines(summary, cal),
        *_consistency_lines(meta.get("consistency")),
        *_fixed_point_lines(meta.get("fixed_point")),
        *_trade_off_lines(meta.get("trade_offs")),
        *_noise_floor_lines(meta.get("noise_floor"), settings_reps=s["reps"]),
        "## Not identified by these data",
        "",
    ]
    if flat:
        L += [
            "The posterior 95 % interval of these parameters is at least "
            f"{int(FLAT * 100)} % as wide as the prior's: the targets do not pin them down.",
            "",
        ]
        L += [f"- `{n}` ({summary['parameters'][n]['width_ratio']:.2f} of the prior's width)" for n in flat]
    else:
        L.append("Every calibrated parameter's posterior interval is narrower than the prior's by more than a fifth.")
    L += [
        "",
        "## Caveats",
        "",
        "- Most bands are derived from vendor surveys of different samples and years (docs/TARGETS.md);",
        "  reading them as 95 % intervals is an assumption. T2 is weak (an upper bound read as a band) and held",
        "  out since targets version 2 (section *Do the budget targets agree?*).",
        "- One fit (population and generations above); the final epsilon says how close the accepted",
        "  particles come, and *How close to the noise floor?* how much of that distance is replication",
        "  noise. Whether a refit in the adopted context moves the point estimate is checked separately",
        "  (docs/ODD.md section 8, the fixed-point criterion).",
        "- The held-out verdicts are out of sample with respect to this fit; the patterns P1–P11 of",
        "  docs/VALIDATION.md are computed at the shipped defaults, none of them a target here.",
        "- The parameters outside the priors keep their values while the posterior is drawn; the spin-up then",
        "  moves the starting state's parameters (influence, growth rates) to the posterior's point estimate,",
        "  so the shipped defaults are simulated in a slightly different context than the fit's particles.",
        "",
    ]
    return "\n".join(L)


def _kernel_text(scale: float | None) -> str:
    """The ABC kernel as the report names it (``abc.Settings.kernel_scale``)."""
    if scale is None:
        return "pyabc's multivariate normal (its default bandwidth, Silverman's rule)"
    return f"multivariate normal with {scale:g} × the previous population's weighted covariance" + (
        " (Beaumont et al. 2009)" if scale == 2 else ""
    )


def _consistency_headline(rows: list[dict[str, Any]] | None) -> list[str]:
    if not rows:
        return []
    bad = [r for r in rows if not r["consistent"]]
    if not bad:
        return ["The published budget bands agree with each other (section *Do the budget targets agree?*)."]
    cal = [r["id"] for r in rows if r.get("role", "calibration") == "calibration"]
    out = (
        "**The published budget bands contradict each other** (section *Do the budget targets agree?*): "
        "no budget, whatever the model, meets " + ", ".join(r["id"] for r in rows) + " at once"
    )
    if all(r.get("calibration_agree") for r in rows) and len(cal) < len(rows):
        held = [r["id"] for r in rows if r["id"] not in cal]
        return [
            f"{out}. {', '.join(held)} is held out (targets version {VERSION}, by the rule TARGETS.md section 8 set "
            f"down before any fit); the calibration targets among them, {', '.join(cal)}, agree."
        ]
    return [f"{out}, so not every calibration target can be reproduced."]


def consistency_rows() -> list[dict[str, Any]]:
    """The accounting check of the budget targets (:mod:`orgsim.calibration.consistency`), JSON-ready."""
    from orgsim.calibration import consistency

    cal = tuple(n for n in consistency.RATIOS if target(n).role == "calibration")
    cal_agree = consistency.jointly_feasible(cal)
    return [
        {"id": r.target.id, "name": r.target.name, "band": r.target.band_text, "role": r.target.role,
         "lo": r.lo if math.isfinite(r.lo) else None, "hi": r.hi if math.isfinite(r.hi) else None,
         "consistent": r.consistent,
         "others_agree": consistency.jointly_feasible(tuple(n for n in consistency.RATIOS if n != r.target.name)),
         "calibration_agree": cal_agree}
        for r in consistency.check()
    ]  # fmt: skip


def _consistency_lines(rows: list[dict[str, Any]] | None) -> list[str]:
    if not rows:
        return []
    table = [
        "| id | statistic | role | band | attainable with every other band met | agrees | the others agree without it |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        reach = f"[{r['lo']:.3f}, {r['hi']:.3f}]" if r["lo"] is not None else "none: the others already conflict"
        agree, rest = ("yes" if r["consistent"] else "**no**"), ("yes" if r["others_agree"] else "no")
        role = r.get("role", "calibration")
        table.append(f"| {r['id']} | `{r['name']}` | {role} | {r['band']} | {reach} | {agree} | {rest} |")
    cal = [r["id"] for r in rows if r.get("role", "calibration") == "calibration"]
    verdict = "agree: one budget meets all their bands" if rows[0].get("calibration_agree") else "do not agree either"
    after = [
        f"Calibration targets among them (targets version {VERSION}): {', '.join(cal)}; they {verdict}.",
        "",
    ]
    return [
        "## Do the budget targets agree?",
        "",
        "Six targets are ratios of the same five spending lines (campaigns, shadow IT, core IT, governed",
        "marketing IT, finance), so their bands can be checked against each other without the model",
        "(`orgsim.calibration.consistency`: linear programming over the five lines). For each target: the",
        "range its ratio can take in a budget that meets every other band. A range that misses the band means",
        "no parameter set of any model with these definitions reproduces all of them; the fit then trades",
        "them off by their standard deviations.",
        "",
        *table,
        "",
        *after,
    ]


def _defaults_lines(summary: dict[str, Any], cal: list[dict[str, Any]]) -> list[str]:
    from orgsim.calibration.defaults import IDENTIFIED, point_estimate, spun_up

    estimate = point_estimate(summary)
    rows = [f"| `{k}` | {v:g} |" for k, v in estimate.items()]
    missed = [c["id"] for c in cal if c["defaults_verdict"] is False]
    return [
        "## The shipped defaults",
        "",
        "The defaults labelled *posterior* are this posterior's point estimate, by the rule of",
        "`orgsim.calibration.defaults` (fixed before it was applied): a parameter the targets identify (95 % interval",
        f"narrower than {IDENTIFIED:g} of the prior's) takes its weighted posterior median; an unidentified starting",
        "share or CMO–CIO propensity is left to the stationarity spin-up (`orgsim calibrate`), run at the",
        "posterior's values; any other parameter takes its median; a tied one its partner's value.",
        f"Left to the spin-up: {', '.join(f'`{n}`' for n in spun_up(summary)) or 'none'}.",
        "",
        "| parameter | default |",
        "|---|---|",
        *rows,
        "",
        f"At the shipped defaults (column *shipped defaults* above) {len(cal) - len(missed)} of {len(cal)} calibration "
        f"targets are met{': not ' + ', '.join(missed) if missed else ''}.",
        "",
    ]


@dataclass(frozen=True)
class Fit:
    """What the report needs of a finished fit: its settings, summary (:func:`orgsim.calibration.abc.summary`),
    last population (:func:`orgsim.calibration.abc.posterior`) and trade-offs (None: not known)."""

    settings: abc.Settings
    summary: dict[str, Any]
    post: pd.DataFrame
    trade_offs: list[dict[str, Any]] | None = None


def fit_from_db(db: str | Path) -> Fit:
    """A fit from its SQLite history."""
    settings = abc.stored_settings(db)
    if settings is None:
        raise abc.ConfigError(f"{db}: no calibration in it")
    return Fit(settings, abc.summary(db), abc.posterior(db), abc.trade_offs(db))


def fit_from_folder(folder: str | Path, docs: str | Path = "docs") -> Fit:
    """A fit from the posterior folder it wrote (``posterior.json`` and its particles), without its
    database: what a fresh clone has. The products are computed again from the particles (summaries
    written before they existed lack them); the trade-offs, which need the last population's summary
    statistics, are taken from ``<docs>/calibration_posterior.json`` when that record is of the same fit."""
    from orgsim.calibration import posterior as source

    folder = Path(folder)
    if not folder.is_dir():
        raise abc.ConfigError(
            f"posterior {folder}: no such folder (a posterior folder, as 'orgsim calibrate --abc' writes)"
        )
    path = folder / abc.POSTERIOR_FILES["json"]
    if not path.is_file():
        raise abc.ConfigError(f"posterior {folder}: no {path.name} in it (written by 'orgsim calibrate --abc')")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise abc.ConfigError(f"posterior {path}: unreadable JSON: {err}") from None
    missing = [
        k
        for k in ("settings", "parameters", "generations", "tied")
        if not isinstance(summary, dict) or k not in summary
    ]
    if missing:
        raise abc.ConfigError(f"posterior {path}: not a calibration summary (no {missing[0]!r})")
    table = source.particles(folder)
    names = [p.name for p in abc.PRIORS]
    if sorted(c for c in table.columns if c not in source.NON_PARAMETERS) != sorted(names):
        raise abc.ConfigError(f"posterior {folder}: its parameters are not this version's priors ({', '.join(names)})")
    post = table[[*names, *(c for c in source.NON_PARAMETERS if c in table.columns)]]
    given = summary["settings"]
    settings = abc.Settings(
        **{f.name: given.get(f.name) for f in fields(abc.Settings) if f.name in given or f.name == "kernel_scale"}
    )
    trade_offs = None
    record = Path(docs) / "calibration_posterior.json"
    try:
        old = json.loads(record.read_text(encoding="utf-8")) if record.is_file() else {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        old = {}  # an unreadable record: the trade-offs are not known, the rest of the report is
    if isinstance(old, dict) and old.get("parameters") == summary["parameters"]:
        trade_offs = old.get("report", {}).get("trade_offs")
    return Fit(settings, {**summary, "products": abc.product_summaries(post)}, post, trade_offs)


def write_report(
    db: str | Path | Fit,
    docs: str | Path = "docs",
    *,
    draws: int = 100,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[str], None] | None = None,
    command: str | None = None,
    posterior_out: str | Path | None = None,
) -> list[Path]:
    """docs/CALIBRATION.md, docs/img/calibration/*.png, docs/calibration_posterior.json and the
    posterior folder (``particles.csv``, ``posterior.json``; ``posterior_out``, default
    ``<docs>/posterior``) from ``db``, an ABC history or a :class:`Fit` (:func:`fit_from_folder`)."""
    import sys

    import orgsim
    from orgsim.io import atomic_write, git_commit

    docs = Path(docs)
    img = docs / "img" / "calibration"
    img.mkdir(parents=True, exist_ok=True)
    fit = db if isinstance(db, Fit) else fit_from_db(db)
    settings, summary, post = fit.settings, fit.summary, fit.post
    drawn = draw_particles(post, draws, settings.master_seed)
    thetas = [{p.name: float(r[p.name]) for p in abc.PRIORS} for _, r in drawn.iterrows()]
    extra = list(contrast_scenarios(TARGETS))
    n_def = min(draws, 40)
    if progress:
        also = "".join(f", again in {x} (contrasts)" for x in extra)
        progress(
            f"posterior predictive checks: {draws} draws x {settings.reps} runs, shipped defaults "
            f"{n_def} x {settings.reps}{also}"
        )
    pred, others = predictive_with_contrasts(thetas, settings, _PPC_KEY, workers=workers, scheduler=scheduler)
    defaults, _ = predictive_with_contrasts([{}] * n_def, settings, _PPC_KEY, workers=workers, scheduler=scheduler)
    checks = check_rows(pred, defaults, (*CALIBRATION, *HELD_OUT))
    paths = [
        _marginals(post, img / "marginals.png"),
        _pairs(post, img / "pairs.png"),
        _ppc_figure(checks, img / "checks.png"),
    ]
    meta = {
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command or "orgsim " + " ".join(sys.argv[1:]),
        "version": orgsim.__version__,
        "commit": git_commit() or "unknown",
        "draws": draws,
        "defaults_draws": n_def,
        "contrast_scenarios": extra,
        "contrasts": contrast_parts(pred, others, settings),
        "proposals_total": int(sum(g["proposals"] for g in summary["generations"])),
        "consistency": consistency_rows(),
        "trade_offs": fit.trade_offs,
        "noise_floor": noise_floor(defaults, float(summary["generations"][-1]["epsilon"])),
    }
    folder = docs / "posterior" if posterior_out is None else Path(posterior_out)
    previous = folder / abc.POSTERIOR_FILES["json"]
    if previous.is_file():
        meta["fixed_point"] = fixed_point_rows(json.loads(previous.read_text(encoding="utf-8")), summary)
    text = markdown(summary, checks, meta, "img/calibration")
    md = docs / "CALIBRATION.md"
    atomic_write(md, lambda fh: fh.write(text.encode("utf-8")))
    record = {**summary, "predictive_checks": checks, "report": meta}
    js = docs / "calibration_posterior.json"
    atomic_write(js, lambda fh: fh.write((json.dumps(record, indent=2) + "\n").encode("utf-8")))
    written = abc.write_posterior_files(post, summary, folder, formats=DOCS_POSTERIOR_FORMATS)
    return [md, js, *paths, *written.values()]


def fixed_point_rows(committed: dict[str, Any], refit: dict[str, Any]) -> dict[str, Any]:
    """This fit against the posterior it replaces (:func:`orgsim.calibration.defaults.movement`), JSON-ready."""
    from orgsim.calibration.defaults import FIXED_POINT_SD, at_fixed_point, movement

    moved = movement(committed, refit)
    same = all(committed["parameters"][n]["median"] == refit["parameters"][n]["median"] for n in moved)
    return {
        "same_posterior": same,
        "at_fixed_point": at_fixed_point(committed, refit),
        "threshold_sd": FIXED_POINT_SD,
        "rows": [
            {"name": n, "committed": committed["parameters"][n]["median"], "refit": refit["parameters"][n]["median"],
             "moved_sd": m}
            for n, m in moved.items()
        ],
    }  # fmt: skip


#: below this share of the population, the report says that the weights have collapsed
LOW_ESS = 0.1


def ess_warning(summary: Mapping[str, Any]) -> str:
    """One sentence on weight collapse: in the last population, or in any generation on the way."""
    n = summary["settings"]["population"]
    last = summary["effective_sample_size"]
    low = [g["t"] for g in summary["generations"] if (g.get("effective_sample_size") or n) < LOW_ESS * n]
    if last < LOW_ESS * n:
        return (
            f"**The weights have collapsed** (ESS below {LOW_ESS * 100:.0f} % of the population): the posterior, its "
            "point estimate and its predictive checks rest on a few particles, not on the population."
        )
    if low:
        return (
            f"The weights collapsed on the way (ESS below {LOW_ESS * 100:.0f} % of the population in generation(s) "
            f"{', '.join(map(str, low))}) and recovered."
        )
    return f"No generation's ESS fell below {LOW_ESS * 100:.0f} % of the population."


def noise_floor(defaults: pd.DataFrame, epsilon: float) -> dict[str, Any]:
    """How far one parameter set (the shipped defaults) lands from the targets by replication luck alone:
    the ABC distance of each of its seed groups (rows of ``defaults``, the fit's replications each), the
    replication variance of each calibration statistic over sd^2 (its expected part of the distance even
    at the true parameters), and the share of seed groups the final ``epsilon`` would accept (JSON-ready)."""
    obs = abc.observed()
    rows = defaults.to_dict("records")
    d = np.array([abc.distance(r, obs) for r in rows], dtype=float)
    d = d[np.isfinite(d)]
    var = {
        t.id: float(np.nanvar(defaults[t.name].to_numpy(dtype=float), ddof=1)) / t.sd**2  # type: ignore[operator]
        if len(defaults) >= 2
        else float("nan")
        for t in CALIBRATION
    }
    return {
        "groups": len(d),
        "epsilon": epsilon,
        "median": float(np.median(d)) if len(d) else None,
        "q10": float(np.quantile(d, 0.1)) if len(d) else None,
        "q90": float(np.quantile(d, 0.9)) if len(d) else None,
        "accepted_share": float(np.mean(d <= epsilon)) if len(d) else None,
        "variance_parts": var,
        "variance_sum": float(sum(var.values())),
    }


def _noise_floor_lines(nf: dict[str, Any] | None, settings_reps: int) -> list[str]:
    if not nf or not nf["groups"]:
        return []
    parts = ", ".join(f"{k} {v:.2f}" for k, v in sorted(nf["variance_parts"].items(), key=lambda kv: -kv[1]))
    return [
        "## How close to the noise floor?",
        "",
        f"One parameter set, the shipped defaults, run with {nf['groups']} seed groups of {settings_reps} replications",
        f"(as each particle): its ABC distance has median {nf['median']:.1f} (10 % {nf['q10']:.1f}, 90 % {nf['q90']:.1f}).",
        f"The final epsilon, {nf['epsilon']:.1f}, accepts {nf['accepted_share']:.0%} of these seed groups: near the",
        "end, whether a particle is accepted depends on its seeds about as much as on its parameters. The",
        "replication variance of each statistic over sd², its expected part of the distance even at the",
        f"true parameters: {parts} (sum {nf['variance_sum']:.1f}). More replications per parameter set",
        "lower this floor for the noisiest targets. A diagnostic: no verdict.",
        "",
    ]


def _trade_off_lines(rows: list[dict[str, Any]] | None) -> list[str]:
    if not rows:
        return []
    lines = [
        "## What the fit gives up",
        "",
        "The last population's particles, weighted: each calibration target's mean statistic, its mean",
        "((statistic − value) / sd)² (its part of the ABC distance; 1 is a particle one sd off), and the two",
        "targets whose statistics move most with it across the particles (correlation). A target with a large",
        "part that moves with others is one the fit trades against them. A diagnostic: no verdict.",
        "",
        "| id | mean statistic | mean ((s − value) / sd)² | moves most with |",
        "|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: -r["mean_z2"]):
        top = sorted(((o, c) for o, c in r["correlations"].items() if c is not None), key=lambda oc: -abs(oc[1]))[:2]
        with_ = ", ".join(f"{o} ({c:+.2f})" for o, c in top) or "–"
        lines.append(f"| {r['id']} | {r['mean']:.3f} | {r['mean_z2']:.2f} | {with_} |")
    return [*lines, ""]


def _fixed_point_lines(fp: dict[str, Any] | None) -> list[str]:
    if not fp or fp["same_posterior"]:
        return []
    verdict = "**yes**" if fp["at_fixed_point"] else "**no**"
    lines = [
        "## Is the shipped point estimate a fixed point?",
        "",
        "The defaults are the point estimate of the posterior this command found in the posterior folder",
        "(the committed one), and the spin-up then moved parameters outside the priors. This fit ran in that",
        "adopted context. The criterion, fixed beforehand (`orgsim.calibration.defaults`): every parameter",
        f"the rule takes from the posterior moves its median by less than {fp['threshold_sd']:g} committed posterior sd.",
        f"At a fixed point: {verdict}.",
        "",
        "| parameter | committed median | this fit's median | moved (committed sd) |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{r['name']}` | {r['committed']:.4g} | {r['refit']:.4g} | {r['moved_sd']:+.2f} |" for r in fp["rows"]]
    return [*lines, ""]
