"""The interop examples (examples/*.py) run as scripts with small sizes and print what they promise."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from orgsim.experiments import analysis as an
from orgsim.experiments import store as st

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

SOBOL_SPEC = """
name = "example_sobol"
scenario = "baseline"
master_seed = 31
replications = 2
[design]
kind = "sobol"
samples = 8
[settings]
customers = 300
steps = 6
firms = 3
[[factors]]
name = "shadow_it_cap"
role = "lever"
range = [0.0, 0.4]
[[factors]]
name = "pressure"
role = "uncertainty"
range = [0.1, 0.9]
[outputs]
outcomes = ["influence_cmo", "cmo_tech_share"]
"""


def script(name: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def _row(stdout: str, label: str) -> list[float]:
    """The numbers of the table line that starts with ``label``."""
    for line in stdout.splitlines():
        if line.strip().startswith(label):
            return [float(v) for v in re.findall(r"-?\d+\.\d+", line[len(label) + line.index(label) :])]
    raise AssertionError(f"no line {label!r} in:\n{stdout}")


def test_every_example_is_listed_and_tested() -> None:
    readme = (EXAMPLES / "README.md").read_text()
    here = Path(__file__).read_text()
    for path in EXAMPLES.glob("*.py"):
        assert f"`{path.name}`" in readme, path.name
        assert f'"{path.name}"' in here, path.name


def test_mesa_batch_run() -> None:
    proc = script("mesa_batch_run.py", "--seeds", "2", "--customers", "300", "--steps", "6", "--caps", "0.0", "0.4")
    assert proc.returncode == 0, proc.stderr
    assert "mesa.batch_run: 4 runs (2 values x 2 seeds, 300 customers)" in proc.stdout
    for cap in ("0.0", "0.4"):
        values = _row(proc.stdout, cap)
        assert len(values) == 8  # mean and SD of four reporters
        assert 0.0 < values[0] < 1.0 and 0.0 < values[2] < 1.0  # influence shares


def test_ema_workbench() -> None:
    proc = script("ema_experiments.py", "--scenarios", "2", "--seeds", "2", "--customers", "300", "--steps", "8")
    assert proc.returncode == 0, proc.stderr
    assert "6 experiments x 2 seeds (300 customers, 8 quarters)" in proc.stdout
    strict = _row(proc.stdout, "strict governance")
    tolerated = _row(proc.stdout, "tolerated shadow IT")
    # columns: influence_cmo, coop_cmo_cio, cmo_tech_share, profit; no shadow IT without an allowance
    assert strict[2] == 0.0 and tolerated[2] > 0.0
    assert "ROI mandate" in proc.stdout


def test_salib_on_store(tmp_path: Path) -> None:
    spec = tmp_path / "sobol.toml"
    spec.write_text(SOBOL_SPEC)
    out = tmp_path / "store"
    sweep = subprocess.run(
        [sys.executable, "-m", "orgsim", "sweep", str(spec), "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert sweep.returncode == 0, sweep.stderr
    proc = script("salib_on_store.py", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "example_sobol: 32 points, 64 ok runs, 2 replications" in proc.stdout
    # the example's S1 and ST equal orgsim analyze's (same Y, same estimator; only the intervals' draws differ)
    res = an.analyze(out, resamples=50)
    for outcome in ("influence_cmo", "cmo_tech_share"):
        block = proc.stdout.split(f"\n{outcome}\n", 1)[1]
        for factor in ("shadow_it_cap", "pressure"):
            s1, _, st_, _ = _row(block, factor)[:4]
            want = res.indices[(res.indices["outcome"] == outcome) & (res.indices["factor"] == factor)]
            want = want.set_index("index")["value"]
            assert s1 == pytest.approx(want["S1"], abs=6e-4) and st_ == pytest.approx(want["ST"], abs=6e-4)
    assert st.is_store(out)


def test_salib_on_store_refuses_other_designs(tmp_path: Path) -> None:
    spec = tmp_path / "fact.toml"
    spec.write_text(
        SOBOL_SPEC.replace('kind = "sobol"\nsamples = 8', 'kind = "factorial"')
        .replace("range = [0.0, 0.4]", "values = [0.0]")
        .replace("range = [0.1, 0.9]", "values = [0.3]")
        .replace("replications = 2", "replications = 1")
    )
    out = tmp_path / "store"
    sweep = subprocess.run(
        [sys.executable, "-m", "orgsim", "sweep", str(spec), "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert sweep.returncode == 0, sweep.stderr
    proc = script("salib_on_store.py", str(out))
    assert proc.returncode == 2 and "a factorial design; this example needs a Sobol one" in proc.stderr


def test_tutorial(tmp_path: Path) -> None:
    """The tutorial runs as it is, from any folder, and leaves what it promises (a second run resumes)."""
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "tutorial.py"), "out"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    for step in range(1, 8):
        assert f"\n{step}. " in "\n" + proc.stdout, step
    assert (out / "run" / "run.json").is_file() and (out / "run" / "plots" / "overview.png").is_file()
    assert st.is_store(out / "store") and len(st.manifest_records(out / "store")) == 8
    assert (out / "store" / "analysis" / "REPORT.md").is_file()
    assert (out / "cmo_influence.png").stat().st_size > 1000
    again = subprocess.run(
        [sys.executable, str(EXAMPLES / "tutorial.py"), "out"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert again.returncode == 0, again.stderr
    assert "4. sweep: 0 runs ok, 0 failed, 8 already in" in again.stdout
