"""Pattern-oriented validation (orgsim.validation.checks): seeds, arms, verdicts on hand-made run tables, the patterns.

The last test is the issue's CI check: ``orgsim validate --quick`` must pass every P pattern with its
knockout (slow: a few minutes).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orgsim.validation import checks as v
from orgsim.validation.checks import Arm, Check, Pattern, RunKey

ROOT = Path(__file__).resolve().parents[1]
SEEDS = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]
HI = Arm("fake", (("focal", 0.95),))
LO = Arm("fake", (("focal", 0.05),))
KNOCKOUT = (("mechanism", False),)


def firms(y: float, steps: int = 4, n_firms: int = 3, **cols: float) -> pd.DataFrame:
    """A tiny firm table: every firm-quarter has ``y`` (and any further constant columns)."""
    rows = [{"step": s, "firm": f, "y": y, **cols} for s in range(steps + 1) for f in range(n_firms)]
    return pd.DataFrame(rows)


def diff_y(t: v.Tables) -> float:
    return float(t["hi"]["y"].mean() - t["lo"]["y"].mean())


def make_runs(
    main_effect: float, knockout_effect: float, noise: float = 0.05, seed: int = 0
) -> dict[RunKey, pd.DataFrame]:
    """Runs of the hi/lo arms and their knockouts: y differs by the effect plus per-replication noise."""
    rng = np.random.default_rng(seed)
    runs: dict[RunKey, pd.DataFrame] = {}
    for s in SEEDS:
        for arms, effect in (((HI, LO), main_effect), ((HI.with_(KNOCKOUT), LO.with_(KNOCKOUT)), knockout_effect)):
            hi, lo = arms
            runs[RunKey(hi, s)] = firms(1.0 + effect + rng.normal(0.0, noise))
            runs[RunKey(lo, s)] = firms(1.0)
    return runs


def pattern(*checks: Check) -> Pattern:
    return Pattern(
        "T1",
        "a test claim",
        "test",
        {"hi": HI, "lo": LO},
        checks,
        KNOCKOUT,
        "mechanism off",
        "a test mechanism",
    )


def evaluate(p: Pattern, runs: dict[RunKey, pd.DataFrame]) -> v.PatternResult:
    return v.evaluate(p, SEEDS, runs, np.random.default_rng(0))


# -- seeds and arms ----------------------------------------------------------------------------


def test_replication_seeds_deterministic_and_distinct() -> None:
    a = v.replication_seeds(20170512, 30)
    assert a == v.replication_seeds(20170512, 30)
    assert len(a) == 30 and len(set(a)) == 30
    assert all(isinstance(s, int) and 0 <= s < 2**32 for s in a)
    assert v.replication_seeds(20170512, 5) == a[:5]  # more replications extend, never reshuffle
    assert set(v.replication_seeds(1, 30)).isdisjoint(a)


def test_arm_with_merges_and_sorts() -> None:
    arm = Arm("baseline", (("a", 1), ("c", 3)))
    merged = arm.with_((("c", 30), ("b", 2)))
    assert merged == Arm("baseline", (("a", 1), ("b", 2), ("c", 30)))
    assert arm.overrides == (("a", 1), ("c", 3))  # frozen: the original is unchanged
    assert arm.with_(()) == arm
    assert Arm("x").with_((("b", 1), ("a", 2))) == Arm("x").with_((("a", 2), ("b", 1)))  # hashable the same way
    assert merged.label() == "baseline [a=1, b=2, c=30]"
    assert Arm("baseline").label() == "baseline"


def test_window_and_mean_of() -> None:
    df = pd.concat([firms(float(s), steps=0).assign(step=s) for s in range(1, 11)], ignore_index=True)
    assert v.mean_of(df, "y", end=2) == pytest.approx(9.5)
    assert v.mean_of(df, "y", first=1, last=4) == pytest.approx(2.5)
    assert v.mean_of(df.assign(y=df["y"] + df["firm"]), "y", firm=2, end=1) == pytest.approx(12.0)


# -- verdicts on hand-made runs ------------------------------------------------------------------


def test_clear_effect_passes_and_knockout_that_removes_it_passes() -> None:
    res = evaluate(pattern(Check("y: hi − lo", diff_y, +1)), make_runs(0.5, 0.0))
    (c,) = res.checks
    assert c.passed and res.passed
    assert c.estimate.value == pytest.approx(0.5, abs=0.05)
    assert c.estimate.low > 0
    assert c.knockout is not None and c.knockout.low < 0 < c.knockout.high
    assert c.knockout_effect is not None and c.knockout_effect.low > 0
    assert c.knockout_passed and res.knockout_passed
    assert len(res.values["y: hi − lo"]) == len(SEEDS)
    assert len(res.values["y: hi − lo (knockout)"]) == len(SEEDS)
    assert res.arms == {"hi": "fake [focal=0.95]", "lo": "fake [focal=0.05]"}


def test_no_effect_fails() -> None:
    res = evaluate(pattern(Check("y: hi − lo", diff_y, +1)), make_runs(0.0, 0.0))
    assert not res.passed
    assert res.checks[0].estimate.low < 0 < res.checks[0].estimate.high


def test_effect_in_the_wrong_direction_fails() -> None:
    res = evaluate(pattern(Check("y: hi − lo", diff_y, -1)), make_runs(0.5, 0.0))
    assert not res.passed
    assert res.checks[0].criterion == "CI < 0"
    res = evaluate(pattern(Check("y: hi − lo", diff_y, -1)), make_runs(-0.5, 0.0))
    assert res.passed and res.knockout_passed  # paired effect multiplied by the direction


def test_knockout_that_keeps_the_effect_fails() -> None:
    res = evaluate(pattern(Check("y: hi − lo", diff_y, +1)), make_runs(0.5, 0.5))
    assert res.passed
    (c,) = res.checks
    assert c.knockout_effect is not None and c.knockout_effect.low <= 0 <= c.knockout_effect.high
    assert c.knockout_passed is False
    assert not res.knockout_passed


def test_knockout_that_reverses_the_effect_passes() -> None:
    res = evaluate(pattern(Check("y: hi − lo", diff_y, +1)), make_runs(0.5, -0.5))
    assert res.knockout_passed  # CI < 0 under the knockout: the check "CI > 0" fails there


def test_knockout_that_only_shrinks_a_sign_effect_fails() -> None:
    """A knockout passes only when the pattern FAILS under it: a smaller but still significant effect is no pass."""
    res = evaluate(pattern(Check("y: hi − lo", diff_y, +1)), make_runs(0.8, 0.3))
    (c,) = res.checks
    assert res.passed
    assert c.knockout is not None and c.knockout.low > 0  # the pattern still holds under the knockout
    assert c.knockout_effect is not None and c.knockout_effect.low > 0  # though it shrank significantly
    assert c.knockout_passed is False and not res.knockout_passed


def test_knockout_reversing_a_negative_check_passes_and_keeping_it_fails() -> None:
    check = Check("y: hi − lo", diff_y, -1)
    assert evaluate(pattern(check), make_runs(-0.5, 0.5)).knockout_passed
    assert not evaluate(pattern(check), make_runs(-0.5, -0.2)).knockout_passed


def test_band_check_and_its_knockout() -> None:
    band = Check("y: hi − lo in band", diff_y, band=(0.4, 0.6))
    assert band.criterion() == "mean in [0.4, 0.6]"
    res = evaluate(pattern(band), make_runs(0.5, 0.0))
    assert res.passed and res.knockout_passed  # the knockout's mean leaves the band
    assert res.checks[0].knockout_effect is None  # no direction: no paired effect
    res = evaluate(pattern(band), make_runs(0.5, 0.55))
    assert res.passed and not res.knockout_passed  # still in the band
    res = evaluate(pattern(band), make_runs(0.8, 0.0))
    assert not res.passed


def test_band_check_whose_knockout_only_shrinks_it_inside_the_band_fails_its_knockout() -> None:
    band = Check("y: hi − lo in a wide band", diff_y, +1, band=(0.0, 1.0))
    res = evaluate(pattern(band), make_runs(0.8, 0.2))
    assert res.passed  # 0.2 is still in the band, though the effect shrank significantly
    assert res.checks[0].knockout_effect is not None and res.checks[0].knockout_effect.low > 0
    assert not res.knockout_passed  # the band check still passes under the knockout
    res = evaluate(pattern(band), make_runs(0.8, -0.5))
    assert res.knockout_passed  # the knockout's mean leaves the band


def test_knockout_needs_every_knockout_bearing_check_to_fail() -> None:
    first = Check("y: hi − lo", diff_y, +1)
    second = Check("y: hi − lo, as a band", diff_y, band=(-0.5, 1.0))
    res = evaluate(pattern(first, second), make_runs(0.5, 0.0))
    a, b = res.checks
    assert a.knockout_passed and b.knockout_passed is False  # ≈ 0 lies in the band [-0.5, 1]
    assert res.passed and not res.knockout_passed and not res.holds


def test_checks_without_knockout_are_skipped_in_the_knockout_verdict() -> None:
    target = Check("hi's y level", lambda t: float(t["hi"]["y"].mean()), band=(1.3, 1.7), knockout=False)
    effect = Check("y: hi − lo", diff_y, +1)
    res = evaluate(pattern(target, effect), make_runs(0.5, 0.0))
    first, second = res.checks
    assert first.passed and first.knockout is None and first.knockout_passed is None
    assert "hi's y level (knockout)" not in res.values
    assert second.knockout_passed
    assert res.passed and res.knockout_passed
    only_target = evaluate(pattern(target), make_runs(0.5, 0.0))
    assert only_target.passed and not only_target.knockout_passed  # no knockout-bearing check: no knockout pass


def test_nan_statistic_fails() -> None:
    res = evaluate(pattern(Check("nothing", lambda t: float("nan"), +1)), make_runs(0.5, 0.0))
    assert not res.passed
    assert math.isnan(res.checks[0].estimate.value)
    assert res.checks[0].knockout_passed is False


def test_result_serialises_to_json() -> None:
    res = evaluate(pattern(Check("y: hi − lo", diff_y, +1)), make_runs(0.5, 0.0))
    data = json.loads(v.to_json([res], {"reps": len(SEEDS)}))
    assert data["meta"] == {"reps": len(SEEDS)}
    (p,) = data["patterns"]
    assert (p["id"], p["passed"], p["knockout_passed"]) == ("T1", True, True)
    assert p["checks"][0]["estimate"]["n"] == len(SEEDS)


# -- the patterns --------------------------------------------------------------------------------


def test_patterns_have_classes_with_reasons() -> None:
    pats = {p.id: p for p in v.patterns()}
    for p in pats.values():
        assert p.pattern_class in v.CLASSES, p.id
        assert p.class_reason.strip(), p.id
        assert bool(p.equation) == (p.pattern_class == v.MECHANICAL), p.id  # a mechanical pattern shows its equation
    assert pats["P6"].pattern_class == v.INPUT and pats["P10"].pattern_class == v.INPUT
    assert pats["P1"].pattern_class == v.MECHANICAL and pats["P3"].pattern_class == v.MECHANICAL
    assert pats["P11"].pattern_class == v.EMERGENT


def test_patterns_live_in_the_preregistered_file() -> None:
    from orgsim.validation import patterns as pre

    assert v.patterns is pre.patterns and v.Pattern is pre.Pattern and v.Check is pre.Check
    info = v.preregistration()
    assert info["file"] == "src/orgsim/validation/patterns.py"
    import hashlib

    assert info["sha256"] == hashlib.sha256((ROOT / info["file"]).read_bytes()).hexdigest()
    assert info["commit"] == "unknown" or len(info["commit"]) == 40


def test_patterns_have_unique_ids_and_knockouts() -> None:
    pats = v.patterns()
    ids = [p.id for p in pats]
    assert len(ids) == len(set(ids))
    assert [p.id for p in pats if p.kind == "seed"] == [f"P{i}" for i in range(1, 12)]
    assert {p.kind for p in pats} <= {"seed", "fact"}
    for p in pats:
        assert p.checks, p.id
        assert any(c.knockout for c in p.checks), p.id
        assert p.knockout, p.id  # the knockout changes something
        assert len({c.name for c in p.checks}) == len(p.checks), p.id
        for c in p.checks:
            assert c.band is not None or c.direction in (-1, 1), (p.id, c.name)


def test_needed_runs_share_arms() -> None:
    pats = [p for p in v.patterns() if p.id in ("P1", "P6")]
    keys = v.needed_runs(pats, [1, 2])
    # P1: digital_shift, baseline and their knockouts; P6: baseline (shared) and its knockout
    assert len(set(keys)) == 2 * 5
    assert RunKey(Arm("baseline"), 1) in keys


# -- the CI check ------------------------------------------------------------------------------


def _est(e: dict | None) -> str:
    return "n/a" if e is None else f"{e['value']:.4g} [{e['low']:.4g}, {e['high']:.4g}]"


def _validate(out: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "orgsim", "validate", *args, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc, json.loads((out / "validation.json").read_text())


def _seed_patterns(data: dict) -> dict[str, dict]:
    seeds = {p["id"]: p for p in data["patterns"] if p["kind"] == "seed"}
    assert sorted(seeds, key=lambda i: int(i[1:])) == [f"P{i}" for i in range(1, 12)]
    return seeds


@pytest.mark.slow
def test_validate_reproduces_the_committed_report(tmp_path: Path) -> None:
    """`orgsim validate` at the committed report's settings (its replications, master seed and market
    size; the sensitivity screen left out) gives every pattern the committed verdict, pattern and
    knockout, and the same estimates, and exits 0 only if every seed pattern and its knockout hold.

    A pattern that fails is a result, reported as such; a model change that moves an estimate or flips
    a verdict without regenerating the report (`orgsim validate --docs`) fails here.
    """
    committed = json.loads((ROOT / "docs" / "validation.json").read_text())
    meta = committed["meta"]
    args = (
        "--reps",
        str(meta["reps"]),
        "--master-seed",
        str(meta["master_seed"]),
        "--customers",
        str(meta["customers"]),
    )
    proc, data = _validate(tmp_path / "validation", *args, "--no-sensitivity")
    expected = {p["id"]: p for p in committed["patterns"]}
    differ = []
    for p in data["patterns"]:
        e = expected[p["id"]]
        if (p["passed"], p["knockout_passed"]) != (e["passed"], e["knockout_passed"]):
            differ.append(
                f"{p['id']}: now {p['passed']}/{p['knockout_passed']}, committed {e['passed']}/{e['knockout_passed']}"
            )
        if [(k["channel"], k["passed"]) for k in p["knockouts"]] != [
            (k["channel"], k["passed"]) for k in e["knockouts"]
        ]:
            differ.append(f"{p['id']}: knockouts now {p['knockouts']}, committed {e['knockouts']}")
        for c, ce in zip(p["checks"], e["checks"], strict=True):
            for name, ch in c["channels"].items():
                if ch["passed"] != ce["channels"][name]["passed"]:
                    differ.append(f"{p['id']} {c['name']} under {name}: knockout verdict differs")
            for key in ("estimate", "knockout"):
                if (c[key] is None) != (ce[key] is None) or (
                    c[key] is not None and c[key]["value"] != pytest.approx(ce[key]["value"], rel=1e-9, abs=1e-12)
                ):
                    differ.append(f"{p['id']} {c['name']} {key}: now {_est(c[key])}, committed {_est(ce[key])}")
    if differ:
        pytest.fail("the committed docs/validation.json is not what the model gives now:\n" + "\n".join(differ))
    seeds = _seed_patterns(data)
    all_hold = all(p["passed"] and p["knockout_passed"] for p in seeds.values())
    assert proc.returncode == (0 if all_hold else 1), (proc.stdout, proc.stderr)


@pytest.mark.slow
def test_validate_quick_runs_and_its_exit_code_says_whether_every_seed_pattern_holds(tmp_path: Path) -> None:
    """The CI smoke: 8 replications. Its verdicts may differ from the full report's where a statistic
    is near its criterion (fewer replications), so only its own consistency is checked here."""
    out = tmp_path / "validation"
    proc, data = _validate(out, "--quick")
    seeds = _seed_patterns(data)
    all_hold = all(p["passed"] and p["knockout_passed"] for p in seeds.values())
    assert proc.returncode == (0 if all_hold else 1), (proc.stdout, proc.stderr)
    assert (out / "VALIDATION.md").is_file()
    assert data["meta"]["quick"] is True and data["meta"]["reps"] == 8 and data["meta"]["customers"] == 10_000
