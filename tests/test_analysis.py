"""orgsim analyze: per-point summaries, seed variance, sensitivity indices (known answers), failed runs, reports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import orgsim
from orgsim.experiments import analysis as an
from orgsim.experiments import store as st
from orgsim.io import OutputError

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["x1", "x2", "x3"]
PROBLEM = {"num_vars": 3, "names": NAMES, "bounds": [[0.0, 1.0]] * 3}


# -- synthetic data (a real SALib design, a known response) -------------------------------------


def _sample(kind: str, n: int, *, second_order: bool = False, levels: int = 4, seed: int = 11) -> np.ndarray:
    if kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(PROBLEM, n, calc_second_order=second_order, seed=seed)
    if kind == "morris":
        from SALib.sample import morris

        return morris.sample(PROBLEM, n, num_levels=levels, seed=seed)
    if kind == "fast":
        from SALib.sample import fast_sampler

        return fast_sampler.sample(PROBLEM, n, seed=seed)
    from SALib.sample import latin

    return latin.sample(PROBLEM, n, seed=seed)


def _meta(kind: str, n: int, n_points: int, *, second_order: bool = False, levels: int = 4, reps: int = 1) -> dict:
    return {
        "name": f"synthetic_{kind}",
        "design": {
            "kind": kind,
            "samples": n,
            "second_order": second_order,
            "levels": levels,
            "seed": 3,
            "problem": PROBLEM,
        },
        "factor_names": NAMES,
        "factors": [{"name": f, "role": "uncertainty", "range": [0.0, 1.0]} for f in NAMES],
        "outcomes": ["y", "noise", "flat"],
        "n_points": n_points,
        "n_runs": n_points * reps,
        "replications": reps,
        "master_seed": 1,
    }


def _runs(x: np.ndarray, reps: int, noise: float = 0.1, seed: int = 0) -> pd.DataFrame:
    """Runs of a design: y = 4 x1 + x2 + noise, ``noise`` pure noise, ``flat`` = x1 + x2 + x3 (no noise)."""
    rng = np.random.default_rng(seed)
    rows = []
    for point, row in enumerate(x):
        for rep in range(reps):
            rows.append(
                {
                    "run_id": f"p{point:05d}-r{rep:03d}",
                    "point": point,
                    "rep": rep,
                    **dict(zip(NAMES, row, strict=True)),
                    "y": 4 * row[0] + row[1] + noise * rng.normal(),
                    "noise": rng.normal(),
                    "flat": row.sum(),
                    "status": "ok",
                    "error": "",
                }
            )
    return pd.DataFrame(rows)


def _idx(df: pd.DataFrame, outcome: str, index: str) -> pd.Series:
    sub = df[(df["outcome"] == outcome) & (df["index"] == index) & (df["factor2"] == "")]
    return sub.set_index("factor")["value"]


# -- point summary -------------------------------------------------------------------------------


def test_point_summary_mean_sd_and_t_interval() -> None:
    runs = pd.DataFrame(
        {
            "point": [0, 0, 0, 1, 1, 2],
            "a": ["lo", "lo", "lo", "hi", "hi", "mid"],
            "y": [1.0, 2.0, 3.0, 5.0, np.nan, 7.0],
            "status": ["ok", "ok", "ok", "ok", "failed", "ok"],
        }
    )
    design = pd.DataFrame({"point": [0, 1, 2, 3], "a": ["lo", "hi", "mid", "none"]})
    s = an.point_summary(runs, ["a"], ["y"], design=design).set_index("point")
    half = stats.t.ppf(0.975, 2) / np.sqrt(3)
    assert s.loc[0, "n"] == 3 and s.loc[0, "mean"] == 2.0 and s.loc[0, "sd"] == pytest.approx(1.0)
    assert s.loc[0, ["ci_low", "ci_high"]].tolist() == pytest.approx([2 - half, 2 + half])
    # the failed run is counted, not used; one replication has no SD or interval
    assert s.loc[1, "n"] == 1 and s.loc[1, "n_failed"] == 1 and s.loc[1, "mean"] == 5.0
    assert np.isnan(s.loc[1, ["sd", "ci_low", "ci_high"]].to_numpy(dtype=float)).all()
    # a design point without runs is listed with n = 0
    assert s.loc[3, "n"] == 0 and s.loc[3, "a"] == "none" and np.isnan(s.loc[3, "mean"])
    assert list(s.columns) == ["a", "outcome", "n", "n_failed", "mean", "sd", "se", "ci_low", "ci_high"]


def test_point_summary_ignores_non_finite_values_of_ok_runs() -> None:
    runs = pd.DataFrame({"point": [0, 0, 0], "y": [1.0, np.inf, 3.0], "z": [1.0, 1.0, np.nan]})
    s = an.point_summary(runs, [], ["y", "z"]).set_index("outcome")
    assert s.loc["y", "n"] == 2 and s.loc["y", "mean"] == 2.0
    assert s.loc["z", "n"] == 2 and s.loc["z", "sd"] == 0.0


# -- seed variance -------------------------------------------------------------------------------


def test_seed_share_is_one_for_pure_noise_and_zero_without_noise() -> None:
    x = _sample("lhs", 200)
    v = an.seed_variance(_runs(x, reps=4), ["noise", "flat", "y"], seed=1).set_index("outcome")
    assert 0.9 <= v.loc["noise", "share_seed"] <= 1.0
    assert v.loc["noise", "share_low"] > 0.8
    assert v.loc["flat", "share_seed"] == 0.0 and v.loc["flat", "share_high"] == pytest.approx(0.0, abs=1e-12)
    assert v.loc["flat", "share_seed_in_means"] == pytest.approx(0.0, abs=1e-12)
    # y: var(4 x1 + x2) = 17/12, noise variance 0.01 -> share about 0.007
    assert v.loc["y", "share_seed"] == pytest.approx(0.01 / (17 / 12 + 0.01), abs=0.004)
    assert v.loc["y", "n_points"] == 200 and v.loc["y", "n_runs"] == 800


def test_seed_share_of_a_half_noise_outcome_and_of_the_point_means() -> None:
    rng = np.random.default_rng(5)
    points, reps = 400, 4
    effect = rng.normal(size=points)  # between-point variance 1
    y = effect[:, None] + rng.normal(size=(points, reps))  # within-point variance 1
    runs = pd.DataFrame({"point": np.repeat(np.arange(points), reps), "v": y.ravel()})
    v = an.seed_variance(runs, ["v"], seed=2).iloc[0]
    assert v["share_seed"] == pytest.approx(0.5, abs=0.07)
    assert v["share_low"] < v["share_seed"] < v["share_high"]
    # the point means keep noise 1/4 against a variance of 1 + 1/4
    assert v["share_seed_in_means"] == pytest.approx(0.25 / 1.25, abs=0.06)


def test_seed_share_needs_replications() -> None:
    runs = pd.DataFrame({"point": [0, 1, 2], "v": [1.0, 2.0, 3.0]})
    v = an.seed_variance(runs, ["v"]).iloc[0]
    assert v["n_points"] == 0 and np.isnan(v["share_seed"])


def test_seed_variance_is_reproducible() -> None:
    runs = _runs(_sample("lhs", 50), reps=3)
    pd.testing.assert_frame_equal(an.seed_variance(runs, ["y"], seed=4), an.seed_variance(runs, ["y"], seed=4))


# -- indices: known answers ----------------------------------------------------------------------


def test_sobol_ranks_the_strong_factor_first() -> None:
    n = 256
    x = _sample("sobol", n)
    runs = _runs(x, reps=4, noise=0.5)
    df = an.indices(runs, _meta("sobol", n, len(x), reps=4), ["y"])
    s1, st_ = _idx(df, "y", "S1"), _idx(df, "y", "ST")
    assert st_["x1"] > st_["x2"] > st_["x3"]
    # var(4 x1) / var(4 x1 + x2) = 16/17; the noise is averaged over replications first
    assert s1["x1"] == pytest.approx(16 / 17, abs=0.1) and s1["x2"] == pytest.approx(1 / 17, abs=0.05)
    # x3 does nothing; its ST is the seed noise left in the means (0.25 / 4 against 17/12 + 0.25 / 4)
    assert st_["x3"] == pytest.approx(0.0625 / (17 / 12 + 0.0625), abs=0.03)
    single = an.indices(runs[runs["rep"] == 0], _meta("sobol", n, len(x)), ["y"])
    assert _idx(single, "y", "ST")["x3"] > 2 * st_["x3"]  # one replication: four times the noise
    row = df[(df["index"] == "ST") & (df["factor"] == "x1")].iloc[0]
    assert row["ci_low"] < row["value"] < row["ci_high"] and row["conf"] > 0
    assert df.attrs["skipped"] == {}
    assert set(df["design"]) == {"sobol"} and list(df.columns) == an.INDEX_COLUMNS


def test_sobol_uses_the_mean_of_the_replications_in_point_order() -> None:
    from SALib.analyze import sobol

    n = 64
    x = _sample("sobol", n)
    runs = _runs(x, reps=3, noise=1.0).sample(frac=1.0, random_state=np.random.RandomState(1))  # any row order
    df = an.indices(runs, _meta("sobol", n, len(x), reps=3), ["y"], seed=9)
    y = runs.groupby("point")["y"].mean().sort_index().to_numpy()
    sub_seed = int(np.random.SeedSequence([9, 0]).generate_state(1)[0])
    ref = sobol.analyze(PROBLEM, y, calc_second_order=False, num_resamples=an.RESAMPLES, seed=sub_seed)
    np.testing.assert_allclose(_idx(df, "y", "ST").reindex(NAMES), ref["ST"])
    np.testing.assert_allclose(_idx(df, "y", "S1").reindex(NAMES), ref["S1"])


def test_sobol_second_order_rows() -> None:
    n = 128
    x = _sample("sobol", n, second_order=True)
    df = an.indices(_runs(x, reps=1), _meta("sobol", n, len(x), second_order=True), ["y"])
    s2 = df[df["index"] == "S2"]
    assert len(s2) == 3 and set(zip(s2["factor"], s2["factor2"], strict=True)) == {
        ("x1", "x2"),
        ("x1", "x3"),
        ("x2", "x3"),
    }
    assert (s2["value"].abs() < 0.1).all()  # an additive response has no interactions


def test_morris_mu_star_of_a_linear_response() -> None:
    n = 20
    x = _sample("morris", n)
    df = an.indices(_runs(x, reps=2, noise=0.0), _meta("morris", n, len(x), reps=2), ["y", "flat"])
    mu_star = _idx(df, "y", "mu_star")
    assert mu_star["x1"] == pytest.approx(4.0) and mu_star["x2"] == pytest.approx(1.0)
    assert mu_star["x3"] == pytest.approx(0.0, abs=1e-9)
    assert _idx(df, "y", "sigma").abs().max() < 1e-9  # linear: every elementary effect is the same
    assert np.isfinite(df.loc[df["index"] == "mu_star", "conf"]).all()
    assert _idx(df, "flat", "mu").to_numpy() == pytest.approx([1.0, 1.0, 1.0])


def test_fast_ranks_the_strong_factor_first() -> None:
    n = 257
    x = _sample("fast", n)
    df = an.indices(_runs(x, reps=2, noise=0.2), _meta("fast", n, len(x), reps=2), ["y"])
    s1 = _idx(df, "y", "S1")
    assert s1["x1"] == pytest.approx(16 / 17, abs=0.08) and s1["x1"] > s1["x2"] > s1["x3"]


def test_lhs_standardised_regression_coefficients() -> None:
    n = 300
    x = _sample("lhs", n)
    df = an.indices(_runs(x, reps=2, noise=0.1), _meta("lhs", n, len(x), reps=2), ["y"])
    src = _idx(df, "y", "SRC")
    assert src["x1"] == pytest.approx(4 / np.sqrt(17), abs=0.05)
    assert src["x2"] == pytest.approx(1 / np.sqrt(17), abs=0.05)
    assert abs(src["x3"]) < 0.05
    lo, hi = df.loc[(df["index"] == "SRC") & (df["factor"] == "x1"), ["ci_low", "ci_high"]].iloc[0]
    assert lo < src["x1"] < hi
    assert _idx(df, "y", "R2")[""] > 0.99


def test_factorial_has_no_indices() -> None:
    meta = {"design": {"kind": "factorial"}, "n_points": 2}
    df = an.indices(pd.DataFrame({"point": [0, 1], "y": [1.0, 2.0]}), meta, ["y"])
    assert df.empty and "no indices for this design" in df.attrs["note"]


def test_indices_are_reproducible() -> None:
    n = 32
    x = _sample("sobol", n)
    runs = _runs(x, reps=2)
    meta = _meta("sobol", n, len(x), reps=2)
    pd.testing.assert_frame_equal(an.indices(runs, meta, ["y", "noise"]), an.indices(runs, meta, ["y", "noise"]))


# -- indices: failed runs, NaN, bad stores -------------------------------------------------------


@pytest.fixture
def salib_sees_only_finite(monkeypatch):
    """Wrap SALib's analyses so any non-finite Y fails the test."""
    from SALib.analyze import fast, morris, sobol

    seen = []
    for mod in (sobol, fast):
        real = mod.analyze

        def check(problem, y, *a, _real=real, **k):
            assert np.isfinite(y).all(), "NaN reached SALib"
            seen.append(len(y))
            return _real(problem, y, *a, **k)

        monkeypatch.setattr(mod, "analyze", check)
    real_morris = morris.analyze

    def check_morris(problem, x, y, *a, **k):
        assert np.isfinite(y).all() and np.isfinite(x).all(), "NaN reached SALib"
        seen.append(len(y))
        return real_morris(problem, x, y, *a, **k)

    monkeypatch.setattr(morris, "analyze", check_morris)
    return seen


@pytest.mark.parametrize("kind", ["sobol", "morris", "fast"])
def test_a_point_without_ok_runs_makes_indices_impossible(kind: str, salib_sees_only_finite) -> None:
    n = {"sobol": 16, "morris": 6, "fast": 70}[kind]
    x = _sample(kind, n)
    runs = _runs(x, reps=2)
    lost = runs["point"].isin([3, 7])
    runs.loc[lost, "status"] = "failed"
    runs.loc[lost, ["y", "noise", "flat"]] = np.nan
    runs.loc[runs["run_id"] == "p00001-r000", "status"] = "failed"  # a point keeping one ok replication is fine
    runs.loc[runs["run_id"] == "p00005-r001", "noise"] = np.nan  # an ok run with a NaN value is left out
    df = an.indices(runs, _meta(kind, n, len(x), reps=2), ["y", "noise"])
    assert df.empty
    for outcome in ("y", "noise"):
        why = df.attrs["skipped"][outcome]
        assert "2 of" in why and "p00003, p00007" in why and "needs every point" in why
    assert salib_sees_only_finite == []  # SALib was never called


def test_a_point_missing_from_the_runs_is_impossible_too(salib_sees_only_finite) -> None:
    n = 16
    x = _sample("sobol", n)
    runs = _runs(x, reps=1)
    runs = runs[runs["point"] != 0]  # never run (an unfinished sweep)
    df = an.indices(runs, _meta("sobol", n, len(x)), ["y"])
    assert "p00000" in df.attrs["skipped"]["y"] and salib_sees_only_finite == []


def test_partial_failures_keep_indices_and_nan_values_never_reach_salib(salib_sees_only_finite) -> None:
    n = 64
    x = _sample("sobol", n)
    runs = _runs(x, reps=3, noise=0.5)
    runs.loc[runs["rep"] == 0, "status"] = "failed"
    runs.loc[runs["rep"] == 0, "y"] = np.nan
    runs.loc[runs["run_id"] == "p00002-r001", "y"] = np.inf
    df = an.indices(runs, _meta("sobol", n, len(x), reps=3), ["y"])
    assert _idx(df, "y", "ST")["x1"] > _idx(df, "y", "ST")["x2"]
    assert salib_sees_only_finite == [len(x)]


def test_a_constant_outcome_is_skipped_not_divided_by_zero() -> None:
    n = 16
    x = _sample("sobol", n)
    runs = _runs(x, reps=1).assign(noise=2.5)
    df = an.indices(runs, _meta("sobol", n, len(x)), ["noise", "y"])
    assert "constant (2.5)" in df.attrs["skipped"]["noise"] and set(df["outcome"]) == {"y"}


def test_a_design_of_the_wrong_size_is_an_error() -> None:
    n = 16
    x = _sample("sobol", n)
    meta = _meta("sobol", n, len(x) - 1)
    with pytest.raises(OutputError, match="has 80 points, but the store has 79"):
        an.indices(_runs(x, reps=1), meta, ["y"])


# -- stores made by orgsim sweep ----------------------------------------------------------------

SPEC = """
name = "{name}"
scenario = "baseline"
master_seed = 17
replications = {reps}
[design]
kind = "{kind}"
{design}
[settings]
customers = 300
steps = 4
firms = 3
[[factors]]
name = "shadow_it_cap"
role = "lever"
{f1}
[[factors]]
name = "roi_mandate"
role = "lever"
{f2}
[[factors]]
name = "pressure"
role = "uncertainty"
{f3}
[outputs]
outcomes = ["influence_cmo", "profit", "margin"]
"""
RANGES = {"f1": "range = [0.0, 0.4]", "f2": "range = [0.0, 1.0]", "f3": "range = [0.1, 0.9]"}


def _spec(tmp_path: Path, kind: str, design: str = "", reps: int = 3, **levels: str) -> Path:
    path = tmp_path / f"{kind}.toml"
    path.write_text(SPEC.format(name=kind, reps=reps, kind=kind, design=design, **{**RANGES, **levels}))
    return path


def _synthetic_simulate(fail_points: set[int] = frozenset(), fail_run: str | None = None):
    """A stand-in for the model with a known response (the store, the sweep and the CLI stay real).

    influence_cmo = 4 u1 + u2 + noise (u = the factors scaled to [0, 1]), profit = pure noise,
    margin = u1 + u2 + u3 without noise. Runs of ``fail_points`` (and ``fail_run``) raise.
    """

    def fake(cfg, seed=None, *, run_id="", executives=True, **kw):
        point = int(run_id[1:6])
        if point in fail_points or run_id == fail_run:
            raise RuntimeError(f"synthetic failure at {run_id}")
        u1 = cfg.levers.shadow_it_cap / 0.4
        u2 = cfg.levers.roi_mandate
        u3 = (cfg.environment.pressure[0][1] - 0.1) / 0.8
        rng = np.random.default_rng(seed)
        out = {"influence_cmo": 4 * u1 + u2 + 0.3 * rng.normal(), "profit": rng.normal(), "margin": u1 + u2 + u3}
        return SimpleNamespace(outcomes=out)

    return fake


def _sweep(monkeypatch, spec: Path, out: Path, **fake) -> int:
    from orgsim import api
    from orgsim.cli.commands import main

    monkeypatch.setattr(api, "simulate", _synthetic_simulate(**fake))
    return main(["sweep", str(spec), "--out", str(out), "-q"])


def analyze_cli(*argv: str) -> int:
    """``orgsim analyze ...`` in-process, through orgsim.cli.commands."""
    from orgsim.cli.commands import main

    return main(["analyze", *argv])


def test_sobol_store_end_to_end(monkeypatch, tmp_path: Path, capsys) -> None:
    spec = _spec(tmp_path, "sobol", "samples = 64")
    out = tmp_path / "sobol"
    assert _sweep(monkeypatch, spec, out) == 0
    assert analyze_cli(str(out), "--resamples", "200") == 0
    folder = out / "analysis"
    for name in ("summary.csv", "summary.parquet", "indices.csv", "indices.parquet", "variance.csv", "REPORT.md"):
        assert (folder / name).is_file(), name
    idx = pd.read_parquet(folder / "indices.parquet")
    csv = pd.read_csv(folder / "indices.csv", dtype={"factor2": "str"})
    csv["factor2"] = csv["factor2"].fillna("")  # "" reads back as NaN
    pd.testing.assert_frame_equal(idx, csv)
    st_ = _idx(idx, "influence_cmo", "ST")
    assert st_["shadow_it_cap"] > st_["roi_mandate"] > st_["pressure"]
    var = pd.read_csv(folder / "variance.csv").set_index("outcome")
    assert var.loc["profit", "share_seed"] > 0.85 and var.loc["margin", "share_seed"] == 0.0
    summary = pd.read_parquet(folder / "summary.parquet")
    assert len(summary) == 64 * 5 * 3 and (summary["n"] == 3).all()
    imgs = sorted(p.name for p in (folder / "img").glob("*.png"))
    assert imgs == sorted(
        f"{k}_{o}.png" for k in ("indices", "response") for o in ("influence_cmo", "profit", "margin")
    )
    report = (folder / "REPORT.md").read_text()
    assert "Sobol" in report and "![influence_cmo indices](img/indices_influence_cmo.png)" in report
    assert "960 ok" in report and "Share of variance due to the seed" in report
    assert "report:" in capsys.readouterr().out


def test_failed_runs_are_excluded_and_named(monkeypatch, tmp_path: Path, capsys) -> None:
    spec = _spec(tmp_path, "sobol", "samples = 16", reps=2)
    out = tmp_path / "failing"
    assert _sweep(monkeypatch, spec, out, fail_points={4}, fail_run="p00009-r001") == 1
    res = an.analyze(out, resamples=100)
    assert sorted(res.failed["run_id"]) == ["p00004-r000", "p00004-r001", "p00009-r001"]
    assert set(res.skipped) == {"influence_cmo", "profit", "margin"} and res.indices.empty
    assert all("p00004" in why for why in res.skipped.values())
    assert res.incomplete == ["influence_cmo", "profit", "margin"]
    s = res.summary.set_index(["point", "outcome"])
    assert s.loc[(4, "profit"), "n"] == 0 and s.loc[(4, "profit"), "n_failed"] == 2
    assert s.loc[(9, "profit"), "n"] == 1 and s.loc[(9, "profit"), "n_failed"] == 1
    capsys.readouterr()
    assert analyze_cli(str(out), "--no-plots") == 1  # written, but the design's indices were impossible
    printed = capsys.readouterr().out
    assert "excluded p00004-r000: RuntimeError: synthetic failure at p00004-r000" in printed
    assert "no indices for influence_cmo" in printed
    report = (out / "analysis" / "REPORT.md").read_text()
    assert "3 failed run(s) are excluded" in report and "`p00009-r001`: RuntimeError" in report
    assert "No indices: 1 of 80 design points have no successful run" in report
    assert not (out / "analysis" / "img").exists()
    # rerunning the failed runs repairs the store; the analysis then has its indices
    from orgsim import api
    from orgsim.cli.commands import main

    monkeypatch.setattr(api, "simulate", _synthetic_simulate())
    assert main(["sweep", str(spec), "--out", str(out), "-q", "--retry-failed"]) == 0
    assert analyze_cli(str(out), "--no-plots") == 0
    assert len(pd.read_csv(out / "analysis" / "indices.csv")) == 3 * 2 * 3


def test_morris_and_lhs_stores(monkeypatch, tmp_path: Path) -> None:
    out = tmp_path / "morris"
    assert _sweep(monkeypatch, _spec(tmp_path, "morris", "samples = 8\nlevels = 4", reps=2), out) == 0
    res = an.analyze(out, resamples=100)
    # SALib's elementary effects are per unit of the scaled range: margin = u1 + u2 + u3 gives 1 each
    assert _idx(res.indices, "margin", "mu_star").to_numpy() == pytest.approx([1.0, 1.0, 1.0])
    mu = _idx(res.indices, "influence_cmo", "mu_star")  # 4 u1 + u2 + noise
    assert mu["shadow_it_cap"] == pytest.approx(4.0, abs=0.5) and mu["roi_mandate"] == pytest.approx(1.0, abs=0.5)
    assert mu["pressure"] < 0.5
    out = tmp_path / "lhs"
    assert _sweep(monkeypatch, _spec(tmp_path, "lhs", "samples = 60", reps=2), out) == 0
    res = an.analyze(out, resamples=100)
    src = _idx(res.indices, "influence_cmo", "SRC")
    assert src["shadow_it_cap"] > src["roi_mandate"] > abs(src["pressure"])
    an.write(out, res)
    assert "standardised regression coefficients" in (out / "analysis" / "REPORT.md").read_text()


def test_factorial_store_report_and_plots(monkeypatch, tmp_path: Path) -> None:
    spec = _spec(
        tmp_path,
        "factorial",
        f1="values = [0.0, 0.2, 0.4]",
        f2="values = [0.0, 1.0]",
        f3='values = [0.2, [[0, 0.1], [4, 0.9]]]\nlabels = ["low", "rising"]',
    )
    out = tmp_path / "fact"
    assert _sweep(monkeypatch, spec, out) == 0
    res = an.analyze(out, resamples=100)
    assert res.indices.empty and res.skipped == {} and res.incomplete == []
    assert "no indices for this design" in res.notes[0]
    s = res.summary[res.summary["outcome"] == "margin"]
    assert len(s) == 12 and set(s["pressure"]) == {"low", "rising"}
    report = an.write(out, res)
    text = report.read_text()
    assert "No sensitivity indices for a full factorial design" in text and "## Design points" in text
    # no runs were excluded: the design's lack of indices is said where the indices would be, not there
    assert "## Excluded runs" not in text and "no indices for this design" not in text
    section = text.split("## Sensitivity indices")[1].split("\n## ")[0]
    assert "No sensitivity indices for a full factorial design" in section
    assert sorted(p.name for p in (out / "analysis" / "img").glob("*.png")) == [
        "response_influence_cmo.png",
        "response_margin.png",
        "response_profit.png",
    ]


def test_analysis_is_reproducible(monkeypatch, tmp_path: Path) -> None:
    out = tmp_path / "s"
    assert _sweep(monkeypatch, _spec(tmp_path, "sobol", "samples = 16", reps=2), out) == 0
    a, b = an.analyze(out, resamples=100), an.analyze(out, resamples=100)
    pd.testing.assert_frame_equal(a.indices, b.indices)
    pd.testing.assert_frame_equal(a.variance, b.variance)
    pd.testing.assert_frame_equal(a.summary, b.summary)


def test_unfinished_sweep_is_analysed_as_far_as_it_goes(monkeypatch, tmp_path: Path) -> None:
    from orgsim import api
    from orgsim.cli.commands import main

    monkeypatch.setattr(api, "simulate", _synthetic_simulate())
    out = tmp_path / "part"
    spec = _spec(tmp_path, "sobol", "samples = 16", reps=2)
    main(["sweep", str(spec), "--out", str(out), "-q", "--limit", "50", "--chunk", "10"])
    res = an.analyze(out, resamples=50)
    assert res.n_missing == 160 - 50 and res.n_ok == 50
    assert any("not run yet" in n for n in res.notes) and res.incomplete
    excluded = an.render_markdown(res).split("## Excluded runs")[1].split("\n## ")[0]
    assert "110 run(s) of the design have not run yet" in excluded


def test_errors_are_one_line(tmp_path: Path, capsys) -> None:
    with pytest.raises(OutputError, match="no such folder"):
        an.analyze(tmp_path / "nope")
    (tmp_path / "plain").mkdir()
    with pytest.raises(OutputError, match="not an experiment store"):
        an.analyze(tmp_path / "plain")
    assert analyze_cli(str(tmp_path / "nope")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("orgsim: error: ") and "no such folder" in err[0]


def test_a_store_without_ok_runs_is_an_error(monkeypatch, tmp_path: Path) -> None:
    out = tmp_path / "dead"
    spec = _spec(tmp_path, "sobol", "samples = 4", reps=1)
    assert _sweep(monkeypatch, spec, out, fail_points=set(range(20))) == 1
    with pytest.raises(OutputError, match=r"no successful runs to analyse \(20 failed, 0 not run yet"):
        an.analyze(out)


def test_orgsim_analyze_is_a_cli_command(monkeypatch, tmp_path: Path) -> None:
    from orgsim.cli.commands import main

    out = tmp_path / "s"
    assert _sweep(monkeypatch, _spec(tmp_path, "sobol", "samples = 8", reps=2), out) == 0
    assert main(["analyze", str(out), "--no-plots", "--out", str(tmp_path / "elsewhere")]) == 0
    assert (tmp_path / "elsewhere" / "REPORT.md").is_file() and not (out / "analysis").exists()
    assert main(["analyze", str(out), "--resamples", "3"]) == 2


# -- the real model -----------------------------------------------------------------------------


def test_real_sweep_then_analyze(tmp_path: Path) -> None:
    """orgsim sweep of the real model (a small Sobol design), then the analysis of its store."""
    spec = _spec(tmp_path, "sobol", "samples = 8", reps=2)
    out = tmp_path / "real"
    proc = subprocess.run(
        [sys.executable, "-m", "orgsim", "sweep", str(spec), "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    res = an.analyze(out)
    assert res.n_ok == 80 and len(res.failed) == 0
    assert set(res.indices["outcome"]) == {"influence_cmo", "profit", "margin"}
    assert np.isfinite(res.indices["value"]).all()
    loaded = orgsim.load(out)
    means = loaded.groupby("point")["profit"].mean()
    s = res.summary[res.summary["outcome"] == "profit"].set_index("point")["mean"]
    np.testing.assert_allclose(s.to_numpy(), means.to_numpy())
    path = an.write(out, res)
    assert path == out / "analysis" / "REPORT.md" and len(list((out / "analysis" / "img").glob("*.png"))) == 6
    assert st.is_store(out)  # the analysis folder does not disturb the store
