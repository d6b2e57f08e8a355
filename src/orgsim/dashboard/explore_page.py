"""Page 3, Explore: open a sweep's store, plot an outcome against one or two factors, click a run
to replay it from its manifest and see its time series.

Reads the experiment store through its own API (``orgsim.experiments.store.load``, ``read_meta``) and replays
with ``orgsim.experiments.sweep.replay`` (docs/EXPERIMENTS.md); both are imported when used.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import solara

from orgsim.dashboard import charts
from orgsim.dashboard.state import Worker, use_session
from orgsim.dashboard.widgets import ErrorLine, LiveFigure
from orgsim.scenario.schema import ConfigError

NONE = "(none)"


def find_stores(root: Path | None = None, depth: int = 3) -> list[str]:
    """Experiment stores (folders with ``_sweep.json``) under ``root`` (default: the working folder)."""
    root = root or Path.cwd()
    found = []
    for level in range(1, depth + 1):
        for meta in sorted(root.glob("/".join(["*"] * level) + "/_sweep.json")):
            if ".venv" in meta.parts or any(p.startswith(".") for p in meta.relative_to(root).parts[:-1]):
                continue
            found.append(str(meta.parent.relative_to(root)) if meta.parent != root else ".")
    return found


@dataclass(frozen=True)
class Opened:
    """A store opened in the page: its meta record and its runs."""

    path: str
    meta: dict[str, Any]
    runs: pd.DataFrame

    @property
    def factors(self) -> list[str]:
        return list(self.meta.get("factor_names") or [f["name"] for f in self.meta.get("factors", [])])

    @property
    def orders(self) -> dict[str, list[Any]]:
        """Each factor's levels in their declared order (labels where the spec gives them)."""
        return {
            f["name"]: list(f.get("labels") or f.get("values") or [])
            for f in self.meta.get("factors", [])
            if "name" in f
        }

    @property
    def outcomes(self) -> list[str]:
        return [o for o in self.meta.get("outcomes", []) if o in self.runs.columns]

    def describe(self) -> str:
        m = self.meta
        roles = {f["name"]: f.get("role", "") for f in m.get("factors", [])}
        factors = ", ".join(f"{n} ({roles.get(n, '')})" for n in self.factors)
        return (
            f"{m.get('name', '?')}: {m.get('design', {}).get('kind', '?')} design, {m.get('n_points', '?')} points × "
            f"{m.get('replications', '?')} replications; {len(self.runs)} runs recorded ok. Factors: {factors}."
        )


@dataclass(frozen=True)
class Replayed:
    run_id: str
    ok: bool
    message: str
    firms: pd.DataFrame
    stored: pd.DataFrame | None
    row: dict[str, Any]


def open_store(path: str) -> Opened:
    """Read a store's meta and runs (one-line errors as ConfigError)."""
    from orgsim.experiments.store import load, read_meta

    p = Path(path.strip()).expanduser()
    if not path.strip():
        raise ConfigError("give the folder of a sweep (made by 'orgsim sweep SPEC --out DIR')")
    try:
        meta = read_meta(p)
        runs = load(p)
    except (ValueError, OSError) as err:  # OutputError is a ValueError
        raise ConfigError(str(err).splitlines()[0] if str(err) else type(err).__name__) from None
    if runs.empty:
        raise ConfigError(f"{p}: the store has no successful runs yet")
    return Opened(str(p), meta, runs)


def replay_run(opened: Opened, run_id: str) -> Replayed:
    """Rerun one run from its manifest record (``orgsim.experiments.sweep.replay``) and read its stored series."""
    from orgsim.experiments.store import load
    from orgsim.experiments.sweep import replay

    try:
        res, ok, message = replay(opened.path, run_id)
    except (ValueError, OSError) as err:
        raise ConfigError(str(err).splitlines()[0]) from None
    stored = None
    if opened.meta.get("series"):
        stored = load(opened.path, "series", run_ids=[run_id])
    row = opened.runs[opened.runs["run_id"] == run_id]
    return Replayed(run_id, bool(ok), message, res.firms, stored, row.iloc[0].to_dict() if len(row) else {})


#: where the page looks for sweeps first (``orgsim sweep SPEC --out sweeps/NAME``)
DEFAULT_ROOT = "sweeps"


class ExploreState:
    def __init__(self, root: str = DEFAULT_ROOT) -> None:
        self.root = solara.reactive(root)  # the folder whose sweeps are listed
        self.listing = solara.reactive(0)  # bumped to list the folder again
        self.path = solara.reactive("")
        self.opened: solara.Reactive[Opened | None] = solara.reactive(None)
        self.outcome: solara.Reactive[str | None] = solara.reactive(None)
        self.x: solara.Reactive[str | None] = solara.reactive(None)
        self.colour = solara.reactive(NONE)
        self.replayed: solara.Reactive[Replayed | None] = solara.reactive(None)
        self.status = solara.reactive("")
        self.error: solara.Reactive[str | None] = solara.reactive(None)
        self.worker = Worker("explore", on_error=self.error.set)

    def open(self, path: str | None = None) -> None:
        if path is not None:
            self.path.set(path)
        target = self.path.value

        def job() -> None:
            self.status.set(f"reading {target} …")
            try:
                opened = open_store(target)
            except ConfigError as err:
                self.error.set(str(err))
                return
            finally:
                self.status.set("")
            self.error.set(None)
            self.replayed.set(None)
            self.outcome.set(opened.outcomes[0] if opened.outcomes else None)
            self.x.set(opened.factors[0] if opened.factors else None)
            self.colour.set(opened.factors[1] if len(opened.factors) > 1 else NONE)
            self.opened.set(opened)

        self.worker.submit(job)

    def open_run(self, run_id: str) -> None:
        opened = self.opened.value
        if opened is None:
            return

        def job() -> None:
            self.status.set(f"replaying {run_id} from its manifest …")
            try:
                replayed = replay_run(opened, run_id)
            except ConfigError as err:
                self.error.set(str(err))
                return
            finally:
                self.status.set("")
            self.error.set(None)
            self.replayed.set(replayed)

        self.worker.submit(job)


def list_stores(root: str) -> tuple[list[str], str | None]:
    """The sweeps under folder ``root`` (paths relative to it) and a one-line note when none."""
    folder = Path(root.strip() or ".").expanduser()
    if not folder.is_dir():
        return [], f"no folder {folder}: sweeps go where 'orgsim sweep SPEC --out {DEFAULT_ROOT}/NAME' writes them"
    stores = find_stores(folder)
    if not stores:
        return [], f"no sweeps under {folder}: make one with 'orgsim sweep SPEC --out {folder}/NAME'"
    return stores, None


@solara.component
def StorePicker(es: ExploreState):
    root = es.root.value
    stores, note = solara.use_memo(lambda: list_stores(root), [root, es.listing.value])
    opened = es.opened.value
    current = None
    if opened is not None:
        for rel in stores:
            if Path(root, rel).resolve() == Path(opened.path).resolve():
                current = rel

    def pick(rel: str | None) -> None:
        if rel:
            es.open(str(Path(root, rel)))

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputText(
            "Folder with sweeps",
            value=es.root,
            continuous_update=False,
            style={"max-width": "320px"},
        )
        solara.Button(
            icon_name="mdi-refresh",
            on_click=lambda: es.listing.set(es.listing.value + 1),
            icon=True,
            classes=["orgsim-refresh"],
        )
        solara.Select(
            f"Sweep ({len(stores)} found)",
            values=stores,
            value=current,
            on_value=pick,
            disabled=not stores,
            style={"min-width": "320px"},
            classes=["orgsim-sweeps"],
        )
    if note:
        solara.Text(note, style={"font-size": "12px", "color": "#666"})
    if es.status.value:
        solara.ProgressLinear(True)
        solara.Text(es.status.value)
    ErrorLine(es.error.value)


@solara.component
def OutcomeView(es: ExploreState, opened: Opened):
    outcome, x, colour = es.outcome.value, es.x.value, es.colour.value
    solara.Text(opened.describe(), style={"color": "#444"})
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.Select("Outcome", values=opened.outcomes, value=es.outcome, style={"max-width": "240px"})
        solara.Select("Factor (x axis)", values=opened.factors, value=es.x, style={"max-width": "240px"})
        solara.Select(
            "Second factor (colour)", values=[NONE, *opened.factors], value=es.colour, style={"max-width": "240px"}
        )
    valid = outcome in opened.runs.columns and x in opened.runs.columns
    second = colour if colour != NONE and colour != x else None
    spec = solara.use_memo(
        lambda: charts.explore_figure(opened.runs, outcome, x, second, opened.orders) if valid else None,
        [opened, outcome, x, second],
    )
    if spec is None:
        return

    def on_click(trace: int, point: int) -> None:
        ids = spec["data"][trace].get("customdata")
        if ids and 0 <= point < len(ids):
            es.open_run(str(ids[point]))

    solara.Text("Click a run (a marker) to replay it from its manifest.", style={"font-size": "12px", "color": "#666"})
    LiveFigure(spec, on_click=on_click)


@solara.component
def ReplayView(es: ExploreState):
    replayed = es.replayed.value
    specs = solara.use_memo(
        lambda: charts.replay_figures(replayed.firms, replayed.stored) if replayed else [], [replayed]
    )
    if replayed is None:
        return
    shown = {k: v for k, v in replayed.row.items() if k not in ("status", "error")}
    solara.HTML(tag="h3", unsafe_innerHTML=f"Run {html.escape(replayed.run_id)}")
    (solara.Success if replayed.ok else solara.Warning)(replayed.message, dense=True)
    solara.Text(", ".join(f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}" for k, v in shown.items()))
    with solara.Columns([1, 1, 1], gutters_dense=True):
        for spec in specs:
            LiveFigure(spec)


@solara.component
def ExplorePage():
    session = use_session()
    es: ExploreState = session.page_state("explore", ExploreState)
    StorePicker(es)
    opened = es.opened.value
    if opened is not None:
        OutcomeView(es, opened)
        ReplayView(es)
