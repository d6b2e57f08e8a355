"""The validation report: Markdown with one PNG figure per pattern (``orgsim validate``).

``write_report(results, meta, md_path, img_dir, img_rel)`` turns the :class:`~orgsim.validation.checks.PatternResult`
list of :func:`orgsim.validation.checks.validate` into a Markdown document (settings, method, a summary table
and one section per pattern with its checks, knockout and figure) and writes the figures into
``img_dir``; the Markdown links them as ``img_rel/<id>.png``. Figures are matplotlib Figures on their
own Agg canvas (pyplot is never used) and their jitter comes from a fixed generator, so the same
results give the same files.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgsim.formatting import md_table, num
from orgsim.formatting import value as fmt_value

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from orgsim.stats import Estimate
    from orgsim.validation.checks import CheckResult, Pattern, PatternResult

TITLE = "Pattern-oriented validation of orgsim"
SENSITIVITY_MARK = "<!-- sensitivity -->"
CALIBRATION_MARK = "<!-- calibration -->"
ROBUSTNESS_MARK = "<!-- robustness -->"
MAIN_COLOUR = "#1f77b4"
KNOCKOUT_COLOUR = "#7f7f7f"
PASS_COLOUR = "#2ca02c"
FAIL_COLOUR = "#d62728"
_BAND = re.compile(r"mean in \[([^,\]]+), ([^\]]+)\]")

METHOD = """\
Every pattern names the scenario runs it compares (its *arms*: a shipped scenario with parameter
overrides), one or more *checks* and a *knockout*. The {reps} replication seeds are spawned from
the master seed {master_seed} with numpy's `SeedSequence` (`SeedSequence(master).spawn(reps)`, the
first 32-bit word of each child's state is the run's seed); every arm is run once per seed with
`orgsim.simulate` at the market size below, and an arm that several patterns share is run only once.
A check's statistic is computed once per replication from the firm tables of that replication's
arms, so contrasts between arms compare runs with the same seed. Its estimate is the mean over the
replications (non-finite values dropped) with a 95 % percentile bootstrap confidence interval
(4000 resamples of the replications; the resampling generator is `numpy.random.default_rng` of the
master seed). A **sign check** passes when the interval excludes 0 in the stated direction (lower
bound > 0 for "CI > 0", upper bound < 0 for "CI < 0"); a **band check** passes when the mean lies in
the closed band (its interval is reported, not tested). A pattern passes when all its checks pass,
illustrations aside; a non-finite estimate fails.

**Unmanipulated runs (panel checks).** Where a seed claims an association across firms (P4, P5,
P7, P8, P9), the verdict rests on runs in which no firm is manipulated: each replication's yearly
firm panel (year t = quarters 4t + 1 … 4t + 4) of the outcome in year t against the firm's
exposure in year t − 1, pooled over the replications and fitted by OLS with firm effects and
run × year effects (firms are compared within each run and year), standard errors clustered by run
(CR1; the interval uses t with runs − 1 degrees of freedom; statsmodels). The estimate is the
exposure's coefficient with its 95 % interval and p-value; the per-replication values plotted (and
used by the robustness study) are the same slope within one run with year effects. The focal-firm
experiments of the first pre-registration (firm 0's disposition fixed) are kept as *illustrations*
of the mechanism, marked so: reported, not part of any verdict, no knockout.

**Knockouts, one per named channel.** A knockout runs the same arms with the same seeds and the
overrides that switch one channel off; a pattern that rests on several channels names each, and is
also run with all of them off together. For each knockout-bearing check the statistic is recomputed
on the knockout arms and judged by the check's own criterion (the same sign test or band); the
knockout passes for that check only when the check then FAILS — the pattern must vanish without the
channel, not merely shrink. A knockout passes when every knockout-bearing check fails under it (and
there is at least one); a statistic that cannot be computed under the knockout (non-finite) does not
count as a failure there. The channels whose knockout passes **carry** the pattern. A pattern
*holds* when it passes and at least one of its knockouts (a single channel, or all together)
passes. The tables show, per check, the statistic under each knockout and the paired
per-replication difference main − knockout (all channels together), multiplied by the check's
direction (reported, not tested). A check without a knockout (a calibration target, for instance)
shows "—". A pattern that fails is reported as FAIL; nothing is tuned to make it pass.

Every pattern has a **class**, fixed with its definition: *input* (set from a seed figure: a
calibration target, not a test), *mechanical* (follows from one equation of the model; the report
shows the equation) or *emergent* (needs several mechanisms or many agents interacting). Only
emergent patterns count as validation; input and mechanical patterns are reported as checks that
the code does what its equations say.

**Pre-registration.** The patterns — arms, statistics, criteria, bands, knockouts and classes —
are defined in one file, `{prereg_file}`, whose SHA-256 and last commit are printed under
"Pre-registration" below; a change to any of them changes the hash. Its second version (commit
`0e7670f`, 2026-12-02) added the panel checks, the per-channel knockouts, the rule above for when
a pattern holds and S4's test against heterogeneous normal changes, all written before any of the
new statistics had been computed; the bands, criteria and classes of the first version were kept. **Parameters set with the
patterns in view.** The calibrated parameters (section 8 of `docs/ODD.md`) were set by
`orgsim calibrate` against stationarity targets of the baseline only (its start equal to its end),
never against a pattern. The assumed parameters `joint_credit`, `coordination_cost` and
`imitation_rate` were changed in the same commit that introduced the pattern tests
(`ae53fc6c57681f075585919db5463bfd5c26c636`: "Cooperation costs more (0.25), joint credit 0.5,
imitation 0.05/quarter …"), so the patterns are in-sample with respect to these three
parameters: the patterns that rest on joint work and learning (P5, P8, P9, P11 above all) were
reproduced with these values chosen while the patterns were in view."""


# -- formatting --------------------------------------------------------------------------------------


def _est(e: Estimate | None) -> str:
    if e is None:
        return "—"
    if e.n == 0:
        return "n/a"
    return f"{num(e.value)} [{num(e.low)}, {num(e.high)}]"


def _check_est(c: CheckResult) -> str:
    """The estimate cell of a check: a panel check adds its p-value."""
    text = _est(c.estimate)
    if c.panel and c.p_value is not None and math.isfinite(c.p_value):
        text += f" (panel, p = {c.p_value:.2g})"
    return text


def _in_direction(values: Sequence[float], direction: int) -> str:
    """How many replications point in the check's direction ("k of n")."""
    v = [x for x in values if math.isfinite(x)]
    if not direction or not v:
        return "—"
    return f"{sum(1 for x in v if x * direction > 0)} of {len(v)}"


def _verdict(flag: bool | None) -> str:
    if flag is None:
        return "—"
    return "PASS" if flag else "FAIL"


def band_of(check: CheckResult) -> tuple[float, float] | None:
    """The band of a band check, read from its criterion (``mean in [lo, hi]``); None for sign checks."""
    m = _BAND.fullmatch(check.criterion.strip())
    if not m:
        return None
    try:
        return float(m.group(1)), float(m.group(2))
    except ValueError:
        return None


def _patterns_by_id() -> dict[str, Pattern]:
    from orgsim.validation.checks import patterns

    return {p.id: p for p in patterns()}


def _seconds(t: Any) -> str:
    try:
        s = float(t)
    except (TypeError, ValueError):
        return "n/a"
    if s < 120:
        return f"{s:.1f} s"
    return f"{s / 60:.1f} min"


# -- figures -----------------------------------------------------------------------------------------


def _panel(ax: Axes, result: PatternResult, check: CheckResult, rng: Any) -> None:
    import numpy as np

    groups: list[tuple[str, list[float], Estimate | None, str]] = [
        ("main", result.values.get(check.name, []), check.estimate, MAIN_COLOUR)
    ]
    if check.knockout is not None:
        groups.append(("knockout", result.values.get(check.name + " (knockout)", []), check.knockout, KNOCKOUT_COLOUR))
    band = band_of(check)
    if band is not None:
        ax.axhspan(band[0], band[1], color=PASS_COLOUR, alpha=0.12, linewidth=0, label="band")
    else:
        ax.axhline(0.0, color="black", linewidth=0.8)
    for x, (_, values, est, colour) in enumerate(groups):
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        jitter = rng.uniform(-0.12, 0.12, size=len(v))
        ax.scatter(x + jitter, v, s=12, color=colour, alpha=0.55, linewidths=0)
        if est is not None and est.n > 0 and math.isfinite(est.value):
            ax.errorbar(
                [x + 0.28],
                [est.value],
                yerr=[[est.value - est.low], [est.high - est.value]],
                fmt="o",
                color="black",
                markersize=4,
                capsize=4,
                linewidth=1.2,
            )
    ax.set_xticks(range(len(groups)))
    labels = [f"main\n{_verdict(check.passed)}"]
    if check.knockout is not None:
        labels.append(f"knockout\n{_verdict(check.knockout_passed)}")
    ax.set_xticklabels(labels, fontsize="small")
    for tick, flag in zip(ax.get_xticklabels(), [check.passed, check.knockout_passed], strict=False):
        tick.set_color(PASS_COLOUR if flag else FAIL_COLOUR)
    ax.set_xlim(-0.5, len(groups) - 0.5 + 0.1)
    ax.set_title(_wrap(check.name, 42) + f"\n({check.criterion})", fontsize="small")
    ax.tick_params(axis="y", labelsize="small")
    ax.grid(True, axis="y", alpha=0.3, linewidth=0.5)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width=width)) or text


def plot_pattern(result: PatternResult, path: str | os.PathLike[str], dpi: int = 100) -> Path:
    """One PNG for a pattern: a panel per check with per-replication values, mean and 95 % CI."""
    import numpy as np

    from orgsim.io import atomic_write
    from orgsim.plot import new_figure

    n = max(1, len(result.checks))
    width = 3.8 * n + 0.4
    fig = new_figure((width, 4.6))
    axes = fig.subplots(1, n, squeeze=False)[0]
    rng = np.random.default_rng(0)
    for ax, check in zip(axes, result.checks, strict=False):
        _panel(ax, result, check, rng)
    verdict = f"{_verdict(result.passed)}, knockout {_verdict(result.knockout_passed if _has_ko(result) else None)}"
    fig.suptitle(_wrap(f"{result.id}: {result.claim} — {verdict}", int(width * 11)), fontsize="medium")
    out = Path(path)
    return atomic_write(out, lambda fh: fig.savefig(fh, format="png", dpi=dpi, metadata={"Software": None}))


def _has_ko(result: PatternResult) -> bool:
    return any(c.knockout_passed is not None for c in result.checks)


# -- Markdown ----------------------------------------------------------------------------------------


def headline_counts(results: Sequence[PatternResult]) -> tuple[int, int]:
    """(emergent seed patterns that hold with knockouts that fail them, emergent seed patterns)."""
    emergent = [r for r in results if r.kind == "seed" and r.pattern_class == "emergent"]
    return sum(r.passed and r.knockout_passed for r in emergent), len(emergent)


def headline_text(results: Sequence[PatternResult]) -> str:
    k, n = headline_counts(results)
    return f"Emergent seed patterns that hold, with knockouts that fail them: {k} of {n}"


def headline(seeds: Sequence[PatternResult]) -> list[str]:
    """The headline: emergent seed patterns that hold; input and mechanical ones listed, not counted."""
    k, n = headline_counts(seeds)
    emergent = [r for r in seeds if r.pattern_class == "emergent"]
    lines = [
        f"Emergent seed patterns that hold, with knockouts that fail them: **{k} of {n}**"
        + (f" ({'; '.join(f'{r.id}: {_holds(r)}' for r in emergent)})." if emergent else ".")
    ]
    for cls, what in (("input", "set from seed figures"), ("mechanical", "follow from one equation")):
        group = [r for r in seeds if r.pattern_class == cls]
        if group:
            lines += [
                "",
                f"Not counted — {cls} patterns ({what}): " + ", ".join(f"{r.id} ({_holds(r)})" for r in group) + ".",
            ]
    other = [r for r in seeds if r.pattern_class not in ("input", "mechanical", "emergent")]
    if other:
        lines += ["", "Not counted — unclassified: " + ", ".join(r.id for r in other) + "."]
    return lines


def _holds(r: PatternResult) -> str:
    if r.passed and r.knockout_passed:
        carriers = r.carriers
        return "holds" + (f", carried by {' and '.join(carriers)}" if carriers and carriers != ["channel"] else "")
    if r.passed:
        return "passes, no knockout fails it"
    return "fails"


def _preregistration_info() -> dict[str, Any]:
    from orgsim.validation.checks import preregistration

    return preregistration()


def _preregistration(pre: Mapping[str, Any]) -> list[str]:
    commit = pre.get("commit") or "unknown"
    state = {True: "yes: the report was made from a modified copy", False: "no", None: "unknown"}[pre.get("modified")]
    return md_table(
        ("item", "value"),
        [
            ("pattern file", f"`{pre.get('file', '?')}`"),
            ("SHA-256 of its bytes", f"`{pre.get('sha256', '?')}`"),
            ("git commit that last changed it", f"`{commit}`" if commit != "unknown" else "unknown"),
            ("differs from that commit", state),
        ],
    )


def _settings(meta: Mapping[str, Any]) -> list[str]:
    commit = meta.get("git_commit")
    version = f"orgsim {meta.get('orgsim_version', '?')}" + (f", commit `{commit}`" if commit else "")
    rows = [
        ("replications", meta.get("reps", "?")),
        ("master seed", meta.get("master_seed", "?")),
        ("customers per market", meta.get("customers", "?")),
        ("quick (CI smoke) settings", "yes" if meta.get("quick") else "no"),
        ("wall time", _seconds(meta.get("wall_time"))),
        ("version", version),
        ("created (UTC)", meta.get("created", "?")),
    ]
    if meta.get("only"):
        rows.insert(3, ("patterns run", ", ".join(meta["only"])))
    return md_table(("setting", "value"), rows)


def _summary(results: Sequence[PatternResult]) -> list[str]:
    rows = [
        (
            f"[{r.id}](#{r.id.lower()})",
            r.claim,
            r.source,
            r.pattern_class or "—",
            _verdict(r.passed),
            _knockout_verdict(r),
            _carried(r),
        )
        for r in results
    ]
    return md_table(("id", "claim", "source", "class", "verdict", "knockout", "carried by"), rows)


def _carried(r: PatternResult) -> str:
    """The channels whose knockout alone fails the pattern ("—" when none, "all together" when only the joint one)."""
    if not _has_ko(r):
        return "—"
    if len(r.knockouts) < 2:
        return "its one channel" if r.knockouts[0].passed else "—"
    if r.carriers:
        return ", ".join(r.carriers)
    return "all channels together only" if r.knockouts[-1].passed else "—"


#: replications at which the report shows each check's interval width and verdict
REPLICATION_STEPS = (5, 10, 15, 20, 30)


def replications_markdown(results: Sequence[PatternResult], master_seed: int) -> list[str]:
    """Each check's 95 % interval width and verdict on the first n replications (n in
    :data:`REPLICATION_STEPS`, up to all of them): whether the report's replications are enough."""
    import numpy as np

    from orgsim.validation.checks import check_verdict

    by_id = _patterns_by_id()
    n_all = max((len(v) for r in results for v in r.values.values()), default=0)
    steps = [n for n in REPLICATION_STEPS if n < n_all] + [n_all]
    rows, ratios = [], []
    for r in results:
        pattern = by_id.get(r.id)
        checks = {c.name: c for c in pattern.checks} if pattern is not None else {}
        for c in r.checks:
            check = checks.get(c.name)
            if check is None or not r.values.get(c.name):
                continue
            cells, widths = [], {}
            for n in steps:
                est = c.estimate if n == n_all else c.by_reps.get(n)
                if est is None:
                    cells.append("—")
                    continue
                widths[n] = est.high - est.low
                cells.append(f"{num(widths[n])} {'pass' if check_verdict(check, est) else 'fail'}")
            if 10 in widths and widths[10] > 0:
                ratios.append(widths[n_all] / widths[10])
            rows.append((r.id, c.name, check.criterion(), *cells))
    if not rows:
        return ["No replications recorded."]
    expected = math.sqrt(10 / n_all) if n_all else float("nan")
    lines = [
        "Each check's 95 % interval width (bootstrap, or clustered for a panel check) and verdict on the first *n* replications (the same "
        f"seeds, in order). If {n_all} replications are enough, the widths shrink like 1/√n and the verdicts "
        "settle before the last column.",
        "",
    ]
    if ratios:
        lines += [
            f"Median width at {n_all} over the width at 10 replications: {num(float(np.median(ratios)))} "
            f"(1/√n predicts {num(expected)}).",
            "",
        ]
    return lines + md_table(("id", "check", "criterion", *(f"n = {n}" for n in steps)), rows)


def _knockout_verdict(r: PatternResult) -> str:
    return _verdict(r.knockout_passed) if _has_ko(r) else "—"


def _section(r: PatternResult, img_rel: str, pattern: Pattern | None) -> list[str]:
    lines = [
        f'<a id="{r.id.lower()}"></a>',
        "",
        f"### {r.id}: {r.claim}",
        "",
        f"**Verdict: {_verdict(r.passed)}** · knockout: **{_knockout_verdict(r)}** · source: {r.source}",
        "",
        "Arms (scenario [overrides]), each run once per replication seed:",
        "",
    ]
    lines += [f"- `{name}`: {label}" for name, label in r.arms.items()]
    lines += ["", f"Mechanism: {r.mechanism}.", ""]
    if r.pattern_class:
        lines += [f"Class: **{r.pattern_class}** — {r.class_reason}.", ""]
        if r.equation:
            lines += [f"Equation: {r.equation}.", ""]
    values = r.values
    rows = [
        (
            c.name,
            c.criterion,
            _check_est(c),
            "illustration" if c.illustration else _verdict(c.passed),
            _in_direction(values.get(c.name, []), _direction(c)),
            _est(c.knockout),
            _est(c.knockout_effect),
            _verdict(c.knockout_passed),
        )
        for c in r.checks
    ]
    lines += md_table(
        (
            "statistic",
            "criterion",
            "estimate [95 % CI]",
            "verdict",
            "replications in the direction",
            "knockout (all channels) estimate [95 % CI]",
            "knockout effect [95 % CI]",
            "knockout verdict",
        ),
        rows,
    )
    lines += ["", *_knockouts(r)]
    lines += [f"![{r.id}: per-replication values, mean and 95 % CI]({img_rel.rstrip('/')}/{r.id}.png)", ""]
    return lines


def _direction(c: CheckResult) -> int:
    """A sign check's direction from its criterion (0 for a band check)."""
    return {"CI > 0": 1, "CI < 0": -1}.get(c.criterion, 0)


def _knockouts(r: PatternResult) -> list[str]:
    """The pattern's knockouts: one row per named channel (and all together), each check's estimate under it."""
    if not r.knockouts:
        return []
    bearing = [c for c in r.checks if c.channels]
    if len(r.knockouts) == 1:
        k = r.knockouts[0]
        text = f"Knockout: {k.label}" + _overrides(k.overrides) + "."
        return [text, ""]
    rows = []
    for k in r.knockouts:
        cells = []
        for c in bearing:
            ch = c.channels.get(k.channel)
            cells.append("—" if ch is None else f"{_est(ch.estimate)}: check {'fails' if ch.passed else 'holds'}")
        what = "all named channels together" if k is r.knockouts[-1] else f"**{k.channel}**"
        rows.append((what, k.label + _overrides(k.overrides), *cells, _verdict(k.passed)))
    header = (
        "knockout",
        "what it switches off",
        *(f"{c.name}: estimate under the knockout" for c in bearing),
        "knockout",
    )
    return [
        "Knockouts, one per named channel (a knockout PASSes when every check fails under it):",
        "",
        *md_table(header, rows),
        "",
        f"Carried by: {_carried(r)}.",
        "",
    ]


def _overrides(ov: Mapping[str, Any]) -> str:
    return " (" + ", ".join(f"`{k}={fmt_value(v)}`" for k, v in ov.items()) + ")" if ov else ""


def _fact_verdict(r: PatternResult) -> str:
    """Plain-language verdict of a stylised fact: reproduced, and whether by the named mechanism."""
    if r.passed and r.knockout_passed:
        return f"reproduced, and a knockout fails it: it rests on the named channel(s) ({_carried(r) if len(r.knockouts) > 1 else 'the one named'})."
    if r.passed:
        return (
            "reproduced, but it still passes under every knockout: the model produces it, not (only) "
            "through the named channels."
        )
    return "not reproduced."


def sensitivity_markdown(df: Any, reps: int, customers: int) -> str:
    """One-at-a-time screen as a table: one row per pattern, one column per parameter setting."""
    if df is None or len(df) == 0:
        return "Not run in this report (`orgsim validate --docs` runs it; `--no-sensitivity` skips it)."
    settings = list(dict.fromkeys(zip(df["parameter"], df["value"], strict=True)))
    pids = list(dict.fromkeys(df["pattern"]))
    header = ["setting", *pids]
    rows = []
    for p, v in settings:
        sub = df[(df["parameter"] == p) & (df["value"] == v)].set_index("pattern")
        cells = [f"`{p}` = {v:g}"]
        for pid in pids:
            hit = sub.loc[pid]
            cells.append(("PASS" if hit["passed"] else "FAIL") + ("" if hit["knockout_passed"] else " (ko FAIL)"))
        rows.append(cells)
    held = df.groupby("pattern")["passed"].mean()
    robust = [pid for pid, share in held.items() if share == 1.0]
    fragile = [f"{pid} ({share:.0%})" for pid, share in held.items() if share < 1.0]
    text = [
        f"Each main parameter is set, one at a time, to a low and a high value (the default lies between) and "
        f"every pattern is re-evaluated with {reps} replications of {customers}-customer markets "
        "(fewer than above, so a borderline verdict can flip by chance). A cell says whether the pattern "
        "holds and, if its knockout then fails, `(ko FAIL)`.",
        "",
        *md_table(header, rows),
        "",
        f"Held at every setting: {', '.join(robust) or 'none'}. "
        f"Held at only some settings (share of settings): {', '.join(fragile) or 'none'}.",
    ]
    return "\n".join(text)


def _posterior_lines(summary: Mapping[str, Any] | None) -> list[str]:
    """The defaults that are the ABC posterior's point estimate (``docs/posterior/posterior.json``)."""
    if not summary:
        return []
    from orgsim.calibration.defaults import point_estimate, spun_up

    estimate = point_estimate(summary)
    settings = summary.get("settings", {})
    rows = [[f"`{k}`", f"{v:g}"] for k, v in estimate.items()]
    left = ", ".join(f"`{k}`" for k in spun_up(summary)) or "none"
    return [
        "The defaults labelled *posterior* are the point estimate (`orgsim.calibration.defaults`) of a "
        f"Bayesian calibration (ABC-SMC, population {settings.get('population', '?')}, "
        f"{len(summary.get('generations', []))} generations) against published figures, "
        "`docs/posterior/` and `docs/CALIBRATION.md`; none of the patterns above is one of its targets, "
        f"so at these defaults they are out of sample. Left to the spin-up below: {left}.",
        "",
        *md_table(["parameter", "posterior default"], rows),
        "",
    ]


def calibration_markdown(cal: Mapping[str, Any] | None) -> str:
    """The calibration's procedure, settings, score and result (from ``docs/calibration.json``)."""
    if not cal:
        return "No calibration record found (`orgsim calibrate` writes `docs/calibration.json`)."
    best = cal["best"]
    rows = [[f"`{k}`", f"{v:g}"] for k, v in best["params"].items()]
    scores = ", ".join(f"{it['score']:.3f}" for it in cal.get("iterations", []))
    return "\n".join(
        [
            *_posterior_lines(cal.get("posterior")),
            f"The starting state's parameters come from `orgsim calibrate` ({cal['procedure']}; "
            f"{cal['reps']} replications of {cal['customers']}-customer markets, seeds spawned from "
            f"master seed {cal['master_seed']} + 1, so none is a validation seed). The score is the "
            "root-mean-square relative deviation between the end and the start of the baseline over its "
            f"stationarity targets; by iteration: {scores}. Best: **{best['score']:.3f}**. Neither calibration "
            "uses the patterns above (P6 and P10 read the starting state, which targets T5 and T6 of the "
            "Bayesian calibration fit to the same seed figures).",
            "",
            *md_table(["parameter", "calibrated default"], rows),
        ]
    )


def render_markdown(
    results: Sequence[PatternResult],
    meta: Mapping[str, Any],
    img_rel: str = "img",
    sensitivity: Any = None,
    calibration: Mapping[str, Any] | None = None,
    preregistration: Mapping[str, Any] | None = None,
    robustness: str | None = None,
    robustness_headline: str | None = None,
) -> str:
    """The report as Markdown text (figures are linked as ``img_rel/<id>.png``).

    ``robustness`` is the robustness section's Markdown (:func:`orgsim.validation.robustness.markdown`), if run.

    ``preregistration`` (file, sha256, commit, modified) defaults to that of the installed pattern file.
    """
    by_id = _patterns_by_id()
    seeds = [r for r in results if r.kind == "seed"]
    facts = [r for r in results if r.kind != "seed"]
    prereg = preregistration if preregistration is not None else _preregistration_info()
    lines = [
        f"# {TITLE}",
        "",
        "This file is generated; do not edit it by hand. Regenerate it from the repository root with",
        "",
        "```sh",
        "orgsim validate --docs",
        "```",
        "",
        "which writes this file, its figures under `docs/img/validation/` and the numbers as "
        "`docs/validation.json`. `orgsim validate --quick` runs a small smoke version of the same checks.",
        "",
        *headline(seeds),
        "",
        *([robustness_headline, ""] if robustness_headline else []),
        "## Settings",
        "",
        *_settings(meta),
        "",
        "## Method",
        "",
        METHOD.format(reps=meta.get("reps", "N"), master_seed=meta.get("master_seed", "?"), prereg_file=prereg["file"]),
        "",
        "## Pre-registration",
        "",
        *_preregistration(prereg),
        "",
        "## Summary",
        "",
        *_summary(results),
        "",
        "## Replications",
        "",
        *replications_markdown(results, int(meta.get("master_seed", 0))),
        "",
    ]
    if seeds:
        lines += ["## Patterns of the seed articles (P1–P11)", ""]
        for r in seeds:
            lines += _section(r, img_rel, by_id.get(r.id))
    if facts:
        lines += [
            "## Further stylised facts (S1–S5)",
            "",
            "Findings of organisation research beyond the seed articles. They are reported but do not "
            "change the exit code of `orgsim validate`: a model need not reproduce all of them.",
            "",
            *[
                f"- **{r.id}** ({r.source}; {r.pattern_class or 'unclassified'}): {r.claim} — {_fact_verdict(r)}"
                for r in facts
            ],
            "",
        ]
        for r in facts:
            lines += _section(r, img_rel, by_id.get(r.id))
    sens = sensitivity_markdown(sensitivity, meta.get("sensitivity_reps", 0), meta.get("sensitivity_customers", 0))
    lines += ["## Sensitivity", "", SENSITIVITY_MARK, sens, ""]
    lines += [
        ROBUSTNESS_MARK,
        robustness
        or "## Robustness\n\nNot run in this report (`orgsim validate --docs` runs it; `--no-robustness` skips it).",
        "",
    ]
    lines += ["## Calibration", "", CALIBRATION_MARK]
    lines += [calibration_markdown(calibration), ""]
    return "\n".join(lines)


def write_report(
    results: Sequence[PatternResult],
    meta: Mapping[str, Any],
    md_path: str | os.PathLike[str],
    img_dir: str | os.PathLike[str],
    img_rel: str,
    sensitivity: Any = None,
    calibration: Mapping[str, Any] | None = None,
    preregistration: Mapping[str, Any] | None = None,
    robustness: str | None = None,
    robustness_headline: str | None = None,
) -> Path:
    """Write one PNG per pattern into ``img_dir`` and the Markdown report to ``md_path``; returns ``md_path``."""
    from orgsim.io import OutputError, atomic_write, prepare_dir

    md = Path(md_path)
    prepare_dir(md.parent)
    img = prepare_dir(img_dir)
    try:
        for r in results:
            plot_pattern(r, img / f"{r.id}.png")
        text = render_markdown(
            results, meta, img_rel, sensitivity, calibration, preregistration, robustness, robustness_headline
        )
        return atomic_write(md, lambda fh: fh.write(text.encode("utf-8")))
    except OSError as err:
        raise OutputError(f"{md}: cannot write the report: {err.strerror or err}") from None
