"""SALib directly on a store of ``orgsim sweep``: Sobol indices from the runs table.

    orgsim sweep experiments/sensitivity.toml --out sweeps/sens --workers 2
    python examples/salib_on_store.py sweeps/sens

``orgsim.load(DIR)`` gives one row per successful run; the design points are numbered in SALib's
sample order and ``_sweep.json`` holds SALib's problem, so the analysis is a few lines: average the
replications of each point (noise in single replications inflates the indices), check that every
point has a finite mean (SALib's Sobol analysis turns NaN into zeros without a warning), analyse.
``orgsim analyze DIR`` does the same and more (intervals, seed variance, plots, a report).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from SALib.analyze import sobol

import orgsim
from orgsim.experiments.store import read_meta


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("store", metavar="DIR", help="a store written by 'orgsim sweep' from a Sobol spec")
    p.add_argument("--outcomes", nargs="+", help="outcomes to analyse (default: all of the store's)")
    p.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples of the intervals")
    args = p.parse_args(argv)

    meta = read_meta(args.store)
    design = meta["design"]
    if design["kind"] != "sobol":
        print(f"{args.store}: a {design['kind']} design; this example needs a Sobol one", file=sys.stderr)
        return 2
    problem = design["problem"]
    runs = orgsim.load(args.store)  # successful runs only
    means = runs.groupby("point")[args.outcomes or meta["outcomes"]].mean()
    means = means.reindex(range(meta["n_points"]))  # SALib's order; a point without ok runs becomes NaN
    print(f"{meta['name']}: {meta['n_points']} points, {len(runs)} ok runs, {meta['replications']} replications")
    status = 0
    for outcome in means.columns:
        y = means[outcome].to_numpy(dtype=float)
        if not np.isfinite(y).all():
            missing = np.flatnonzero(~np.isfinite(y))
            print(f"\n{outcome}: {len(missing)} points without a successful run (e.g. point {missing[0]}): skipped")
            status = 1
            continue
        res = sobol.analyze(
            problem,
            y,
            calc_second_order=design["second_order"],
            num_resamples=args.resamples,
            seed=design["seed"],
        )
        print(f"\n{outcome}")
        print(f"  {'factor':<24}{'S1':>8}{'±':>8}{'ST':>8}{'±':>8}")
        for i in np.argsort(-res["ST"]):
            name = problem["names"][i]
            print(f"  {name:<24}{res['S1'][i]:8.3f}{res['S1_conf'][i]:8.3f}{res['ST'][i]:8.3f}{res['ST_conf'][i]:8.3f}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
