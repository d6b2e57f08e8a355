"""Numbers and Markdown tables as every orgsim report writes them, in one place.

Used by the validation report and its patterns (``orgsim.validation``), the analysis of a sweep
(``orgsim analyze``) and the command line (``orgsim params --markdown``). Importing it is light
(standard library only).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def one_line(text: Any) -> str:
    """``text`` on one line: every run of whitespace (newlines included) becomes one space."""
    return " ".join(str(text).split())


def num(x: float | None) -> str:
    """A number for a report: 3 significant digits, thousands with separators, tiny values in
    scientific notation, ``0`` for zero and ``n/a`` for None, NaN and infinities."""
    if x is None or not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}" if abs(x) >= 1e-3 else f"{x:.2e}"


def num_or_text(x: Any) -> str:
    """:func:`num` of anything that converts to a float; anything else as text."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return num(v)


def value(v: Any) -> str:
    """A parameter value in an override label: floats in ``%g``, a keyframe path as ``[[q, v], ...]``."""
    if isinstance(v, tuple):
        return "[" + ", ".join(f"[{q}, {x:g}]" for q, x in v) + "]"
    return f"{v:g}" if isinstance(v, float) else str(v)


def md_cell(text: Any) -> str:
    """A Markdown table cell: one line, ``|`` escaped."""
    return one_line(text).replace("|", "\\|")


def md_row(cells: Sequence[Any]) -> str:
    return "| " + " | ".join(md_cell(c) for c in cells) + " |"


def md_table(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> list[str]:
    """The lines of a Markdown table: header, separator, one line per row."""
    return [md_row(header), "|" + "---|" * len(header), *(md_row(r) for r in rows)]
