"""Regenerate the generated parts of the docs from the code: the parameter table in docs/ODD.md.

Usage: python tools/sync_docs.py [--check]   (--check exits 1 if the docs are out of date)
"""

from __future__ import annotations

import sys
from pathlib import Path

from orgsim.cli.commands import params_markdown

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
BEGIN, END = "<!-- params:begin -->", "<!-- params:end -->"


def render(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{params_markdown().rstrip()}\n{END}{tail}"


def main() -> int:
    text = ODD.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in sys.argv:
        if new != text:
            print("docs/ODD.md parameter table is out of date: run python tools/sync_docs.py")
            return 1
        return 0
    ODD.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
