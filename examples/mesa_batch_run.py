"""orgsim with Mesa's own batch runner: ``mesa.batch_run`` over the shadow-IT cap.

``orgsim.Market`` is a ``mesa.Model`` whose keyword parameters override the scenario by bare name
(``customers=500``, ``shadow_it_cap=0.3``), so Mesa's batch runner sweeps it like any Mesa model.
Replications are explicit model seeds (``rng=[...]``, plain ints spawned from one root seed); the model
stops itself after the scenario's last quarter. The table gives the mean and standard deviation over
the seeds of the model reporters at the end of each run.

    python examples/mesa_batch_run.py --seeds 5 --customers 5000 --steps 40
"""

from __future__ import annotations

import argparse

import mesa
import numpy as np
import pandas as pd

import orgsim

REPORTED = ("influence_cmo", "influence_cio", "coop_cmo_cio", "profit")


def main(argv: list[str] | None = None) -> pd.DataFrame:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--caps", type=float, nargs="+", default=[0.0, 0.2, 0.4], help="shadow_it_cap values")
    p.add_argument("--seeds", type=int, default=3, help="replications (model seeds) per value")
    p.add_argument("--customers", type=int, default=1000)
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--root-seed", type=int, default=20261123)
    args = p.parse_args(argv)

    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(args.root_seed).spawn(args.seeds)]
    rows = mesa.batch_run(
        orgsim.Market,
        parameters={"customers": args.customers, "steps": args.steps, "shadow_it_cap": args.caps},
        rng=seeds,
        max_steps=args.steps + 1,  # the model ends itself after its last quarter
        number_processes=1,
        data_collection_period=-1,  # the end of each run only
        display_progress=False,
    )
    df = pd.DataFrame(rows)
    table = df.groupby("shadow_it_cap")[list(REPORTED)].agg(["mean", "std"])
    print(f"mesa.batch_run: {len(df)} runs ({len(args.caps)} values x {args.seeds} seeds, {args.customers} customers)")
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    return df


if __name__ == "__main__":
    main()
