"""Page 2, Compare: two or more scenarios (or one with changed levers) as ensembles over replications.

Every variant runs the same replication seeds (common random numbers), so the difference of an
outcome at the end of the run is estimated from paired replications, with a bootstrap 95 %
confidence interval (:func:`orgsim.stats.bootstrap_mean`). The ensemble runs on the session's
worker thread with progress; the page stays responsive and can cancel it.

With "parameters from the posterior" on (issue 15), each replication draws one parameter set from a
calibration posterior (:mod:`orgsim.calibration.posterior`, the default ``$ORGSIM_POSTERIOR`` or
docs/posterior) with the seed rule of ``orgsim run/sweep --posterior``
(:func:`~orgsim.calibration.posterior.run_draw` of the replication's seed), the same draw for every
variant; what a variant sets itself (its scenario file, its changes, the page's customers and
quarters) wins over the draw, as a design factor does in a sweep. The bands then hold parameter
uncertainty as well as seed noise.
"""

from __future__ import annotations

import html
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import solara

from orgsim.dashboard import charts
from orgsim.dashboard.state import Worker, use_session
from orgsim.dashboard.widgets import TABLE_CSS, ErrorLine, LiveFigure
from orgsim.scenario.schema import ConfigError, ScenarioConfig

#: per-quarter series shown as ensemble bands (means over firms): column -> (title, y axis)
SERIES = {
    "influence_cmo": ("CMO influence share", "share"),
    "influence_cio": ("CIO influence share", "share"),
    "influence_cfo": ("CFO influence share", "share"),
    "coop_cmo_cio": ("CMO–CIO cooperation (share of firms)", "share"),
    "cmo_tech_share": ("Shadow IT share of technology spend", "share"),
    "data_integration": ("Data integration", "level"),
    "profit": ("Profit per firm", "money per quarter"),
    "incidents": ("Security incidents per firm", "per quarter"),
}
#: end-of-run outcomes whose differences are stated (orgsim.api.OUTCOMES)
MAIN_OUTCOMES = (
    "influence_cmo",
    "influence_cio",
    "influence_cfo",
    "coop_cmo_cio",
    "coop_cmo_cfo",
    "cmo_briefs_ceo",
    "cmo_tech_share",
    "it_marketing_share",
    "data_integration",
    "roi_measurement",
    "incidents",
    "profit",
    "margin",
)


@dataclass(frozen=True)
class Variant:
    """A scenario with optional parameter changes, e.g. ``shadow_it_cap=0.4; roi_mandate=0.5``."""

    scenario: str
    changes: str = ""

    @property
    def label(self) -> str:
        return f"{self.scenario} ({self.changes.strip()})" if self.changes.strip() else self.scenario


def parse_changes(text: str) -> dict[str, Any]:
    """``name=value`` pairs separated by ``;`` or new lines (TOML values); one-line ConfigError."""
    from orgsim.scenario.files import parse_assignment

    out: dict[str, Any] = {}
    for part in text.replace("\n", ";").split(";"):
        if part.strip():
            key, value = parse_assignment(part.strip())
            out[key] = value
    return out


def resolve(variants: list[Variant], settings: dict[str, Any]) -> list[ScenarioConfig]:
    """Validated configurations of the variants (``settings`` such as customers apply to all)."""
    from orgsim.scenario.files import load

    if len(variants) < 2:
        raise ConfigError("compare needs at least two variants (the same scenario twice with other changes is fine)")
    labels = [v.label for v in variants]
    if len(set(labels)) < len(labels):
        raise ConfigError("two variants are identical: change a scenario or its parameters")
    configs = []
    for v in variants:
        try:
            configs.append(load(v.scenario, {**settings, **parse_changes(v.changes)}))
        except ConfigError as err:
            raise ConfigError(f"{v.label}: {err}") from None
    return configs


#: the environment variable naming the posterior the page offers (``ORGSIM_POSTERIOR=PATH make app``)
POSTERIOR_ENV = "ORGSIM_POSTERIOR"
#: the committed posterior (``orgsim calibrate --abc`` copied to docs/posterior)
POSTERIOR_DIR = Path("docs") / "posterior"


def default_posterior() -> str:
    """The posterior the page offers: ``$ORGSIM_POSTERIOR``, else docs/posterior in the working
    folder or the source tree, else "" (none)."""
    named = os.environ.get(POSTERIOR_ENV, "").strip()
    if named:
        return named
    for folder in (POSTERIOR_DIR, Path(__file__).resolve().parents[3] / POSTERIOR_DIR):
        if folder.is_dir():
            return str(folder)
    return ""


def load_posterior(path: str) -> Any:
    """:func:`orgsim.calibration.posterior.load` of the page's path; a one-line ConfigError."""
    from orgsim.calibration import posterior as post

    if not path.strip():
        raise ConfigError(
            "posterior: no path given (a folder of 'orgsim calibrate --abc' or its particles file, e.g. docs/posterior)"
        )
    return post.load(path.strip())


def own_params(variant: Variant, settings: dict[str, Any]) -> list[str]:
    """The parameters a variant sets itself, which win over a posterior draw: those its scenario
    file sets (with the files it extends), the page's settings (customers, quarters) and its changes."""
    from orgsim.calibration.posterior import scenario_sets

    return list(dict.fromkeys([*scenario_sets(variant.scenario), *settings, *parse_changes(variant.changes)]))


def firm_means(firms: pd.DataFrame) -> pd.DataFrame:
    """Per-quarter means over firms of the :data:`SERIES` columns (shadow share as a mean of ratios)."""
    df = firms[["step", *(c for c in SERIES if c in firms.columns)]].copy()
    tech = firms["budget_it_core"] + firms["budget_it_marketing"] + firms["shadow_it"]
    df["cmo_tech_share"] = np.divide(
        firms["shadow_it"].to_numpy(), tech.to_numpy(), out=np.zeros(len(firms)), where=tech.to_numpy() > 0
    )
    return df.groupby("step").mean()


@dataclass
class Ensemble:
    """Replications of every variant: per-quarter series and end-of-run outcomes."""

    labels: list[str]
    seeds: list[int]
    series: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # label -> col -> (reps, quarters)
    outcomes: dict[str, pd.DataFrame] = field(default_factory=dict)  # label -> one row per replication
    wall: float = 0.0
    #: the posterior the parameters came from (path, sha256, particles, parameters; per variant the
    #: parameters drawn and those it kept), None without one
    posterior: dict[str, Any] | None = None
    #: per replication, the posterior draw (the same for every variant; :func:`posterior.run_draw`)
    draws: list[dict[str, Any]] = field(default_factory=list)

    def bands(self, col: str, level: float = 0.9) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
        out = {}
        for label in self.labels:
            x = self.series[label][col]
            out[label] = (x.mean(axis=0), np.quantile(x, lo_q, axis=0), np.quantile(x, hi_q, axis=0))
        return out


def run_ensemble(
    configs: list[ScenarioConfig],
    labels: list[str],
    replications: int,
    master_seed: int,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    posterior: Any = None,
    kept: list[list[str]] | None = None,
) -> Ensemble | None:
    """Run every configuration ``replications`` times with the same seeds (None if cancelled).

    ``posterior`` (an :class:`orgsim.calibration.posterior.Posterior`): replication ``r`` of every
    variant runs with the draw ``run_draw(posterior, seed_r)``, except the parameters in the
    variant's ``kept`` list (:func:`own_params`), which win. The values applied are columns
    ``posterior_<param>`` of the outcomes, as in a sweep's runs table.
    """
    from orgsim.api import OUTCOMES, simulate
    from orgsim.experiments.design import run_seed
    from orgsim.scenario.files import load

    seeds = [run_seed(master_seed, 0, r) for r in range(replications)]
    ens = Ensemble(labels=list(labels), seeds=seeds)
    keep = kept if kept is not None else [[] for _ in configs]
    if posterior is not None:
        from orgsim.calibration import posterior as post
        from orgsim.experiments.sweep import posterior_columns

        ens.draws = [post.run_draw(posterior, seed) for seed in seeds]  # the seed rule of run and sweep
        drawn_names = {
            lb: list(post.applied(dict.fromkeys(posterior.names), own)) for lb, own in zip(labels, keep, strict=True)
        }
        ens.posterior = {
            **posterior.describe(),
            "drawn": drawn_names,
            "kept": {lb: [n for n in posterior.names if n not in drawn_names[lb]] for lb in labels},
        }
    total, done = len(configs) * replications, 0
    start = time.perf_counter()
    for cfg, label, own in zip(configs, labels, keep, strict=True):
        series: dict[str, list[np.ndarray]] = {c: [] for c in SERIES}
        rows = []
        for r, seed in enumerate(seeds):
            if cancelled is not None and cancelled():
                return None
            drawn: dict[str, Any] = {}
            run_cfg = cfg
            if posterior is not None:
                drawn = post.applied(ens.draws[r], own)
                try:
                    run_cfg = load(cfg, drawn)
                except ConfigError as err:
                    raise ConfigError(f"{label}: posterior draw of replication {r + 1}: {err}") from None
            res = simulate(run_cfg, seed, executives=False)
            means = firm_means(res.firms)
            for c in SERIES:
                series[c].append(means[c].to_numpy())
            rows.append({**{k: res.outcomes[k] for k in OUTCOMES}, **(posterior_columns(drawn) if drawn else {})})
            done += 1
            if progress is not None:
                progress(done, total)
        ens.series[label] = {c: np.vstack(v) for c, v in series.items()}
        ens.outcomes[label] = pd.DataFrame(rows)
    ens.wall = time.perf_counter() - start
    return ens


def differences(ens: Ensemble, outcomes: tuple[str, ...] = MAIN_OUTCOMES, seed: int = 0) -> pd.DataFrame:
    """Each variant minus the first (the reference), per outcome: paired mean difference with a
    bootstrap 95 % confidence interval over the replications."""
    from orgsim.stats import bootstrap_mean

    rng = np.random.default_rng(seed)
    ref = ens.labels[0]
    rows = []
    for label in ens.labels[1:]:
        for k in outcomes:
            a = ens.outcomes[ref][k].to_numpy(dtype=float)
            b = ens.outcomes[label][k].to_numpy(dtype=float)
            est = bootstrap_mean(b - a, rng)
            rows.append(
                {
                    "outcome": k,
                    "variant": label,
                    "reference": ref,
                    "reference mean": float(np.mean(a)),
                    "variant mean": float(np.mean(b)),
                    "difference": est.value,
                    "ci low": est.low,
                    "ci high": est.high,
                    "n": est.n,
                    "excludes 0": est.excludes(0.0),
                }
            )
    return pd.DataFrame(rows)


def statement(row: pd.Series, horizon: int) -> str:
    """One sentence: the difference at the end of the run with its confidence interval."""
    from orgsim.api import OUTCOMES

    verdict = "a clear difference" if row["excludes 0"] else "no clear difference (the interval includes 0)"
    return (
        f"At the end of the run (last four quarters up to quarter {horizon}), {OUTCOMES[row['outcome']]} is "
        f"{row['variant mean']:.4g} in {row['variant']} against {row['reference mean']:.4g} in {row['reference']}: "
        f"difference {row['difference']:+.4g}, 95 % CI [{row['ci low']:+.4g}, {row['ci high']:+.4g}] over "
        f"{row['n']} paired replications — {verdict}."
    )


# -- state ---------------------------------------------------------------------------------------


class CompareState:
    def __init__(self) -> None:
        self.variants: solara.Reactive[list[Variant]] = solara.reactive(
            [Variant("baseline"), Variant("baseline", "shadow_it_cap=0.5")]
        )
        self.replications = solara.reactive(8)
        self.customers: solara.Reactive[int | None] = solara.reactive(None)  # None: each scenario's
        self.steps: solara.Reactive[int | None] = solara.reactive(None)
        self.master_seed = solara.reactive(20261123)
        #: each replication draws its parameters from the posterior at ``posterior_path``
        self.use_posterior = solara.reactive(False)
        self.posterior_path = solara.reactive(default_posterior())
        #: what the posterior holds, once it has been read (a one-line note), else None
        self.posterior_note: solara.Reactive[str | None] = solara.reactive(None)
        self.progress: solara.Reactive[tuple[int, int] | None] = solara.reactive(None)
        self.error: solara.Reactive[str | None] = solara.reactive(None)
        self.result: solara.Reactive[tuple[Ensemble, pd.DataFrame, int] | None] = solara.reactive(None)
        self._cancel = threading.Event()
        self.worker = Worker("compare", on_error=self.error.set)

    def set_variant(self, i: int, variant: Variant) -> None:
        vs = list(self.variants.value)
        vs[i] = variant
        self.variants.set(vs)

    def add_variant(self) -> None:
        last = self.variants.value[-1] if self.variants.value else Variant("baseline")
        self.variants.set([*self.variants.value, Variant(last.scenario, "")])

    def remove_variant(self, i: int) -> None:
        vs = list(self.variants.value)
        del vs[i]
        self.variants.set(vs)

    @property
    def running(self) -> bool:
        return self.progress.value is not None

    def _posterior(self) -> Any:
        """The posterior to draw from (None when off); a bad path is a one-line ConfigError."""
        if not self.use_posterior.value:
            return None
        source = load_posterior(self.posterior_path.value or "")
        self.posterior_note.set(f"{len(source)} particles, {len(source.names)} parameters: {', '.join(source.names)}")
        return source

    def _check_posterior(self) -> bool:
        """Read the posterior now, so a bad path shows at once (not only on Run ensemble)."""
        self.posterior_note.set(None)
        try:
            self._posterior()
        except ConfigError as err:
            self.error.set(str(err))
            return False
        if self.error.value and self.error.value.startswith("posterior"):
            self.error.set(None)
        return True

    def set_use_posterior(self, on: bool) -> bool:
        """Switch drawing parameters from the posterior on or off."""
        self.use_posterior.set(bool(on))
        return self._check_posterior()

    def set_posterior_path(self, path: str | None) -> bool:
        """Another posterior (a folder of 'orgsim calibrate --abc' or its particles file)."""
        self.posterior_path.set((path or "").strip())
        return self._check_posterior()

    def start(self) -> bool:
        """Validate and start the ensemble in the background; a bad input is a one-line message."""
        if self.running:
            return False
        settings: dict[str, Any] = {}
        if self.customers.value:
            settings["customers"] = int(self.customers.value)
        if self.steps.value:
            settings["steps"] = int(self.steps.value)
        try:
            reps = int(self.replications.value or 0)
            if not 2 <= reps <= 200:
                raise ConfigError(f"replications: between 2 and 200, got {reps}")
            variants = list(self.variants.value)
            configs = resolve(variants, settings)
            posterior = self._posterior()
            kept = [own_params(v, settings) for v in variants] if posterior is not None else None
        except ConfigError as err:
            self.error.set(str(err))
            return False
        self.error.set(None)
        self._cancel.clear()
        self.progress.set((0, len(configs) * reps))
        labels = [v.label for v in variants]
        seed = int(self.master_seed.value)

        def job() -> None:
            try:
                ens = run_ensemble(
                    configs,
                    labels,
                    reps,
                    seed,
                    progress=lambda d, t: self.progress.set((d, t)),
                    cancelled=self._cancel.is_set,
                    posterior=posterior,
                    kept=kept,
                )
                if ens is None:
                    self.error.set("cancelled")
                    return
                self.result.set((ens, differences(ens, seed=seed), max(c.steps for c in configs)))
            except (ConfigError, ValueError) as err:
                self.error.set(str(err).splitlines()[0])
            finally:
                self.progress.set(None)

        self.worker.submit(job)
        return True

    def cancel(self) -> None:
        self._cancel.set()


# -- components ------------------------------------------------------------------------------------


def band_name(ens: Ensemble) -> str:
    """What a chart's band is, in its legend."""
    return "5–95 % of runs (seeds and posterior draws)" if ens.posterior else "5–95 % of runs"


def posterior_caption(ens: Ensemble) -> str:
    """HTML: which posterior the parameters came from, what was drawn and what each variant kept."""
    p = ens.posterior or {}
    kept = [
        f"{html.escape(label)} keeps its own {html.escape(', '.join(names))}"
        for label, names in p.get("kept", {}).items()
        if names
    ]
    drawn = sorted({n for names in p.get("drawn", {}).values() for n in names})
    return (
        f"<b>Parameters from the posterior</b> {html.escape(str(p.get('path', '')))} ({p.get('particles')} particles, "
        f"sha256 {str(p.get('sha256', ''))[:12]}): each replication draws one particle by weight, seeded from its "
        "seed as in <code>orgsim run/sweep --posterior</code>, the same draw for every variant, so the bands hold "
        f"parameter uncertainty as well as seed noise. Drawn: {html.escape(', '.join(drawn)) or 'none'}."
        + (f" A variant's own settings win: {'; '.join(kept)}." if kept else "")
    )


@solara.component
def VariantRow(cs: CompareState, i: int, variant: Variant, names: list[str]):
    with solara.Row(style={"align-items": "center"}):
        solara.Text(f"{'reference' if i == 0 else f'variant {i}'}", style={"min-width": "80px", "font-weight": "600"})
        solara.Select(
            "Scenario",
            values=names,
            value=variant.scenario,
            on_value=lambda s: cs.set_variant(i, Variant(s, variant.changes)),
            dense=True,
            style={"max-width": "200px"},
        )
        solara.InputText(
            "changes, e.g. shadow_it_cap=0.4; roi_mandate=0.5",
            value=variant.changes,
            on_value=lambda t: cs.set_variant(i, Variant(variant.scenario, t or "")),
            continuous_update=False,
            dense=True,
            style={"min-width": "360px"},
        )
        if len(cs.variants.value) > 2:
            solara.Button(icon_name="mdi-delete", icon=True, on_click=lambda: cs.remove_variant(i))


@solara.component
def PosteriorRow(cs: CompareState):
    """The switch "parameters from the posterior", the posterior's path and what it holds."""
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Switch(
            label="Parameters from the posterior (each replication draws its own)",
            value=cs.use_posterior.value,
            on_value=cs.set_use_posterior,
            disabled=cs.running,
        )
        if cs.use_posterior.value:
            solara.InputText(
                "Posterior (a folder of 'orgsim calibrate --abc' or its particles file)",
                value=cs.posterior_path.value,
                on_value=cs.set_posterior_path,
                continuous_update=False,
                dense=True,
                style={"min-width": "420px"},
            )
    note = cs.posterior_note.value
    if cs.use_posterior.value and note:
        solara.Text(
            f"{cs.posterior_path.value}: {note}. A variant's own settings (its scenario file, its changes, "
            "customers and quarters above) win over the draw.",
            style={"color": "#555", "font-size": "12px"},
            classes=["orgsim-posterior-note"],
        )


@solara.component
def CompareResults(cs: CompareState):
    result = cs.result.value
    specs = solara.use_memo(
        lambda: (
            [
                charts.ensemble_figure(t, result[0].bands(c), y, band_name=band_name(result[0]))
                for c, (t, y) in SERIES.items()
            ]
            if result
            else []
        ),
        [result],
    )
    if result is None:
        solara.Text("Pick the variants and press Run ensemble.", style={"color": "#666"})
        return
    ens, diffs, horizon = result
    same = "the same seeds and parameter draws" if ens.posterior else "the same seeds"
    spread = "seed noise and parameter uncertainty" if ens.posterior else "seed noise"
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<b>{len(ens.seeds)} replications</b> of each of {len(ens.labels)} variants "
        f"({same} for every variant), {ens.wall:.1f} s. Lines: mean over replications; bands: 5–95 % "
        f"of replications ({spread}).",
    )
    if ens.posterior:
        solara.HTML(tag="div", unsafe_innerHTML=posterior_caption(ens), classes=["orgsim-posterior"])
    for i in range(0, len(specs), 2):
        with solara.Columns([1, 1], gutters_dense=True):
            for spec in specs[i : i + 2]:
                LiveFigure(spec)
    solara.HTML(tag="h3", unsafe_innerHTML="Differences at the end of the run (each variant minus the reference)")
    clear = diffs[diffs["excludes 0"]]
    with solara.Column(classes=["orgsim-statements"]):
        for _, row in (clear if len(clear) else diffs.head(3)).iterrows():
            solara.Text("• " + statement(row, horizon))
    table = diffs.copy()
    for c in ("reference mean", "variant mean", "difference", "ci low", "ci high"):
        table[c] = table[c].map(lambda x: f"{x:.4g}")
    table["95 % CI"] = "[" + table["ci low"] + ", " + table["ci high"] + "]"
    table["excludes 0"] = table["excludes 0"].map({True: "yes", False: "no"})
    cols = ["outcome", "variant", "reference mean", "variant mean", "difference", "95 % CI", "excludes 0"]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in table[cols].itertuples(index=False)
    )
    solara.Style(TABLE_CSS)
    solara.HTML(tag="div", unsafe_innerHTML=f"<table><tr>{head}</tr>{body}</table>", classes=["orgsim-firms"])


@solara.component
def ComparePage():
    from orgsim.dashboard.run_page import scenario_names

    session = use_session()
    cs: CompareState = session.page_state("compare", CompareState)
    names = solara.use_memo(scenario_names, [])
    with solara.Card("Variants", margin=0):
        for i, variant in enumerate(cs.variants.value):
            VariantRow(cs, i, variant, names)
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Button("Add variant", icon_name="mdi-plus", on_click=cs.add_variant, outlined=True)
            solara.InputInt("Replications", value=cs.replications, dense=True, style={"max-width": "120px"})
            solara.InputInt(
                "Customers (empty: the scenario's)",
                value=cs.customers,
                optional=True,
                dense=True,
                style={"max-width": "220px"},
            )
            solara.InputInt(
                "Quarters (empty: the scenario's)",
                value=cs.steps,
                optional=True,
                dense=True,
                style={"max-width": "220px"},
            )
            solara.InputInt("Master seed", value=cs.master_seed, dense=True, style={"max-width": "140px"})
            if cs.running:
                solara.Button("Cancel", icon_name="mdi-stop", on_click=cs.cancel, color="error", outlined=True)
            else:
                solara.Button("Run ensemble", icon_name="mdi-play", on_click=cs.start, color="primary")
        PosteriorRow(cs)
        progress = cs.progress.value
        if progress is not None:
            done, total = progress
            solara.ProgressLinear(value=100.0 * done / max(total, 1))
            solara.Text(f"running: {done} of {total} runs")
        ErrorLine(cs.error.value)
    CompareResults(cs)
