"""Solara components shared by the pages: a plotly.js chart that redraws in place, HTML fed by a
reactive value, one-line errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import anywidget
import solara
import traitlets

log = logging.getLogger("orgsim.dashboard")

#: the style of the HTML tables (firms, differences)
TABLE_CSS = """
.orgsim-firms table { border-collapse: collapse; font-size: 12px; }
.orgsim-firms th, .orgsim-firms td { padding: 2px 8px; border-bottom: 1px solid #e5e5e5; text-align: right; }
.orgsim-firms th { color: #555; font-weight: 600; }
.orgsim-firms tr.selected td { background: #eef4ff; font-weight: 600; }
"""

#: plotly.js's config for every chart: follow the container's width, no logo
PLOT_CONFIG = {"responsive": True, "displaylogo": False}


#: the npm package of plotly.js's "basic" bundle (scatter, bar, pie: what the dashboard draws), a
#: quarter of the full bundle's size and a quarter of its start-up time in the browser
PLOTLY_PACKAGE = "plotly.js-basic-dist-min"
PLOTLY_FILE = "plotly-basic.min.js"


def plotly_js() -> tuple[str, str]:
    """(npm name, version) of the plotly.js bundle the charts load: the plotly.js version the
    installed plotly package was built with (its figure format)."""
    from plotly.offline import get_plotlyjs_version

    return PLOTLY_PACKAGE, get_plotlyjs_version()


def plotly_path() -> str:
    """Where the page loads plotly.js from, under Solara's CDN proxy (a versioned URL the browser
    caches; :mod:`orgsim.dashboard.assets` puts the file in the proxy's cache for offline use)."""
    name, version = plotly_js()
    return f"{name}@{version}/{PLOTLY_FILE}"


#: the chart's front end: load plotly.js once per page (a <script> from Solara's CDN proxy), draw
#: with Plotly.react (it redraws only what changed), coalesce updates that arrive during a draw,
#: follow the container's size, and report clicks on points
_ESM = r"""
function loadPlotly(path) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__orgsimPlotly) {
    const base = ((window.solara && window.solara.cdn) || window.solara_cdn || "/_solara/cdn").replace(/\/$/, "");
    window.__orgsimPlotly = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = base + "/" + path;
      s.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("no Plotly in " + s.src)));
      s.onerror = () => { window.__orgsimPlotly = null; reject(new Error("could not load " + s.src)); };
      document.head.appendChild(s);
    });
  }
  return window.__orgsimPlotly;
}

async function render({ model, el }) {
  const div = document.createElement("div");
  div.style.width = "100%";
  el.style.width = "100%";
  el.style.display = "block";
  el.appendChild(div);
  let Plotly;
  try {
    Plotly = await loadPlotly(model.get("plotly_path"));
  } catch (err) {
    div.textContent = "chart unavailable: " + err.message + " (python -m orgsim.dashboard.assets fills the cache)";
    div.className = "orgsim-error";
    return;
  }
  let drawing = false, pending = false, alive = true, wired = false;
  // fit the plot to its container: a chart first drawn while detached or hidden takes plotly's
  // default width, and a container that changes size (a tab shown, a window resized) needs a resize
  const fit = () => {
    const w = div.clientWidth;
    if (alive && !drawing && w > 0 && div._fullLayout && Math.abs(div._fullLayout.width - w) > 1) {
      Plotly.Plots.resize(div);
    }
  };
  const draw = async () => {
    if (drawing) { pending = true; return; }
    drawing = true;
    do {
      pending = false;
      const fig = model.get("figure") || {};
      if (!fig.data && !fig.layout) continue;  // nothing to draw yet (or a preloader)
      try {
        await Plotly.react(div, fig.data || [], fig.layout || {}, model.get("config") || {});
      } catch (err) {
        console.error("orgsim chart", err);
      }
      if (!wired && div.on) {
        wired = true;
        div.on("plotly_click", (ev) => {
          const p = ev && ev.points && ev.points[0];
          if (p) model.send({ event: "click", trace: p.curveNumber, point: p.pointNumber });
        });
      }
    } while (pending && alive);
    drawing = false;
    fit();
  };
  const onChange = () => draw();
  model.on("change:figure", onChange);
  const observer = new ResizeObserver(fit);
  observer.observe(div);
  await draw();
  return () => {
    alive = false;
    model.off("change:figure", onChange);
    observer.disconnect();
    Plotly.purge(div);
  };
}

export default { render };
"""


class PlotlyChart(anywidget.AnyWidget):
    """A plotly.js chart of a figure dict (``{"data": [...], "layout": {...}}``), redrawn in the
    browser with ``Plotly.react`` whenever ``figure`` changes. ``on_click(trace_index,
    point_index)`` callbacks get clicks on points."""

    _esm = traitlets.Unicode(_ESM).tag(sync=True)
    figure = traitlets.Dict().tag(sync=True)
    config = traitlets.Dict(PLOT_CONFIG).tag(sync=True)
    plotly_path = traitlets.Unicode().tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("plotly_path", plotly_path())
        super().__init__(**kwargs)
        self._click_handlers: list[Callable[[int, int], None]] = []
        self.on_msg(self._on_message)

    def on_click(self, handler: Callable[[int, int], None], remove: bool = False) -> None:
        if remove:
            self._click_handlers.remove(handler)
        else:
            self._click_handlers.append(handler)

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("event") == "click":
            try:
                trace, point = int(content["trace"]), int(content["point"])
            except (KeyError, TypeError, ValueError):
                log.warning("chart: malformed click message %r", content)
                return
            for handler in list(self._click_handlers):
                handler(trace, point)


@solara.component
def LiveFigure(spec: dict[str, Any], on_click: Callable[[int, int], None] | None = None):
    """A plotly figure (``{"data", "layout"}`` dict) kept as one widget for the component's life;
    a new spec redraws it in place. ``on_click(trace_index, point_index)`` on a click on a point."""
    with solara.Column(gap="0px", style={"width": "100%", "min-width": "0"}) as main:
        element = PlotlyChart.element(figure=spec)

    def connect() -> Callable[[], None] | None:
        if on_click is None:
            return None
        widget = solara.get_widget(element)
        widget.on_click(on_click)
        return lambda: widget.on_click(on_click, remove=True)

    solara.use_effect(connect, [on_click])
    return main


@solara.component
def PlotlyPreload():
    """An empty, hidden chart: the page starts loading plotly.js at once, not when the first chart
    arrives (the Run page's model is built meanwhile)."""
    with solara.Div(style={"display": "none"}) as main:
        PlotlyChart.element(figure={})
    return main


@solara.component
def PushFigure(source: Any, make: Callable[[Any], dict[str, Any] | None], deps: tuple = ()):
    """A figure fed by a reactive value without re-rendering the page: ``make(value)`` builds the
    figure dict (None: leave it), sent to the browser whenever ``source`` changes."""
    element = PlotlyChart.element(figure=make(source.peek()) or {})

    def connect() -> Callable[[], None]:
        widget = solara.get_widget(element)

        def push(value: Any) -> None:
            spec = make(value)
            if spec is not None:
                widget.figure = spec

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
