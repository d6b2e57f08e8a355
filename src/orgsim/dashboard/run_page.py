"""Page 1, Run: pick a scenario, set parameters, play the model and watch it quarter by quarter."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import solara

from orgsim.dashboard import charts
from orgsim.dashboard.state import (
    GROUP_TITLES,
    PARAM_GROUPS,
    SPEED_RANGE,
    Frame,
    RunState,
    current_value,
    format_path,
    is_slider,
    param_spec,
    range_label,
    slider_bounds,
    use_session,
)
from orgsim.dashboard.widgets import TABLE_CSS, ErrorLine, PushFigure, PushHTML
from orgsim.scenario.schema import ConfigError


def scenario_names() -> list[str]:
    from orgsim.scenario.files import available

    return list(available())


@solara.component
def SliderNumber(
    label: str,
    value: float,
    lo: float,
    hi: float,
    step: float,
    on_value: Callable[[float], Any],
    classes: list[str] | None = None,
):
    """A slider with its value beside it in a number field: drag the slider or type a number
    (a number outside the parameter's range gets the page's one-line message)."""
    with solara.Row(gap="8px", style={"align-items": "center"}, classes=["orgsim-slider", *(classes or [])]):
        with solara.Column(style={"flex": "1 1 auto", "min-width": "0"}):
            solara.SliderFloat(label, value=float(value), min=lo, max=hi, step=step, on_value=on_value)
        solara.InputFloat(
            "",
            value=float(value),
            on_value=lambda v: on_value(float(v)) if v is not None else None,
            dense=True,
            hide_details=True,
            classes=["orgsim-slider-value"],
            style={"max-width": "78px", "flex": "0 0 78px"},
        )


@solara.component
def ParamInput(st: RunState, name: str, base: Any):
    """One parameter: a slider, a number field, a choice or a keyframe path (as text)."""
    spec = param_spec(name)
    value = st.overrides.value.get(name, current_value(base, name))
    label = f"{name} {range_label(spec)}".strip()
    if spec.kind == "path":
        text = st.texts.value.get(name, format_path(value))
        solara.InputText(
            f"{name} (quarter:value, …) {range_label(spec)}",
            value=text,
            on_value=lambda t: st.set_path_text(name, t),
            continuous_update=False,
            dense=True,
        )
    elif spec.kind == "choice":
        solara.Select(
            label, values=list(spec.choices), value=value, on_value=lambda v: st.set_param(name, v), dense=True
        )
    elif spec.kind == "int":
        solara.InputInt(label, value=int(value), on_value=lambda v: st.set_param(name, v), dense=True)
    elif is_slider(spec):
        lo, hi = slider_bounds(spec)
        SliderNumber(
            label,
            value=float(value),
            lo=lo,
            hi=hi,
            step=0.01 if hi - lo <= 1.0 else 0.02,
            on_value=lambda v: st.set_param(name, round(float(v), 4)),
        )
    else:
        solara.InputFloat(label, value=float(value), on_value=lambda v: st.set_param(name, v), dense=True)
    solara.Text(spec.description, style={"font-size": "11px", "color": "#666", "margin-top": "-6px"})


@solara.component
def ParamGroups(st: RunState):
    scenario = st.scenario.value
    base = solara.use_memo(lambda: _safe_base(st), [scenario])
    if base is None:
        return
    for group in PARAM_GROUPS:
        ParamGroup(st, group, base)


@solara.component
def ParamGroup(st: RunState, group: str, base: Any):
    """A collapsible group whose inputs exist only while it is open (a smaller page to reconcile
    on every step)."""
    is_open, set_open = solara.use_state(group == "levers")
    changed = [n for n in PARAM_GROUPS[group] if n in st.overrides.value and n not in st.keep]
    title = GROUP_TITLES[group] + (f" · {len(changed)} changed" if changed else "")
    solara.Button(
        title,
        icon_name="mdi-chevron-up" if is_open else "mdi-chevron-down",
        on_click=lambda: set_open(not is_open),
        text=True,
        block=True,
        style={"justify-content": "flex-start", "text-transform": "none", "font-weight": "600"},
        classes=["orgsim-group"],
    )
    if is_open:
        with solara.Column(gap="4px", style={"padding-left": "8px"}):
            for name in PARAM_GROUPS[group]:
                ParamInput(st, name, base)


def _safe_base(st: RunState) -> Any:
    try:
        return st.base_config()
    except ConfigError as err:
        st.error.set(str(err))
        return None


@solara.component
def Controls(st: RunState):
    names = solara.use_memo(scenario_names, [])
    playing = st.playing.value
    building = bool(st.status.value)
    finished = st.finished.value

    solara.Select("Scenario", values=names, value=st.scenario.value, on_value=st.select_scenario)
    desc = solara.use_memo(lambda: _description(st), [st.scenario.value])
    if desc:
        solara.Text(desc, style={"font-size": "12px", "color": "#555"})
    solara.InputInt(
        "Seed (empty: the scenario's)",
        value=st.seed.value,
        on_value=st.set_seed,
        optional=True,
        dense=True,
    )
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.Button("Reset", icon_name="mdi-restore", on_click=st.reset, color="primary", outlined=True)
        if playing:
            solara.Button("Pause", icon_name="mdi-pause", on_click=st.pause, color="primary")
        else:
            solara.Button(
                "Play", icon_name="mdi-play", on_click=st.play, color="primary", disabled=building or finished
            )
        solara.Button(
            "Step",
            icon_name="mdi-step-forward",
            on_click=lambda: st.step(1),
            color="primary",
            disabled=playing or building or finished,
        )
    SliderNumber(
        "Speed (quarters per second)",
        value=st.speed.value,
        lo=SPEED_RANGE[0],
        hi=SPEED_RANGE[1],
        step=0.5,
        on_value=st.set_speed,
        classes=["orgsim-speed"],
    )
    if building:
        solara.Info(st.status.value, dense=True)
    if st.pending and not st.error.value:
        solara.Warning("Parameters changed: Reset applies them.", dense=True)
    ErrorLine(st.error.value)


def _description(st: RunState) -> str:
    try:
        return " ".join(st.base_config().description.split())
    except ConfigError:
        return ""


def status_html(frame: Frame) -> str:
    ms = frame.step_ms
    timing = f" · model step {ms:.0f} ms" if ms is not None else ""
    state = " · finished" if not frame.running else ""
    return (
        f"<b>{html.escape(frame.scenario)}</b>, seed {frame.seed} · "
        f"<b class='orgsim-quarter'>quarter {frame.step} of {frame.horizon}</b> · {frame.n_firms} firms{state}{timing}"
    )


def headers_html(frame: Frame, firm: int) -> str:
    """Panel titles, units and legend keys, placed over the run figure (no text for plotly to measure)."""
    margin = charts.MARGIN_L + charts.MARGIN_R
    return "".join(
        f"<div style='position:absolute; top:{h['top']}px; left:calc({charts.MARGIN_L}px + {h['left']} * (100% - {margin}px));'>"
        f"<b>{h['title']}</b>"
        + (f" <span style='font-size:11px; color:#666'>({h['unit']})</span>" if h["unit"] else "")
        + f"<br><span style='font-size:11px'>{h['key']}</span></div>"
        for h in charts.run_headers(frame, firm)
    )


def table_html(frame: Frame, firm: int) -> str:
    """The firms at the current quarter as one HTML table."""
    rows = charts.firm_rows(frame)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in rows.columns)
    body = "".join(
        f"<tr class='{'selected' if i == firm else ''}'>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>"
        for i, row in enumerate(rows.itertuples(index=False))
    )
    return f"<b>Firms at quarter {frame.step}</b><table><tr>{head}</tr>{body}</table>"


@solara.component
def RunCharts(st: RunState):
    """Re-renders only when a new model is built (``version``); quarters arrive by subscription."""
    version = st.version.value
    if st.frame.peek() is None:
        solara.ProgressLinear(True)
        solara.Text(st.status.value or "building the model …")
    else:
        RunView(st, version)


@solara.component
def RunView(st: RunState, version: int):
    """The run figure, its panel headers, the status line and the firm table.

    A step does not re-render the page: these widgets subscribe to the store's ``frame`` and
    take each new quarter straight in (one plotly update, three HTML updates), so a step's server
    work is the model and these updates.
    """
    frame0 = st.frame.peek()
    firm = min(st.firm.value, frame0.n_firms - 1)
    n_firms = frame0.n_firms
    deps = (firm, version)

    def fits(frame: Frame | None) -> bool:
        return frame is not None and frame.n_firms == n_firms  # else a new model: rebuilt (version)

    with solara.Row(style={"align-items": "center"}):
        solara.Select(
            "Firm",
            values=[str(i) for i in range(n_firms)],
            value=str(firm),
            on_value=lambda v: st.firm.set(int(v)),
            style={"max-width": "120px"},
        )
        PushHTML(st.frame, lambda f: status_html(f) if fits(f) else None, deps, {"style": "font-size: 14px"})
    with solara.Column(gap="0px", style={"position": "relative", "width": "100%"}):
        PushFigure(st.frame, lambda f: charts.run_figure(f, firm) if fits(f) else None, deps)
        PushHTML(
            st.frame,
            lambda f: headers_html(f, firm) if fits(f) else None,
            deps,
            {
                "class": "orgsim-panel-headers",
                "style": "position:absolute; top:0; left:0; right:0; pointer-events:none; font-size:13px; color:#333;",
            },
        )
    solara.Style(TABLE_CSS)
    PushHTML(st.frame, lambda f: table_html(f, firm) if fits(f) else None, deps, {"class": "orgsim-firms"})


@solara.component
def RunPage():
    session = use_session()
    st = session.run

    def first_model() -> None:
        if st.model is None and not st.worker.busy:
            st.reset()

    solara.use_effect(first_model, [])
    with solara.Columns([1, 3], gutters_dense=True):
        with solara.Column(style={"min-width": "300px", "max-height": "92vh", "overflow-y": "auto"}):
            Controls(st)
            ParamGroups(st)
        with solara.Column():
            RunCharts(st)
