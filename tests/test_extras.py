"""Optional parts: a command whose extra is missing says in one line what to install."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from orgsim.extras import EXTRAS, MissingExtra, missing, require
from orgsim.scenario.schema import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_require_passes_when_installed_and_names_the_extra_when_not(monkeypatch: pytest.MonkeyPatch) -> None:
    require("experiments")  # the test environment has every extra
    monkeypatch.setitem(sys.modules, "SALib", None)  # as if SALib were not installed
    assert missing("SALib", "numpy") == ["SALib"]
    with pytest.raises(MissingExtra) as err:
        require("experiments", "SALib", what="orgsim sweep")
    assert str(err.value) == (
        "orgsim sweep needs the experiments extra (SALib is not installed): pip install -e '.[experiments]'"
    )
    assert isinstance(err.value, ConfigError)  # the command line prints it as its one error line
    with pytest.raises(ValueError, match="unknown extra"):
        require("nonsense")


def test_extras_match_pyproject() -> None:
    import tomllib

    optional = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    core = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for extra in EXTRAS:
        assert extra in optional
    # the jobs' libraries stay out of the core install
    for lib in ("SALib", "dask", "solara", "plotly", "pytest", "playwright", "duckdb"):
        assert not any(dep.lower().startswith(lib.lower()) for dep in core), lib


def test_sweep_without_salib_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from orgsim.cli import main

    monkeypatch.setitem(sys.modules, "SALib", None)
    for name in [m for m in sys.modules if m.startswith("SALib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    code = main(["sweep", str(ROOT / "experiments" / "sensitivity.toml"), "--out", str(tmp_path / "s"), "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "needs the experiments extra (SALib is not installed): pip install -e '.[experiments]'" in err
