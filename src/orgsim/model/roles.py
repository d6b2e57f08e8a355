"""The three roles and the three pairs, numbered once for the whole package (no numba, no mesa)."""

from __future__ import annotations

CMO, CIO, CFO = 0, 1, 2
ROLES = ("cmo", "cio", "cfo")
#: the pairs of executives in a firm, in the order of every per-pair array (``coop[firm, pair]``)
PAIRS = ((CMO, CIO), (CMO, CFO), (CIO, CFO))
PAIR_NAMES = tuple(f"{ROLES[a]}_{ROLES[b]}" for a, b in PAIRS)
#: the pairs' indices in PAIRS
CMO_CIO, CMO_CFO, CIO_CFO = 0, 1, 2
