"""What the model records each quarter: one column list each for firms and executives (no mesa import).

The column indices used by the compiled record (:func:`orgsim.model.quarter.record`) are derived
from these lists (:class:`FirmCol`, :class:`ExecCol`), so a column is added in one place.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

#: per-quarter per-firm columns recorded by the model (see docs/OUTPUTS.md)
FIRM_COLUMNS = (
    "revenue",
    "profit",
    "market_share",
    "budget",
    "budget_marketing",
    "budget_it_core",
    "budget_it_marketing",
    "shadow_it",
    "budget_finance",
    "conflict_loss",
    "cmo_tech_claim",
    "influence_cmo",
    "influence_cio",
    "influence_cfo",
    "coop_cmo_cio",
    "coop_cmo_cfo",
    "coop_cio_cfo",
    "cmo_briefs_ceo",
    "p_coop_cmo_cio",
    "p_coop_cmo_cfo",
    "p_coop_cio_cfo",
    "p_brief",
    "briefings",
    "data_integration",
    "analytics",
    "experience",
    "quality",
    "roi_measurement",
    "it_appraisal",
    "shadow_stock",
    "incidents",
    "pressure",
    "threat",
    "climate",
    "churn",  # written by the Market after the customers' choice (not by the compiled record)
)
#: per-quarter per-executive columns
EXEC_COLUMNS = (
    "influence",
    "coop_cmo",
    "coop_cio",
    "coop_cfo",
    "brief",
    "briefed",
    "attention",
    "brief_gap",
    "brief_foregone",
    "gap_cmo",
    "gap_cio",
    "gap_cfo",
    "foregone_cmo",
    "foregone_cio",
    "foregone_cfo",
    "effort",
    "believed_bids",
    "payoff",
    "credit",
)
PAIR_COLUMNS = ("coop_cmo_cio", "coop_cmo_cfo", "coop_cio_cfo")
#: firm columns recorded as integers in the tables
INT_COLUMNS = ("incidents", "coop_cmo_cio", "coop_cmo_cfo", "coop_cio_cfo", "cmo_briefs_ceo", "briefings")

FirmCol = IntEnum("FirmCol", [(c, i) for i, c in enumerate(FIRM_COLUMNS)])
ExecCol = IntEnum("ExecCol", [(c, i) for i, c in enumerate(EXEC_COLUMNS)])


# Model-level reporters for Mesa's DataCollector (named functions so the model pickles). Each reads
# the market means the model computes once per quarter when it records (Market.market_means).
def mean_influence_cmo(m: Any) -> float:
    return m.market_means["influence_cmo"]


def mean_influence_cio(m: Any) -> float:
    return m.market_means["influence_cio"]


def mean_influence_cfo(m: Any) -> float:
    return m.market_means["influence_cfo"]


def share_coop_cmo_cio(m: Any) -> float:
    return m.market_means["coop_cmo_cio"]


def share_coop_cmo_cfo(m: Any) -> float:
    return m.market_means["coop_cmo_cfo"]


def share_cmo_briefs(m: Any) -> float:
    return m.market_means["cmo_briefs_ceo"]


def mean_profit(m: Any) -> float:
    return m.market_means["profit"]


def pressure_now(m: Any) -> float:
    return m.market_means["pressure"]


REPORTERS = {
    "influence_cmo": mean_influence_cmo,
    "influence_cio": mean_influence_cio,
    "influence_cfo": mean_influence_cfo,
    "coop_cmo_cio": share_coop_cmo_cio,
    "coop_cmo_cfo": share_coop_cmo_cfo,
    "cmo_briefs_ceo": share_cmo_briefs,
    "profit": mean_profit,
    "pressure": pressure_now,
}
#: rows of the firm record averaged for REPORTERS (all but pressure, which is the same for all firms)
MEAN_ROWS = [FIRM_COLUMNS.index(c) for c in list(REPORTERS)[:-1]]
