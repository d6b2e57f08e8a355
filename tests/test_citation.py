"""CITATION.cff: Citation File Format 1.2.0, in step with the package."""

from __future__ import annotations

from pathlib import Path

import pytest

import orgsim

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cff() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_required_keys_and_version(cff: dict) -> None:
    assert cff["cff-version"] == "1.2.0"
    assert cff["message"] and cff["title"] and cff["authors"]
    assert all(("name" in a) or ("family-names" in a) for a in cff["authors"])
    assert str(cff["version"]) == orgsim.__version__


def test_cites_the_two_source_articles(cff: dict) -> None:
    titles = {r["title"] for r in cff["references"]}
    assert titles == {"Warum CMO und CIO kooperieren sollten", "Der Marketingleiter, der den Wandel vorantreibt"}
    for ref in cff["references"]:
        assert ref["type"] and ref["authors"]
