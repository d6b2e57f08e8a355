"""orgsim: power in the executive suite under customer-centricity pressure (agent-based, Mesa 3).

``import orgsim`` stays light: the model (and Mesa) load on first use of ``Market``,
``simulate`` or ``run``; ``orgsim.load(DIR)`` reads an experiment store (``orgsim sweep``).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Market", "Results", "__version__", "load", "run", "simulate"]


def __getattr__(name: str) -> Any:
    if name == "Market":
        from orgsim.model.market import Market

        return Market
    if name in ("simulate", "run", "Results"):
        from orgsim import api

        return getattr(api, name)
    if name == "load":
        from orgsim.experiments.store import load

        return load
    raise AttributeError(f"module 'orgsim' has no attribute {name!r}")
