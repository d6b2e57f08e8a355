"""The Bayesian calibration (orgsim.calibration): targets, statistics, priors, the CLI's input checks,
and ABC-SMC's two promises — the posterior does not depend on the number of workers, and a run
killed with SIGKILL and started again ends where an uninterrupted one does."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyabc")

from orgsim.calibration import abc, report
from orgsim.calibration.targets import (
    CALIBRATION,
    CONTRASTS,
    HELD_OUT,
    TARGETS,
    UNMAPPED,
    annual_switching,
    contrast,
    contrast_scenarios,
    firm_years,
    kurtosis,
    l_kurtosis,
    replicated_statistics,
    target,
)
from orgsim.model.market import Market
from orgsim.scenario.specs import param_spec

ROOT = Path(__file__).resolve().parents[1]
TINY = abc.Settings(population=20, generations=2, reps=2, customers=300, steps=12, master_seed=7)


# -- targets and statistics ------------------------------------------------------------------------


def test_targets_are_those_of_targets_md() -> None:
    text = (ROOT / "docs" / "TARGETS.md").read_text()
    assert len({t.id for t in TARGETS}) == len(TARGETS) and len({t.name for t in TARGETS}) == len(TARGETS)
    for t in CALIBRATION:
        assert t.rule == "band" and t.sd is not None and t.sd > 0
        assert t.lo < t.value < t.hi
        assert math.isclose(t.sd, (t.hi - t.lo) / 2 / 1.959964)
        # the band is the one TARGETS.md proposes (no figure invented here)
        assert f"[{t.lo:.2f}, {t.hi:.2f}]" in text, t.id
    assert {t.id for t in HELD_OUT} >= {"H1", "H2a", "H2b", "H3", "H4a", "H5", "H6", "H7", "T9"}
    assert not {"T9", "H5"} & {u[0] for u in UNMAPPED}  # both computed now
    t9 = target("T9")
    assert t9.rule == "band" and f"[{t9.lo:.2f}, {t9.hi:.2f}]" in text  # TARGETS.md 7.S's band
    h5 = target("H5")
    assert h5.statistic is None and h5.contrast == ("downturn", "power_coefficient") and h5.rule == "above"
    assert CONTRASTS == (h5,) and contrast_scenarios(TARGETS) == {"downturn": ("power_coefficient",)}


def _table(n_firms: int = 2, steps: int = 12) -> pd.DataFrame:
    rows = []
    for s in range(steps + 1):
        for f in range(n_firms):
            rows.append(
                {
                    "step": s,
                    "firm": f,
                    "revenue": 100.0,
                    "profit": 10.0 + f,
                    "budget": 14.0,
                    "budget_marketing": 7.0,
                    "shadow_it": 1.0,
                    "budget_it_marketing": 1.0,
                    "budget_it_core": 4.0,
                    "budget_finance": 1.0,
                    "influence_cmo": 0.3,
                    "influence_cio": 0.4,
                    "influence_cfo": 0.3,
                    # firm 0 works with the CIO in 3 of 4 quarters, firm 1 in 2 of 4
                    "coop_cmo_cio": int((s % 4) != 0) if f == 0 else int(s % 2 == 0),
                    "coop_cmo_cfo": int(s == 1),
                    "cmo_briefs_ceo": int(f == 0),
                    "p_coop_cmo_cfo": 0.1,
                    "p_brief": 0.6,
                    "incidents": int(s == 12 and f == 0),
                    # firm 0 holds 0.5 + 0.01 step of the customers; churn only counts at the year's end
                    "market_share": 0.5 + 0.01 * s if f == 0 else 0.5 - 0.01 * s,
                    "churn": {8: (0.2, 0.3), 12: (0.1, 0.4)}.get(s, (0.9, 0.9))[f],
                }
            )
    return pd.DataFrame(rows)


#: years ending at steps 8 and 12 (the last two years of quarters 0-12), weighted by the shares at 4 and 8
SWITCHING = ((0.2 * 0.54 + 0.3 * 0.46) + (0.1 * 0.58 + 0.4 * 0.42)) / 2


def test_statistics_by_hand() -> None:
    stats = replicated_statistics(_table(), TARGETS)
    assert stats["martech_share"] == pytest.approx(2 / 9)
    assert stats["cmo_tech_share"] == pytest.approx(1 / 6)
    assert stats["it_marketing_share"] == pytest.approx(1 / 5)
    assert stats["cmo_share"] == pytest.approx(8 / 14)
    assert stats["cio_share"] == pytest.approx(5 / 14)
    assert stats["cfo_share"] == pytest.approx(1 / 14)
    assert stats["budget_to_revenue"] == pytest.approx(0.14)
    assert stats["strong_cmo_cio"] == pytest.approx(0.5)  # firm 0's two years are strong, firm 1's are not
    assert stats["no_close_cmo_cfo_start"] == pytest.approx(0.9)
    assert stats["no_close_cmo_cfo_year1"] == pytest.approx(0.75)
    assert stats["brief_start"] == pytest.approx(0.6)
    assert stats["brief_year1"] == pytest.approx(0.5)
    assert stats["strong_cmo_cfo"] == 0.0
    assert stats["incident_years"] == pytest.approx(0.25)  # 1 of 4 firm-years in the last two years
    assert stats["annual_switching"] == pytest.approx(SWITCHING)
    assert "power_scarcity_contrast" not in stats  # a contrast needs two scenarios


def test_annual_switching_by_run_and_without_a_complete_year() -> None:
    a, b = _table(), _table()
    b.loc[b["step"] == 12, "churn"] = 0.0  # the second run's last year loses nobody
    both = pd.concat([a.assign(rep=0), b.assign(rep=1)], ignore_index=True)
    second = (0.2 * 0.54 + 0.3 * 0.46) / 2
    assert annual_switching(b) == pytest.approx(second)
    assert annual_switching(both) == pytest.approx((SWITCHING + second) / 2)
    assert replicated_statistics(both, (target("T9"),))["annual_switching"] == pytest.approx((SWITCHING + second) / 2)
    assert math.isnan(annual_switching(_table(steps=3)))  # no year has ended
    # a run that ends mid-year: only the years wholly in its last 8 quarters (3-10) count (5-8, not 1-4)
    assert annual_switching(_table(steps=10)) == pytest.approx(0.2 * 0.54 + 0.3 * 0.46)


# -- the churn column: a record that changes nothing -----------------------------------------------


def test_churn_is_a_recount_of_the_customers_brands() -> None:
    m = Market("baseline", rng=11, customers=400, steps=13, firms=3)
    start = m.customers.brand.copy()  # brands at quarter 0: the first year's start
    switched_by_year = {}
    while m.running:
        m.step()
        q = m.steps
        brand = m.customers.brand
        expected = np.zeros(3)
        for f in range(3):
            had = start == f
            expected[f] = np.count_nonzero(had & (brand != f)) / np.count_nonzero(had) if had.any() else 0.0
        got = m.firm_table().query("step == @q")["churn"].to_numpy()
        np.testing.assert_array_equal(got, expected)
        if q % 4 == 0:
            switched_by_year[q] = np.count_nonzero(brand != start) / len(brand)
            start = brand.copy()
    firms = m.firm_table()
    assert (firms.loc[firms["step"] == 0, "churn"] == 0).all()
    assert firms["churn"].between(0, 1).all() and firms["churn"].gt(0).any()
    # T9 from the table = the share of customers whose brand differs over the one year wholly in the
    # last 8 quarters (6-13): quarters 9-12
    assert annual_switching(firms) == pytest.approx(switched_by_year[12], abs=1e-12)
    last_two = (switched_by_year[8] + switched_by_year[12]) / 2  # quarters 0-12: years 5-8 and 9-12
    assert annual_switching(firms[firms["step"] <= 12]) == pytest.approx(last_two, abs=1e-12)


def test_recording_churn_changes_no_other_column(monkeypatch: pytest.MonkeyPatch) -> None:
    def tables() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
        m = Market("baseline", rng=5, customers=300, steps=9)
        m.run()
        return m.firm_table(), m.executive_table(), m.rng.bit_generator.state

    firms, execs, state = tables()
    monkeypatch.setattr(Market, "record_churn", lambda self, q: None)
    firms0, execs0, state0 = tables()
    assert (firms0["churn"] == 0).all() and firms["churn"].gt(0).any()
    pd.testing.assert_frame_equal(firms.drop(columns="churn"), firms0.drop(columns="churn"), check_exact=True)
    pd.testing.assert_frame_equal(execs, execs0, check_exact=True)
    assert state == state0  # no random number drawn


def test_stacked_replications_average_the_runs() -> None:
    a, b = _table(), _table()
    b["budget_marketing"] = 16.0
    both = pd.concat([a.assign(rep=0), b.assign(rep=1)], ignore_index=True)
    one = replicated_statistics(a)["martech_share"], replicated_statistics(b)["martech_share"]
    assert replicated_statistics(both)["martech_share"] == pytest.approx(np.mean(one))
    flags = firm_years(both, "coop_cmo_cio")
    assert len(flags) == 2 * 2 * 3  # reps x firms x complete years


def test_kurtosis_and_l_kurtosis_of_a_normal_sample() -> None:
    x = np.random.default_rng(1).normal(size=200_000)
    assert kurtosis(x) == pytest.approx(3.0, abs=0.05)
    assert l_kurtosis(x) == pytest.approx(0.1226, abs=0.003)
    assert l_kurtosis(np.random.default_rng(2).laplace(size=200_000)) > 0.16


# -- priors, distance, seeds -----------------------------------------------------------------------


def test_priors_lie_within_the_schema() -> None:
    assert len(abc.PRIORS) <= 12
    for p in abc.PRIORS:
        spec = param_spec(p.name)
        assert p.lo < p.hi
        assert spec.contains(p.hi) and (spec.contains(p.lo) or (spec.lo_open and p.lo == spec.lo)), p.name
    assert abc.PRIORS[1].hi + abc.PRIORS[2].hi < 1.0  # marketing + finance start shares leave IT some budget
    over = abc.overrides({"coop_cmo_cfo": 0.2}, TINY)
    assert over["coop_cfo_cmo"] == 0.2 and over["customers"] == 300 and over["steps"] == 12


def test_distance() -> None:
    x0 = abc.observed()
    assert abc.distance(x0, x0) == 0.0
    t = CALIBRATION[0]
    off = {**x0, t.name: t.value + 2 * t.sd}
    assert abc.distance(off, x0) == pytest.approx(4.0)
    assert abc.distance({**x0, t.name: float("nan")}, x0) == math.inf


def test_particle_seeds_are_fixed_and_distinct() -> None:
    a = abc.particle_seeds(1, 0, 5, 3)
    assert a == abc.particle_seeds(1, 0, 5, 3)
    assert len(set(a + abc.particle_seeds(1, 1, 5, 3) + abc.particle_seeds(1, 0, 6, 3))) == 9


# -- the command line ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["calibrate", "--population", "20"],
        ["calibrate", "--abc", "--iterations", "3"],
        ["calibrate", "--abc", "--population", "0"],
        ["calibrate", "--abc", "--scheduler", "nonsense"],
        ["calibrate", "--report-from", "docs/posterior"],
        ["calibrate", "--abc", "--report-from", "no/such/folder"],
        ["calibrate", "--abc", "--report-from", "docs/posterior", "--population", "20"],
    ],
)
def test_calibrate_bad_input_is_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from orgsim.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("orgsim: error:") and "Traceback" not in err


def test_a_foreign_database_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from orgsim.cli import main

    db = tmp_path / "x.db"
    db.write_text("not a database")
    assert main(["calibrate", "--abc", "--db", str(db), "--out", str(tmp_path / "o")]) == 2
    assert "not a calibration database" in capsys.readouterr().err


# -- ABC-SMC: workers and resume -------------------------------------------------------------------


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    db = tmp_path_factory.mktemp("abc") / "serial.db"
    run = abc.run_abc(TINY, db, workers=1)
    assert run.generations == TINY.generations
    return abc.posterior(db)


@pytest.mark.slow
def test_posterior_does_not_depend_on_the_workers(serial: pd.DataFrame, tmp_path: Path) -> None:
    db = tmp_path / "two.db"
    abc.run_abc(TINY, db, workers=2)
    two = abc.posterior(db)
    assert len(serial) == TINY.population
    pd.testing.assert_frame_equal(serial, two, check_exact=True)
    # a database is tied to its settings
    with pytest.raises(abc.ConfigError, match="other settings"):
        abc.run_abc(abc.Settings(**{**TINY.as_dict(), "reps": 3}), db)


def _cli(db: Path, out: Path) -> list[str]:
    s = TINY
    return [
        sys.executable,
        "-m",
        "orgsim",
        "calibrate",
        "--abc",
        *("--population", str(s.population), "--generations", str(s.generations), "--reps", str(s.reps)),
        *("--customers", str(s.customers), "--steps", str(s.steps), "--master-seed", str(s.master_seed)),
        *("--db", str(db), "--out", str(out)),
    ]


@pytest.mark.slow
def test_a_run_killed_after_its_first_generation_resumes_to_the_same_posterior(
    serial: pd.DataFrame, tmp_path: Path
) -> None:
    db, out = tmp_path / "killed.db", tmp_path / "out"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(_cli(db, out), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    deadline = time.monotonic() + 120
    assert proc.stderr is not None
    for line in proc.stderr:  # wait for the first generation to be committed
        if line.startswith("generation 0 done"):
            break
        assert time.monotonic() < deadline, "the first generation did not finish"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert 1 <= abc.generations_done(db) <= TINY.generations
    from orgsim.cli import main

    assert main(_cli(db, out)[3:]) == 0  # resumed by the same command, in this process
    assert abc.generations_done(db) == TINY.generations
    pd.testing.assert_frame_equal(serial, abc.posterior(db), check_exact=True)
    written = pd.read_parquet(out / "particles.parquet")
    pd.testing.assert_frame_equal(serial, written, check_exact=True)
    assert (out / "posterior.json").is_file() and (out / "particles.csv").is_file()


# -- H5: a contrast of two scenarios at the same draws and seeds ------------------------------------


def test_h5_is_the_downturn_coefficient_minus_the_baseline_one() -> None:
    h5 = target("H5")
    assert contrast(h5, {"power_coefficient": 0.1}, {"downturn": {"power_coefficient": 0.25}}) == pytest.approx(0.15)
    with pytest.raises(ValueError, match="not a contrast"):
        contrast(target("H4a"), {}, {})
    names = [t.name for t in TARGETS if t.statistic is not None]
    pred = pd.DataFrame({n: [0.5, 0.5, 0.5] for n in names}).assign(power_coefficient=[0.1, 0.2, float("nan")])
    down = pd.DataFrame({"power_coefficient": [0.3, 0.1, 0.5]})
    full = report.with_contrasts(pred, {"downturn": down})
    np.testing.assert_allclose(full["power_scarcity_contrast"], [0.2, -0.1, np.nan])
    parts = report.contrast_parts(pred, {"downturn": down}, TINY)
    assert parts["H5"]["scenario"] == "downturn" and parts["H5"]["reference"] == "baseline"
    assert parts["H5"]["scenario_mean"] == pytest.approx(0.3) and parts["H5"]["reference_mean"] == pytest.approx(0.15)
    row = next(c for c in report.check_rows(full, full, HELD_OUT) if c["id"] == "H5")
    assert row["mean"] == pytest.approx(0.05) and row["verdict"] is True and row["share_meeting"] == 0.5
    assert row["draws"] == 2  # the draw without a coefficient is left out
    with pytest.raises(ValueError, match="rows"):
        report.with_contrasts(pred, {"downturn": down.iloc[:2]})


def test_the_contrast_scenario_runs_with_the_same_parameters_and_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, tuple[str, ...], list]] = []

    def fake(scenario: str, names: tuple[str, ...], tasks: list) -> list[dict[str, float]]:
        calls.append((scenario, names, tasks))
        return [{n: float(i) for n in names} for i in range(len(tasks))]

    monkeypatch.setattr(report, "evaluate_chunk", fake)
    thetas = [{"budget_share": 0.1}, {"budget_share": 0.2}, {"budget_share": 0.3}]
    pred, others = report.predictive_with_contrasts(thetas, TINY, 9)
    base = [c for c in calls if c[0] == "baseline"]
    down = [c for c in calls if c[0] == "downturn"]
    assert base and down and all(c[1] == ("power_coefficient",) for c in down)
    assert [t for c in base for t in c[2]] == [t for c in down for t in c[2]]  # same overrides and seeds
    assert list(pred["power_scarcity_contrast"]) == [0.0, 0.0, 0.0] and len(others["downturn"]) == 3


# -- the report writes the committed posterior folder ----------------------------------------------


def test_write_posterior_formats_and_bad_input(tmp_path: Path) -> None:
    with pytest.raises(abc.ConfigError, match="choose among"):
        abc.write_posterior(tmp_path / "none.db", tmp_path / "o", formats=("xlsx",))
    (tmp_path / "file").write_text("")
    with pytest.raises(abc.ConfigError, match="not a folder"):
        abc.write_posterior(tmp_path / "none.db", tmp_path / "file", formats=("csv",))


@pytest.mark.slow
def test_the_report_writes_the_posterior_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = abc.Settings(population=8, generations=1, reps=1, customers=150, steps=13, master_seed=3)
    db = tmp_path / "abc.db"
    abc.run_abc(small, db)
    docs = tmp_path / "docs"
    written = report.write_report(db, docs, draws=3, command="orgsim calibrate --abc (test)")
    folder = docs / "posterior"  # the default: <docs>/posterior
    assert sorted(p.name for p in folder.iterdir()) == ["particles.csv", "posterior.json"]
    assert {folder / "particles.csv", folder / "posterior.json"} <= set(written)
    ref = abc.write_posterior(db, tmp_path / "ref")  # what calibrate --abc writes to --out
    # the pair's joint-work rate is summarised as the weighted product of the particles' propensities
    post, summ = abc.posterior(db), json.loads(ref["json"].read_text())
    joint = summ["products"]["coop_cmo_cio*coop_cio_cmo"]
    x = (post["coop_cmo_cio"] * post["coop_cio_cmo"]).to_numpy()
    assert joint["of"] == ["coop_cmo_cio", "coop_cio_cmo"]
    assert joint["median"] == pytest.approx(abc.weighted_quantile(x, post["weight"].to_numpy(), 0.5))
    assert joint["width_ratio"] == pytest.approx((joint["q975"] - joint["q025"]) / 0.78125, rel=0.01)
    assert "| `coop_cmo_cio` × `coop_cio_cmo` (product) |" in (docs / "CALIBRATION.md").read_text()
    for key, name in (("csv", "particles.csv"), ("json", "posterior.json")):
        assert (folder / name).read_bytes() == ref[key].read_bytes()
    record = json.loads((docs / "calibration_posterior.json").read_text())
    h5 = next(c for c in record["predictive_checks"] if c["id"] == "H5")
    parts = record["report"]["contrasts"]["H5"]
    assert h5["draws"] == 3 and parts["scenario_mean"] is not None and parts["reference_mean"] is not None
    assert h5["mean"] == pytest.approx(parts["scenario_mean"] - parts["reference_mean"])
    assert record["report"]["contrast_scenarios"] == ["downturn"]
    assert any(c["id"] == "T9" and c["draws"] == 3 for c in record["predictive_checks"])
    text = (docs / "CALIBRATION.md").read_text()
    assert "| H5 | `power_scarcity_contrast` |" in text and "| T9 | `annual_switching` |" in text
    assert "double the report's predictive runs" in text
    # what the fit gives up: one row per calibration target, its share of the distance from the particles
    trade = {r["id"]: r for r in record["report"]["trade_offs"]}
    assert set(trade) == {t.id for t in CALIBRATION}
    assert all(r["mean_z2"] >= 0 and len(r["correlations"]) == len(CALIBRATION) - 1 for r in trade.values())
    assert "## What the fit gives up" in text
    nf = record["report"]["noise_floor"]
    assert nf["groups"] >= 1 and set(nf["variance_parts"]) == {t.id for t in CALIBRATION}
    assert nf["epsilon"] == record["generations"][-1]["epsilon"]
    assert "## How close to the noise floor?" in text
    # another destination
    other = tmp_path / "elsewhere"
    paths = report.write_report(db, docs, draws=1, posterior_out=other)
    assert (other / "particles.csv").read_bytes() == ref["csv"].read_bytes()
    assert other / "posterior.json" in paths
    # a database fitted against other calibration targets is not resumed
    targets_now = abc.observed()
    monkeypatch.setattr(abc, "observed", lambda: {**targets_now, "annual_switching": 0.225})
    with pytest.raises(abc.ConfigError, match="against other targets"):
        abc.run_abc(small, db)


def _without_generated_line(text: str) -> list[str]:
    """A report's lines but its 'Generated ...' line (date, command, commit)."""
    return [ln for ln in text.splitlines() if not ln.startswith("Generated ")]


@pytest.mark.slow
def test_the_report_from_the_posterior_folder_is_the_report_from_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh clone has the committed posterior folder, not the fit's database: ``--report-from``
    regenerates the same report from the folder (products recomputed where an older summary lacks them)."""
    from orgsim.cli import main

    db = tmp_path / "abc.db"
    abc.run_abc(abc.Settings(population=8, generations=2, reps=1, customers=150, steps=13, master_seed=5), db)
    monkeypatch.chdir(tmp_path)
    report.write_report(db, Path("docs"), draws=5, command="same")
    before = {p: (Path("docs") / p).read_bytes() for p in ("CALIBRATION.md", "posterior/posterior.json")}
    record = json.loads(Path("docs/calibration_posterior.json").read_text())
    summary = json.loads(before["posterior/posterior.json"])
    assert summary["products"]
    Path("docs/posterior/posterior.json").write_text(json.dumps({k: v for k, v in summary.items() if k != "products"}))
    assert main(["calibrate", "--abc", "--report-from", "docs/posterior", "--draws", "5"]) == 0
    again = json.loads(Path("docs/calibration_posterior.json").read_text())
    assert Path("docs/posterior/posterior.json").read_bytes() == before["posterior/posterior.json"]
    for key in ("generated", "command", "commit"):
        record["report"].pop(key), again["report"].pop(key)
    assert again["report"].pop("fixed_point")["same_posterior"]  # the folder's own posterior: no section
    assert again == record  # the same checks, trade-offs and noise floor
    assert _without_generated_line((Path("docs") / "CALIBRATION.md").read_text()) == _without_generated_line(
        before["CALIBRATION.md"].decode()
    )
    # a posterior of other parameters is refused in one line
    particles = pd.read_csv("docs/posterior/particles.csv").rename(columns={"brief_mean": "brief_mean_cio"})
    particles.to_csv("docs/posterior/particles.csv", index=False)
    with pytest.raises(abc.ConfigError, match="not this version's priors"):
        report.fit_from_folder("docs/posterior")


@pytest.mark.slow
def test_the_committed_report_is_what_the_committed_posterior_gives_today(tmp_path: Path) -> None:
    """docs/CALIBRATION.md is what ``orgsim calibrate --abc --report-from docs/posterior`` writes from the
    committed posterior at today's defaults (its Generated line aside): a default, target or statistic
    changed without regenerating the report fails here (about a minute on 2 cores)."""
    import shutil

    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs" / "posterior", docs / "posterior")
    shutil.copy(ROOT / "docs" / "calibration_posterior.json", docs / "calibration_posterior.json")
    committed = json.loads((ROOT / "docs" / "calibration_posterior.json").read_text(encoding="utf-8"))
    fit = report.fit_from_folder(docs / "posterior", docs)
    report.write_report(fit, docs, draws=committed["report"]["draws"], workers=2, command="test")
    fresh = _without_generated_line((docs / "CALIBRATION.md").read_text(encoding="utf-8"))
    assert fresh == _without_generated_line((ROOT / "docs" / "CALIBRATION.md").read_text(encoding="utf-8")), (
        "docs/CALIBRATION.md is stale: orgsim calibrate --abc --report-from docs/posterior --workers 2"
    )
    assert (docs / "posterior" / "posterior.json").read_bytes() == (ROOT / "docs/posterior/posterior.json").read_bytes()


def test_the_report_says_when_the_weights_collapsed() -> None:
    def summary(last: float, path: list[float]) -> dict:
        gens = [{"t": t, "effective_sample_size": e} for t, e in enumerate(path)]
        return {"settings": {"population": 300}, "effective_sample_size": last, "generations": gens}

    assert "have collapsed" in report.ess_warning(summary(2.2, [300, 54, 2.2]))
    assert "generation(s) 1" in report.ess_warning(summary(52, [300, 3.0, 52]))
    assert "No generation" in report.ess_warning(summary(52, [300, 69.8, 52]))


def test_kernel_covariance_is_twice_the_weighted_population_covariance() -> None:
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    w = rng.uniform(size=200)
    w /= w.sum()
    kernel = abc.transition(abc.Settings())
    kernel.fit(X, w)
    mean = (X.values * w[:, None]).sum(axis=0)
    centred = X.values - mean
    weighted = (centred * w[:, None]).T @ centred / (1 - (w**2).sum())  # the unbiased weighted covariance
    assert np.allclose(kernel.cov, 2 * weighted, rtol=1e-6)
    default = abc.transition(abc.Settings(kernel_scale=None))
    default.fit(X, w)
    assert np.all(np.diag(default.cov) < np.diag(kernel.cov) / 3)


def test_the_product_prior_interval_of_two_unit_uniforms() -> None:
    # P(xy <= z) = z - z ln z for x, y ~ U[0, 1]: 0.025 at z = 0.0038042, 0.975 at z = 0.784892
    u = abc.Prior("u", 0.0, 1.0, "", "")
    lo, hi = abc.product_prior_interval(u, u)
    assert lo == pytest.approx(0.0038042, rel=1e-3) and hi == pytest.approx(0.784892, rel=1e-4)
    assert abc.product_prior_interval(u, u) == (lo, hi)  # deterministic
