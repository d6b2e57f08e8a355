"""The validation report (orgsim.validation.report) and the ``orgsim validate`` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from orgsim.validation import checks as validation
from orgsim.validation.report import CALIBRATION_MARK, SENSITIVITY_MARK, band_of, render_markdown, write_report

PNG = b"\x89PNG\r\n\x1a\n"
META = {
    "orgsim_version": "0.0.test",
    "git_commit": None,
    "reps": 2,
    "master_seed": 5,
    "customers": 300,
    "quick": False,
    "wall_time": 1.5,
    "created": "2020-01-01T00:00:00Z",
}


@pytest.fixture(scope="module")
def results() -> list[validation.PatternResult]:
    return validation.validate(
        reps=2, master_seed=5, size={"customers": 300, "steps": 8}, workers=1, only=["P1", "P6", "S3"]
    )


def test_write_report_writes_markdown_and_a_figure_per_pattern(
    results: list[validation.PatternResult], tmp_path: Path
) -> None:
    md = write_report(results, META, tmp_path / "out" / "VALIDATION.md", tmp_path / "out" / "img", "img")
    assert md == tmp_path / "out" / "VALIDATION.md"
    text = md.read_text(encoding="utf-8")
    for pid in ("P1", "P6", "S3"):
        assert f"### {pid}: " in text
        assert f"](img/{pid}.png)" in text
        assert (tmp_path / "out" / "img" / f"{pid}.png").read_bytes()[:8] == PNG
    assert sorted(p.name for p in (tmp_path / "out" / "img").iterdir()) == ["P1.png", "P6.png", "S3.png"]
    assert text.startswith("# ")
    assert "orgsim validate --docs" in text
    assert "## Patterns of the seed articles (P1–P11)" in text
    assert "## Further stylised facts (S1–S5)" in text
    assert text.index("### P6") < text.index("## Further stylised facts") < text.index("### S3")
    assert f"## Sensitivity\n\n{SENSITIVITY_MARK}\n" in text
    assert f"## Calibration\n\n{CALIBRATION_MARK}\n" in text
    assert "SeedSequence" in text and "4000" in text and "bootstrap" in text
    assert "| replications | 2 |" in text and "| master seed | 5 |" in text and "| customers per market | 300 |" in text
    # one summary row and one check row per check, with verdicts
    for r in results:
        assert f"| [{r.id}](#{r.id.lower()}) | {r.claim} |" in text
        for c in r.checks:
            assert f"| {c.name} | {c.criterion} |" in text
        assert r.knockout_label in text
        assert r.mechanism in text


def test_report_shows_classes_headline_and_preregistration(results: list[validation.PatternResult]) -> None:
    pre = {"file": "src/orgsim/validation/patterns.py", "sha256": "ab" * 32, "commit": "c" * 40, "modified": False}
    text = render_markdown(results, META, "img", preregistration=pre)
    assert "Emergent seed patterns that hold, with knockouts that fail them: **0 of 0**" in text
    assert "Not counted — input patterns (set from seed figures): P6" in text
    assert "Not counted — mechanical patterns (follow from one equation): P1" in text
    assert "| id | claim | source | class | verdict | knockout |" in text
    for r in results:
        assert f"Class: **{r.pattern_class}** — {r.class_reason}." in text
    p1 = next(r for r in results if r.id == "P1")
    assert p1.equation and f"Equation: {p1.equation}." in text
    assert "## Pre-registration" in text and f"`{'ab' * 32}`" in text and f"`{'c' * 40}`" in text
    assert "in-sample with respect to these" in text and "stationarity targets" in text
    assert all(f"`{name}`" in text for name in ("joint_credit", "coordination_cost", "imitation_rate"))
    # the default is the installed pattern file's own hash
    import hashlib

    from orgsim.validation import patterns as pre_mod

    digest = hashlib.sha256(Path(pre_mod.__file__).read_bytes()).hexdigest()
    assert f"`{digest}`" in render_markdown(results, META, "img")


def test_headline_counts_only_emergent_seed_patterns(results: list[validation.PatternResult]) -> None:
    import copy

    from orgsim.validation.report import headline, headline_counts

    p1 = next(r for r in results if r.id == "P1")
    holding, failing, fact = copy.deepcopy(p1), copy.deepcopy(p1), copy.deepcopy(p1)
    holding.id, holding.pattern_class = "P8", "emergent"
    failing.id, failing.pattern_class = "P9", "emergent"
    for c in holding.checks:
        c.passed, c.knockout_passed = True, True
    failing.checks[0].passed = False
    fact.kind, fact.pattern_class = "fact", "emergent"
    counted = [holding, failing, p1, fact]
    assert headline_counts(counted) == (1, 2)
    text = "\n".join(headline([r for r in counted if r.kind == "seed"]))
    assert "**1 of 2** (P8: holds; P9: fails)" in text


def test_report_is_reproducible(results: list[validation.PatternResult], tmp_path: Path) -> None:
    a = write_report(results, META, tmp_path / "a" / "V.md", tmp_path / "a" / "img", "img")
    b = write_report(results, META, tmp_path / "b" / "V.md", tmp_path / "b" / "img", "img")
    assert a.read_bytes() == b.read_bytes()
    for pid in ("P1", "P6", "S3"):
        assert (tmp_path / "a" / "img" / f"{pid}.png").read_bytes() == (
            tmp_path / "b" / "img" / f"{pid}.png"
        ).read_bytes()


def test_markdown_links_figures_relative_to_the_file(results: list[validation.PatternResult]) -> None:
    text = render_markdown(results, META, "img/validation/")
    assert "](img/validation/P1.png)" in text


def test_band_of_reads_the_criterion(results: list[validation.PatternResult]) -> None:
    p6 = next(r for r in results if r.id == "P6")
    declared = next(p for p in validation.patterns() if p.id == "P6").checks[0].band
    assert band_of(p6.checks[0]) == declared
    p1 = next(r for r in results if r.id == "P1")
    assert band_of(p1.checks[0]) is None


# -- the command -------------------------------------------------------------------------------


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "orgsim", *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_validate_command_writes_json_report_and_figures(tmp_path: Path) -> None:
    out = tmp_path / "v"
    proc = cli("validate", "--only", "s3,S4", "--reps", "2", "--customers", "300", "--workers", "1", "--out", str(out))
    assert "Traceback" not in proc.stderr, proc.stderr
    # S patterns are reported but never change the exit code
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:3] == ["id", "verdict", "knockout"]
    assert [line.split()[0] for line in lines[1:3]] == ["S3", "S4"]
    assert all(line.split()[1] in ("PASS", "FAIL") and line.split()[2] in ("PASS", "FAIL") for line in lines[1:3])
    data = json.loads((out / "validation.json").read_text())
    meta = data["meta"]
    assert (meta["reps"], meta["customers"], meta["master_seed"], meta["quick"]) == (2, 300, 20170512, False)
    assert {"orgsim_version", "git_commit", "wall_time", "created"} <= set(meta)
    assert meta["created"].endswith("Z")
    assert [p["id"] for p in data["patterns"]] == ["S3", "S4"]
    assert (out / "VALIDATION.md").is_file()
    assert sorted(p.name for p in (out / "img").iterdir()) == ["S3.png", "S4.png"]
    pre = data["preregistration"]
    assert pre["file"] == "src/orgsim/validation/patterns.py" and len(pre["sha256"]) == 64
    assert [p["class"] for p in data["patterns"]] == ["mechanical", "emergent"]


def test_validate_docs_writes_into_docs(tmp_path: Path) -> None:
    proc = cli(
        "validate", "--docs", "--only", "S3", "--reps", "2", "--customers", "300", "--no-robustness", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "docs" / "VALIDATION.md").read_text(encoding="utf-8")
    assert "](img/validation/S3.png)" in text
    assert (tmp_path / "docs" / "img" / "validation" / "S3.png").is_file()
    assert (tmp_path / "docs" / "validation.json").is_file()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--only", "P99"), "unknown pattern(s) P99"),
        (("--only", ","), "no pattern ids"),
        (("--reps", "1"), "--reps"),
        (("--reps", "x"), "expected an integer"),
        (("--workers", "0"), "--workers"),
        (("--customers", "-5"), "--customers"),
        (("--docs", "--out", "x"), "not allowed with"),
        (("--bogus",), "unrecognized arguments"),
    ],
)
def test_validate_bad_input_is_one_line_exit_2(args: tuple[str, ...], fragment: str, tmp_path: Path) -> None:
    proc = cli("validate", *args, cwd=tmp_path)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("orgsim: error: "), proc.stderr
    assert fragment in lines[0], lines[0]
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_validate_out_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    proc = cli("validate", "--only", "S3", "--reps", "2", "--out", str(target))
    assert proc.returncode == 2
    assert proc.stderr.startswith("orgsim: error: ") and "not a folder" in proc.stderr


def test_validate_help_lists_the_options() -> None:
    proc = cli("validate", "--help")
    assert proc.returncode == 0
    for flag in ("--reps", "--quick", "--out", "--docs", "--master-seed", "--workers", "--customers", "--only"):
        assert flag in proc.stdout


def test_replications_table_shows_widths_shrinking_and_verdicts_per_n() -> None:
    import numpy as np

    from orgsim.stats import bootstrap_mean
    from orgsim.validation.checks import REPLICATION_STEPS, CheckResult, PatternResult, patterns
    from orgsim.validation.report import replications_markdown

    p1 = next(p for p in patterns() if p.id == "P1")
    rng = np.random.default_rng(3)
    values = {c.name: list(0.05 + rng.normal(0.0, 0.05, 30)) for c in p1.checks}
    res = PatternResult("P1", p1.claim, p1.source, p1.kind, {}, "", "", values=values)
    for c in p1.checks:  # as evaluate() records them: the estimate on all and on the first n replications
        x = np.array(values[c.name])
        cr = CheckResult(c.name, c.criterion(), bootstrap_mean(x, np.random.default_rng(0)), True)
        cr.by_reps = {n: bootstrap_mean(x[:n], np.random.default_rng(0)) for n in REPLICATION_STEPS if n < len(x)}
        res.checks.append(cr)
    text = "\n".join(replications_markdown([res], 20170512))
    header = next(line for line in text.splitlines() if line.startswith("| id |"))
    assert header.endswith("| n = 5 | n = 10 | n = 15 | n = 20 | n = 30 |")
    row = next(line for line in text.splitlines() if line.startswith("| P1 |"))
    cells = [c.strip() for c in row.strip("|").split("|")][3:]
    widths = [float(c.split()[0]) for c in cells]
    assert widths[-1] < widths[0] and all(c.split()[1] in ("pass", "fail") for c in cells)
    assert cells[-1].endswith("pass")  # mean 0.05, sd 0.05, 30 replications: the CI excludes 0
