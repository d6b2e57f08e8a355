"""Plotly figure builders: pure functions from model output to plotly figure dicts.

They return plain ``{"data": [...], "layout": {...}}`` dicts (JSON-ready lists, no plotly object
validation, so a step's charts build in a few milliseconds); :mod:`orgsim.dashboard.widgets`
turns them into live figures that update in place. A figure keeps the same traces from step to
step (only their values change), which is what lets the page update without a full redraw.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from orgsim.model.roles import ROLES

ROLE_COLOURS = {"cmo": "#d62728", "cio": "#1f77b4", "cfo": "#2ca02c", "ceo": "#555555"}
ROLE_NAMES = {r: r.upper() for r in ROLES}
BUDGET_LINES = (
    ("budget_marketing", "marketing", "#ff9896"),
    ("budget_it_core", "core IT", "#1f77b4"),
    ("budget_it_marketing", "governed marketing IT", "#9467bd"),
    ("shadow_it", "shadow IT", "#d62728"),
    ("budget_finance", "finance", "#2ca02c"),
    ("conflict_loss", "lost to conflict", "#bbbbbb"),
)
CAPABILITIES = (
    ("data_integration", "integration", "#17becf"),
    ("analytics", "analytics", "#9467bd"),
    ("experience", "experience", "#ff7f0e"),
    ("quality", "quality", "#1f77b4"),
    ("roi_measurement", "ROI measurement", "#2ca02c"),
)
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
CHART_HEIGHT = 330


def _list(a: Any) -> list[float]:
    """JSON-ready list; NaN becomes None (a gap)."""
    arr = np.asarray(a, dtype=float)
    return [None if not np.isfinite(v) else round(float(v), 6) for v in arr]


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


#: plain axis styling. No plotly template (its defaults cost time on every redraw), few tick
#: labels and no overflow checks of tick labels: measuring tick labels dominates a redraw.
AXIS = {
    "gridcolor": "#ececec",
    "linecolor": "#999",
    "zeroline": False,
    "nticks": 6,
    "ticklabeloverflow": "allow",
    "tickfont": {"size": 10},
}


def _axis(**kw: Any) -> dict[str, Any]:
    return {**AXIS, **kw}


def _layout(title: str, horizon: int | None = None, y_title: str = "", **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": {"text": title, "font": {"size": 14}, "x": 0.02},
        "height": CHART_HEIGHT,
        "margin": {"l": 55, "r": 15, "t": 40, "b": 20},
        "legend": {"orientation": "h", "y": -0.12, "yanchor": "top", "font": {"size": 10}},
        "xaxis": _axis(),
        "yaxis": _axis(title={"text": y_title, "font": {"size": 11}}),
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "font": {"family": "Roboto, Arial, sans-serif", "size": 11, "color": "#333"},
        "uirevision": title,  # keep the user's zoom across updates
    }
    if horizon is not None:
        layout["xaxis"] = _axis(range=[0, horizon], dtick=10 if horizon > 20 else None)
    layout.update(extra)
    return layout


def _band(x: list[int], lo: Any, hi: Any, colour: str, name: str, group: str) -> list[dict[str, Any]]:
    """A filled band between ``lo`` and ``hi``: one closed polygon trace (cheaper than two)."""
    lo_l, hi_l = _list(lo), _list(hi)
    return [
        {
            "type": "scatter",
            "x": [*x, *x[::-1]],
            "y": [*hi_l, *lo_l[::-1]],
            "mode": "lines",
            "line": {"width": 0, "color": colour},
            "fill": "toself",
            "fillcolor": _rgba(colour, 0.18),
            "name": name,
            "legendgroup": group,
            "hoverinfo": "skip",
        }
    ]


# -- Run page ----------------------------------------------------------------------------------


def _steps(frame: Any) -> list[int]:
    return list(range(frame.step + 1))


def influence_figure(frame: Any, firm: int) -> dict[str, Any]:
    """Influence shares of CMO, CIO and CFO: the selected firm (solid), the mean over firms (dashed)
    and the band from the lowest to the highest firm."""
    x = _steps(frame)
    data: list[dict[str, Any]] = []
    for role in ROLES:
        values = frame.data[f"influence_{role}"]
        colour = ROLE_COLOURS[role]
        data += _band(x, values.min(axis=1), values.max(axis=1), colour, f"{ROLE_NAMES[role]} range of firms", role)
        data.append(
            {
                "type": "scatter",
                "x": x,
                "y": _list(values.mean(axis=1)),
                "mode": "lines",
                "line": {"color": colour, "dash": "dash", "width": 1.5},
                "name": f"{ROLE_NAMES[role]} mean",
                "legendgroup": role,
            }
        )
        data.append(
            {
                "type": "scatter",
                "x": x,
                "y": _list(values[:, firm]),
                "mode": "lines",
                "line": {"color": colour, "width": 2.5},
                "name": f"{ROLE_NAMES[role]} firm {firm}",
                "legendgroup": role,
            }
        )
    layout = _layout("Influence shares", frame.horizon, "share of the CEO's trust")
    roles = " ".join(f"<span style='color:{ROLE_COLOURS[r]}'>{ROLE_NAMES[r]}</span>" for r in ROLES)
    layout["meta"] = {"key": f"{roles}: ━ firm {firm} &nbsp;╌╌ mean of firms &nbsp;▒ range of firms"}
    return {"data": data, "layout": layout}


def budget_figure(frame: Any, firm: int) -> dict[str, Any]:
    """The selected firm's quarterly budget split, stacked."""
    x = _steps(frame)
    data = [
        {
            "type": "scatter",
            "x": x,
            "y": _list(frame.data[col][:, firm]),
            "mode": "lines",
            "stackgroup": "budget",
            "line": {"color": colour, "width": 0.5},
            "name": label,
        }
        for col, label, colour in BUDGET_LINES
    ]
    return {"data": data, "layout": _layout(f"Budget split, firm {firm}", frame.horizon, "money per quarter")}


#: positions of the CEO and the three executives in the network chart
NODE_XY = {"ceo": (0.0, 1.0), "cmo": (-1.0, 0.0), "cio": (1.0, 0.0), "cfo": (0.0, -1.0)}
EDGES = (("cmo", "cio", "coop_cmo_cio"), ("cmo", "cfo", "coop_cmo_cfo"), ("cio", "cfo", "coop_cio_cfo"))


def network_figure(frame: Any, firm: int) -> dict[str, Any]:
    """The selected firm's executives this quarter: node size by influence, a solid edge where a
    pair works together (faint where not; label: next quarter's probability), the CMO–CEO briefing."""
    q = frame.step
    data: list[dict[str, Any]] = []
    for a, b, col in EDGES:
        on = bool(frame.data[col][q, firm] > 0.5)
        p = frame.data[f"p_{col}"][q, firm]
        (x0, y0), (x1, y1) = NODE_XY[a], NODE_XY[b]
        data.append(
            {
                "type": "scatter",
                "x": [x0, (x0 + x1) / 2, x1],
                "y": [y0, (y0 + y1) / 2, y1],
                "mode": "lines+text",
                "text": ["", f"p={p:.2f}", ""],
                "textposition": "middle center",
                "textfont": {"size": 10, "color": "#444"},
                "line": {"color": "#333" if on else "#ccc", "width": 6 if on else 1.5, "dash": "solid"},
                "name": f"{a.upper()}–{b.upper()} {'cooperate' if on else 'apart'}",
                "hoverinfo": "name",
                "showlegend": False,
            }
        )
    briefed = bool(frame.data["cmo_briefs_ceo"][q, firm] > 0.5)
    (x0, y0), (x1, y1) = NODE_XY["cmo"], NODE_XY["ceo"]
    data.append(
        {
            "type": "scatter",
            "x": [x0, (x0 + x1) / 2, x1],
            "y": [y0, (y0 + y1) / 2, y1],
            "mode": "lines+text",
            "text": ["", "briefs" if briefed else "", ""],
            "textfont": {"size": 10, "color": ROLE_COLOURS["cmo"]},
            "line": {"color": ROLE_COLOURS["cmo"] if briefed else "#ddd", "width": 3, "dash": "dot"},
            "name": "CMO briefs the CEO" if briefed else "no briefing",
            "hoverinfo": "name",
            "showlegend": False,
        }
    )
    roles = ("ceo", *ROLES)
    shares = {r: float(frame.data[f"influence_{r}"][q, firm]) for r in ROLES}
    data.append(
        {
            "type": "scatter",
            "x": [NODE_XY[r][0] for r in roles],
            "y": [NODE_XY[r][1] for r in roles],
            "mode": "markers+text",
            "text": ["CEO", *(f"{ROLE_NAMES[r]}<br>{shares[r]:.2f}" for r in roles[1:])],
            "textposition": "middle center",
            "textfont": {"color": "white", "size": 11},
            "marker": {
                "size": [34, *(30 + 90 * shares[r] for r in roles[1:])],
                "color": [ROLE_COLOURS[r] for r in roles],
                "line": {"width": 1, "color": "white"},
            },
            "hoverinfo": "text",
            "showlegend": False,
            "name": "executives",
        }
    )
    axis = {"visible": False, "range": [-1.6, 1.6], "fixedrange": True}
    layout = _layout(f"Cooperation network, firm {firm}, quarter {q}")
    layout.update({"xaxis": axis, "yaxis": {**axis, "scaleanchor": "x"}, "showlegend": False})
    return {"data": data, "layout": layout}


def capabilities_figure(frame: Any, firm: int) -> dict[str, Any]:
    """The selected firm's capability stocks (0..1) and its incidents per quarter (bars, right axis)."""
    x = _steps(frame)
    data: list[dict[str, Any]] = [
        {
            "type": "bar",
            "x": x,
            "y": _list(frame.data["incidents"][:, firm]),
            "name": "incidents",
            "marker": {"color": "rgba(120,120,120,0.35)"},
            "yaxis": "y2",
        }
    ]
    data += [
        {
            "type": "scatter",
            "x": x,
            "y": _list(frame.data[col][:, firm]),
            "mode": "lines",
            "line": {"color": colour, "width": 2},
            "name": label,
        }
        for col, label, colour in CAPABILITIES
    ]
    layout = _layout(f"Capabilities, firm {firm}", frame.horizon, "level (0..1)")
    layout["yaxis"]["range"] = [0, 1]
    top = float(np.nanmax(frame.data["incidents"][:, firm], initial=0.0))
    layout["yaxis2"] = _axis(
        overlaying="y",
        side="right",
        title={"text": "incidents", "font": {"size": 11}},
        range=[0, max(4.0, top + 1.0)],
        dtick=1 if top <= 6 else None,
        tickformat="d",
        showgrid=False,
    )
    return {"data": data, "layout": layout}


def market_share_figure(frame: Any, firm: int) -> dict[str, Any]:
    """The selected firm's market share against every other firm's (thin grey lines: one trace)."""
    x = _steps(frame)
    shares = frame.data["market_share"]
    others_x: list[Any] = []
    others_y: list[Any] = []
    others_text: list[Any] = []
    for i in range(frame.n_firms):
        if i != firm:
            others_x += [*x, None]
            others_y += [*_list(shares[:, i]), None]
            others_text += [f"firm {i}"] * len(x) + [None]
    data = [
        {
            "type": "scatter",
            "x": others_x,
            "y": others_y,
            "text": others_text,
            "mode": "lines",
            "line": {"color": "#9aa5b1", "width": 1.2},
            "name": "other firms",
            "hovertemplate": "%{text}: %{y:.3f}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": x,
            "y": _list(shares[:, firm]),
            "mode": "lines",
            "line": {"color": PALETTE[0], "width": 3},
            "name": f"firm {firm}",
        },
    ]
    return {"data": data, "layout": _layout("Market shares", frame.horizon, "share of customers")}


def revenue_profit_figure(frame: Any, firm: int) -> dict[str, Any]:
    """The selected firm's revenue and profit against the market's mean firm."""
    x = _steps(frame)
    rev, prof = frame.data["revenue"], frame.data["profit"]
    data = [
        {"type": "scatter", "x": x, "y": _list(rev[:, firm]), "mode": "lines", "name": f"revenue, firm {firm}",
         "line": {"color": "#1f77b4", "width": 2.5}},
        {"type": "scatter", "x": x, "y": _list(rev.mean(axis=1)), "mode": "lines", "name": "revenue, mean firm",
         "line": {"color": "#1f77b4", "width": 1.2, "dash": "dash"}},
        {"type": "scatter", "x": x, "y": _list(prof[:, firm]), "mode": "lines", "name": f"profit, firm {firm}",
         "line": {"color": "#ff7f0e", "width": 2.5}},
        {"type": "scatter", "x": x, "y": _list(prof.mean(axis=1)), "mode": "lines", "name": "profit, mean firm",
         "line": {"color": "#ff7f0e", "width": 1.2, "dash": "dash"}},
    ]  # fmt: skip
    return {"data": data, "layout": _layout("Revenue and profit", frame.horizon, "money per quarter")}


def environment_figure(frame: Any) -> dict[str, Any]:
    """P(t) and H(t) over the whole run, the current quarter marked."""
    x = list(range(frame.horizon + 1))
    q = frame.step
    data = [
        {"type": "scatter", "x": x, "y": _list(frame.pressure_path), "mode": "lines", "name": "pressure P(t)",
         "line": {"color": "#d62728", "width": 2}},
        {"type": "scatter", "x": x, "y": _list(frame.threat_path), "mode": "lines", "name": "threat H(t)",
         "line": {"color": "#1f77b4", "width": 2}},
        {"type": "scatter", "x": [q, q], "y": [float(frame.pressure_path[q]), float(frame.threat_path[q])],
         "mode": "markers", "marker": {"size": 10, "color": ["#d62728", "#1f77b4"]}, "name": f"quarter {q}",
         "showlegend": False},
    ]  # fmt: skip
    layout = _layout("Pressure and threat", frame.horizon, "level (0..1)")
    layout["yaxis"]["range"] = [0, 1.05]
    layout["shapes"] = [
        {"type": "line", "x0": q, "x1": q, "y0": 0, "y1": 1, "yref": "paper", "line": {"color": "#555", "dash": "dot"}}
    ]
    layout["annotations"] = [
        {
            "x": q,
            "y": 1,
            "yref": "paper",
            "text": f"Q{q}",
            "showarrow": False,
            "yanchor": "bottom",
            "font": {"size": 10},
        }
    ]
    return {"data": data, "layout": layout}


def politics_figure(frame: Any, firm: int) -> dict[str, Any]:
    """The selected firm's politics: each executive's chosen effort in the budget round (solid) and
    its propensity to brief the CEO (dotted), with a dot in the quarters it briefed."""
    x = _steps(frame)
    data: list[dict[str, Any]] = []
    execs = getattr(frame, "execs", {}) or {}
    for r, role in enumerate(ROLES):
        colour, name = ROLE_COLOURS[role], ROLE_NAMES[role]
        if "effort" in execs:
            data.append(
                {
                    "type": "scatter", "x": x, "y": _list(execs["effort"][:, firm, r]), "mode": "lines",
                    "line": {"color": colour, "width": 2.5}, "name": f"{name} effort", "legendgroup": role,
                }
            )  # fmt: skip
        if "brief" in execs:
            data.append(
                {
                    "type": "scatter", "x": x, "y": _list(execs["brief"][:, firm, r]), "mode": "lines",
                    "line": {"color": colour, "width": 1.5, "dash": "dot"}, "name": f"{name} briefing propensity",
                    "legendgroup": role,
                }
            )  # fmt: skip
        if "briefed" in execs:
            quarters = [q for q in x if execs["briefed"][q, firm, r] > 0.5]
            data.append(
                {
                    "type": "scatter", "x": quarters, "y": [1.02 + 0.04 * r] * len(quarters), "mode": "markers",
                    "marker": {"color": colour, "size": 4}, "name": f"{name} briefed", "legendgroup": role,
                }
            )  # fmt: skip
    layout = _layout("Politics", frame.horizon, "effort, briefing propensity")
    layout["yaxis"] = {**layout.get("yaxis", {}), "range": [0, 1.13]}
    roles = " ".join(f"<span style='color:{ROLE_COLOURS[r]}'>{ROLE_NAMES[r]}</span>" for r in ROLES)
    layout["meta"] = {"key": f"{roles}: ━ effort in the budget round &nbsp;┈ briefing propensity &nbsp;• briefed"}
    return {"data": data, "layout": layout}


RUN_CHARTS = {
    "influence": influence_figure,
    "budget": budget_figure,
    "network": network_figure,
    "capabilities": capabilities_figure,
    "market": market_share_figure,
    "revenue": revenue_profit_figure,
    "politics": politics_figure,
}


def firm_rows(frame: Any) -> pd.DataFrame:
    """One row per firm at the current quarter (the table under the charts)."""
    q = frame.step
    d = frame.data
    tech = d["budget_it_core"][q] + d["budget_it_marketing"][q] + d["shadow_it"][q]
    return pd.DataFrame(
        {
            "firm": np.arange(frame.n_firms),
            "market share": np.round(d["market_share"][q], 3),
            "revenue": np.round(d["revenue"][q], 1),
            "profit": np.round(d["profit"][q], 1),
            "CMO": np.round(d["influence_cmo"][q], 3),
            "CIO": np.round(d["influence_cio"][q], 3),
            "CFO": np.round(d["influence_cfo"][q], 3),
            "CMO–CIO": d["coop_cmo_cio"][q].astype(int),
            "CMO–CFO": d["coop_cmo_cfo"][q].astype(int),
            "CIO–CFO": d["coop_cio_cfo"][q].astype(int),
            "briefs CEO": d["cmo_briefs_ceo"][q].astype(int),
            **{
                f"effort {ROLE_NAMES[role]}": np.round(frame.execs["effort"][q, :, r], 2)
                for r, role in enumerate(ROLES)
                if "effort" in getattr(frame, "execs", {})
            },
            "shadow IT share": np.round(np.divide(d["shadow_it"][q], tech, out=np.zeros_like(tech), where=tech > 0), 3),
            "integration": np.round(d["data_integration"][q], 3),
            "incidents": d["incidents"][q].astype(int),
        }
    )


# -- Compare page ------------------------------------------------------------------------------


def ensemble_figure(
    title: str,
    bands: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    y_title: str = "",
    band_name: str = "5–95 % of runs",
) -> dict[str, Any]:
    """Mean (line) and band (filled) over replications per variant; ``bands[label] = (mean, lo, hi)``
    with one value per quarter; ``band_name`` says what the band is in the legend."""
    data: list[dict[str, Any]] = []
    horizon = 0
    for i, (label, (mean, lo, hi)) in enumerate(bands.items()):
        colour = PALETTE[i % len(PALETTE)]
        x = list(range(len(mean)))
        horizon = max(horizon, len(mean) - 1)
        data += _band(x, lo, hi, colour, f"{label}: {band_name}", label)
        data.append(
            {
                "type": "scatter",
                "x": x,
                "y": _list(mean),
                "mode": "lines",
                "line": {"color": colour, "width": 2.5},
                "name": label,
                "legendgroup": label,
            }
        )
    return {"data": data, "layout": _layout(title, horizon, y_title)}


# -- Explore page ------------------------------------------------------------------------------


def declared_order(present: Any, declared: Any = None) -> list[str]:
    """The categories in ``present`` (as text) in the ``declared`` order; others after, sorted."""
    have = {str(v) for v in present}
    first = [c for c in dict.fromkeys(str(v) for v in (declared or [])) if c in have]
    return first + sorted(have - set(first))


def explore_figure(
    runs: pd.DataFrame,
    outcome: str,
    x: str,
    colour: str | None = None,
    orders: dict[str, list[Any]] | None = None,
) -> dict[str, Any]:
    """One marker per run (outcome against factor ``x``), the design points' means as lines; a
    second factor ``colour`` splits the runs into series (few levels) or colours them (many).
    Each marker carries its ``run_id`` as customdata (clicking opens the run). ``orders`` gives
    categorical factors' levels in their declared order (the x axis, the mean lines and the
    series follow it; otherwise categories are sorted)."""
    orders = orders or {}
    df = runs.dropna(subset=[outcome]).copy()
    categorical_x = not pd.api.types.is_numeric_dtype(df[x])
    categories: list[str] = []
    if categorical_x:
        df[x] = df[x].astype(str)
        categories = declared_order(df[x].unique(), orders.get(x))
    data: list[dict[str, Any]] = []

    def xs(s: pd.Series) -> list[Any]:
        return s.astype(str).tolist() if categorical_x else _list(s)

    if colour:
        present = df[colour].dropna().unique().tolist()
        if pd.api.types.is_numeric_dtype(df[colour]):
            levels: list[Any] = sorted(present)
        else:
            rank = {c: i for i, c in enumerate(declared_order(present, orders.get(colour)))}
            levels = sorted(present, key=lambda v: rank[str(v)])
    else:
        levels = [None]
    continuous = colour is not None and pd.api.types.is_numeric_dtype(df[colour]) and len(levels) > 8
    if continuous:
        data.append(
            {
                "type": "scatter",
                "x": xs(df[x]),
                "y": _list(df[outcome]),
                "mode": "markers",
                "marker": {"color": _list(df[colour]), "colorscale": "Viridis", "showscale": True, "size": 8,
                           "colorbar": {"title": {"text": colour}}},
                "customdata": df["run_id"].tolist(),
                "hovertemplate": f"%{{customdata}}<br>{x}=%{{x}}<br>{outcome}=%{{y:.4g}}<extra></extra>",
                "name": "runs",
            }
        )  # fmt: skip
        levels = []
    for i, level in enumerate(levels):
        sub = df if level is None else df[df[colour] == level]
        c = PALETTE[i % len(PALETTE)]
        name = "runs" if level is None else f"{colour} = {level}"
        data.append(
            {
                "type": "scatter",
                "x": xs(sub[x]),
                "y": _list(sub[outcome]),
                "mode": "markers",
                "marker": {"color": c, "size": 8, "opacity": 0.55},
                "customdata": sub["run_id"].tolist(),
                "hovertemplate": f"%{{customdata}}<br>{x}=%{{x}}<br>{outcome}=%{{y:.4g}}<extra></extra>",
                "name": name,
                "legendgroup": name,
            }
        )
        means = sub.groupby(x, sort=True)[outcome].mean()
        if categorical_x:  # in the declared order, not the alphabet's
            means = means.reindex([c for c in categories if c in means.index])
        if len(means) > 1 and len(means) <= 30:
            data.append(
                {
                    "type": "scatter",
                    "x": [str(v) for v in means.index] if categorical_x else _list(means.index),
                    "y": _list(means.to_numpy()),
                    "mode": "lines",
                    "line": {"color": c, "width": 2},
                    "name": f"mean, {name}",
                    "legendgroup": name,
                    "hoverinfo": "skip",
                    "showlegend": False,
                }
            )
    layout = _layout(f"{outcome} by {x}" + (f" and {colour}" if colour else ""), None, outcome)
    layout["xaxis"] = _axis(
        title={"text": x},
        **({"type": "category", "categoryorder": "array", "categoryarray": categories} if categorical_x else {}),
    )
    layout["clickmode"] = "event"
    layout["height"] = 440
    layout["margin"] = {**layout["margin"], "b": 50}
    layout["legend"] = {**layout["legend"], "y": -0.16}
    return {"data": data, "layout": layout}


def replay_figures(firms: pd.DataFrame, stored: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """Time series of one run (means over firms): influence shares, cooperation and the technology
    budget; the stored series of the store (if any) as markers on top, to see they coincide."""
    mean = firms.groupby("step").mean(numeric_only=True)
    x = mean.index.astype(int).tolist()
    horizon = int(x[-1]) if x else 0

    def lines(cols: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
        out = []
        for col, label, colour in cols:
            out.append({"type": "scatter", "x": x, "y": _list(mean[col]), "mode": "lines", "name": label,
                        "line": {"color": colour, "width": 2}})  # fmt: skip
            if stored is not None and col in stored.columns:
                s = stored.groupby("step")[col].mean()
                out.append({"type": "scatter", "x": s.index.astype(int).tolist(), "y": _list(s), "mode": "markers",
                            "marker": {"color": colour, "size": 5, "symbol": "circle-open"},
                            "name": f"{label} (stored)", "showlegend": False})  # fmt: skip
        return out

    infl = [(f"influence_{r}", ROLE_NAMES[r], ROLE_COLOURS[r]) for r in ROLES]
    coop = [("coop_cmo_cio", "CMO–CIO", "#9467bd"), ("coop_cmo_cfo", "CMO–CFO", "#ff7f0e"),
            ("coop_cio_cfo", "CIO–CFO", "#17becf"), ("cmo_briefs_ceo", "CMO briefs CEO", "#d62728")]  # fmt: skip
    tech = [("budget_it_core", "core IT", "#1f77b4"), ("budget_it_marketing", "governed marketing IT", "#9467bd"),
            ("shadow_it", "shadow IT", "#d62728")]  # fmt: skip
    return [
        {"data": lines(infl), "layout": _layout("Influence shares (mean firm)", horizon, "share")},
        {"data": lines(coop), "layout": _layout("Cooperation (share of firms)", horizon, "share")},
        {"data": lines(tech), "layout": _layout("Technology budget (mean firm)", horizon, "money per quarter")},
    ]


# -- one figure for the Run page ---------------------------------------------------------------


def _axis_name(kind: str, n: int) -> str:
    return kind if n == 1 else f"{kind}{n}"


def _layout_key(kind: str, n: int) -> str:
    return f"{kind}axis" if n == 1 else f"{kind}axis{n}"


def _legend_key(panel: dict[str, Any]) -> str:
    """The panel's legend as one line of coloured labels (drawn as text: cheaper than legends)."""
    items = []
    for t in panel["data"]:
        if t.get("showlegend") is False or not t.get("name"):
            continue
        line = t.get("line") or {}
        colour = line.get("color") or (t.get("marker") or {}).get("color") or "#444"
        if isinstance(colour, list):
            continue
        if t.get("type") == "bar":
            glyph = "■"
        elif t.get("fill"):
            glyph = "▒"
        elif line.get("dash") in ("dash", "dot"):
            glyph = "╌╌"
        else:
            glyph = "━"
        items.append(f"<span style='color:{colour}'>{glyph}</span> {t['name']}")
    return " &nbsp;".join(items)


TITLE_PX, BOTTOM_PX, MARGIN_T, MARGIN_B, MARGIN_L, MARGIN_R = 50, 26, 8, 8, 55, 50


def headers(panels: list[dict[str, Any]], rows: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """Each panel's title and legend key with its place over a :func:`compose` figure: ``top``
    in pixels from the figure's top, ``left`` as a fraction of the plotting width."""
    out = []
    it = iter(panels)
    top = 0
    for count, h in rows:
        for col in range(count):
            panel = next(it)
            pl = panel["layout"]
            units = [
                (pl.get(a) or {}).get("title", {}).get("text", "")
                for a in ("yaxis", "yaxis2")
                if (pl.get(a) or {}).get("title", {}).get("text")
            ]
            out.append(
                {
                    "title": (pl.get("title") or {}).get("text", ""),
                    "unit": " · ".join(units) + (" (right axis)" if len(units) > 1 else ""),
                    "key": (pl.get("meta") or {}).get("key") or _legend_key(panel),
                    "top": top + MARGIN_T + 2,
                    "left": 0.0 if count == 1 or col == 0 else 0.56,
                }
            )
        top += h
    return out


def compose(panels: list[dict[str, Any]], rows: list[tuple[int, int]], height: int | None = None) -> dict[str, Any]:
    """Lay several figure dicts out as panels of one figure (one plotly update a step instead of one
    per chart). ``rows`` gives each row's panel count (1 or 2) and height in pixels; each panel
    keeps its axes, shapes and annotations. Titles and legends are left to :func:`headers` (HTML
    over the figure: text in a plotly figure is measured again on every redraw)."""
    title_px, bottom_px, margin_t, margin_b = TITLE_PX, BOTTOM_PX, MARGIN_T, MARGIN_B
    total = height or sum(h for _, h in rows)
    paper = total - margin_t - margin_b
    layout: dict[str, Any] = {
        "height": total,
        "margin": {"l": MARGIN_L, "r": MARGIN_R, "t": margin_t, "b": margin_b},
        "showlegend": False,
        "uirevision": "run",
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "font": {"family": "Roboto, Arial, sans-serif", "size": 11, "color": "#333"},
        "annotations": [],
        "shapes": [],
        "hovermode": "closest",
    }
    data: list[dict[str, Any]] = []
    axis = 0
    top = 0
    it = iter(panels)
    for count, h in rows:
        for col in range(count):
            panel = next(it)
            pl = panel["layout"]
            x0, x1 = (0.0, 1.0) if count == 1 else ((0.0, 0.44) if col == 0 else (0.56, 1.0))
            y1 = 1.0 - (top + title_px) / paper
            y0 = 1.0 - (top + h - bottom_px) / paper
            axis += 1
            xa, ya = axis, axis
            xname, yname = _axis_name("x", xa), _axis_name("y", ya)
            layout[_layout_key("x", xa)] = {**pl.get("xaxis", {}), "domain": [x0, x1], "anchor": yname}
            yaxis = {**pl.get("yaxis", {}), "domain": [y0, y1], "anchor": xname}
            yaxis.pop("title", None)  # the unit goes to the HTML header
            if "scaleanchor" in yaxis:
                yaxis["scaleanchor"] = xname
            layout[_layout_key("y", ya)] = yaxis
            y2name = None
            if "yaxis2" in pl:
                axis += 1
                y2name = _axis_name("y", axis)
                y2 = {**pl["yaxis2"], "overlaying": yname, "anchor": xname}
                y2.pop("title", None)
                layout[_layout_key("y", axis)] = y2
            for t in panel["data"]:
                t = dict(t)
                t["xaxis"] = xname
                t["yaxis"] = y2name if t.get("yaxis") == "y2" and y2name else yname
                data.append(t)
            for s in pl.get("shapes", []):
                layout["shapes"].append(
                    {**s, "xref": xname if s.get("xref", "x") == "x" else s["xref"], "yref": f"{yname} domain"}
                )
            for a in pl.get("annotations", []):
                layout["annotations"].append({**a, "xref": xname, "yref": f"{yname} domain"})
        top += h
    return {"data": data, "layout": layout}


#: the Run page's panels, in reading order, and its rows (panels per row, height in pixels)
RUN_PANELS = ("influence", "budget", "network", "capabilities", "market", "revenue", "politics")
RUN_ROWS = [(2, 320), (2, 320), (2, 320), (2, 240)]


def run_panels(frame: Any, firm: int) -> list[dict[str, Any]]:
    return [*(RUN_CHARTS[k](frame, firm) for k in RUN_PANELS), environment_figure(frame)]


def run_figure(frame: Any, firm: int) -> dict[str, Any]:
    """Everything the Run page plots, as one figure: influence, budget, network, capabilities,
    market shares, revenue and profit, and P(t)/H(t) with the current quarter. Tick labels of the
    quarter axis only under the lowest panel of each column."""
    fig = compose(run_panels(frame, firm), RUN_ROWS)
    xaxes = sorted((k for k in fig["layout"] if k.startswith("xaxis")), key=lambda k: int(k[5:] or 1))
    for key in xaxes[: -RUN_ROWS[-1][0]]:  # every panel above the last row
        fig["layout"][key]["showticklabels"] = False
    return fig


def run_headers(frame: Any, firm: int) -> list[dict[str, Any]]:
    return headers(run_panels(frame, firm), RUN_ROWS)
