"""Shared fixtures for orgsim's tests: small markets that run in well under a second."""

from __future__ import annotations

from pathlib import Path

import pytest

#: keyword overrides that make any scenario small and fast
SMALL = {"firms": 4, "customers": 1000, "steps": 8}


@pytest.fixture(scope="session")
def small() -> dict[str, int]:
    """Small-market overrides (a copy per use is not needed: callers must not mutate it)."""
    return dict(SMALL)


@pytest.fixture(scope="session")
def baseline_run():
    """One small baseline run (Results), shared by tests that only read its tables."""
    import orgsim

    return orgsim.simulate("baseline", seed=7, **SMALL)


@pytest.fixture
def write_toml(tmp_path: Path):
    """Write a scenario file into a temporary folder: ``write_toml("name", text) -> Path``."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return _write
