"""orgsim under the EMA Workbench: scenarios of customer pressure against governance policies.

The model is a plain function (``orgsim.run(config, seed)`` returns the scalar outcomes), so the EMA
Workbench wraps it directly. Uncertainty: the customer-centricity pressure, a constant keyframe path
``[[0, p]]``, sampled by Latin hypercube from an explicit seed. Levers: the shadow-IT cap and the CEO's
ROI mandate, as named policies. Every experiment runs once per model seed (``ReplicatorModel``) and
keeps the mean over its seeds; the table at the end averages the experiments per policy.

    python examples/ema_experiments.py --scenarios 8 --seeds 3 --customers 2000 --steps 40
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd

import orgsim

OUTCOMES = ("influence_cmo", "coop_cmo_cio", "cmo_tech_share", "profit")


def orgsim_model(
    pressure: float = 0.3,
    shadow_it_cap: float = 0.1,
    roi_mandate: float = 0.0,
    customers: int = 500,
    steps: int = 12,
    seed: int = 1,
) -> dict[str, float]:
    """One run of orgsim as the EMA Workbench wants it: keyword parameters in, outcome dict out."""
    config = {
        "pressure": [[0, float(pressure)]],  # a constant path
        "shadow_it_cap": float(shadow_it_cap),
        "roi_mandate": float(roi_mandate),
        "customers": int(customers),
        "steps": int(steps),
    }
    out = orgsim.run(config, int(seed))  # a plain int: Mesa rejects numpy integers as seeds
    return {k: out[k] for k in OUTCOMES}


def main(argv: list[str] | None = None) -> pd.DataFrame:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenarios", type=int, default=6, help="pressure scenarios (Latin hypercube)")
    p.add_argument("--seeds", type=int, default=2, help="replications (model seeds) per experiment")
    p.add_argument("--customers", type=int, default=500)
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--sample-seed", type=int, default=20261123, help="seed of the scenario sample")
    args = p.parse_args(argv)

    with warnings.catch_warnings():  # the workbench warns about optional parallel back-ends it lacks
        warnings.simplefilter("ignore")
        from ema_workbench import (
            Constant,
            RealParameter,
            ReplicatorModel,
            Sample,
            ScalarOutcome,
            SequentialEvaluator,
            perform_experiments,
        )

    model = ReplicatorModel("orgsim", function=orgsim_model)
    model.uncertainties = [RealParameter("pressure", 0.1, 0.9)]
    model.levers = [RealParameter("shadow_it_cap", 0.0, 0.5), RealParameter("roi_mandate", 0.0, 1.0)]
    model.constants = [Constant("customers", args.customers), Constant("steps", args.steps)]
    # a ReplicatorModel hands each outcome the list of its replications: keep their mean
    model.outcomes = [ScalarOutcome(k, function=np.mean) for k in OUTCOMES]
    # seeds spawned from one root, as orgsim sweep does; plain ints for Mesa
    root = np.random.SeedSequence(args.sample_seed)
    model.replications = [{"seed": int(s.generate_state(1)[0])} for s in root.spawn(args.seeds)]

    policies = [
        Sample("strict governance", shadow_it_cap=0.0, roi_mandate=0.0),
        Sample("tolerated shadow IT", shadow_it_cap=0.4, roi_mandate=0.0),
        Sample("ROI mandate", shadow_it_cap=0.1, roi_mandate=0.8),
    ]
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(
            model,
            scenarios=args.scenarios,
            policies=policies,
            evaluator=evaluator,
            uncertainty_sampling_kwargs={"rng": args.sample_seed},
        )
    table = experiments[["pressure", "policy"]].copy()
    for k in OUTCOMES:
        table[k] = np.asarray(outcomes[k], dtype=float)  # mean over the seeds of each experiment
    summary = table.groupby("policy", sort=False)[list(OUTCOMES)].mean()
    print(f"{len(experiments)} experiments x {args.seeds} seeds ({args.customers} customers, {args.steps} quarters)")
    print(summary.to_string(float_format=lambda v: f"{v:.3f}"))
    return table


if __name__ == "__main__":
    main()
