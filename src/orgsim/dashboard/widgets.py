"""Solara components shared by the pages: a plotly figure that updates in place, parameter inputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara


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

    With the same traces, only the properties that changed are sent, in one ``Plotly.update``
    (no full redraw); otherwise the traces are replaced. Returns "update", "replace" or "none".
    """
    if _same_structure(old, new):
        assert old is not None
        trace_diffs = [
            {k: v for k, v in n.items() if _differs(o.get(k), v)} for o, n in zip(old["data"], new["data"], strict=True)
        ]
        layout_diff = {k: v for k, v in new["layout"].items() if _differs(old["layout"].get(k), v)}
        if not layout_diff and not any(trace_diffs):
            return "none"
        with widget.batch_update():
            for trace, diff in zip(widget.data, trace_diffs, strict=True):
                if diff:
                    trace.update(diff)
            if layout_diff:
                widget.layout.update(layout_diff)
        return "update"
    n_old = len(widget.data)
    widget.layout = new["layout"]
    widget.add_traces(new["data"])
    widget.data = widget.data[n_old:]
    return "replace"


@solara.component
def LiveFigure(spec: dict[str, Any], on_click: Callable[[int, int], None] | None = None):
    """A plotly figure (``{"data", "layout"}`` dict) kept as one widget for the component's life;
    new specs update it in place. ``on_click(trace_index, point_index)`` on a click on a point."""
    from plotly.graph_objs import FigureWidget

    previous = solara.use_ref(None)

    def on_points(data: dict[str, Any] | None) -> None:
        if not data or on_click is None or data.get("event_type") != "plotly_click":
            return
        points = data.get("points") or {}
        traces, indexes = points.get("trace_indexes") or [], points.get("point_indexes") or []
        if traces and indexes:
            on_click(int(traces[0]), int(indexes[0]))

    element = FigureWidget.element(on__js2py_pointsCallback=on_points)

    def update() -> None:
        widget = solara.get_widget(element)
        apply_spec(widget, previous.current, spec)
        previous.current = spec

    solara.use_effect(update, [spec])
    return element


def ErrorLine(message: str | None):
    """A one-line error in the page (never a traceback)."""
    if message:
        solara.Error(message.splitlines()[0], dense=True, outlined=True, text=True, icon=True, classes=["orgsim-error"])
