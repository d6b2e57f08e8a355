"""Posterior draws for runs and sweeps (issue 15): orgsim.calibration.posterior, orgsim run/sweep --posterior."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orgsim.calibration import posterior as post
from orgsim.cli.commands import main
from orgsim.experiments import store as st
from orgsim.scenario.schema import ConfigError

SPEC = """
name = "tinypost"
scenario = "baseline"
master_seed = 11
replications = 2
[design]
kind = "factorial"
[settings]
customers = 300
steps = 8
firms = 3
[[factors]]
name = "shadow_it_cap"
role = "lever"
values = [0.0, 0.3]
[outputs]
outcomes = ["influence_cmo", "coop_cmo_cio"]
"""


def particles(folder: Path, weights=(1.0, 2.0, 0.0), **extra: list) -> Path:
    """A tiny posterior folder: particles.parquet (three particles) and posterior.json with a tie."""
    folder.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(
        {
            "brief_mean": [0.2, 0.8, 0.5],
            "shadow_it_cap": [0.05, 0.45, 0.25],
            "coop_cmo_cfo": [0.3, 0.7, 0.5],
            "weight": list(weights),
            "distance": [0.1, 0.2, 0.3],
            **extra,
        }
    )
    df.to_parquet(folder / "particles.parquet", index=False)
    (folder / "posterior.json").write_text(json.dumps({"tied": {"coop_cfo_cmo": "coop_cmo_cfo"}}))
    return folder


def one_line_error(capsys: pytest.CaptureFixture[str], *fragments: str) -> None:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("orgsim: error: "), err
    for f in fragments:
        assert f in err[0], (f, err[0])


def test_draw_is_deterministic_and_weighted(tmp_path: Path) -> None:
    p = post.load(particles(tmp_path / "post"))
    assert p.params == ("brief_mean", "shadow_it_cap", "coop_cmo_cfo")
    a, b = post.draw(p, 3, n=200), post.draw(p, 3, n=200)
    assert a == b
    assert post.draw(p, 4, n=200) != a
    briefs = np.array([d["brief_mean"] for d in a])
    assert not (briefs == 0.5).any()  # weight 0: never drawn
    assert 0.5 < (briefs == 0.8).mean() < 0.8  # weight 2 of 3
    assert all(d["coop_cfo_cmo"] == d["coop_cmo_cfo"] for d in a)  # tied as in the calibration
    state = np.random.get_state()[1].copy()
    post.run_draw(p, 7)
    assert (np.random.get_state()[1] == state).all()  # the global generator is untouched
    # the same posterior as CSV: same content hash, same draws
    csv = tmp_path / "post" / "particles.csv"
    pd.read_parquet(tmp_path / "post" / "particles.parquet").to_csv(csv, index=False)
    q = post.load(csv)
    assert q.sha256 == p.sha256 and post.draw(q, 3, n=50) == a[:50]


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda d: d / "missing", "no such file"),
        (lambda d: particles(d / "p", bogus=[1.0, 2.0, 3.0]), "'bogus' is not a scenario parameter"),
        (lambda d: particles(d / "p", weights=(1.0, -0.5, 1.0)), "negative weight"),
        (lambda d: particles(d / "p", weights=(0.0, 0.0, 0.0)), "sum to 0"),
    ],
)
def test_bad_posterior_one_line_exit_2(tmp_path: Path, capsys, make, fragment: str) -> None:
    path = make(tmp_path)
    with pytest.raises(ConfigError, match=fragment):
        post.load(path)
    code = main(["run", "baseline", "--customers", "300", "--steps", "8", "--posterior", str(path), "-q"])
    assert code == 2
    one_line_error(capsys, fragment)
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    assert main(["sweep", str(spec), "--out", str(tmp_path / "s"), "--posterior", str(path), "-q"]) == 2
    one_line_error(capsys, fragment)
    assert not (tmp_path / "s").exists()


def test_run_with_posterior_changes_parameters_reproducibly(tmp_path: Path, capsys) -> None:
    folder = particles(tmp_path / "post")
    base = ["run", "baseline", "--customers", "300", "--steps", "8"]
    assert main([*base, "--out", str(tmp_path / "plain"), "-q"]) == 0
    assert main([*base, "--posterior", str(folder), "--out", str(tmp_path / "a")]) == 0
    assert "posterior draw from" in capsys.readouterr().out
    assert main([*base, "--posterior", str(folder), "--out", str(tmp_path / "b"), "-q"]) == 0
    plain, a, b = (json.loads((tmp_path / n / "run.json").read_text()) for n in ("plain", "a", "b"))
    drawn = a["posterior"]["drawn"]
    assert set(drawn) == {"brief_mean", "shadow_it_cap", "coop_cmo_cfo", "coop_cfo_cmo"}
    assert drawn == post.run_draw(post.load(folder), a["seed"])
    assert a["config"]["executives"]["brief_mean"] == drawn["brief_mean"]
    assert a["config_hash"] != plain["config_hash"] and a["seed"] == plain["seed"]  # same model seed
    assert a["config_hash"] == b["config_hash"] and a["posterior"] == b["posterior"]
    fa, fb = (pd.read_parquet(tmp_path / n / "firms.parquet") for n in ("a", "b"))
    pd.testing.assert_frame_equal(fa, fb)
    # --set wins over the posterior
    assert (
        main([*base, "--posterior", str(folder), "--set", "brief_mean=0.33", "--out", str(tmp_path / "c"), "-q"]) == 0
    )
    c = json.loads((tmp_path / "c" / "run.json").read_text())
    assert "brief_mean" not in c["posterior"]["drawn"] and c["config"]["executives"]["brief_mean"] == 0.33


def test_sweep_with_posterior_records_draws_same_on_1_and_2_workers(tmp_path: Path, capsys) -> None:
    folder = particles(tmp_path / "post")
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    tables = []
    for workers in (1, 2):
        out = tmp_path / f"s{workers}"
        args = ["sweep", str(spec), "--out", str(out), "--posterior", str(folder), "--workers", str(workers), "-q"]
        assert main(args) == 0
        tables.append(st.load(out).drop(columns=["code_version"]))
    one, two = tables
    pd.testing.assert_frame_equal(one, two)
    cols = sorted(c for c in one.columns if c.startswith("posterior_"))
    # the design's factor shadow_it_cap wins over the posterior: not drawn
    assert cols == ["posterior_brief_mean", "posterior_coop_cfo_cmo", "posterior_coop_cmo_cfo"]
    p = post.load(folder)
    for row in one.itertuples():
        assert row.posterior_brief_mean == post.run_draw(p, row.seed)["brief_mean"]
    assert one["posterior_brief_mean"].isin([0.2, 0.8]).all()
    meta = st.read_meta(tmp_path / "s1")
    assert meta["posterior"]["sha256"] == p.sha256 and meta["posterior"]["overridden_by_factors"] == ["shadow_it_cap"]
    capsys.readouterr()
    # a resume with another posterior is refused in one line; with the same one it is a no-op
    other = particles(tmp_path / "other", weights=(1.0, 0.0, 1.0))
    code = main(["sweep", str(spec), "--out", str(tmp_path / "s1"), "--posterior", str(other), "-q"])
    assert code == 2
    one_line_error(capsys, "resume with the same --posterior")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "s1"), "-q"]) == 2
    one_line_error(capsys, "this sweep from none")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "s1"), "--posterior", str(folder), "-q"]) == 0


def test_resumed_sweep_draws_the_same(tmp_path: Path) -> None:
    folder = particles(tmp_path / "post")
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    whole, part = tmp_path / "whole", tmp_path / "part"
    assert main(["sweep", str(spec), "--out", str(whole), "--posterior", str(folder), "-q"]) == 0
    assert main(["sweep", str(spec), "--out", str(part), "--posterior", str(folder), "--limit", "1", "-q"]) == 0
    assert main(["sweep", str(spec), "--out", str(part), "--posterior", str(folder), "-q"]) == 0
    a, b = (st.load(p).drop(columns=["code_version"]) for p in (whole, part))
    pd.testing.assert_frame_equal(a, b)
    assert main(["replay", str(part), "p00001-r001"]) == 0  # the manifest's overrides hold the draw


def test_point_estimate_follows_the_pre_registered_rule():
    from orgsim.calibration.defaults import point_estimate, spun_up

    def entry(median: float, width_ratio: float) -> dict[str, float]:
        return {"median": median, "width_ratio": width_ratio}

    summary = {
        "parameters": {
            "claim_cmo": entry(0.86564, 0.3),  # identified: the median, four decimals
            "shadow_it_cap": entry(0.3096, 0.87),  # unidentified, no spin-up rule: the median
            "start_share_marketing": entry(0.62, 0.99),  # unidentified, spun up: absent
            "coop_cmo_cio": entry(0.45, 0.5),  # identified although spun up otherwise: the median
            "coop_cmo_cfo": entry(0.314, 0.28),
        },
        "tied": {"coop_cfo_cmo": "coop_cmo_cfo"},
    }
    assert point_estimate(summary) == {
        "claim_cmo": 0.8656,
        "shadow_it_cap": 0.3096,
        "coop_cmo_cio": 0.45,
        "coop_cmo_cfo": 0.314,
        "coop_cfo_cmo": 0.314,
    }
    assert spun_up(summary) == ["start_share_marketing"]


def test_fixed_point_criterion_counts_posterior_set_parameters_in_committed_sd():
    from orgsim.calibration.defaults import at_fixed_point, movement
    from orgsim.calibration.report import _fixed_point_lines, fixed_point_rows

    def entry(median: float, lo: float, hi: float, width_ratio: float) -> dict[str, float]:
        return {"median": median, "q025": lo, "q975": hi, "width_ratio": width_ratio}

    committed = {
        "parameters": {
            "claim_cmo": entry(0.80, 0.70, 0.896, 0.3),  # sd 0.196 / 3.92 = 0.05
            "start_share_marketing": entry(0.6, 0.4, 0.78, 0.99),  # left to the spin-up: not counted
        },
        "tied": {},
    }
    refit = {
        "parameters": {"claim_cmo": entry(0.84, 0.7, 0.9, 0.3), "start_share_marketing": entry(0.7, 0.4, 0.78, 0.99)}
    }
    assert movement(committed, refit) == pytest.approx({"claim_cmo": 0.8})
    assert at_fixed_point(committed, refit)
    refit["parameters"]["claim_cmo"]["median"] = 0.75  # 1.0 sd: not below the criterion
    assert not at_fixed_point(committed, refit)
    fp = fixed_point_rows(committed, refit)
    assert not fp["same_posterior"] and not fp["at_fixed_point"]
    assert "At a fixed point: **no**" in "\n".join(_fixed_point_lines(fp))
    assert _fixed_point_lines(fixed_point_rows(committed, committed)) == []  # regenerated from the same history


def test_what_the_scenario_file_and_the_settings_set_wins_over_the_draw(tmp_path: Path, capsys) -> None:
    """shadow_it's cap and walls' propensities define those scenarios: a draw must not turn them into the baseline."""
    folder = particles(tmp_path / "post")
    assert {"levers.shadow_it_cap", "executives.coop_cio_cmo"} <= set(post.scenario_sets("shadow_it"))
    assert all(k.startswith("environment.") for k in post.scenario_sets("baseline"))  # no calibrated parameter
    run = ["run", "shadow_it", "--customers", "300", "--steps", "8", "--posterior", str(folder), "-q"]
    assert main([*run, "--out", str(tmp_path / "r")]) == 0
    meta = json.loads((tmp_path / "r" / "run.json").read_text())
    assert "shadow_it_cap" not in meta["posterior"]["drawn"] and "brief_mean" in meta["posterior"]["drawn"]
    assert meta["config"]["levers"]["shadow_it_cap"] == 0.6
    # a sweep on walls, with brief_mean fixed in its settings: neither the file's propensities nor the setting move
    spec = tmp_path / "spec.toml"
    spec.write_text(
        SPEC.replace('scenario = "baseline"', 'scenario = "walls"').replace("firms = 3", "firms = 3\nbrief_mean = 0.4")
    )
    assert main(["sweep", str(spec), "--out", str(tmp_path / "s"), "--posterior", str(folder), "-q"]) == 0
    runs = st.load(tmp_path / "s")
    assert sorted(c for c in runs.columns if c.startswith("posterior_")) == []
    meta = st.read_meta(tmp_path / "s")
    assert meta["posterior"]["applied"] == []
    assert set(meta["posterior"]["kept_by_scenario"]) == {"brief_mean", "coop_cmo_cfo", "coop_cfo_cmo"}


def test_report_names_the_kernel_the_fit_used():
    from orgsim.calibration.report import _kernel_text

    assert "Silverman" in _kernel_text(None)  # databases made before the setting: pyabc's default
    assert _kernel_text(2.0) == (
        "multivariate normal with 2 × the previous population's weighted covariance (Beaumont et al. 2009)"
    )
    assert _kernel_text(1.5).startswith("multivariate normal with 1.5 ×") and "Beaumont" not in _kernel_text(1.5)


def test_held_products_only_for_an_identified_product_of_two_spun_up_propensities():
    from orgsim.calibration.defaults import held_products

    def entry(width_ratio: float) -> dict[str, float]:
        return {"median": 0.5, "q025": 0.1, "q975": 0.9, "width_ratio": width_ratio}

    summary = {
        "parameters": {"coop_cmo_cio": entry(0.96), "coop_cio_cmo": entry(0.96)},
        "products": {
            "coop_cmo_cio*coop_cio_cmo": {
                "of": ["coop_cmo_cio", "coop_cio_cmo"],
                "median": 0.23137,
                "width_ratio": 0.54,
            }
        },
    }
    assert held_products(summary) == [("coop_cmo_cio", "coop_cio_cmo", 0.2314)]
    summary["products"]["coop_cmo_cio*coop_cio_cmo"]["width_ratio"] = 0.85  # not identified: nothing held
    assert held_products(summary) == []
    summary["products"]["coop_cmo_cio*coop_cio_cmo"]["width_ratio"] = 0.54
    summary["parameters"]["coop_cio_cmo"] = entry(0.3)  # identified: the posterior sets it, the spin-up does not
    assert held_products(summary) == []
    assert held_products({"parameters": {}}) == []  # a summary written before products were summarised
