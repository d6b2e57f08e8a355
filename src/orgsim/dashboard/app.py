"""The dashboard's page: Run, Compare and Explore as tabs, one :class:`Session` per browser session."""

from __future__ import annotations

import solara
import solara.lab

from orgsim.dashboard.state import provide_session

TABS = ("Run", "Compare", "Explore")


@solara.component
def Page():
    from orgsim.dashboard.compare_page import ComparePage
    from orgsim.dashboard.explore_page import ExplorePage
    from orgsim.dashboard.run_page import RunPage

    provide_session()
    solara.Title("orgsim dashboard")
    with solara.AppBar():
        solara.AppBarTitle("orgsim — power in the executive suite")
    with solara.lab.Tabs(background_color="#f5f5f5"):
        with solara.lab.Tab("Run", icon_name="mdi-play-circle-outline"):
            RunPage()
        with solara.lab.Tab("Compare", icon_name="mdi-compare-horizontal"):
            ComparePage()
        with solara.lab.Tab("Explore", icon_name="mdi-chart-scatter-plot"):
            ExplorePage()
