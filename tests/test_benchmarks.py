"""The benchmark code (benchmarks/): its references implement orgsim's choice rule, and it runs.

No timings are asserted: the machine is shared and noisy.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import references  # noqa: E402
import run as bench  # noqa: E402

from orgsim.model.customers import ChoiceInputs, Customers  # noqa: E402

FIRMS = 5


class Scripted:
    """A stand-in for the model's generator that hands out given uniforms in order."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=float)
        self.pos = 0

    def random(self, size=None, dtype=np.float64, out=None):
        k = 1 if size is None and out is None else (out.size if out is not None else int(np.prod(size)))
        vals = self.values[self.pos : self.pos + k]
        assert len(vals) == k, "ran out of scripted uniforms"
        self.pos += k
        if out is not None:
            out[...] = vals.reshape(out.shape)
            return out
        return float(vals[0]) if size is None else vals.reshape(size).copy()


def _market(n=300, seed=0, degree=6):
    c = Customers(n, FIRMS, degree, 0.2, 0.5, 4.0, np.random.default_rng(seed))
    x = ChoiceInputs(
        quality=np.array([0.55, 0.6, 0.4, 0.7, 0.5]),
        experience=np.array([0.4, 0.3, 0.6, 0.35, 0.5]),
        analytics=np.array([0.2, 0.1, 0.3, 0.25, 0.15]),
        pressure=0.4,
        beta_quality=3.0,
        beta_experience=3.0,
        beta_personalisation=3.0,
        beta_word_of_mouth=2.0,
        switching_cost=0.9,
        experience_weight_floor=0.3,
        reconsider=0.6,
    )
    return c, x


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_references_pick_exactly_what_orgsim_picks_from_the_same_uniforms(seed):
    c, x = _market(seed=seed)
    rng = np.random.default_rng(100 + seed)
    for _ in range(4):  # several quarters, so word of mouth sees changed brands
        r = rng.random(c.n)
        who = r < x.reconsider
        u = rng.random(int(who.sum()))
        start = c.brand.copy()

        mesa_m = references.MesaMarket(start, c.taste, c.indptr, c.indices, x)
        seq = []  # the Mesa customers draw in turn: their reconsider uniform, then (if so) their pick uniform
        j = 0
        for i in range(c.n):
            seq.append(r[i])
            if who[i]:
                seq.append(u[j])
                j += 1
        mesa_m.rng = Scripted(np.array(seq))
        mesa_m.step()

        fused = references.FusedMarket(start, c.taste, c.indptr, c.indices, x)
        fused_switched = fused.step(r, u)

        switched = c.choose(x, Scripted(np.concatenate([r, u])))
        assert np.array_equal(mesa_m.brands(), c.brand)
        assert np.array_equal(fused.brand, c.brand)
        assert switched == mesa_m.switched == fused_switched
        assert switched > 0


def test_references_match_orgsim_choice_frequencies():
    """Each implementation with its own random numbers: the same choice frequencies per customer."""
    c, x = _market(n=60)
    x = x._replace(reconsider=1.0)
    start = c.brand.copy()
    reps = 400
    freq = {k: np.zeros((c.n, FIRMS)) for k in ("orgsim", "mesa", "fused")}
    rng = np.random.default_rng(5)
    mesa_m = references.MesaMarket(start, c.taste, c.indptr, c.indices, x, rng=6)
    fused = references.FusedMarket(start, c.taste, c.indptr, c.indices, x, seed=7)
    rows = np.arange(c.n)
    for _ in range(reps):
        c.brand[:] = start
        c.choose(x, rng)
        freq["orgsim"][rows, c.brand] += 1
        for cust, b in zip(mesa_m.customers, start, strict=True):
            cust.brand = int(b)
        mesa_m.step()
        freq["mesa"][rows, mesa_m.brands()] += 1
        fused.brand[:] = start
        fused.step()
        freq["fused"][rows, fused.brand] += 1
    p = {k: v / reps for k, v in freq.items()}
    # two independent binomial estimates per cell: their difference in standard errors
    for k in ("mesa", "fused"):
        a, b = p[k], p["orgsim"]
        se = np.sqrt((a * (1 - a) + b * (1 - b)) / reps) + 1e-3
        z = (a - b) / se
        assert np.abs(z).max() < 5.0, k
        assert np.mean(z**2) < 1.5, k  # about 1 when both draw from the same probabilities


def test_in_process_measurements_run_at_tiny_sizes():
    a = bench.bench_market(bench.QUICK)
    assert a["orgsim_top"] > 0 and a["mesa"] > 0 and a["fused_top"] > 0
    d = bench.bench_scaling(bench.QUICK)
    assert len(d["rows"]) == len(bench.QUICK.scaling_n) and np.isfinite(d["slope_all"])


@pytest.mark.slow
def test_benchmark_runs_at_tiny_sizes(tmp_path):
    """The whole command at tiny sizes (about 40 s: it starts many interpreters, pools and a Dask cluster)."""
    out = tmp_path / "PERF.md"
    assert bench.main(["--quick", "--out", str(out), "--profile-notes", str(tmp_path / "none.md")]) == 0
    text = out.read_text()
    for heading in ("## Machine", "## Targets", "## a.", "## b.", "## c.", "## d.", "## e.", "## f.", "## k."):
        assert heading in text
    assert out.with_suffix(".json").exists()


def test_only_refuses_unknown_sections_and_a_missing_earlier_run(tmp_path, capsys):
    out = tmp_path / "PERF.md"
    assert bench.main(["--quick", "--out", str(out), "--only", "k,z"]) == 2
    assert "--only k,z: sections are letters among a, b" in capsys.readouterr().err
    assert bench.main(["--quick", "--out", str(out), "--only", "k"]) == 2  # no PERF.json beside it
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "needs an earlier run's" in err
    assert not out.exists()


@pytest.mark.slow
def test_calibration_throughput_alone_keeps_the_other_sections(tmp_path):
    """Section k (a real ABC-SMC on 1 and 2 processes, about a minute at tiny sizes) re-measured on its
    own with --only: the other sections' figures come from the earlier run's JSON, unchanged."""
    import json
    import shutil

    pytest.importorskip("pyabc")
    out = tmp_path / "PERF.md"
    shutil.copy(BENCH.parent / "docs" / "PERFORMANCE.json", out.with_suffix(".json"))
    earlier = json.loads(out.with_suffix(".json").read_text())
    assert bench.main(["--quick", "--out", str(out), "--only", "k", "--profile-notes", str(tmp_path / "no.md")]) == 0
    raw = json.loads(out.with_suffix(".json").read_text())
    k = raw["k. calibration"]
    assert set(k["processes"]) == {"1 process", "2 processes"}
    one, two = k["processes"]["1 process"], k["processes"]["2 processes"]
    assert one["executor"] == "serial" and two["executor"] == "2 processes"
    for v in (one, two):  # no timing asserted: the machine is shared
        (r,) = v["rounds"]  # --quick: one calibration per executor
        assert r["runs"] == r["parameter_sets"] * k["settings"]["reps"] > r["warm_runs"] > 0 and r["wall"] > 0
    assert one["rounds"][0]["runs"] == two["rounds"][0]["runs"]  # the same proposals, whatever the workers
    assert k["same_posterior"] is True  # the posterior does not depend on the workers
    assert k["plain"]["same"] is True and k["plain"]["runs"] == k["settings"]["population"] * k["settings"]["reps"]
    assert raw["a. market step"] == earlier["a. market step"] and raw["machine"] == earlier["machine"]
    assert set(raw["reruns"]) == {"k"} and raw["quick"] is True
    text = out.read_text()
    assert "## k. Calibration throughput" in text and "Section k was measured after this run" in text
    assert "2 processes / 1:" in text and "## a. The customer-market step" in text
