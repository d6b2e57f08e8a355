"""orgsim.formatting: the numbers and Markdown tables of every report."""

from __future__ import annotations

import math

from orgsim import formatting as fm


def test_num() -> None:
    assert [fm.num(x) for x in (None, math.nan, math.inf, 0.0, 1234.5, 0.12345, -2.0, 0.000123)] == [
        "n/a",
        "n/a",
        "n/a",
        "0",
        "1,234",
        "0.123",
        "-2",
        "1.23e-04",
    ]
    assert fm.num_or_text("0.5") == "0.5" and fm.num_or_text("low") == "low" and fm.num_or_text(None) == "None"


def test_value() -> None:
    assert fm.value(0.25) == "0.25" and fm.value(3) == "3" and fm.value(True) == "True"
    assert fm.value(((0, 0.3), (40, 0.9))) == "[[0, 0.3], [40, 0.9]]"


def test_markdown_table() -> None:
    assert fm.md_table(("a", "b"), [["x | y", "two\n lines"], [1, 2.5]]) == [
        "| a | b |",
        "|---|---|",
        "| x \\| y | two lines |",
        "| 1 | 2.5 |",
    ]
    assert fm.one_line("  a\n\tb  ") == "a b"


def test_import_is_light() -> None:
    import subprocess
    import sys

    code = "import sys, orgsim.formatting; print([m for m in ('numpy', 'pandas') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip() == "[]"
