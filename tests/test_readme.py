"""The README points only inside the repository, and its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_links_stay_inside_the_repository() -> None:
    targets = re.findall(r"\]\(([^)\s]+)\)", README)
    assert targets
    for target in targets:
        if target.startswith(("http://", "https://", "#")):
            continue
        path = (ROOT / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), target
        assert path.exists(), target
    assert "../" not in README and "shared/seeds" not in README


def test_anchors_exist() -> None:
    headings = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in re.findall(r"^#+ (.+)$", README, re.M)}
    for anchor in re.findall(r"\]\(#([^)]+)\)", README):
        assert anchor in headings, anchor


def test_commands_named_exist() -> None:
    from orgsim.cli.commands import build_parser

    commands = set(build_parser()._subparsers._group_actions[0].choices)
    used = re.findall(r"bin/orgsim ([a-z]+)", README)
    assert used
    for name in used:
        assert name in commands, name
    for script in re.findall(r"examples/([a-z_]+\.py)", README):
        assert (ROOT / "examples" / script).is_file(), script
