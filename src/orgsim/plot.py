"""PNG charts of a run (matplotlib, Agg canvas; pyplot and its global state are never used).

``plot_run(run_dir_or_tables, out_dir)`` writes one PNG per chart plus ``overview.png``, which
combines the four main panels (influence, budget split, cooperation, capabilities) for the README.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgsim.model.roles import PAIR_NAMES
from orgsim.model.roles import ROLES as role_names

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

ROLES = tuple((r, r.upper()) for r in role_names)
ROLE_COLOURS = {"cmo": "#d62728", "cio": "#1f77b4", "cfo": "#2ca02c"}
BUDGET_LINES = (
    ("budget_marketing", "marketing campaigns (CMO)", "#d62728"),
    ("budget_it_core", "core IT (CIO)", "#1f77b4"),
    ("budget_it_marketing", "governed marketing IT (CIO)", "#9467bd"),
    ("shadow_it", "shadow IT (CMO)", "#ff7f0e"),
    ("budget_finance", "finance (CFO)", "#2ca02c"),
    ("conflict_loss", "lost to conflict", "#7f7f7f"),
)
PAIRS = tuple(
    (f"coop_{pair}", pair.upper().replace("_", "–"), colour)
    for pair, colour in zip(PAIR_NAMES, ("#9467bd", "#8c564b", "#17becf"), strict=True)
)
CAPABILITIES = (
    ("data_integration", "data integration"),
    ("analytics", "analytics"),
    ("experience", "customer experience"),
    ("quality", "quality"),
    ("roi_measurement", "ROI measurement"),
)
ENVIRONMENT = (
    ("pressure", "customer pressure P", "#d62728"),
    ("threat", "security threat H", "#1f77b4"),
    ("climate", "climate (revenue ×)", "#2ca02c"),
)
#: columns the charts need besides step and firm
REQUIRED = tuple(
    dict.fromkeys(
        [f"influence_{r}" for r, _ in ROLES]
        + [c for c, _, _ in BUDGET_LINES]
        + [c for c, _, _ in PAIRS]
        + ["cmo_briefs_ceo"]
        + [c for c, _ in CAPABILITIES]
        + ["market_share", "revenue", "profit"]
        + [c for c, _, _ in ENVIRONMENT]
    )
)
ROLLING = 4  # quarters


# -- panels (each draws into one Axes) ---------------------------------------------------------


def _quarter_axis(ax: Axes, steps: Any) -> None:
    ax.set_xlabel("quarter")
    ax.set_xlim(float(steps.min()), float(max(steps.max(), steps.min() + 1)))
    ax.grid(True, alpha=0.3, linewidth=0.5)


def panel_influence(ax: Axes, firms: pd.DataFrame) -> None:
    """Influence share per role: mean across firms, min–max band, thin per-firm lines."""
    for role, label in ROLES:
        col, colour = f"influence_{role}", ROLE_COLOURS[role]
        wide = firms.pivot(index="step", columns="firm", values=col).sort_index()
        for firm in wide.columns:
            ax.plot(wide.index, wide[firm], color=colour, linewidth=0.4, alpha=0.35)
        ax.fill_between(wide.index, wide.min(axis=1), wide.max(axis=1), color=colour, alpha=0.15, linewidth=0)
        ax.plot(wide.index, wide.mean(axis=1), color=colour, linewidth=2.2, label=f"{label} (mean, min–max)")
    ax.set_ylabel("influence share")
    ax.set_ylim(0, None)
    ax.set_title("Influence with the CEO")
    ax.legend(loc="best", fontsize="small")
    _quarter_axis(ax, firms["step"])


def panel_budget(ax: Axes, firms: pd.DataFrame) -> None:
    """Budget split: stacked area of the six budget lines, mean across firms."""
    mean = firms.groupby("step")[[c for c, _, _ in BUDGET_LINES]].mean().sort_index()
    ax.stackplot(
        mean.index,
        [mean[c] for c, _, _ in BUDGET_LINES],
        labels=[label for _, label, _ in BUDGET_LINES],
        colors=[colour for _, _, colour in BUDGET_LINES],
        alpha=0.85,
        step="post",  # the split holds for a year: draw it as steps, not ramps
    )
    ax.set_ylabel("budget per firm and quarter (mean)")
    ax.set_ylim(0, None)
    ax.set_title("Budget split")
    ax.legend(loc="lower left", fontsize="x-small", ncol=2)
    _quarter_axis(ax, firms["step"])


def panel_cooperation(ax: Axes, firms: pd.DataFrame) -> None:
    """Share of firms whose pair cooperated (rolling 4-quarter mean), and the CMO's briefings."""
    acted = firms[firms["step"] >= 1]  # quarter 0 is the initial state: nobody has acted yet
    if acted.empty:
        acted = firms
    share = acted.groupby("step")[[c for c, _, _ in PAIRS] + ["cmo_briefs_ceo"]].mean().sort_index()
    smooth = share.rolling(ROLLING, min_periods=1).mean()
    series = [*PAIRS, ("cmo_briefs_ceo", "CMO briefs CEO", "#d62728")]
    for col, label, colour in series:
        style = "--" if col == "cmo_briefs_ceo" else "-"
        ax.plot(share.index, share[col], color=colour, linewidth=0.6, alpha=0.3)
        ax.plot(smooth.index, smooth[col], color=colour, linewidth=2, linestyle=style, label=label)
    ax.set_ylabel(f"share of firms ({ROLLING}-quarter rolling mean)")
    ax.set_ylim(0, 1)
    ax.set_title("Cooperation and briefing")
    ax.legend(loc="best", fontsize="small")
    _quarter_axis(ax, firms["step"])


def panel_capabilities(ax: Axes, firms: pd.DataFrame) -> None:
    """Capability stocks, mean across firms."""
    mean = firms.groupby("step")[[c for c, _ in CAPABILITIES]].mean().sort_index()
    for col, label in CAPABILITIES:
        ax.plot(mean.index, mean[col], linewidth=2, label=label)
    ax.set_ylabel("level (mean across firms)")
    ax.set_ylim(0, 1)
    ax.set_title("Capabilities")
    ax.legend(loc="best", fontsize="small")
    _quarter_axis(ax, firms["step"])


def _firm_colours(n: int) -> list[Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab20" if n > 10 else "tab10"]
    return [cmap(i % cmap.N) for i in range(n)]


def panel_market_share(ax: Axes, firms: pd.DataFrame) -> None:
    """Market shares per firm, stacked."""
    wide = firms.pivot(index="step", columns="firm", values="market_share").sort_index()
    labels = [f"firm {f}" for f in wide.columns]
    ax.stackplot(wide.index, [wide[f] for f in wide.columns], labels=labels, colors=_firm_colours(len(labels)))
    ax.set_ylabel("market share")
    ax.set_ylim(0, 1)
    ax.set_title("Market shares")
    if len(labels) <= 12:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="x-small")
    _quarter_axis(ax, firms["step"])


def _per_firm(ax: Axes, firms: pd.DataFrame, col: str, title: str, ylabel: str) -> None:
    wide = firms.pivot(index="step", columns="firm", values=col).sort_index()
    colours = _firm_colours(len(wide.columns))
    for colour, firm in zip(colours, wide.columns, strict=True):
        ax.plot(wide.index, wide[firm], color=colour, linewidth=0.8, alpha=0.7)
    ax.plot(wide.index, wide.mean(axis=1), color="black", linewidth=2.2, label="mean across firms")
    ax.axhline(0, color="grey", linewidth=0.6)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    _quarter_axis(ax, firms["step"])


def panel_revenue(ax: Axes, firms: pd.DataFrame) -> None:
    _per_firm(ax, firms, "revenue", "Revenue per firm", "revenue per quarter")


def panel_profit(ax: Axes, firms: pd.DataFrame) -> None:
    _per_firm(ax, firms, "profit", "Profit per firm", "profit per quarter")


def panel_environment(ax: Axes, firms: pd.DataFrame) -> None:
    """The exogenous environment: pressure P(t), threat H(t), economic climate."""
    env = firms.groupby("step")[[c for c, _, _ in ENVIRONMENT]].mean().sort_index()
    for col, label, colour in ENVIRONMENT:
        ax.plot(env.index, env[col], color=colour, linewidth=2, label=label)
    ax.set_ylabel("level")
    ax.set_ylim(0, max(1.05, float(env["climate"].max()) * 1.05))
    ax.set_title("Environment")
    ax.legend(loc="best", fontsize="small")
    _quarter_axis(ax, firms["step"])


# -- figures -----------------------------------------------------------------------------------

Panel = Callable[["Axes", "pd.DataFrame"], None]

#: file stem -> (panels, figure size in inches)
CHARTS: dict[str, tuple[tuple[Panel, ...], tuple[float, float]]] = {
    "influence": ((panel_influence,), (8.0, 5.0)),
    "budget": ((panel_budget,), (8.0, 5.0)),
    "cooperation": ((panel_cooperation,), (8.0, 5.0)),
    "capabilities": ((panel_capabilities,), (8.0, 5.0)),
    "market_share": ((panel_market_share,), (9.0, 5.0)),
    "revenue_profit": ((panel_revenue, panel_profit), (12.0, 5.0)),
    "environment": ((panel_environment,), (8.0, 4.0)),
}
OVERVIEW = (panel_influence, panel_budget, panel_cooperation, panel_capabilities)


def new_figure(size: tuple[float, float]) -> Figure:
    """A Figure on its own Agg canvas: no pyplot, no global backend switch, no figure registry."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _title(firms: pd.DataFrame, meta: Mapping[str, Any]) -> str:
    scenario = meta.get("scenario") or (str(firms["scenario"].iloc[0]) if "scenario" in firms else "run")
    seed = meta.get("seed", firms["seed"].iloc[0] if "seed" in firms else "?")
    n_firms = firms["firm"].nunique()
    steps = int(firms["step"].max())
    return f"orgsim · {scenario} · seed {seed} · {n_firms} firms · {steps} quarters"


def save_figure(fig: Figure, path: Path, dpi: int) -> Path:
    from orgsim.io import atomic_write

    return atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=dpi))


def _coerce(source: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The firms table and metadata from a run folder, a Results, a tables mapping or a DataFrame."""
    import pandas as pd

    from orgsim.io import OutputError, read_run

    if isinstance(source, str | os.PathLike):
        tables, meta = read_run(source)
        return tables["firms"], meta
    if isinstance(source, pd.DataFrame):
        return source, {}
    if isinstance(source, tuple) and len(source) == 2 and isinstance(source[0], Mapping):
        return source[0]["firms"], dict(source[1])
    if isinstance(source, Mapping):
        if "firms" not in source:
            raise OutputError("plot: the tables have no 'firms' table")
        return source["firms"], dict(source.get("meta", {}))
    if hasattr(source, "firms"):  # orgsim.api.Results
        meta = {"scenario": source.config.name, "seed": source.seed} if hasattr(source, "config") else {}
        return source.firms, meta
    raise TypeError(f"plot_run: cannot plot a {type(source).__name__}")


def plot_run(
    source: Any,
    out_dir: str | os.PathLike[str],
    *,
    charts: Iterable[str] | None = None,
    dpi: int = 110,
) -> list[Path]:
    """Write the charts of a run as PNGs into ``out_dir`` and return their paths (overview last).

    ``source`` is a run folder (as written by :func:`orgsim.io.write_run`), the ``(tables, meta)``
    pair of :func:`orgsim.io.read_run`, a mapping with a ``"firms"`` table, a ``Results`` or the
    firms DataFrame itself. ``charts`` selects file stems (``CHARTS`` and ``"overview"``; all by
    default).
    """
    from orgsim.io import OutputError

    known = (*CHARTS, "overview")
    selected = known if charts is None else tuple(charts)
    unknown = [c for c in selected if c not in known]
    if unknown:
        raise ValueError(f"plot_run: unknown chart(s) {', '.join(unknown)} (known: {', '.join(known)})")
    firms, meta = _coerce(source)
    needed = ("step", "firm", *REQUIRED)
    missing = [c for c in needed if c not in firms.columns]
    if missing:
        raise OutputError(f"plot: the firms table lacks column(s) {', '.join(missing)}")
    if firms.empty:
        raise OutputError("plot: the firms table is empty")
    firms = firms.sort_values(["step", "firm"], kind="stable")

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"{out}: cannot create plot folder: {err.strerror or err}") from None

    title = _title(firms, meta)
    written: list[Path] = []
    try:
        for stem, (panels, size) in CHARTS.items():
            if stem not in selected:
                continue
            fig = new_figure(size)
            axes = fig.subplots(1, len(panels), squeeze=False)[0]
            for ax, panel in zip(axes, panels, strict=True):
                panel(ax, firms)
            fig.suptitle(title, fontsize="medium")
            written.append(save_figure(fig, out / f"{stem}.png", dpi))

        if "overview" in selected:
            fig = new_figure((13.0, 9.0))
            axes = fig.subplots(2, 2).ravel()
            for ax, panel in zip(axes, OVERVIEW, strict=True):
                panel(ax, firms)
            fig.suptitle(title, fontsize="large")
            written.append(save_figure(fig, out / "overview.png", dpi))
    except OSError as err:
        raise OutputError(f"{out}: cannot write charts: {err.strerror or err}") from None
    return written
