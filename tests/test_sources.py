"""Honest sources: a parameter is "literature" only where docs/ODD.md cites its reference.

docs/ODD.md section 8 lists every literature parameter with its reference between
``<!-- literature:begin -->`` and ``<!-- literature:end -->``; each reference (``Surname & Surname YEAR``,
``Surname et al. YEAR``, several separated by ``;``) must be an entry of section 10.
"""

from __future__ import annotations

import re
from pathlib import Path

from orgsim.scenario.schema import GROUPS, SRC_LIT

ROOT = Path(__file__).resolve().parents[1]
ODD = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")


def literature_parameters() -> set[str]:
    out = set()
    for cls in GROUPS.values():
        for name, f in cls.model_fields.items():
            extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
            if extra.get("source") == SRC_LIT:
                out.add(name)
    return out


def cited() -> dict[str, list[str]]:
    """Parameter -> its references, from the ODD's literature table."""
    block = ODD.split("<!-- literature:begin -->", 1)[1].split("<!-- literature:end -->", 1)[0]
    rows = {}
    for line in block.strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        name = cells[0].strip("`")
        rows[name] = [r.strip() for r in cells[1].split(";") if r.strip()]
    return rows


def references() -> list[str]:
    """Entries of ODD section 10 (one string per bullet)."""
    section = ODD.split("\n## 10 References", 1)[1]
    return [" ".join(b.split()) for b in re.split(r"\n- ", section)[1:]]


def in_references(ref: str, entries: list[str]) -> bool:
    m = re.fullmatch(r"(.+?) (\d{4})", ref)
    assert m, f"reference key must end in a year: {ref!r}"
    authors, year = m.group(1), m.group(2)
    first = re.split(r" & | et al\.|, ", authors)[0].strip()
    others = [a.strip() for a in re.split(r" & |, ", authors)[1:] if a.strip() and "et al" not in a]
    return any(e.startswith(first + ",") and f"({year}" in e and all(o + "," in e for o in others) for e in entries)


def test_the_schema_has_literature_parameters_and_the_odd_lists_them() -> None:
    assert literature_parameters(), "no literature parameter: the check would be empty"
    assert "<!-- literature:begin -->" in ODD


def test_every_literature_parameter_is_mapped_to_a_reference_in_section_10() -> None:
    table, entries = cited(), references()
    missing = sorted(literature_parameters() - set(table))
    assert not missing, f"labelled 'literature' without a cited reference in docs/ODD.md section 8: {missing}"
    unknown = [(name, ref) for name, refs in table.items() for ref in refs if not in_references(ref, entries)]
    assert not unknown, f"references not in docs/ODD.md section 10: {unknown}"
    assert all(table.values()), "a row of the literature table has no reference"


def test_the_literature_table_lists_only_literature_parameters() -> None:
    extra = sorted(set(cited()) - literature_parameters())
    assert not extra, f"listed as literature in docs/ODD.md but labelled otherwise in the schema: {extra}"


def test_reference_matching_is_strict() -> None:
    entries = references()
    assert in_references("Watts & Strogatz 1998", entries)
    assert in_references("Hickson et al. 1971", entries)
    assert not in_references("Watts & Strogatz 1999", entries)
    assert not in_references("Bass 1969", entries)
    assert not in_references("Tullock & Konrad 1980", entries)
