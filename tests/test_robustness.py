"""The robustness screen of the emergent patterns (orgsim.validation.robustness, issue 14).

Fast tests pin the pre-registered rule (factors, exclusions, ranges), the paired design across arms,
the hold rule, the intervals and the two-way ANOVA; one slow test runs a tiny screen end to end
through ``orgsim validate --robustness`` and resumes it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from orgsim.scenario.schema import SRC_ASSUMED, ConfigError
from orgsim.scenario.specs import param_specs
from orgsim.validation import robustness as rb
from orgsim.validation.patterns import EMERGENT, Arm, Check, Pattern

SMALL_FACTORS = ["joint_credit", "coordination_cost", "imitation_rate"]


# -- the pre-registered rule -----------------------------------------------------------------------


def test_every_assumed_numeric_parameter_is_a_factor_or_excluded_with_a_reason() -> None:
    factors = {s.name for s in rb.factor_specs()}
    skipped = rb.excluded()
    assumed = {s.name for s in param_specs().values() if s.source == SRC_ASSUMED}
    assert factors | set(skipped) == assumed
    assert not factors & set(skipped)
    assert all(reason for reason in skipped.values())
    # the stated exclusions
    for name in ("firms", "customers", "revenue_per_firm", "pressure", "threat", "climate", "foregone_rule"):
        assert name in skipped
    assert all(name in skipped for name in assumed if name.startswith("focal_"))
    assert all(param_specs()[n].kind in ("float", "int") for n in factors)
    assert len(factors) >= 70  # every assumption of degree, not a hand-picked few


def test_ranges_are_half_to_one_and_a_half_times_the_reference_clipped_to_the_bounds() -> None:
    for s in rb.factor_specs():
        ref = float(s.default)
        lo, hi = rb.factor_range(s, ref)
        assert lo < hi
        assert s.contains(lo) and s.contains(hi), s.name
        if ref == 0:
            assert lo == s.lo and math.isclose(hi, s.lo + rb.ZERO_SPAN * (s.hi - s.lo)), s.name
        else:
            assert lo <= ref <= hi
            assert math.isclose(lo, ref * rb.LOW) or lo == s.lo or (s.lo_open and lo > s.lo)
            assert math.isclose(hi, ref * rb.HIGH) or hi == s.hi or (s.hi_open and hi < s.hi)
    spec = param_specs()["belief_decay"]  # 0.9 × 1.5 is clipped to its bound 1
    assert rb.factor_range(spec, 0.9) == (0.45, 1.0)
    assert rb.factor_range(param_specs()["roi_mandate"], 0.0) == (0.0, 0.1)
    variable_cost = param_specs()["variable_cost"]  # [0, 1): an open upper bound stays inside
    lo, hi = rb.factor_range(variable_cost, 0.9)
    assert lo == pytest.approx(0.45) and 0.999 < hi < 1.0 and variable_cost.contains(hi)


def test_arms_have_their_own_ranges_the_same_unit_design_and_the_same_seeds() -> None:
    from orgsim.experiments.design import expand

    base = rb.arm_spec(Arm("baseline"), trajectories=2, customers=200)
    shadow = rb.arm_spec(Arm("shadow_it"), trajectories=2, customers=200)
    walls_flat = rb.arm_spec(Arm("walls", (("pressure", ((0, 0.3),)),)), trajectories=2, customers=200)
    names = base.factor_names
    assert shadow.factor_names == names == walls_flat.factor_names
    ranges = {s.name: {f.param: f.range for f in s.factors} for s in (base, shadow, walls_flat)}
    assert ranges[base.name]["coop_cio_cfo"] == (0.225, pytest.approx(0.675))  # the default 0.45
    assert ranges[shadow.name]["coop_cio_cfo"] == ranges[base.name]["coop_cio_cfo"]  # shadow_it keeps it
    assert ranges[walls_flat.name]["coop_cio_cfo"] == (0.075, pytest.approx(0.225))  # walls sets 0.15
    assert "shadow_it_cap" not in names  # calibrated (source posterior): its uncertainty is the posterior's
    assert walls_flat.settings["pressure"] == [[0, 0.3]] and walls_flat.settings["customers"] == 200

    def unit(spec):
        table = expand(spec)
        x = np.array([[row[n] for n in names] for row in table.stored])
        lo = np.array([f.range[0] for f in spec.factors])
        hi = np.array([f.range[1] for f in spec.factors])
        return (x - lo) / (hi - lo)

    assert np.allclose(unit(base), unit(shadow)) and np.allclose(unit(base), unit(walls_flat))
    assert base.master_seed == shadow.master_seed and base.design.seed == shadow.design.seed


def test_an_arm_that_fixes_a_factor_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError, match="fixes factor"):
        rb.arm_spec(Arm("baseline", (("joint_credit", 0.2),)))
    with pytest.raises(ConfigError, match="not an assumed numeric"):
        rb.arm_spec(Arm("baseline"), factors=["joint_credit", "crit_cmo_pressure"])


def test_the_probe_finds_the_arms_a_check_reads_and_skips_illustrations() -> None:
    def reads_a(t):
        return float(t["a"]["profit"].mean())

    p = Pattern(
        "X1",
        "claim",
        "src",
        {"a": Arm("baseline"), "b": Arm("walls")},
        (Check("reads a", reads_a, +1), Check("both", lambda t: 1.0, +1)),
        (),
        "",
        "",
        pattern_class=EMERGENT,
    )
    assert rb.arms_read(p.checks[0], p) == {"a": Arm("baseline")}
    assert rb.arms_read(p.checks[1], p) == dict(p.arms)  # reads nothing: every arm, to be safe
    checks = rb.emergent_checks([p])
    assert [c.uid for c in checks] == ["X1.0", "X1.1"]
    arms = rb.needed_arms(checks)
    assert arms[0] == Arm("baseline") and {a.scenario for a in arms} == {"baseline", "walls", *rb.MARKETS}


def test_the_emergent_checks_of_the_pattern_file_skip_illustrations() -> None:
    from orgsim.validation.patterns import patterns

    checks = rb.emergent_checks()
    emergent = {p.id for p in patterns() if p.pattern_class == EMERGENT}
    assert {c.pattern for c in checks} <= emergent and checks
    for p in patterns():
        for i, c in enumerate(p.checks):
            if getattr(c, "illustration", False):
                assert f"{p.id}.{i}" not in {c.uid for c in checks}


# -- holding, intervals, decomposition -------------------------------------------------------------


def test_the_hold_rule_reads_a_sign_or_a_band_and_never_holds_on_nan() -> None:
    m = np.array([0.2, -0.1, 0.0, np.nan])
    assert rb.hold_matrix(m, +1, None).tolist() == [True, False, False, False]
    assert rb.hold_matrix(m, -1, None).tolist() == [False, True, False, False]
    assert rb.hold_matrix(m, +1, (-0.1, 0.1)).tolist() == [False, True, True, False]
    checks = [
        rb.CheckRef("A.0", "A", 0, "a0", "CI > 0", +1, None, {}),
        rb.CheckRef("A.1", "A", 1, "a1", "CI < 0", -1, None, {}),
        rb.CheckRef("B.0", "B", 0, "b0", "CI > 0", +1, None, {}),
    ]
    means = {"A.0": np.array([1.0, 1.0, -1.0]), "A.1": np.array([-1.0, 1.0, -1.0]), "B.0": np.array([1, 1, 1.0])}
    holds = rb.pattern_holds(checks, means)
    assert holds["A"].tolist() == [True, False, False]
    assert holds["B"].tolist() == [True, True, True]
    assert holds[rb.ALL].tolist() == [True, False, False]


def test_wilson_interval_matches_statsmodels() -> None:
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    for k, n in ((0, 10), (3, 10), (770, 770), (412, 770)):
        lo, hi = rb.wilson(k, n)
        ref = proportion.proportion_confint(k, n, alpha=0.05, method="wilson")
        assert lo == pytest.approx(ref[0], abs=1e-9) and hi == pytest.approx(ref[1], abs=1e-9)


def test_cluster_bootstrap_respects_clusters() -> None:
    flags = np.repeat([1.0, 0.0, 1.0, 0.0], 5)
    clusters = np.repeat(np.arange(4), 5)
    lo, hi = rb.cluster_bootstrap_share(flags, clusters, np.random.default_rng(0))
    assert 0.0 <= lo < 0.5 < hi <= 1.0
    assert rb.cluster_bootstrap_share(np.ones(10), np.repeat([0, 1], 5), np.random.default_rng(0)) == (1.0, 1.0)


def test_two_way_anova_splits_a_balanced_design_into_shares_that_sum_to_one() -> None:
    rng = np.random.default_rng(3)
    a, b, n = 60, 3, 2
    point = rng.normal(0, 2.0, a)[:, None, None]
    market = np.array([0.0, 3.0, -3.0])[None, :, None]
    y = point + market + rng.normal(0, 0.5, (a, b, n))
    out = rb.two_way_anova(y)
    assert sum(out["shares"].values()) == pytest.approx(1.0)
    assert sum(out["component_shares"].values()) == pytest.approx(1.0)
    assert out["df"] == {"parameter": a - 1, "market": b - 1, "interaction": (a - 1) * (b - 1), "seed": a * b}
    assert out["ms"]["seed"] == pytest.approx(0.25, rel=0.25)  # the seed variance
    assert out["components"]["parameter"] == pytest.approx(4.0, rel=0.4)
    assert out["component_shares"]["interaction"] < 0.05  # none in the data: the components remove the noise
    sm = pytest.importorskip("statsmodels.formula.api")
    import pandas as pd
    from statsmodels.stats.anova import anova_lm

    i, j, _ = np.meshgrid(np.arange(a), np.arange(b), np.arange(n), indexing="ij")
    df = pd.DataFrame({"y": y.ravel(), "p": i.ravel().astype(str), "m": j.ravel().astype(str)})
    table = anova_lm(sm.ols("y ~ C(p) * C(m)", df).fit(), typ=1)
    assert table.loc["C(p)", "sum_sq"] == pytest.approx(out["ss"]["parameter"])
    assert table.loc["C(m)", "sum_sq"] == pytest.approx(out["ss"]["market"])
    assert table.loc["C(p):C(m)", "sum_sq"] == pytest.approx(out["ss"]["interaction"])
    assert table.loc["Residual", "sum_sq"] == pytest.approx(out["ss"]["seed"])


# -- end to end ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_validate_robustness_writes_the_section_json_csv_and_figures_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tiny screen (3 factors, 2 trajectories, 100 customers) through `orgsim validate --robustness`."""
    from orgsim.cli.commands import main

    real = rb.run
    calls = []

    def tiny(root, workers, customers, progress=None):
        calls.append((root, workers, customers))
        return real(root, workers, 100, 2, 2, progress, factors=SMALL_FACTORS)

    monkeypatch.setattr(rb, "run", tiny)
    out, store = tmp_path / "report", tmp_path / "stores"
    args = ["validate", "--only", "P1", "--reps", "2", "--customers", "100", "--workers", "1"]
    code = main([*args, "--no-sensitivity", "--robustness", "--robustness-store", str(store), "--out", str(out)])
    assert code in (0, 1)
    assert calls == [(store, 1, 100)]
    text = (out / "VALIDATION.md").read_text()
    section = text[text.index("## Robustness") :]
    assert "pre-registered" in section and "weaker" in section and "Knockouts are not evaluated" in section
    assert "all emergent together" in section and "Wilson" in section
    assert "### Variance decomposition" in section and "### P11 as a distribution over runs" in section
    assert "img/robustness_p11.png" in section and (out / "img" / rb.FIG_P11).is_file()
    assert (out / "img" / rb.FIG_SHARES).is_file()
    data = json.loads((out / "validation.json").read_text())
    rob = data["robustness"]
    assert rob["settings"]["n_factors"] == 3 and rob["settings"]["n_points"] == 8
    assert rob["settings"]["n_runs"] == 8 * 2 * rob["settings"]["n_arms"]
    assert {d["pattern"] for d in rob["shares"]} >= {rb.ALL}
    for row in rob["variance"]:
        if row["share_seed"] is not None:
            assert sum(row[f"share_{k}"] for k in rb.ANOVA_PARTS) == pytest.approx(1.0)
    csv = (out / "robustness_morris.csv").read_text().splitlines()
    assert csv[0].startswith("uid,pattern,check,factor,mu_star") and len(csv) > 1
    from orgsim.experiments.store import read_meta

    stores = sorted(store.iterdir())
    assert len(stores) == rob["settings"]["n_arms"] and any(p.name.startswith("downturn-") for p in stores)
    assert all(p.name.endswith("-" + read_meta(p)["spec_hash"][:8]) for p in stores)

    seen = []
    again = real(store, 1, 100, 2, 2, lambda d, n: seen.append((d, n)), factors=SMALL_FACTORS)
    assert again.settings["runs_new"] == 0  # resumed: nothing to rerun
    n_runs = rob["settings"]["n_runs"]
    assert seen[-1] == (n_runs + 8 * 2, n_runs + 8 * 2)  # the runs, then the replications analysed
    assert [d["holds"] for d in again.shares] == [d["holds"] for d in rob["shares"]]

    # bad input is one line, before any run
    assert main([*args, "--robustness", "--robustness-store", str(out / "VALIDATION.md"), "--out", str(out)]) == 2
