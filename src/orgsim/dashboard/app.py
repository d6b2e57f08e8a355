"""The dashboard's page: Run, Compare and Explore as tabs, one :class:`Session` per browser session."""

from __future__ import annotations

import logging
import threading
import time

import solara
import solara.lab

from orgsim.dashboard.state import provide_session
from orgsim.dashboard.widgets import PlotlyPreload

log = logging.getLogger("orgsim.dashboard")

TABS = ("Run", "Compare", "Explore")


@solara.component
def Page():
    from orgsim.dashboard.compare_page import ComparePage
    from orgsim.dashboard.explore_page import ExplorePage
    from orgsim.dashboard.run_page import RunPage

    provide_session()
    solara.Title("orgsim dashboard")
    PlotlyPreload()
    with solara.AppBar():
        solara.AppBarTitle("orgsim — power in the executive suite")
    with solara.lab.Tabs(background_color="#f5f5f5"):
        with solara.lab.Tab("Run", icon_name="mdi-play-circle-outline"):
            RunPage()
        with solara.lab.Tab("Compare", icon_name="mdi-compare-horizontal"):
            ComparePage()
        with solara.lab.Tab("Explore", icon_name="mdi-chart-scatter-plot"):
            ExplorePage()


def warm_up() -> float:
    """Import what a page needs and run the compiled model once (numba loads its cached machine
    code), so the first visit after the server starts does not wait for it. Returns seconds."""
    start = time.perf_counter()
    from orgsim.dashboard import charts, compare_page, explore_page, run_page  # noqa: F401
    from orgsim.dashboard.state import Frame
    from orgsim.model.market import Market

    model = Market("baseline", rng=0, customers=500, steps=2)
    model.step()
    charts.run_figure(Frame.of(model), 0)
    return time.perf_counter() - start


def start_warm_up() -> threading.Thread:
    """:func:`warm_up` on a background thread (the server answers meanwhile)."""

    def job() -> None:
        log.info("dashboard warmed up in %.1f s", warm_up())

    thread = threading.Thread(target=job, name="orgsim-warm-up", daemon=True)
    thread.start()
    return thread
