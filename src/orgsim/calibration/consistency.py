"""Are the budget targets consistent with each other? An accounting check, independent of the model.

Six calibration targets are ratios of the same five spending lines of a firm's discretionary
budget — campaigns ``m``, shadow IT ``s``, core IT ``i``, governed marketing IT ``g`` and finance
``f`` (the columns ``budget_marketing``, ``shadow_it``, ``budget_it_core``, ``budget_it_marketing``,
``budget_finance``):

* T1 martech share       (s + g) / (m + s + g)
* T2 CMO tech share      s / (i + g + s)
* T3 marketing IT share  g / (i + g)
* T7a, T7b, T7c          (m + s), (i + g), f   as shares of m + s + i + g + f

Whatever the model does, a firm whose budget meets every other band can reach only a range of
each ratio. :func:`attainable` computes that range by linear programming over the simplex of the
five lines (a ratio bound ``lo <= a/b <= hi`` with ``b > 0`` is the pair of linear constraints
``a - lo*b >= 0`` and ``a - hi*b <= 0``; the extreme ratio is found by bisection on its value).
If the range misses the target's own band, no parameter set of any model with this accounting
reproduces all the bands at once: the published figures, read with these definitions, contradict
each other. The check is exact for one firm's budget; the targets average the ratios over firms
and years, which a mix of budgets on either side of a bound could move a little.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from orgsim.calibration.targets import Target, target

#: the five spending lines, in the order of the coefficient vectors below
LINES = ("m", "s", "i", "g", "f")


def _vec(**coef: float) -> np.ndarray:
    return np.array([coef.get(name, 0.0) for name in LINES])


#: each budget target as (numerator, denominator) coefficient vectors over LINES
RATIOS: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "martech_share": (_vec(s=1, g=1), _vec(m=1, s=1, g=1)),
    "cmo_tech_share": (_vec(s=1), _vec(i=1, g=1, s=1)),
    "it_marketing_share": (_vec(g=1), _vec(i=1, g=1)),
    "cmo_share": (_vec(m=1, s=1), _vec(m=1, s=1, i=1, g=1, f=1)),
    "cio_share": (_vec(i=1, g=1), _vec(m=1, s=1, i=1, g=1, f=1)),
    "cfo_share": (_vec(f=1), _vec(m=1, s=1, i=1, g=1, f=1)),
}


@dataclass(frozen=True)
class Range:
    """The range of one target's ratio over the budgets that meet every other band."""

    target: Target
    lo: float  # nan when no budget meets the other bands
    hi: float

    @property
    def consistent(self) -> bool:
        """Whether the attainable range meets the target's own band."""
        t = self.target
        return bool(np.isfinite(self.lo) and self.hi >= t.lo - 1e-9 and self.lo <= t.hi + 1e-9)


def _constraints(targets: list[Target]) -> tuple[np.ndarray, np.ndarray]:
    """``A x <= b`` for the bands of ``targets`` (x >= 0 and sum x = 1 are added by the solver)."""
    rows, rhs = [], []
    for t in targets:
        num, den = RATIOS[t.name]
        rows.append(-(num - t.lo * den))  # num - lo*den >= 0
        rhs.append(0.0)
        rows.append(num - t.hi * den)  # num - hi*den <= 0
        rhs.append(0.0)
    return np.array(rows), np.array(rhs)


def _feasible(a: np.ndarray, b: np.ndarray) -> bool:
    from scipy.optimize import linprog

    res = linprog(
        np.zeros(len(LINES)),
        A_ub=a if len(a) else None,
        b_ub=b if len(b) else None,
        A_eq=np.ones((1, len(LINES))),
        b_eq=[1.0],
        bounds=[(0, None)] * len(LINES),
        method="highs",
    )
    return res.status == 0


def _extreme(name: str, a: np.ndarray, b: np.ndarray, better: Callable[[float], np.ndarray], tol: float) -> float:
    """Bisection for the largest (or smallest) ratio value the constraints allow."""
    lo, hi = 0.0, 1.0
    while hi - lo > tol:
        mid = (lo + hi) / 2
        ok = _feasible(np.vstack([a, better(mid)]), np.append(b, 0.0))
        lo, hi = (mid, hi) if ok else (lo, mid)
    return (lo + hi) / 2


def attainable(name: str, names: tuple[str, ...] = tuple(RATIOS), tol: float = 1e-6) -> Range:
    """The range of target ``name``'s ratio over the budgets meeting the bands of the other ``names``."""
    t = target(name)
    a, b = _constraints([target(n) for n in names if n != name])
    num, den = RATIOS[name]
    if not _feasible(a, b):
        return Range(t, float("nan"), float("nan"))
    top = _extreme(name, a, b, lambda v: -(num - v * den), tol)  # num - v*den >= 0: ratio >= v
    bottom = 1.0 - _extreme(name, a, b, lambda v: num - (1.0 - v) * den, tol)  # ratio <= 1 - v
    return Range(t, bottom, top)


def jointly_feasible(names: tuple[str, ...] = tuple(RATIOS)) -> bool:
    """Whether one budget meets the bands of all ``names`` at once."""
    return _feasible(*_constraints([target(n) for n in names]))


def check() -> list[Range]:
    """Every budget target's attainable range given all the others' bands."""
    return [attainable(name) for name in RATIOS]
