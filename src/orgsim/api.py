"""The model as plain functions: ``simulate`` (tables) and ``run`` (scalar outcomes)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.scenario.files import load
from orgsim.scenario.schema import ScenarioConfig

#: scalar outcomes of a run, means over the last four quarters and all firms unless stated
OUTCOMES = {
    "influence_cmo": "CMO influence share",
    "influence_cio": "CIO influence share",
    "influence_cfo": "CFO influence share",
    "coop_cmo_cio": "share of quarters in which CMO and CIO worked together",
    "coop_cmo_cfo": "share of quarters in which CMO and CFO worked together",
    "coop_cio_cfo": "share of quarters in which CIO and CFO worked together",
    "cmo_briefs_ceo": "share of CMOs briefing the CEO",
    "it_marketing_share": "governed marketing IT as a share of the IT budget",
    "cmo_tech_share": "CMO-controlled (shadow) technology spend as a share of all technology spend",
    "cmo_tech_claim_share": "the CMO's technology claim as a share of all technology spend",
    "revenue": "revenue per firm and quarter",
    "profit": "profit per firm and quarter",
    "margin": "profit / revenue",
    "data_integration": "data integration (1 - silo index)",
    "analytics": "analytics capability",
    "experience": "customer experience",
    "quality": "product / operations quality",
    "roi_measurement": "ROI measurement",
    "incidents": "security incidents per firm and quarter",
    "market_concentration": "Herfindahl index of market shares",
}


def _mean_ratio(num: np.ndarray, den: np.ndarray) -> float:
    """Mean of num/den over rows, a row with den == 0 counting as 0 (as the model's margin does)."""
    return float(np.mean(np.divide(num, den, out=np.zeros_like(num), where=den != 0)))


def outcomes(firms: pd.DataFrame, last: int = 4) -> dict[str, float]:
    """Scalar outcomes of one run's ``firms`` table (means over the last ``last`` quarters)."""
    return _outcomes(lambda c: firms[c].to_numpy(dtype=float), firms["step"].to_numpy(), set(firms.columns), last)


def _outcomes(
    column: Callable[[str], np.ndarray], step: np.ndarray, columns: set[str], last: int = 4
) -> dict[str, float]:
    """:func:`outcomes` from the firm table's columns as arrays (``column(name)``, all rows).

    The numbers are those of the pandas expressions ``tail.mean()`` and
    ``(tail.market_share ** 2).groupby(tail.step).sum().mean()``: the same sums in the same order
    (pairwise per column; sequential per quarter), at a fraction of pandas' cost (tests/test_api.py
    compares them to rounding).
    """
    tail = step > int(step.max()) - last
    order = np.argsort(step[tail], kind="stable")  # quarters in order; rows of a quarter as they come

    def col(name: str) -> np.ndarray:
        return column(name)[tail]

    n = int(tail.sum())
    out = {k: float(np.add.reduce(col(k))) / n for k in OUTCOMES if k in columns}
    it_total = col("budget_it_core") + col("budget_it_marketing")
    tech_total = it_total + col("shadow_it")
    out["it_marketing_share"] = _mean_ratio(col("budget_it_marketing"), it_total)
    out["cmo_tech_share"] = _mean_ratio(col("shadow_it"), tech_total)
    out["cmo_tech_claim_share"] = _mean_ratio(col("cmo_tech_claim"), tech_total)
    out["margin"] = _mean_ratio(col("profit"), col("revenue"))
    quarters = step[tail][order]
    starts = np.flatnonzero(np.r_[True, quarters[1:] != quarters[:-1]])
    per_quarter = np.add.reduceat((col("market_share") ** 2)[order], starts)  # Herfindahl index per quarter
    out["market_concentration"] = float(np.add.reduce(per_quarter)) / len(per_quarter)
    return {k: out[k] for k in OUTCOMES}


@dataclass
class Results:
    """One run: its resolved configuration, seed and tables."""

    config: ScenarioConfig
    seed: int
    firms: pd.DataFrame
    executives: pd.DataFrame | None
    wall_time: float
    run_id: str = ""
    outcomes: dict[str, float] = field(default_factory=dict)

    @property
    def summary(self) -> pd.DataFrame:
        """One row: run id, scenario, seed and the scalar outcomes."""
        row = {"run_id": self.run_id, "scenario": self.config.name, "seed": self.seed, **self.outcomes}
        return pd.DataFrame([row])


def simulate(
    scenario: str | Path | ScenarioConfig = "baseline",
    seed: int | None = None,
    *,
    run_id: str = "",
    progress: Callable[[int, int], None] | None = None,
    executives: bool = True,
    **overrides: Any,
) -> Results:
    """Run a scenario (name, path or config) to its end and return its tables.

    Keyword overrides use bare parameter names (``firms=4``, ``shadow_it_cap=0.5``, ``steps=20``);
    ``seed`` defaults to the scenario's. ``progress(done, total)`` is called after every quarter.
    ``executives=False`` skips building the executives table (``Results.executives`` is None).
    """
    start = time.perf_counter()
    cfg, seed, model = _run_model(scenario, seed, run_id, progress, overrides)
    firms = model.firm_table()
    wall = time.perf_counter() - start
    execs = model.executive_table() if executives else None
    return Results(cfg, seed, firms, execs, wall, run_id, model_outcomes(model))


def _run_model(
    scenario: str | Path | ScenarioConfig,
    seed: int | None,
    run_id: str,
    progress: Callable[[int, int], None] | None,
    overrides: dict[str, Any],
) -> tuple[ScenarioConfig, int, Any]:
    """Load the scenario, build the Market and run it to its end."""
    from orgsim.model.market import Market

    cfg = load(scenario if isinstance(scenario, ScenarioConfig) else str(scenario), overrides or None)
    seed = cfg.seed if seed is None else int(seed)
    model = Market(cfg, rng=seed, run_id=run_id)
    while model.running:
        model.step()
        if progress is not None:
            progress(model.steps, cfg.steps)
    return cfg, seed, model


def model_outcomes(model: Any, last: int = 4) -> dict[str, float]:
    """:func:`outcomes` of a Market's firm table, read from the model's record without building the table."""
    from orgsim.model.records import FIRM_COLUMNS

    step = np.repeat(np.arange(model.steps + 1), model.n_firms)
    return _outcomes(model.firm_column, step, set(FIRM_COLUMNS), last)


def run(config: dict[str, Any], seed: int) -> dict[str, float]:
    """The model as a plain function of scalar outcomes, for experiment tools.

    ``config`` maps parameter names (bare or dotted) to values; an optional ``"scenario"`` key
    names the base scenario (default ``"baseline"``).
    """
    params = dict(config)
    scenario = params.pop("scenario", "baseline")
    _, _, model = _run_model(scenario, int(np.int64(seed)), "", None, params)
    return model_outcomes(model)
