"""Compiled loops: numba (``cache=True``, ``nogil=True``) unless switched off (no mesa import).

``ORGSIM_NO_NUMBA=1`` in the environment selects the plain paths (vectorised numpy for the market,
the executive agents' own methods for the suite); both paths give the same results for a seed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any


def enabled() -> bool:
    """Whether compiled loops are used (read each time, so tests can switch it)."""
    return os.environ.get("ORGSIM_NO_NUMBA", "") in ("", "0")


def compiled(cache: dict[str, Any], loops: dict[str, Callable[..., Any]]) -> dict[str, Any] | None:
    """The compiled versions of ``loops`` (compiled once into ``cache``), or None when switched off."""
    if not enabled():
        return None
    if not cache:
        import numba

        jit = numba.njit(cache=True, nogil=True)
        cache.update({name: jit(fn) for name, fn in loops.items()})
    return cache
