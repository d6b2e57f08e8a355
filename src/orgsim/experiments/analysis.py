"""Analysis of an experiment store: per-point summaries, seed variance, sensitivity indices, plots.

``orgsim analyze DIR`` reads a store written by ``orgsim sweep`` (``docs/EXPERIMENTS.md``) and
writes ``DIR/analysis/``:

- ``summary.csv`` / ``.parquet`` — one row per design point and outcome (long format): the factor
  values, ``n`` (successful replications with a finite value), ``n_failed``, ``mean``, ``sd``,
  ``se`` and the 95 % confidence interval of the mean over replications (Student t with n-1
  degrees of freedom; empty with a single replication) — what BehaviorSpace users export;
- ``indices.csv`` / ``.parquet`` — sensitivity indices in long format (``outcome, design, index,
  factor, factor2, value, conf, ci_low, ci_high``): Sobol ``S1``, ``ST`` (and ``S2`` with
  ``factor2`` if the design has second order), Morris ``mu_star`` (with ``mu_star_conf`` as
  ``conf``), ``sigma`` and ``mu``, FAST ``S1`` and ``ST``, and for LHS designs standardised
  regression coefficients ``SRC`` (bootstrap over points) and the regression's ``R2``;
  factorial designs have no indices;
- ``variance.csv`` — per outcome the share of variance due to the seed (pooled within-point
  variance over the total variance of the runs, bootstrap CI over points) and the share of seed
  noise left in the per-point means that the indices analyse;
- ``REPORT.md`` and ``img/*.png`` (outcome against each factor with 95 % bands; index bar charts
  with confidence intervals).

Sensitivity indices are computed on the per-point means over the successful replications, in
the sampler's point order (averaging replications first keeps seed noise out of the indices).
Failed runs are excluded and named; a design point without any successful replication makes an
index impossible for that design, which is said rather than analysed (SALib's Sobol analysis
silently returns zeros on NaN). Every bootstrap draws from an explicit seed (the design's seed).

The core functions (:func:`point_summary`, :func:`seed_variance`, :func:`indices`) take data,
not a folder; :func:`analyze` reads a store and :func:`write` writes the results.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgsim.formatting import md_cell
from orgsim.formatting import md_table as _table
from orgsim.formatting import num_or_text as _num
from orgsim.io import OutputError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd
    from matplotlib.axes import Axes

ANALYSIS_DIR = "analysis"
LEVEL = 0.95
RESAMPLES = 1000
INDEX_COLUMNS = ["outcome", "design", "index", "factor", "factor2", "value", "conf", "ci_low", "ci_high"]
VARIANCE_COLUMNS = [
    "outcome",
    "n_points",
    "n_runs",
    "var_within",
    "var_between",
    "var_total",
    "share_seed",
    "share_low",
    "share_high",
    "share_seed_in_means",
]
DESIGN_NAMES = {
    "factorial": "full factorial",
    "lhs": "Latin hypercube",
    "sobol": "Sobol/Saltelli",
    "morris": "Morris elementary effects",
    "fast": "FAST",
}
#: indices drawn as bars per design, with whether they have a confidence interval
BARS = {
    "sobol": (("S1", "first order S1"), ("ST", "total order ST")),
    "fast": (("S1", "first order S1"), ("ST", "total order ST")),
    "morris": (("mu_star", "μ* (mean |elementary effect|)"), ("sigma", "σ (spread of effects)")),
    "lhs": (("SRC", "standardised regression coefficient"),),
}
MEAN_COLOUR = "#1f77b4"
POINT_COLOUR = "#7f7f7f"
BAR_COLOURS = ("#1f77b4", "#ff7f0e")
MISSING = "design points have no successful run"


# -- helpers -------------------------------------------------------------------------------------


def _ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The successful runs (all rows if there is no ``status`` column)."""
    if "status" in runs.columns:
        return runs[runs["status"] == "ok"]
    return runs


def _point_name(point: int) -> str:
    return f"p{int(point):05d}"


def _name_points(points: Sequence[int], limit: int = 8) -> str:
    names = [_point_name(p) for p in points[:limit]]
    more = f" and {len(points) - limit} more" if len(points) > limit else ""
    return ", ".join(names) + more


def _t_crit(n: np.ndarray, level: float = LEVEL) -> np.ndarray:
    """Two-sided Student t quantile for ``n`` observations (NaN for n < 2)."""
    import numpy as np
    from scipy import stats

    n = np.asarray(n, dtype=float)
    out = np.full(n.shape, np.nan)
    ok = n >= 2
    out[ok] = stats.t.ppf(0.5 + level / 2.0, n[ok] - 1.0)
    return out


def point_means(runs: pd.DataFrame, outcomes: Sequence[str], n_points: int | None = None) -> pd.DataFrame:
    """Mean of each outcome per design point over the successful runs with a finite value.

    Indexed by ``point`` (``0 .. n_points - 1`` when ``n_points`` is given, NaN where a point has
    no successful finite value), one column per outcome.
    """
    import numpy as np
    import pandas as pd

    ok = _ok_runs(runs)
    values = ok[list(outcomes)].apply(pd.to_numeric, errors="coerce").astype(float)
    values = values.where(np.isfinite(values))
    means = values.groupby(ok["point"].astype(int).to_numpy()).mean()
    means.index.name = "point"
    if n_points is not None:
        means = means.reindex(pd.RangeIndex(n_points, name="point"))
    return means


# -- per-point summary ---------------------------------------------------------------------------


def point_summary(
    runs: pd.DataFrame,
    factors: Sequence[str],
    outcomes: Sequence[str],
    *,
    design: pd.DataFrame | None = None,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Mean, SD and confidence interval over replications, one row per design point and outcome.

    ``runs`` has one row per run (``point``, the factor and outcome columns; an optional
    ``status`` column marks failed runs, which are counted in ``n_failed`` and otherwise
    ignored). With ``design`` (``point`` + factor columns) every design point gets rows, also
    points without any successful run (``n`` = 0, NaN statistics).

    Columns: ``point``, the factors, ``outcome``, ``n``, ``n_failed``, ``mean``, ``sd``, ``se``,
    ``ci_low``, ``ci_high`` (Student t interval of the mean; NaN if ``n`` < 2). Sorted by point,
    then outcome in the given order.
    """
    import numpy as np
    import pandas as pd

    factors, outcomes = list(factors), list(outcomes)
    if design is not None:
        points = design[["point", *factors]].drop_duplicates("point")
    else:
        points = runs[["point", *factors]].drop_duplicates("point")
    points = points.astype({"point": int}).sort_values("point", kind="stable").reset_index(drop=True)
    if "status" in runs.columns:
        n_failed = (runs["status"] != "ok").groupby(runs["point"].astype(int).to_numpy()).sum()
    else:
        n_failed = pd.Series(dtype=int)

    ok = _ok_runs(runs)
    long = ok[["point", *outcomes]].melt(id_vars="point", var_name="outcome", value_name="value")
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype(float)
    long = long[np.isfinite(long["value"])]
    long["point"] = long["point"].astype(int)
    stats = long.groupby(["point", "outcome"])["value"].agg(n="count", mean="mean", sd="std")

    grid = pd.MultiIndex.from_product([points["point"], outcomes], names=["point", "outcome"])
    stats = stats.reindex(grid).reset_index()
    stats["n"] = stats["n"].fillna(0).astype(int)
    stats["n_failed"] = stats["point"].map(n_failed).fillna(0).astype(int)
    n = stats["n"].to_numpy(dtype=float)
    sd = stats["sd"].to_numpy(dtype=float)
    sd = np.where(n >= 2, sd, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = sd / np.sqrt(n)
    half = _t_crit(n, level) * se
    stats["sd"] = sd
    stats["se"] = se
    stats["ci_low"] = stats["mean"] - half
    stats["ci_high"] = stats["mean"] + half
    out = points.merge(stats, on="point", how="right")
    cols = ["point", *factors, "outcome", "n", "n_failed", "mean", "sd", "se", "ci_low", "ci_high"]
    return out[cols].reset_index(drop=True)


# -- seed variance -------------------------------------------------------------------------------


def _shares(n: np.ndarray, s: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Within-point share of variance and seed-noise share of the point means.

    ``n``, ``s``, ``q``: per point (last axis) the count, sum and sum of squares of centred values;
    leading axes are bootstrap replicates.
    """
    import numpy as np

    big_n = n.sum(axis=-1)
    n_pts = n.shape[-1]
    ss_within = (q - s * s / n).sum(axis=-1)
    ss_total = q.sum(axis=-1) - s.sum(axis=-1) ** 2 / big_n
    with np.errstate(invalid="ignore", divide="ignore"):
        ms_within = ss_within / (big_n - n_pts)
        var_total = ss_total / (big_n - 1)
        share = np.clip(ms_within / var_total, 0.0, 1.0)
        means = s / n
        var_means = means.var(axis=-1, ddof=1)
        noise = ms_within * (1.0 / n).mean(axis=-1)
        in_means = np.clip(noise / var_means, 0.0, 1.0)
    share = np.where(var_total > 0, share, np.nan)
    in_means = np.where(var_means > 0, in_means, np.nan)
    return share, in_means


def seed_variance(
    runs: pd.DataFrame,
    outcomes: Sequence[str],
    *,
    seed: int = 0,
    resamples: int = RESAMPLES,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Share of each outcome's variance due to the seed (replications), per outcome.

    Over the design points with at least two successful replications (finite values):
    ``var_within`` is the pooled within-point variance (the one-way ANOVA mean square within
    points), ``var_between`` the variance of the point means, ``var_total`` the variance of all
    those runs; ``share_seed`` = ``var_within / var_total`` (clipped to [0, 1]: about 1 for an
    outcome the factors do not move, 0 for one the seed does not move), with a percentile
    bootstrap interval over points (``share_low``, ``share_high``; ``resamples`` draws from
    ``seed``). ``share_seed_in_means`` is the share of the variance of the point means that is
    still seed noise (``var_within`` × mean(1/n) / ``var_between``): the noise the sensitivity
    indices, which analyse the point means, cannot tell from a factor's effect. NaN where an
    outcome has fewer than two such points or no variance.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    ok = _ok_runs(runs)
    rows = []
    alpha = (1.0 - level) / 2.0
    for outcome in outcomes:
        y = pd.to_numeric(ok[outcome], errors="coerce").to_numpy(dtype=float)
        pts = ok["point"].to_numpy(dtype=int)
        keep = np.isfinite(y)
        y, pts = y[keep], pts[keep]
        counts = pd.Series(pts).value_counts()
        multi = counts.index[counts >= 2].to_numpy()
        sel = np.isin(pts, multi)
        y, pts = y[sel], pts[sel]
        row: dict[str, Any] = {"outcome": outcome, "n_points": len(multi), "n_runs": len(y)}
        if len(multi) < 2:
            rows.append({**row, **{c: np.nan for c in VARIANCE_COLUMNS[3:]}})
            continue
        yc = y - y.mean()  # centred: sums of squares without cancellation
        codes, _ = pd.factorize(pts, sort=True)
        n = np.bincount(codes).astype(float)
        s = np.bincount(codes, weights=yc)
        q = np.bincount(codes, weights=yc * yc)
        share, in_means = _shares(n, s, q)
        big_n, n_pts = n.sum(), len(n)
        ms_within = float((q - s * s / n).sum() / (big_n - n_pts))
        var_total = float(np.var(y, ddof=1))
        var_between = float(np.var(s / n, ddof=1))
        low = high = np.nan
        if resamples > 0 and np.isfinite(share):
            idx = rng.integers(0, n_pts, size=(resamples, n_pts))
            boot, _ = _shares(n[idx], s[idx], q[idx])
            boot = boot[np.isfinite(boot)]
            if len(boot):
                low, high = (float(v) for v in np.quantile(boot, [alpha, 1.0 - alpha]))
        rows.append(
            {
                **row,
                "var_within": ms_within,
                "var_between": var_between,
                "var_total": var_total,
                "share_seed": float(share),
                "share_low": low,
                "share_high": high,
                "share_seed_in_means": float(in_means),
            }
        )
    return pd.DataFrame(rows, columns=VARIANCE_COLUMNS)


# -- sensitivity indices -------------------------------------------------------------------------


def _design_matrix(design: pd.DataFrame | None, runs: pd.DataFrame, names: list[str], n_points: int) -> np.ndarray:
    """The sampled design as SALib's X (rows in point order)."""
    import numpy as np

    if design is None:
        design = runs[["point", *names]].drop_duplicates("point")
    d = design.astype({"point": int}).set_index("point").sort_index()
    d = d.reindex(range(n_points))
    x = d[names].to_numpy(dtype=float)
    if not np.isfinite(x).all():
        raise OutputError("the design matrix has missing or non-numeric values (is the design table complete?)")
    return x


def _expected_points(kind: str, samples: int, k: int, second_order: bool) -> int:
    return {
        "sobol": samples * (2 * k + 2 if second_order else k + 2),
        "morris": samples * (k + 1),
        "fast": samples * k,
        "lhs": samples,
    }[kind]


def _rows(outcome: str, kind: str, index: str, names: Sequence[str], value: Any, conf: Any = None) -> list[dict]:
    import numpy as np

    value = np.asarray(value, dtype=float)
    conf = np.full(value.shape, np.nan) if conf is None else np.asarray(conf, dtype=float)
    return [
        {
            "outcome": outcome,
            "design": kind,
            "index": index,
            "factor": name,
            "factor2": "",
            "value": float(v),
            "conf": float(c),
            "ci_low": float(v - c),
            "ci_high": float(v + c),
        }
        for name, v, c in zip(names, value, conf, strict=True)
    ]


def _src(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, resamples: int, level: float) -> tuple:
    """Standardised regression coefficients and R² of y on x, with percentile bootstrap CIs over points."""
    import numpy as np

    def fit(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, float]:
        sx, sy = xs.std(axis=0, ddof=1), ys.std(ddof=1)
        if sy == 0 or (sx == 0).any():
            return np.full(xs.shape[1], np.nan), np.nan
        zx = (xs - xs.mean(axis=0)) / sx
        zy = (ys - ys.mean()) / sy
        beta, *_ = np.linalg.lstsq(zx, zy, rcond=None)
        resid = zy - zx @ beta
        return beta, 1.0 - float(resid @ resid) / float(zy @ zy)

    beta, r2 = fit(x, y)
    n = len(y)
    boots = np.full((resamples, x.shape[1]), np.nan)
    for b in range(resamples):
        i = rng.integers(0, n, size=n)
        boots[b] = fit(x[i], y[i])[0]
    alpha = (1.0 - level) / 2.0
    with np.errstate(invalid="ignore"):
        lo, hi = np.nanquantile(boots, [alpha, 1.0 - alpha], axis=0) if resamples else (beta * np.nan,) * 2
    return beta, r2, lo, hi


def indices(
    runs: pd.DataFrame,
    meta: Mapping[str, Any],
    outcomes: Sequence[str],
    *,
    design: pd.DataFrame | None = None,
    seed: int | None = None,
    resamples: int = RESAMPLES,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Sensitivity indices of each outcome for the store's design (``meta["design"]["kind"]``).

    ``runs`` as in :func:`point_summary`; ``meta`` the store's ``_sweep.json`` (needs
    ``design.kind``, ``design.problem``, ``design.samples``, ``design.second_order``,
    ``design.levels``, ``n_points``); ``design`` the design table (``point`` + factor columns; by
    default the factor values of the runs). Y is the per-point mean over the successful
    replications, in point order (SALib's sample order); ``seed`` (default the design's seed)
    seeds SALib's bootstrap.

    Returns a long DataFrame (:data:`INDEX_COLUMNS`): ``value`` and ``conf`` (SALib's half-width
    of the ``level`` interval; ``ci_low``/``ci_high`` = value ∓ conf; percentile bounds for
    ``SRC``). ``df.attrs["skipped"]`` maps each outcome without indices to the reason (a design
    point without a successful finite value, a constant outcome) and ``df.attrs["note"]`` says
    why a design has no indices at all (factorial).
    """
    import numpy as np
    import pandas as pd

    d = meta["design"]
    kind = d["kind"]
    empty = pd.DataFrame(columns=INDEX_COLUMNS)
    empty.attrs["skipped"] = {}
    empty.attrs["note"] = ""
    if kind == "factorial":
        empty.attrs["note"] = (
            "no indices for this design (a full factorial): see the per-point summary and the response plots"
        )
        return empty
    if kind not in BARS:
        raise OutputError(f"unknown design kind {kind!r} (expected one of {', '.join(DESIGN_NAMES)})")
    problem = {k: d["problem"][k] for k in ("num_vars", "names", "bounds")}
    names = list(problem["names"])
    n_points = int(meta.get("n_points") or (len(design) if design is not None else runs["point"].max() + 1))
    samples = int(d.get("samples") or 0)
    second = bool(d.get("second_order", False))
    want = _expected_points(kind, samples, len(names), second)
    if want != n_points:
        raise OutputError(
            f"a {kind} design of {samples} samples and {len(names)} factors has {want} points, "
            f"but the store has {n_points}: the store's meta and design disagree"
        )
    seed = int(d.get("seed") or 0) if seed is None else int(seed)
    from orgsim.extras import require

    require("experiments", "SALib", what=f"sensitivity indices of a {kind} design")
    means = point_means(runs, outcomes, n_points)
    label = DESIGN_NAMES[kind]
    rows: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    x = None
    for k, outcome in enumerate(outcomes):
        y = means[outcome].to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(y))
        if len(bad):
            skipped[outcome] = (
                f"{len(bad)} of {n_points} {MISSING} with a finite value "
                f"({_name_points(list(bad))}): a {label} analysis needs every point, so no indices "
                "(rerun the failed runs with 'orgsim sweep SPEC --out DIR --retry-failed')"
            )
            continue
        if np.ptp(y) == 0:
            skipped[outcome] = f"constant ({y[0]:g}) at every design point: nothing to apportion"
            continue
        assert np.isfinite(y).all()  # never hand NaN to SALib (Sobol turns it into zeros)
        # a separate, reproducible bootstrap stream per outcome
        sub_seed = int(np.random.SeedSequence([seed, k]).generate_state(1)[0])
        if kind == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(
                problem,
                y,
                calc_second_order=second,
                num_resamples=resamples,
                conf_level=level,
                print_to_console=False,
                seed=sub_seed,
            )
            rows += _rows(outcome, kind, "S1", names, res["S1"], res["S1_conf"])
            rows += _rows(outcome, kind, "ST", names, res["ST"], res["ST_conf"])
            if second:
                for i in range(len(names)):
                    for j in range(i + 1, len(names)):
                        r = _rows(outcome, kind, "S2", [names[i]], [res["S2"][i, j]], [res["S2_conf"][i, j]])[0]
                        r["factor2"] = names[j]
                        rows.append(r)
        elif kind == "fast":
            import warnings

            from SALib.analyze import fast

            with warnings.catch_warnings():  # the report says SALib deems FAST's intervals indicative only
                warnings.filterwarnings("ignore", message="FAST confidence intervals", category=UserWarning)
                res = fast.analyze(
                    problem, y, M=4, num_resamples=resamples, conf_level=level, print_to_console=False, seed=sub_seed
                )
            rows += _rows(outcome, kind, "S1", names, res["S1"], res["S1_conf"])
            rows += _rows(outcome, kind, "ST", names, res["ST"], res["ST_conf"])
        elif kind == "morris":
            from SALib.analyze import morris

            if x is None:
                x = _design_matrix(design, runs, names, n_points)
            res = morris.analyze(
                problem,
                x,
                y,
                num_resamples=resamples,
                conf_level=level,
                print_to_console=False,
                num_levels=int(d.get("levels") or 4),
                seed=sub_seed,
            )
            rows += _rows(outcome, kind, "mu_star", names, res["mu_star"], res["mu_star_conf"])
            rows += _rows(outcome, kind, "sigma", names, res["sigma"])
            rows += _rows(outcome, kind, "mu", names, res["mu"])
        else:  # lhs: standardised regression coefficients
            if x is None:
                x = _design_matrix(design, runs, names, n_points)
            beta, r2, lo, hi = _src(x, y, np.random.default_rng(sub_seed), resamples, level)
            src = _rows(outcome, kind, "SRC", names, beta)
            for r, a, b in zip(src, lo, hi, strict=True):
                r.update(ci_low=float(a), ci_high=float(b), conf=float((b - a) / 2.0))
            rows += src
            rows += _rows(outcome, kind, "R2", [""], [r2])
    out = pd.DataFrame(rows, columns=INDEX_COLUMNS) if rows else empty.copy()
    out.attrs["skipped"] = skipped
    out.attrs["note"] = ""
    return out


# -- reading a store -----------------------------------------------------------------------------


@dataclass
class AnalysisResult:
    """Everything ``orgsim analyze`` computes from a store (tables plus what was left out)."""

    meta: dict[str, Any]
    design: pd.DataFrame
    runs: pd.DataFrame  # ok and failed runs (``status``, ``error``)
    summary: pd.DataFrame
    indices: pd.DataFrame
    variance: pd.DataFrame
    failed: pd.DataFrame  # run_id, point, rep, error
    n_missing: int  # runs of the design not attempted yet
    skipped: dict[str, str] = field(default_factory=dict)  # outcome -> why it has no indices
    notes: list[str] = field(default_factory=list)  # everything worth saying: indices, exclusions, remarks
    index_note: str = ""  # why the design has no indices at all (factorial); also the first of ``notes``
    remarks: list[str] = field(default_factory=list)  # the notes that are about neither (e.g. one replication)

    @property
    def kind(self) -> str:
        return str(self.meta["design"]["kind"])

    @property
    def factors(self) -> list[str]:
        return list(self.meta["factor_names"])

    @property
    def outcomes(self) -> list[str]:
        return list(self.meta["outcomes"])

    @property
    def incomplete(self) -> list[str]:
        """Outcomes whose indices the design cannot give because design points lack successful runs."""
        return [o for o, why in self.skipped.items() if MISSING in why]

    @property
    def n_ok(self) -> int:
        return int((self.runs["status"] == "ok").sum())


def analyze(path: str | os.PathLike[str], *, resamples: int = RESAMPLES) -> AnalysisResult:
    """Read the store ``path`` and compute the summary, seed variance and indices."""
    import pandas as pd

    from orgsim.experiments import store

    meta = store.read_meta(path)
    design = store.read_design(path)
    runs = store.load(path, include_failed=True)
    factors, outcomes = list(meta["factor_names"]), list(meta["outcomes"])
    ok = runs[runs["status"] == "ok"]
    failed = runs.loc[runs["status"] != "ok", ["run_id", "point", "rep", "error"]].reset_index(drop=True)
    n_missing = int(meta["n_runs"]) - len(runs)
    if ok.empty:
        raise OutputError(
            f"{path}: no successful runs to analyse ({len(failed)} failed, {n_missing} not run yet; "
            "see _manifest.jsonl)"
        )
    seed = int(meta["design"].get("seed") or meta.get("master_seed") or 0) % 2**32
    summary = point_summary(runs, factors, outcomes, design=design)
    variance = seed_variance(runs, outcomes, seed=seed, resamples=resamples)
    idx = indices(runs, meta, outcomes, design=design, seed=seed, resamples=resamples)
    notes = []
    if idx.attrs.get("note"):
        notes.append(idx.attrs["note"])
    if len(failed):
        notes.append(f"{len(failed)} failed run(s) excluded from every statistic")
    if n_missing > 0:
        notes.append(f"{n_missing} run(s) of the design not run yet (an unfinished sweep: rerun it to resume)")
    remarks = []
    if int(meta.get("replications", 1)) < 2:
        remarks.append("one replication per point: no within-point variance, CIs or seed share")
    notes += remarks
    skipped = dict(idx.attrs.get("skipped", {}))
    index_note = str(idx.attrs.get("note") or "")
    idx = pd.DataFrame(idx)  # plain frame (attrs live in the result)
    idx.attrs = {}
    return AnalysisResult(
        meta, design, runs, summary, idx, variance, failed, n_missing, skipped, notes, index_note, remarks
    )


# -- plots ---------------------------------------------------------------------------------------


def _factor_levels(meta: Mapping[str, Any], factor: str, present: Sequence[Any]) -> list[Any]:
    """Levels of a factorial factor in the spec's order (labels or values), then any others present."""
    for f in meta.get("factors", []):
        if f.get("name") == factor:
            order = list(f.get("labels") or f.get("values") or [])
            break
    else:
        order = []
    extra = [v for v in present if v not in order]
    return [v for v in order if v in set(present)] + sorted(extra, key=str)


def _is_numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _panel_factorial(ax: Axes, summ: pd.DataFrame, meta: Mapping[str, Any], factor: str) -> list[float]:
    """Points (mean with 95 % CI over replications) per level, and the level mean with its 95 % band."""
    import numpy as np

    summ = summ[summ["n"] > 0]
    levels = _factor_levels(meta, factor, list(summ[factor].unique()))
    numeric = _is_numeric(levels)
    pos = {lv: (float(lv) if numeric else float(i)) for i, lv in enumerate(levels)}
    x = summ[factor].map(pos).to_numpy(dtype=float)
    width = (max(pos.values()) - min(pos.values()) or 1.0) * 0.04
    offsets = summ.groupby(factor).cumcount().to_numpy() - summ.groupby(factor)["point"].transform("size") / 2.0
    xs = x + offsets.to_numpy() * width / 2.0
    err = np.vstack([summ["mean"] - summ["ci_low"], summ["ci_high"] - summ["mean"]])
    ax.errorbar(
        xs,
        summ["mean"],
        yerr=np.nan_to_num(err),
        fmt="o",
        ms=3,
        color=POINT_COLOUR,
        alpha=0.6,
        elinewidth=0.8,
        capsize=0,
        label="design point (mean, 95 % CI)",
    )
    # level mean = mean of the point means; its SE combines the points' SEs (seed noise only)
    lx, lm, lo, hi = [], [], [], []
    for lv in levels:
        sub = summ[summ[factor] == lv]
        k = len(sub)
        m = float(sub["mean"].mean())
        se = float(np.sqrt(np.nansum(sub["se"].to_numpy() ** 2)) / k) if sub["se"].notna().any() else math.nan
        lx.append(pos[lv])
        lm.append(m)
        lo.append(m - 1.96 * se)
        hi.append(m + 1.96 * se)
    ax.fill_between(lx, lo, hi, color=MEAN_COLOUR, alpha=0.2, linewidth=0)
    ax.plot(lx, lm, "-", color=MEAN_COLOUR, linewidth=2, marker="s", ms=4, label="level mean (95 % band)")
    if not numeric:
        ax.set_xticks(list(pos.values()), [str(v) for v in levels])
    ax.set_xlabel(factor)
    return [*lo, *hi]


def _panel_sampled(ax: Axes, summ: pd.DataFrame, factor: str, rng: np.random.Generator) -> list[float]:
    """Point means (95 % CI over replications) against a sampled factor, with a binned mean and band."""
    import numpy as np

    from orgsim.stats import bootstrap_mean

    summ = summ[summ["n"] > 0].sort_values(factor)
    x = summ[factor].to_numpy(dtype=float)
    y = summ["mean"].to_numpy(dtype=float)
    err = np.vstack([y - summ["ci_low"].to_numpy(), summ["ci_high"].to_numpy() - y])
    ax.errorbar(
        x,
        y,
        yerr=np.nan_to_num(err),
        fmt="o",
        ms=2.5,
        color=POINT_COLOUR,
        alpha=0.45 if len(x) <= 60 else 0.25,
        elinewidth=0.6,
        capsize=0,
        label="design point (mean, 95 % CI)",
    )
    uniq = np.unique(x)
    if len(uniq) <= 12:  # few distinct values (a small design): one group per value
        which = np.searchsorted(uniq, x)
        n_groups = len(uniq)
    else:  # quantile bins of about equal numbers of points
        edges = np.quantile(x, np.linspace(0, 1, min(10, len(uniq) // 3) + 1))
        which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
        n_groups = len(edges) - 1
    bx, bm, lo, hi = [], [], [], []
    for b in range(n_groups):
        vals = y[which == b]
        if len(vals) == 0:
            continue
        est = bootstrap_mean(vals, rng, resamples=1000)
        bx.append(float(x[which == b].mean()))
        bm.append(est.value)
        lo.append(est.low)
        hi.append(est.high)
    if len(bx) >= 2:
        ax.fill_between(bx, lo, hi, color=MEAN_COLOUR, alpha=0.2, linewidth=0)
        ax.plot(bx, bm, "-", color=MEAN_COLOUR, linewidth=2, label="binned mean of the points (95 % band)")
    ax.set_xlabel(factor)
    return [*lo, *hi]


def _shared_ylim(axes: Sequence[Axes], summ: pd.DataFrame, bands: Sequence[float]) -> bool:
    """One y range for all panels: the point means and bands, intervals up to the means' spread beyond.

    With few replications (a t quantile of 12.7 for two) the per-point intervals would otherwise
    flatten everything else; returns whether some interval is cut.
    """
    import numpy as np

    core = np.concatenate([summ["mean"].to_numpy(dtype=float), np.asarray(bands, dtype=float)])
    core = core[np.isfinite(core)]
    if len(core) == 0:
        return False
    lo, hi = float(core.min()), float(core.max())
    span = (hi - lo) or abs(hi) or 1.0
    ci = np.concatenate([summ["ci_low"].to_numpy(dtype=float), summ["ci_high"].to_numpy(dtype=float)])
    ci = ci[np.isfinite(ci)]
    clipped = False
    if len(ci):
        clipped = bool(ci.min() < lo - span or ci.max() > hi + span)
        lo, hi = max(min(lo, float(ci.min())), lo - span), min(max(hi, float(ci.max())), hi + span)
    pad = 0.05 * ((hi - lo) or 1.0)
    for ax in axes:
        ax.set_ylim(lo - pad, hi + pad)
    return clipped


def _grid(n: int) -> tuple[int, int]:
    cols = min(n, 4)
    return math.ceil(n / cols), cols


def plot_response(result: AnalysisResult, outcome: str, path: Path, *, seed: int = 0, dpi: int = 100) -> Path:
    """Outcome against every factor: one panel per factor, with bands."""
    import numpy as np

    from orgsim.plot import new_figure, save_figure

    summ = result.summary[result.summary["outcome"] == outcome]
    factors = result.factors
    rows, cols = _grid(len(factors))
    fig = new_figure((3.6 * cols + 0.6, 3.0 * rows + 0.8))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    rng = np.random.default_rng(seed)
    bands: list[float] = []
    for i, (ax, factor) in enumerate(zip(axes, factors, strict=False)):
        if result.kind == "factorial":
            bands += _panel_factorial(ax, summ, result.meta, factor)
        else:
            bands += _panel_sampled(ax, summ, factor, rng)
        role = _role(result.meta, factor)
        ax.set_title(f"{factor} ({role})" if role else factor, fontsize="medium")
        ax.grid(True, alpha=0.3, linewidth=0.5)
        if i % cols == 0:
            ax.set_ylabel(outcome)
        if i == 0:
            ax.legend(fontsize="x-small", loc="best")
    for ax in axes[len(factors) :]:
        ax.set_visible(False)
    clipped = _shared_ylim(axes[: len(factors)], summ, bands)
    reps = result.meta.get("replications", "?")
    fig.suptitle(
        f"{result.meta.get('name', 'sweep')} · {outcome} · {DESIGN_NAMES.get(result.kind, result.kind)} design · "
        f"{len(result.design)} points × {reps} replications" + (" · long intervals clipped" if clipped else ""),
        fontsize="medium",
    )
    return save_figure(fig, path, dpi)


def plot_indices(result: AnalysisResult, outcome: str, path: Path, *, dpi: int = 100) -> Path | None:
    """Bar chart of an outcome's indices per factor, with confidence intervals where they exist."""
    import numpy as np

    from orgsim.plot import new_figure, save_figure

    sub = result.indices[result.indices["outcome"] == outcome]
    bars = BARS.get(result.kind, ())
    if sub.empty or not bars:
        return None
    factors = result.factors
    fig = new_figure((max(6.0, 1.5 + 0.9 * len(factors)), 4.2))
    ax = fig.subplots()
    width = 0.8 / len(bars)
    x = np.arange(len(factors))
    for j, ((index, label), colour) in enumerate(zip(bars, BAR_COLOURS, strict=False)):
        part = sub[sub["index"] == index].set_index("factor").reindex(factors)
        v = part["value"].to_numpy(dtype=float)
        lo = part["ci_low"].to_numpy(dtype=float)
        hi = part["ci_high"].to_numpy(dtype=float)
        has_ci = np.isfinite(lo).any()
        yerr = np.vstack([np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)]) if has_ci else None
        ax.bar(
            x + (j - (len(bars) - 1) / 2) * width,
            v,
            width,
            color=colour,
            yerr=None if yerr is None else np.nan_to_num(yerr),
            capsize=3,
            label=label + (" (95 % CI)" if has_ci else ""),
        )
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xticks(x, factors, rotation=30, ha="right")
    ax.set_ylabel("index")
    ax.grid(True, axis="y", alpha=0.3, linewidth=0.5)
    ax.legend(fontsize="small")
    ax.set_title(
        f"{result.meta.get('name', 'sweep')} · {outcome}\n{DESIGN_NAMES.get(result.kind, result.kind)} "
        f"indices on the means of {result.meta.get('replications', '?')} replications per point",
        fontsize="medium",
    )
    return save_figure(fig, path, dpi)


# -- report --------------------------------------------------------------------------------------


def _role(meta: Mapping[str, Any], factor: str) -> str:
    for f in meta.get("factors", []):
        if f.get("name") == factor:
            return str(f.get("role", ""))
    return ""


def _factor_text(f: Mapping[str, Any]) -> str:
    if f.get("range") is not None:
        return f"uniform on [{_num(f['range'][0])}, {_num(f['range'][1])}]"
    levels = f.get("labels") or f.get("values") or []
    return ", ".join(str(v) for v in levels)


def _ci(v: Any, lo: Any, hi: Any) -> str:
    if not (math.isfinite(float(lo)) and math.isfinite(float(hi))):
        return _num(v)
    return f"{_num(v)} [{_num(lo)}, {_num(hi)}]"


def _index_section(result: AnalysisResult, outcome: str, img_rel: str, images: set[str]) -> list[str]:
    sub = result.indices[result.indices["outcome"] == outcome]
    kind = result.kind
    lines = [f"### {outcome}", ""]
    if outcome in result.skipped:
        return [*lines, f"No indices: {result.skipped[outcome]}.", ""]

    def get(index: str, factor: str) -> Any:
        hit = sub[(sub["index"] == index) & (sub["factor"] == factor) & (sub["factor2"] == "")]
        return hit.iloc[0] if len(hit) else None

    rows = []
    if kind in ("sobol", "fast"):
        header = ["factor", "role", "S1 [95 % CI]", "ST [95 % CI]"]
        for f in result.factors:
            s1, st = get("S1", f), get("ST", f)
            rows.append(
                (
                    st["value"],
                    [
                        f"`{f}`",
                        _role(result.meta, f),
                        _ci(*s1[["value", "ci_low", "ci_high"]]),
                        _ci(*st[["value", "ci_low", "ci_high"]]),
                    ],
                )
            )
    elif kind == "morris":
        header = ["factor", "role", "μ* [95 % CI]", "σ", "μ"]
        for f in result.factors:
            ms, sg, mu = get("mu_star", f), get("sigma", f), get("mu", f)
            rows.append(
                (
                    ms["value"],
                    [
                        f"`{f}`",
                        _role(result.meta, f),
                        _ci(*ms[["value", "ci_low", "ci_high"]]),
                        _num(sg["value"]),
                        _num(mu["value"]),
                    ],
                )
            )
    else:  # lhs
        header = ["factor", "role", "SRC [95 % CI]"]
        for f in result.factors:
            src = get("SRC", f)
            rows.append(
                (abs(src["value"]), [f"`{f}`", _role(result.meta, f), _ci(*src[["value", "ci_low", "ci_high"]])])
            )
    rows.sort(key=lambda r: -r[0] if math.isfinite(float(r[0])) else math.inf)
    lines += _table(header, [r for _, r in rows])
    if kind == "lhs":
        r2 = sub[sub["index"] == "R2"]
        if len(r2):
            lines += ["", f"R² of the linear regression on the factors: {_num(r2.iloc[0]['value'])}."]
    if kind == "sobol":
        s2 = sub[sub["index"] == "S2"].sort_values("value", ascending=False)
        if len(s2):
            top = [f"`{r.factor}`×`{r.factor2}` {_ci(r.value, r.ci_low, r.ci_high)}" for r in s2.head(5).itertuples()]
            lines += ["", "Largest second-order indices S2: " + "; ".join(top) + "."]
    name = f"indices_{outcome}.png"
    if name in images:
        lines += ["", f"![{outcome} indices]({img_rel}/{name})"]
    return [*lines, ""]


METHOD = {
    "sobol": "Sobol indices from SALib's Saltelli estimator (`SALib.analyze.sobol`): S1 is the share of the "
    "outcome's variance a factor explains alone, ST the share it takes part in, interactions included "
    "(ST − S1 large: the factor acts through interactions; ST ≈ 0: the outcome does not depend on it). "
    "Intervals are SALib's bootstrap confidence intervals; an index whose interval includes 0 is not "
    "distinguishable from no effect at this sample size.",
    "fast": "First-order and total indices from SALib's extended FAST (`SALib.analyze.fast`); read them as "
    "Sobol's S1 and ST. SALib itself flags FAST's bootstrap intervals as unreliable: treat them as rough.",
    "morris": "Morris elementary effects (`SALib.analyze.morris`): μ* (mean absolute effect of moving a factor "
    "by one level step) ranks the factors, σ (spread of the effects) large relative to μ* means the "
    "effect depends on the other factors (interactions or non-linearity); μ is the signed mean. The "
    "interval of μ* is SALib's bootstrap interval.",
    "lhs": "No variance-based indices for a Latin hypercube: standardised regression coefficients (SRC) of the "
    "point means on the factors instead, with percentile bootstrap intervals over points; they describe "
    "the linear part of each effect only (see R²: a low R² means most variance is not linear in the factors).",
    "factorial": "No sensitivity indices for a full factorial design: read the per-point summary and the "
    "response plots (level means with 95 % bands).",
}


def _code_versions_line(runs: pd.DataFrame) -> list[str]:
    """The code version(s) that made the ok runs; more than one is flagged (a store resumed with
    ``--allow-code-change`` mixes model versions)."""
    if "code_version" not in runs.columns:
        return []
    counts = runs.loc[runs["status"] == "ok", "code_version"].fillna("unknown").value_counts()
    if len(counts) == 0:
        return []
    if len(counts) == 1:
        return [f"- code version: `{counts.index[0]}`"]
    parts = ", ".join(f"`{v}` ({n} runs)" for v, n in sorted(counts.items()))
    return [f"- **the runs come from {len(counts)} code versions**: {parts}; compare them before pooling"]


def render_markdown(result: AnalysisResult, images: Sequence[str] = (), img_rel: str = "img") -> str:
    """The analysis as a short Markdown report (figures linked as ``img_rel/<name>``)."""
    meta, kind = result.meta, result.kind
    images_set = set(images)
    n_pts = len(result.design)
    reps = meta.get("replications", "?")
    lines = [
        f"# Analysis of sweep `{meta.get('name', '?')}`",
        "",
        "Generated by `orgsim analyze`; do not edit by hand. Numbers: `summary.csv`, `indices.csv`, "
        "`variance.csv` (and `.parquet`) beside this file.",
        "",
    ]
    if meta.get("description"):
        lines += [" ".join(str(meta["description"]).split()), ""]
    lines += [
        "## Settings",
        "",
        f"- design: {DESIGN_NAMES.get(kind, kind)}, {n_pts} points × {reps} replications = {meta.get('n_runs')} runs "
        f"(master seed {meta.get('master_seed')}, base scenario `{meta.get('spec', {}).get('scenario', '?')}`)",
        f"- runs: **{result.n_ok} ok**, {len(result.failed)} failed, {result.n_missing} not run yet",
        f"- orgsim {meta.get('orgsim_version', '?')}, commit {str(meta.get('git_commit') or 'unknown')[:10]}, "
        f"created {meta.get('created', '?')}",
        *_code_versions_line(result.runs),
        "",
        *_table(
            ["factor", "role", "levels / range"],
            [[f"`{f['name']}`", f.get("role", ""), _factor_text(f)] for f in meta.get("factors", [])],
        ),
        "",
    ]
    if len(result.failed) or result.n_missing:
        lines += ["## Excluded runs", ""]
        if len(result.failed):
            lines.append(f"{len(result.failed)} failed run(s) are excluded from every statistic:")
            lines.append("")
            for r in result.failed.head(20).itertuples():
                lines.append(f"- `{r.run_id}`: {md_cell(r.error)}")
            if len(result.failed) > 20:
                lines.append(f"- … and {len(result.failed) - 20} more (see `_manifest.jsonl`)")
            lines.append("")
        if result.n_missing:
            lines += [
                f"{result.n_missing} run(s) of the design have not run yet (an unfinished sweep: rerun it to resume).",
                "",
            ]
    if result.remarks:
        lines += ["## Notes", "", *[f"- {note}" for note in result.remarks], ""]
    lines += [
        "## Share of variance due to the seed",
        "",
        "Within-point (replication) variance over the total variance of the runs, per outcome: near 1, the "
        "factors barely move the outcome compared with chance; near 0, the seed barely matters. "
        "'Noise in point means' is the part of the variance of the per-point means (what the indices "
        "analyse) that is still seed noise; above about 0.2 the indices mix noise with effects and more "
        "replications are needed.",
        "",
    ]
    rows = [
        [f"`{r.outcome}`", _ci(r.share_seed, r.share_low, r.share_high), _num(r.share_seed_in_means), r.n_points]
        for r in result.variance.itertuples()
    ]
    lines += [*_table(["outcome", "seed share [95 % CI]", "noise in point means", "points"], rows), ""]
    lines += ["## Sensitivity indices", "", METHOD.get(kind) or result.index_note, ""]
    if kind != "factorial":
        lines += [
            f"Y = the mean over the successful replications of each design point ({n_pts} points, in SALib's order).",
            "",
        ]
        for outcome in result.outcomes:
            lines += _index_section(result, outcome, img_rel, images_set)
    if n_pts <= 30:
        shown = result.outcomes[:6]
        lines += ["## Design points", "", "Mean [95 % CI] over replications (all outcomes in `summary.csv`).", ""]
        s = result.summary
        rows = []
        for point, grp in s.groupby("point", sort=True):
            first = grp.iloc[0]
            cells = [point, *[_num(first[f]) for f in result.factors], int(grp["n"].max())]
            by = grp.set_index("outcome")
            cells += [_ci(by.loc[o, "mean"], by.loc[o, "ci_low"], by.loc[o, "ci_high"]) for o in shown]
            rows.append(cells)
        lines += [*_table(["point", *result.factors, "n", *shown], rows), ""]
    responses = [f"response_{o}.png" for o in result.outcomes if f"response_{o}.png" in images_set]
    if responses:
        lines += [
            "## Outcomes against the factors",
            "",
            "Grey: each design point's mean with its 95 % interval over replications; blue: the mean per level "
            + (
                "(mean of the point means, band ±1.96 standard errors from the replications)."
                if kind == "factorial"
                else "(binned over the factor's range, band: bootstrap 95 % interval)."
            ),
            "",
            *[f"![{name[9:-4]}]({img_rel}/{name})" for name in responses],
            "",
        ]
    return "\n".join(lines)


# -- writing -------------------------------------------------------------------------------------


def _csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write(
    path: str | os.PathLike[str],
    result: AnalysisResult,
    out: str | os.PathLike[str] | None = None,
    *,
    plots: bool = True,
    dpi: int = 100,
) -> Path:
    """Write the analysis into ``out`` (default ``path/analysis``); returns the report's path."""
    from orgsim.io import atomic_write, prepare_dir, write_table

    folder = prepare_dir(Path(path) / ANALYSIS_DIR if out is None else out)
    img = folder / "img"
    written: list[str] = []
    seed = int(result.meta["design"].get("seed") or 0)
    try:
        for name, df in (("summary", result.summary), ("indices", result.indices)):
            atomic_write(folder / f"{name}.csv", lambda fh, d=df: fh.write(_csv_bytes(d)))
            write_table(df, folder / f"{name}.parquet")
        atomic_write(folder / "variance.csv", lambda fh: fh.write(_csv_bytes(result.variance)))
        if plots:
            prepare_dir(img)
            for outcome in result.outcomes:
                if (result.summary.loc[result.summary["outcome"] == outcome, "n"] > 0).any():
                    plot_response(result, outcome, img / f"response_{outcome}.png", seed=seed, dpi=dpi)
                    written.append(f"response_{outcome}.png")
                if plot_indices(result, outcome, img / f"indices_{outcome}.png", dpi=dpi) is not None:
                    written.append(f"indices_{outcome}.png")
        if img.is_dir():  # charts of an earlier analysis that this one did not redraw
            for stale in img.glob("*.png"):
                if stale.name not in written:
                    stale.unlink()
        text = render_markdown(result, written, "img")
        return atomic_write(folder / "REPORT.md", lambda fh: fh.write(text.encode("utf-8")))
    except OSError as err:
        raise OutputError(f"{folder}: cannot write the analysis: {err.strerror or err}") from None


# -- command line --------------------------------------------------------------------------------


def cmd_analyze(args: argparse.Namespace) -> int:
    """``orgsim analyze DIR``: analyse, write, print where.

    Exit 0, or 1 if failed (or not yet run) runs left a design point without data, so that the
    design's indices could not be computed for some outcome (everything else is still written).
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # SALib's divisions on tiny designs; NaN is reported
        result = analyze(args.store, resamples=args.resamples)
        report = write(args.store, result, args.out, plots=not args.no_plots)
    print(
        f"{result.meta.get('name')}: {DESIGN_NAMES.get(result.kind, result.kind)} design, {len(result.design)} points; "
        f"{result.n_ok} runs analysed, {len(result.failed)} failed (excluded), {result.n_missing} not run yet"
    )
    for r in result.failed.head(10).itertuples():
        print(f"  excluded {r.run_id}: {r.error}")
    for outcome, why in result.skipped.items():
        print(f"  no indices for {outcome}: {why}")
    print(f"report: {report}")
    return 1 if result.incomplete else 0
