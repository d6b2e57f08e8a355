"""The ``orgsim`` command line, run for real in a subprocess (``python -m orgsim``)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from orgsim.io import META_KEYS, TABLES
from orgsim.scenario import files as scenarios
from orgsim.scenario.schema import GROUPS

SMALL = ("--customers", "500", "--steps", "8", "--firms", "4")
FIRM_REQUIRED = (
    "run_id, scenario, seed, step, firm, revenue, profit, market_share, budget_marketing, budget_it_core, "
    "budget_it_marketing, shadow_it, budget_finance, influence_cmo, influence_cio, influence_cfo, coop_cmo_cio, "
    "coop_cmo_cfo, coop_cio_cfo, cmo_briefs_ceo, data_integration, analytics, experience, quality, "
    "roi_measurement, incidents, pressure, threat"
).split(", ")


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orgsim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def assert_usage_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("orgsim: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("cli") / "run"
    proc = cli("run", "baseline", "--seed", "3", *SMALL, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return out, proc


@pytest.fixture
def run_dir(small_run: tuple[Path, subprocess.CompletedProcess[str]]) -> Path:
    return small_run[0]


# -- run ---------------------------------------------------------------------------------------


def test_run_writes_the_four_files(run_dir: Path) -> None:
    for name in TABLES:
        assert (run_dir / f"{name}.parquet").is_file()
    assert (run_dir / "run.json").is_file()
    assert sorted(p.name for p in run_dir.iterdir()) == sorted([f"{n}.parquet" for n in TABLES] + ["run.json"])


def test_run_json_has_provenance(run_dir: Path) -> None:
    meta = json.loads((run_dir / "run.json").read_text())
    assert set(META_KEYS) <= set(meta)
    assert meta["seed"] == 3
    assert meta["scenario"] == "baseline"
    assert (meta["steps"], meta["firms"], meta["customers"]) == (8, 4, 500)
    assert meta["config"]["market"]["customers"] == 500
    assert meta["config"]["steps"] == 8
    canonical = json.dumps(meta["config"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert meta["config_hash"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert set(meta["versions"]) == {"python", "numpy", "pandas", "pyarrow", "mesa", "pydantic"}
    assert meta["git_commit"] is None or len(meta["git_commit"]) == 40
    assert meta["wall_time"] > 0
    assert meta["created"].endswith("Z")
    from orgsim import __version__

    assert meta["orgsim_version"] == __version__


def test_run_firms_table_has_required_columns(run_dir: Path) -> None:
    firms = pd.read_parquet(run_dir / "firms.parquet")
    missing = [c for c in FIRM_REQUIRED if c not in firms.columns]
    assert not missing
    assert len(firms) == 9 * 4  # quarters 0..8 x 4 firms
    assert set(firms["seed"]) == {3}
    assert set(firms["scenario"]) == {"baseline"}
    executives = pd.read_parquet(run_dir / "executives.parquet")
    assert len(executives) == 9 * 4 * 3
    summary = pd.read_parquet(run_dir / "summary.parquet")
    assert len(summary) == 1


def test_run_prints_summary_and_path(small_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    run_dir, proc = small_run
    out = proc.stdout
    for fragment in ("influence share", "CMO", "CIO", "CFO", "shadow IT", "CMO-CIO", "briefed", "revenue", "profit"):
        assert fragment in out
    assert "wall time" in out
    assert out.rstrip().splitlines()[-1] == f"wrote {run_dir}"


def test_run_default_out_dir_and_quiet(tmp_path: Path) -> None:
    proc = cli("run", "walls", "--seed", "5", *SMALL, "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    chash = json.loads((next((tmp_path / "runs").iterdir()) / "run.json").read_text())["config_hash"]
    expected = Path("runs") / f"walls-{chash[:8]}-seed5"
    assert proc.stdout.strip() == f"wrote {expected}"
    assert proc.stderr == ""
    assert (tmp_path / expected / "run.json").is_file()


def test_default_out_dir_reflects_the_overrides(tmp_path: Path) -> None:
    from orgsim.cli.commands import default_run_dir
    from orgsim.io import config_hash

    base = scenarios.load("baseline")
    small = scenarios.load("baseline", {"customers": 500})
    assert default_run_dir(base, base.seed, False) == Path("runs/baseline")
    assert default_run_dir(base, 7, False) == Path("runs/baseline-seed7")
    assert default_run_dir(small, small.seed, True) == Path(f"runs/baseline-{config_hash(small)[:8]}")
    other = scenarios.load("baseline", {"customers": 600})
    assert default_run_dir(other, 7, True) != default_run_dir(small, 7, True)


def test_run_never_replaces_another_run_silently(tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = cli("run", "baseline", *SMALL, "--out", str(out), "-q")
    assert first.returncode == 0, first.stderr
    firms = (out / "firms.parquet").read_bytes()
    again = cli("run", "baseline", *SMALL, "--out", str(out), "-q")  # the same run: rewritten, and said so
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"wrote {out} (the same run again)"
    other = cli("run", "baseline", "--customers", "400", "--steps", "8", "--firms", "4", "--out", str(out), "-q")
    assert_usage_error(other, str(out), "another run", "--overwrite")
    assert (out / "firms.parquet").read_bytes() == firms
    (out / "plots").mkdir()
    (out / "plots" / "overview.png").write_bytes(b"old chart")
    replaced = cli(
        "run", "baseline", "--customers", "400", "--steps", "8", "--firms", "4", "--out", str(out), "-q", "--overwrite"
    )
    assert replaced.returncode == 0, replaced.stderr
    assert "replaced another run" in replaced.stdout
    assert json.loads((out / "run.json").read_text())["customers"] == 400
    assert not (out / "plots").exists()  # the old run's charts went with it
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    assert_usage_error(cli("run", "baseline", *SMALL, "--out", str(mine)), "not a run's")
    assert (mine / "notes.txt").read_text() == "mine"


def test_run_from_a_toml_path_with_set(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\nextends = "baseline"\n\n[levers]\nshadow_it_cap = 0.5\n')
    out = tmp_path / "out"
    proc = cli(
        "run", str(path), *SMALL, "--set", "levers.roi_mandate=0.5", "--set", "brief_mean=0.9", "--out", str(out), "-q"
    )
    assert proc.returncode == 0, proc.stderr
    meta = json.loads((out / "run.json").read_text())
    assert meta["scenario"] == "mine"
    assert meta["config"]["levers"]["shadow_it_cap"] == 0.5
    assert meta["config"]["levers"]["roi_mandate"] == 0.5
    assert meta["config"]["executives"]["brief_mean"] == 0.9


# -- scenarios, plot, params, help -------------------------------------------------------------


def test_scenarios_lists_all_shipped() -> None:
    proc = cli("scenarios")
    assert proc.returncode == 0, proc.stderr
    names = [line.split()[0] for line in proc.stdout.splitlines() if line and not line.startswith(" ")]
    assert names == list(scenarios.available())
    assert "invalid" not in proc.stdout
    for name in scenarios.available():
        first_words = " ".join(scenarios.load(name).description.split()[:3])
        assert first_words in proc.stdout


def test_plot_writes_pngs(run_dir: Path, tmp_path: Path) -> None:
    proc = cli("plot", str(run_dir), "--out", str(tmp_path / "charts"))
    assert proc.returncode == 0, proc.stderr
    paths = [Path(line) for line in proc.stdout.splitlines()]
    assert {p.name for p in paths} >= {"overview.png", "influence.png", "budget.png", "cooperation.png"}
    for p in paths:
        assert p.parent == tmp_path / "charts"
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in (tmp_path / "charts").iterdir() if not p.name.endswith(".png")]


def test_plot_default_folder(run_dir: Path) -> None:
    proc = cli("plot", str(run_dir))
    assert proc.returncode == 0, proc.stderr
    assert (run_dir / "plots" / "overview.png").is_file()


def test_params_markdown_has_a_row_per_parameter() -> None:
    proc = cli("params", "--markdown")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "| parameter | meaning | unit | default | range | source |"
    assert lines[1] == "|---|---|---|---|---|---|"
    rows = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[2:]]
    expected = [f"{group}.{name}" for group, cls in GROUPS.items() for name in cls.model_fields]
    assert [row[0] for row in rows] == expected
    assert all(len(row) == 6 and all(row[i] for i in (1, 2, 3, 4, 5)) for row in rows)
    by_name = {row[0]: row for row in rows}
    assert by_name["market.firms"][3:] == ["8", "[2, 120]", "assumed"]
    assert by_name["levers.budget_rule"][4] == '"contest" or "bargain"'
    assert by_name["mechanisms.shadow_it"][3:5] == ["true", "true or false"]
    assert cli("params", "--markdown").stdout == proc.stdout  # deterministic


def test_params_plain_lists_every_parameter() -> None:
    proc = cli("params")
    assert proc.returncode == 0, proc.stderr
    for group, cls in GROUPS.items():
        assert f"[{group}]" in proc.stdout
        for name in cls.model_fields:
            assert f"  {name} " in proc.stdout


def test_version_and_help() -> None:
    from orgsim import __version__

    proc = cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"orgsim {__version__}"
    proc = cli("--help")
    assert proc.returncode == 0
    for fragment in ("run", "scenarios", "plot", "params", "examples:"):
        assert fragment in proc.stdout
    proc = cli("run", "--help")
    assert proc.returncode == 0 and "--set" in proc.stdout


def test_import_is_light() -> None:
    code = (
        "import sys, orgsim.cli.commands; orgsim.cli.commands.build_parser();"
        "print(sorted(m for m in ('pandas', 'mesa', 'matplotlib', 'pyarrow', 'pydantic', 'numpy',"
        " 'orgsim.experiments.analysis') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


@pytest.mark.parametrize("command", ["--help", "scenarios", "params", "params --markdown", "sweep --help"])
def test_first_commands_load_only_what_they_need(command: str) -> None:
    """The newcomer's first commands never load the model (Mesa, numba), pandas or matplotlib."""
    code = (
        "import contextlib, io, sys\n"
        "from orgsim.cli.commands import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main({command.split()!r})\n"
        "heavy = ('pandas', 'mesa', 'numba', 'matplotlib', 'pyarrow', 'scipy', 'tqdm', 'orgsim.model')\n"
        "print(code, sorted(m for m in heavy if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "0 []", proc.stdout + proc.stderr


def test_analyze_default_resamples_are_the_analysis_default() -> None:
    from orgsim.cli.commands import ANALYZE_RESAMPLES
    from orgsim.experiments.analysis import RESAMPLES

    assert ANALYZE_RESAMPLES == RESAMPLES


# -- bad input -----------------------------------------------------------------------------------

BAD_FILES = {
    "unreadable": 'name = "x"\nsteps = [\n',
    "unknown_key": 'name = "x"\nextends = "baseline"\nbogus = 1\n',
    "wrong_type": 'name = "x"\nextends = "baseline"\n[executives]\nbrief_mean = "often"\n',
    "out_of_range": 'name = "x"\nextends = "baseline"\n[levers]\nshadow_it_cap = 1.5\n',
    "keyframes": 'name = "x"\nextends = "baseline"\n[environment]\npressure = [[4, 0.3], [2, 0.5]]\n',
    "extends": 'name = "x"\nextends = "nope"\n',
}


@pytest.mark.parametrize(
    ("case", "fragment"),
    [
        ("unreadable", "unreadable TOML"),
        ("unknown_key", "bogus"),
        ("wrong_type", "executives.brief_mean"),
        ("out_of_range", "levers.shadow_it_cap"),
        ("keyframes", "environment.pressure"),
        ("extends", "nope"),
    ],
)
def test_bad_scenario_file(tmp_path: Path, case: str, fragment: str) -> None:
    path = tmp_path / f"{case}.toml"
    path.write_text(BAD_FILES[case])
    assert_usage_error(cli("run", str(path), *SMALL, "--out", str(tmp_path / "out")), fragment)
    assert not (tmp_path / "out").exists()


def test_non_utf8_scenario_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(b'name = "caf\xe9"\n')
    assert_usage_error(cli("run", str(path), *SMALL), "latin.toml")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("run", "nope"), "nope"),
        (("run", "missing.toml"), "missing.toml"),
        (("run", "baseline", "--set", "nonsense"), "nonsense"),
        (("run", "baseline", "--set", "levers.unknown=1"), "levers.unknown"),
        (("run", "baseline", "--set", "extends=walls"), "extends"),
        (("run", "baseline", "--set", "levers.shadow_it_cap=2"), "shadow_it_cap"),
        (("run", "baseline", "--set", "environment.pressure=[[4, 0.3], [2, 0.5]]"), "pressure"),
        (("run", "baseline", "--steps", "-3"), "--steps"),
        (("run", "baseline", "--steps", "abc"), "--steps"),
        (("run", "baseline", "--firms", "1000"), "firms"),
        (("run", "baseline", "--seed", "x"), "--seed"),
        (("run", "baseline", "--bogus"), "--bogus"),
        (("run",), "SCENARIO"),
        (("frobnicate",), "frobnicate"),
        ((), "command"),
        (("plot", "no/such/run"), "no/such/run"),
        (("params", "--json"), "--json"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, args: tuple[str, ...], fragment: str) -> None:
    assert_usage_error(cli(*args, cwd=tmp_path), fragment)
    assert not (tmp_path / "runs").exists()


def test_plot_on_an_incomplete_folder(tmp_path: Path) -> None:
    (tmp_path / "firms.parquet").write_bytes(b"not parquet")
    assert_usage_error(cli("plot", str(tmp_path)), "missing")
