"""orgsim: power in the executive suite under customer-centricity pressure (agent-based, Mesa 3).

``import orgsim`` stays light: the model (and Mesa) load on first use of ``Market``,
``simulate`` or ``run``.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Market", "Results", "__version__", "run", "simulate"]


def __getattr__(name: str) -> Any:
    if name == "Market":
        from orgsim.model import Market

        return Market
    if name in ("simulate", "run", "Results"):
        from orgsim import api

        return getattr(api, name)
    raise AttributeError(f"module 'orgsim' has no attribute {name!r}")
