"""Solara components shared by the pages: a plotly figure that updates in place, parameter inputs."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import ipyvuetify as v
import solara
import traitlets

#: the style of the HTML tables (firms, differences)
TABLE_CSS = """
.orgsim-firms table { border-collapse: collapse; font-size: 12px; }
.orgsim-firms th, .orgsim-firms td { padding: 2px 8px; border-bottom: 1px solid #e5e5e5; text-align: right; }
.orgsim-firms th { color: #555; font-weight: 600; }
.orgsim-firms tr.selected td { background: #eef4ff; font-weight: 600; }
"""

#: plotly's config for every chart: follow the container's width, no logo
PLOT_CONFIG = {"responsive": True, "displaylogo": False}


@functools.cache
def figure_class() -> type:
    """A plotly ``FigureWidget`` that sizes itself to its container."""
    from plotly.graph_objs import FigureWidget

    class Figure(FigureWidget):
        def __init__(self, **kwargs: Any) -> None:
            # no template: plotly's default template adds defaults that cost time on every redraw
            super().__init__(layout={"template": "none"}, **kwargs)
            self._config = dict(PLOT_CONFIG)

    return Figure


class Resizer(v.VuetifyTemplate):
    """Sends the browser a resize event after mounting: a plotly chart drawn before it was attached
    to the page takes plotly's default width; with ``responsive`` it then fits its container."""

    template = traitlets.Unicode(
        """<template><span style="display: none"></span></template>
<script>
module.exports = {
  mounted() {
    [100, 500, 1500].forEach((ms) => setTimeout(() => window.dispatchEvent(new Event("resize")), ms));
  },
};
</script>"""
    ).tag(sync=True)


def _differs(a: Any, b: Any) -> bool:
    try:
        return bool(a != b)
    except Exception:  # pragma: no cover - arrays compare element-wise; figure specs hold lists
        return True


def _same_structure(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    if old is None or len(old["data"]) != len(new["data"]):
        return False
    return all(
        o.get("type") == n.get("type") and o.get("yaxis") == n.get("yaxis")
        for o, n in zip(old["data"], new["data"], strict=True)
    )


def apply_spec(widget: Any, old: dict[str, Any] | None, new: dict[str, Any]) -> str:
    """Bring a plotly ``FigureWidget`` from figure dict ``old`` to ``new``.

    With the same traces, only the properties that changed are sent, as one ``Plotly.update``
    (no full redraw: plotly.js restyles the traces in place); otherwise the traces are replaced.
    Returns "update", "replace" or "none".
    """
    if _same_structure(old, new):
        assert old is not None
        changed: dict[str, None] = {}
        for o, n in zip(old["data"], new["data"], strict=True):
            for k in n.keys() | o.keys():
                if _differs(o.get(k), n.get(k)):
                    changed[k] = None
        layout_diff = {k: v for k, v in new["layout"].items() if _differs(old["layout"].get(k), v)}
        if not changed and not layout_diff:
            return "none"
        from plotly.basedatatypes import Undefined  # plotly's "leave this trace's value alone"

        # one value per trace for every changed property: the new value, None where the property
        # was removed (plotly's default again), Undefined where the trace never had it
        restyle = {
            k: [
                n[k] if k in n else (None if k in o else Undefined)
                for o, n in zip(old["data"], new["data"], strict=True)
            ]
            for k in changed
        }
        indexes = list(range(len(new["data"])))
        send = getattr(widget, "_send_update_msg", None)
        perform = getattr(widget, "_perform_plotly_update", None)
        if send is None or perform is None:  # pragma: no cover - another plotly
            widget.plotly_update(restyle_data=restyle, relayout_data=layout_diff, trace_indexes=indexes)
            return "update"
        # the browser first ("_undefined_" is plotly's wire form of Undefined), then the Python copy
        # of the figure (validated), so the browser redraws while Python checks the values
        wire = {k: ["_undefined_" if x is Undefined else x for x in vals] for k, vals in restyle.items()}
        send(restyle_data=wire, relayout_data=layout_diff, trace_indexes=indexes)
        perform(restyle_data=restyle, relayout_data=layout_diff, trace_indexes=indexes)
        return "update"
    n_old = len(widget.data)
    widget.layout = {"template": "none", **new["layout"]}
    widget.add_traces(new["data"])
    widget.data = widget.data[n_old:]
    return "replace"


@solara.component
def LiveFigure(spec: dict[str, Any], on_click: Callable[[int, int], None] | None = None):
    """A plotly figure (``{"data", "layout"}`` dict) kept as one widget for the component's life;
    new specs update it in place. ``on_click(trace_index, point_index)`` on a click on a point."""
    with solara.Column(gap="0px", style={"width": "100%", "min-width": "0"}) as main:
        _Figure(spec, on_click)
        Resizer.element()
    return main


@solara.component
def _Figure(spec: dict[str, Any], on_click: Callable[[int, int], None] | None = None):
    previous = solara.use_ref(None)

    def on_points(data: dict[str, Any] | None) -> None:
        if not data or on_click is None or data.get("event_type") != "plotly_click":
            return
        points = data.get("points") or {}
        traces, indexes = points.get("trace_indexes") or [], points.get("point_indexes") or []
        if traces and indexes:
            on_click(int(traces[0]), int(indexes[0]))

    element = figure_class().element(on__js2py_pointsCallback=on_points)

    def update() -> None:
        widget = solara.get_widget(element)
        apply_spec(widget, previous.current, spec)
        previous.current = spec

    solara.use_effect(update, [spec])
    return element


@solara.component
def PushFigure(source: Any, make: Callable[[Any], dict[str, Any] | None], deps: tuple = ()):
    """A figure fed by a reactive value without re-rendering the page: ``make(value)`` builds the
    figure dict (None: leave it), applied in place whenever ``source`` changes."""
    previous = solara.use_ref(None)
    element = figure_class().element()

    def connect() -> Callable[[], None]:
        widget = solara.get_widget(element)

        def push(value: Any) -> None:
            spec = make(value)
            if spec is not None:
                apply_spec(widget, previous.current, spec)
                previous.current = spec

        push(source.peek())
        return source.subscribe(push)

    solara.use_effect(connect, list(deps))
    return element


@solara.component
def PushHTML(source: Any, make: Callable[[Any], str | None], deps: tuple = (), attributes: dict | None = None):
    """HTML fed by a reactive value without re-rendering the page (see :func:`PushFigure`)."""
    element = solara.widgets.HTML.element(
        tag="div", unsafe_innerHTML=make(source.peek()) or "", attributes=attributes or {}
    )

    def connect() -> Callable[[], None]:
        widget = solara.get_widget(element)

        def push(value: Any) -> None:
            text = make(value)
            if text is not None:
                widget.unsafe_innerHTML = text

        return source.subscribe(push)

    solara.use_effect(connect, list(deps))
    return element


def ErrorLine(message: str | None):
    """A one-line error in the page (never a traceback)."""
    if message:
        solara.Error(message.splitlines()[0], dense=True, outlined=True, text=True, icon=True, classes=["orgsim-error"])
