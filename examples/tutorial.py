"""Tutorial: from one run to a small sweep, its analysis and a figure.

    python examples/tutorial.py                  # writes into tutorial/ (or: python examples/tutorial.py DIR)

Read it from top to bottom: each step is a few lines of orgsim's Python interface with the
command-line equivalent next to it. The sizes are tiny (a few hundred customers, a couple of
years) so that the whole script runs in seconds; the numbers it prints show how to read the
outputs, not results. For results, drop the ``SMALL`` settings (the baseline's 8 firms, 10 000
customers and 40 quarters) and raise the replications.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import orgsim

#: tiny market and horizon: quick to run, too small and short to mean anything
SMALL = {"firms": 3, "customers": 300, "steps": 8}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", nargs="?", default="tutorial", type=Path, help="folder for everything written")
    out = p.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)

    # -- 1. One run -----------------------------------------------------------------------------
    # A scenario is a named TOML file in scenarios/ (`orgsim scenarios` lists them); keyword
    # arguments override its parameters by their bare names (`orgsim params` lists them all).
    # `simulate` returns the resolved configuration, the seed and tidy tables: one row per firm
    # and quarter (`firms`), per executive and quarter (`executives`), plus scalar outcomes
    # (means over the last four quarters). Same scenario and seed: same numbers, always.
    # Command line: orgsim run baseline --seed 1 --firms 3 --customers 300 --steps 8
    res = orgsim.simulate("baseline", seed=1, **SMALL)
    print("1. one run of the baseline:", len(res.firms), "firm-quarters")
    by_quarter = res.firms.groupby("step")[["influence_cmo", "influence_cio", "influence_cfo"]].mean()
    print(by_quarter.round(3).to_string())
    print(f"   CMO-CIO cooperation (last year): {res.outcomes['coop_cmo_cio']:.2f} of quarters")

    # -- 2. Keep it: a run folder and its charts ------------------------------------------------
    # A run folder holds the three tables as Parquet plus run.json (orgsim version, code version,
    # config hash, the resolved configuration, seed, package versions): enough to rerun it.
    # Command line: `orgsim run ... --out DIR` and `orgsim plot DIR`.
    from orgsim.io import write_run
    from orgsim.plot import plot_run

    run_dir = write_run(res, out / "run")
    charts = plot_run(run_dir, run_dir / "plots")
    print(f"2. wrote {run_dir} and {len(charts)} charts in {run_dir / 'plots'}")

    # -- 3. A lever, compared fairly --------------------------------------------------------------
    # `orgsim.run(config, seed)` is the model as a plain function of scalar outcomes. Compare two
    # settings with the same seeds (common random numbers), so that the difference is the lever's
    # and not chance's. Here: a CEO mandate making CMO and CFO review ROI together.
    seeds = [1, 2, 3]
    for mandate in (0.0, 0.75):
        coop = [orgsim.run({**SMALL, "roi_mandate": mandate}, s)["coop_cmo_cfo"] for s in seeds]
        print(f"3. roi_mandate={mandate}: CMO-CFO cooperation {sum(coop) / len(coop):.2f} (mean of {len(seeds)} seeds)")

    # -- 4. An experiment: a spec, swept into a store -------------------------------------------
    # An experiment spec (docs/EXPERIMENTS.md) names a base scenario, the factors (levers the
    # firm controls, uncertainties it does not), a design, replications and a master seed from
    # which every run's seed is spawned, and what to keep. This one crosses two pressure paths
    # with two shadow-IT allowances: 4 points x 2 replications = 8 runs.
    spec = out / "tutorial_sweep.toml"
    spec.write_text(
        f"""
name = "tutorial"
scenario = "baseline"
master_seed = 7
replications = 2
[design]
kind = "factorial"
[settings]
firms = {SMALL["firms"]}
customers = {SMALL["customers"]}
steps = {SMALL["steps"]}
[[factors]]
name = "pressure"
role = "uncertainty"
values = [[[0, 0.3]], [[0, 0.3], [{SMALL["steps"]}, 0.9]]]
labels = ["flat", "rising"]
[[factors]]
name = "shadow_it_cap"
role = "lever"
values = [0.0, 0.3]
[outputs]
outcomes = ["influence_cmo", "coop_cmo_cio", "cmo_tech_share", "data_integration", "profit"]
series = ["influence_cmo", "shadow_it"]
""",
        encoding="utf-8",
    )
    # The store streams every finished run to disk (Parquet parts and a manifest): interrupt it
    # and run the same call again to resume; the results do not depend on the number of workers.
    # Command line: orgsim sweep DIR/tutorial_sweep.toml --out DIR/store --workers 2
    from orgsim.experiments.sweep import sweep

    store = out / "store"
    report = sweep(spec, store)
    print(f"4. sweep: {report.ok} runs ok, {report.failed} failed, {report.skipped} already in {store}")

    # -- 5. Load the runs -----------------------------------------------------------------------
    # One row per run: its design point, replication, seed, factor values, outcomes and the code
    # version that made it; the series table has one row per run and quarter.
    runs = orgsim.load(store)
    series = orgsim.load(store, "series")
    table = runs.groupby(["pressure", "shadow_it_cap"])[["cmo_tech_share", "data_integration"]].mean()
    print("5. mean over replications per design point:")
    print(table.round(3).to_string())

    # -- 6. Analyse it --------------------------------------------------------------------------
    # Per-point means with 95 % intervals over replications, the share of variance due to the
    # seed, sensitivity indices for sampled designs (Sobol, Morris, FAST, Latin hypercube),
    # response plots and a REPORT.md. Command line: orgsim analyze DIR/store
    from orgsim.experiments.analysis import analyze, write

    result = analyze(store, resamples=200)
    report_md = write(store, result)
    print(f"6. analysis of {result.n_ok} runs: {report_md}")

    # -- 7. A figure of your own ----------------------------------------------------------------
    # The tables are plain pandas DataFrames: plot the CMO's influence over the quarters, one
    # line per design point (mean of its replications).
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = runs.drop_duplicates("point").set_index("point")[["pressure", "shadow_it_cap"]]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for point, grp in series.groupby("point"):
        line = grp.groupby("step")["influence_cmo"].mean()
        pressure, cap = labels.loc[point]
        ax.plot(line.index, line.to_numpy(), label=f"pressure {pressure}, shadow-IT cap {cap}")
    ax.set_xlabel("quarter")
    ax.set_ylabel("CMO influence share")
    ax.legend(fontsize=7)
    fig.tight_layout()
    figure = out / "cmo_influence.png"
    fig.savefig(figure, dpi=100)
    plt.close(fig)
    print(f"7. figure: {figure}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
