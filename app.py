"""orgsim dashboard: ``solara run app.py`` (or ``make app``). The pages live in orgsim.dashboard."""

from orgsim.dashboard.app import Page

__all__ = ["Page"]
