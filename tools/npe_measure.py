"""A measurement for choosing the calibration sampler (ODD section 8): neural posterior estimation
(sbi's NPE) on the same priors, targets and reading of the bands as the ABC fits.

Fixed before its results were seen: NPE is worth adopting instead of pyabc's ABC-SMC if, with a
simulation budget no larger than one ABC fit's (61,200 model runs), its posterior predictive
(100 draws x 4 runs, as the ABC report) reproduces all 11 calibration targets. Otherwise it is
reported and pyabc stays.

Not a dependency of orgsim: it needs ``pip install sbi`` (with torch) in an environment holding orgsim.

    python tools/npe_measure.py prior N prior.parquet          # N draws from the priors (uniform box)
    python tools/npe_measure.py simulate thetas.parquet out.parquet   # mean of 4 replications each
    python tools/npe_measure.py train samples.parquet sims.parquet [...]   # NPE; posterior at the targets
    python tools/npe_measure.py truncate N FIRST next.parquet sims.parquet [...]  # next round's thetas
    python tools/npe_measure.py predict samples.parquet        # posterior predictive of 100 draws
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from orgsim.calibration.abc import PRIORS, Settings, overrides
from orgsim.calibration.targets import CALIBRATION, evaluate_chunk
from orgsim.experiments.sweep import executor

SEED = 20170512
REPS = 4
NAMES = tuple(t.name for t in CALIBRATION)
#: the priors of the concentration fits (ODD section 8): the adopted fit's plus the concentration
BOX = {p.name: (p.lo, p.lo + p.width) for p in PRIORS} | {"propensity_concentration": (2.0, 50.0)}


def _seeds(key: int, i: int) -> list[int]:
    return [int(np.random.SeedSequence(SEED, spawn_key=(key, i, r)).generate_state(1)[0]) for r in range(REPS)]


def _run(tasks: list, out: str | None = None, keep: pd.DataFrame | None = None) -> list[dict[str, float]]:
    settings = Settings(reps=REPS)
    jobs = [(overrides(theta, settings), seeds) for theta, seeds in tasks]
    rows: list[dict[str, float]] = []
    chunk = 25
    with executor(2) as (pool, _):
        futures = [
            pool.submit(evaluate_chunk, "baseline", NAMES, jobs[j : j + chunk]) for j in range(0, len(jobs), chunk)
        ]
        for k, fut in enumerate(futures):
            rows.extend(fut.result())
            if out and keep is not None and (k % 20 == 19 or k == len(futures) - 1):  # keep what is done
                done = pd.concat([keep.iloc[: len(rows)].reset_index(drop=True), pd.DataFrame(rows)], axis=1)
                done.to_parquet(out)
                print(len(rows), flush=True)
    return rows


def prior(n: int, out: str) -> None:
    rng = np.random.default_rng(SEED)
    df = pd.DataFrame({k: rng.uniform(lo, hi, n) for k, (lo, hi) in BOX.items()})
    df.insert(0, "i", np.arange(n))
    df.to_parquet(out)


def simulate(thetas: str, out: str, key: int = 7) -> None:
    th = pd.read_parquet(thetas)
    pars = [c for c in th.columns if c != "i"]
    _run([({k: float(r[k]) for k in pars}, _seeds(key, int(r["i"]))) for _, r in th.iterrows()], out, th)


def _fit(sims: list[str]):
    """NPE trained on the simulations ``sims``, with Gaussian error of sd = half the band's width / 1.96
    added to each simulated statistic: the bands read as 95 % intervals, as the ABC's distance reads
    them. Every round is trained with the first round's loss (truncated sequential NPE, Deistler et
    al. 2022: later rounds' proposals are the prior restricted to the posterior's support)."""
    import torch
    from sbi.inference import NPE
    from sbi.utils import BoxUniform

    torch.manual_seed(SEED)
    pars = list(BOX)
    df = pd.concat([pd.read_parquet(f) for f in sims], ignore_index=True)
    sd = np.array([t.sd for t in CALIBRATION])
    x = df[list(NAMES)].to_numpy(float)
    ok = np.isfinite(x).all(axis=1)
    print(f"{len(df)} simulations, {(~ok).sum()} with a non-finite statistic dropped")
    df, x = df[ok], x[ok]
    x = x + np.random.default_rng(SEED).normal(size=x.shape) * sd
    box = BoxUniform(torch.tensor([BOX[p][0] for p in pars]), torch.tensor([BOX[p][1] for p in pars]))
    npe = NPE(prior=box, show_progress_bars=False)
    t0 = time.time()
    theta = torch.tensor(df[pars].to_numpy(float), dtype=torch.float32)
    estimator = npe.append_simulations(theta, torch.tensor(x, dtype=torch.float32)).train(force_first_round_loss=True)
    print(f"trained in {time.time() - t0:.0f} s")
    observed = torch.tensor([t.value for t in CALIBRATION], dtype=torch.float32)
    return box, npe.build_posterior(estimator).set_default_x(observed), pars


def train(out: str, sims: list[str]) -> None:
    _, posterior, pars = _fit(sims)
    post = pd.DataFrame(posterior.sample((4000,), show_progress_bars=False).numpy(), columns=pars)
    post.to_parquet(out)
    q = post.quantile([0.025, 0.5, 0.975]).T
    q["interval / prior's"] = (q[0.975] - q[0.025]) / np.array([BOX[p][1] - BOX[p][0] for p in pars])
    print(q.round(3).to_string())


def truncate(n: int, first: int, out: str, sims: list[str]) -> None:
    """The next round's parameter sets: the prior restricted to the posterior's 1 - 1e-4 region."""
    import torch
    from sbi.utils import RestrictedPrior, get_density_thresholder

    box, posterior, pars = _fit(sims)
    torch.manual_seed(SEED + first)
    proposal = RestrictedPrior(box, get_density_thresholder(posterior, quantile=1e-4), sample_with="rejection")
    df = pd.DataFrame(proposal.sample((n,)).numpy(), columns=pars)
    df.insert(0, "i", np.arange(first, first + n))
    df.to_parquet(out)


def predict(samples: str) -> None:
    draws = pd.read_parquet(samples).sample(100, random_state=1)
    g = pd.DataFrame(_run([(r.to_dict(), _seeds(99, i)) for i, (_, r) in enumerate(draws.iterrows())]))
    n = 0
    for t in CALIBRATION:
        m = float(g[t.name].mean())
        ok = bool(t.holds(m))
        n += ok
        share = np.mean([bool(t.holds(v)) for v in g[t.name]])
        print(f"{t.id:4s} [{t.lo}, {t.hi}]  mean {m:.3f}  draws in band {share:.0%}  {'reproduced' if ok else 'NOT'}")
    print(f"{n} of {len(CALIBRATION)} calibration targets reproduced")


def main(argv: list[str]) -> None:
    commands = {  # name -> (fewest arguments, what to do)
        "prior": (2, lambda a: prior(int(a[0]), a[1])),
        "simulate": (2, lambda a: simulate(a[0], a[1])),
        "train": (2, lambda a: train(a[0], a[1:])),
        "truncate": (4, lambda a: truncate(int(a[0]), int(a[1]), a[2], a[3:])),
        "predict": (1, lambda a: predict(a[0])),
    }
    if not argv or argv[0] not in commands:
        raise SystemExit(f"npe_measure: say one of {', '.join(commands)} (see the module's docstring)")
    fewest, run = commands[argv[0]]
    if len(argv) - 1 < fewest:
        raise SystemExit(f"npe_measure {argv[0]}: missing arguments (see the module's docstring)")
    try:
        run(argv[1:])
    except ValueError as err:
        raise SystemExit(f"npe_measure {argv[0]}: {err}") from None
    except FileNotFoundError as err:
        raise SystemExit(f"npe_measure {argv[0]}: no such file: {err.filename or err}") from None
    except ModuleNotFoundError as err:
        raise SystemExit(f"npe_measure {argv[0]}: {err} (pip install sbi)") from None


if __name__ == "__main__":
    main(sys.argv[1:])
