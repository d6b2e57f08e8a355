"""PNG charts of a run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import orgsim
from orgsim.io import OutputError, write_run
from orgsim.plot import CHARTS, plot_run

PNG = b"\x89PNG\r\n\x1a\n"
EXPECTED = [f"{stem}.png" for stem in CHARTS] + ["overview.png"]


@pytest.fixture(scope="module")
def results() -> orgsim.Results:
    return orgsim.simulate("digital_shift", seed=2, customers=500, steps=8, firms=4)


def test_plot_run_from_a_folder(results: orgsim.Results, tmp_path: Path) -> None:
    run = write_run(results, tmp_path / "run")
    paths = plot_run(run, tmp_path / "png")
    assert [p.name for p in paths] == EXPECTED
    for p in paths:
        assert p.read_bytes()[:8] == PNG
    assert sorted(p.name for p in (tmp_path / "png").iterdir()) == sorted(EXPECTED)  # no temp files


@pytest.mark.parametrize("kind", ["results", "frame", "mapping"])
def test_plot_run_from_objects(results: orgsim.Results, tmp_path: Path, kind: str) -> None:
    source = {"results": results, "frame": results.firms, "mapping": {"firms": results.firms}}[kind]
    paths = plot_run(source, tmp_path, charts=["environment", "overview"])
    assert [p.name for p in paths] == ["environment.png", "overview.png"]
    assert all(p.read_bytes()[:8] == PNG for p in paths)


def test_plot_run_single_quarter(tmp_path: Path) -> None:
    res = orgsim.simulate("baseline", seed=1, customers=200, steps=1, firms=2)
    assert len(plot_run(res, tmp_path)) == len(EXPECTED)


def test_plot_run_unknown_chart(results: orgsim.Results, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nope"):
        plot_run(results, tmp_path, charts=["nope"])


def test_plot_run_missing_columns(results: orgsim.Results, tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="influence_cmo"):
        plot_run(results.firms.drop(columns=["influence_cmo"]), tmp_path)


def test_plot_run_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="not found"):
        plot_run(tmp_path / "nope", tmp_path / "png")


def test_plot_run_leaves_no_global_matplotlib_state(tmp_path: Path) -> None:
    """No pyplot import (so no registered figures) and no backend switch, checked in a fresh interpreter."""
    code = f"""
import sys, matplotlib
backend = dict.__getitem__(matplotlib.rcParams, "backend")  # raw value: get_backend() would import pyplot
import orgsim
from orgsim.plot import plot_run
res = orgsim.simulate("baseline", seed=1, customers=200, steps=3, firms=2)
plot_run(res, {str(tmp_path)!r}, charts=["influence"])
assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
assert dict.__getitem__(matplotlib.rcParams, "backend") == backend, "the backend was switched"
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "ok", proc.stderr
