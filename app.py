"""orgsim dashboard: ``solara run app.py`` (or ``make app``). The pages live in orgsim.dashboard.

The server imports this module at start-up, before it listens: the pages are imported and the
model run once then, so the first visit does not wait for imports and the model's compiled code.
"""

from orgsim.dashboard.app import Page, warm_up

warm_up()

__all__ = ["Page"]
