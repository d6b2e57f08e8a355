"""Capability stocks with depreciation, one firm at a time (compiled where the quarter calls them).

Every stock ``K`` in [0, 1] moves as ``K + g * I * (1 - K) - d * K``: investment ``I`` (spend per
unit of revenue per firm, or 1 for a quarter of joint work) builds it with diminishing returns,
and it depreciates at rate ``d``. Data integration is built by governed marketing IT and torn into
silos by shadow IT; shadow IT accumulates as a stock that raises the security incident rate.
"""

from __future__ import annotations

from typing import NamedTuple

from numba.extending import register_jitable


class StockParams(NamedTuple):
    """The firm parameters of phase 4 (see docs/ODD.md for each one's meaning and source)."""

    unit: float  # revenue per firm and quarter at an equal share: spending is measured in these units
    appraisal_gain: float
    waste_max: float
    analytics_leverage: float
    quality_growth: float
    quality_decay: float
    analytics_growth: float
    analytics_decay: float
    shadow_speed: float
    integration_growth: float
    silo_growth: float
    integration_decay: float
    experience_growth: float
    experience_decay: float
    roi_growth: float
    roi_decay: float
    appraisal_growth: float
    appraisal_decay: float
    shadow_decay: float
    incident_rate: float
    security_protection: float
    shadow_risk: float
    incidents_on: bool
    incident_quality_loss: float
    incident_cost: float  # per incident, in % of ``unit``
    variable_cost: float


@register_jitable
def stock_step(level, investment, growth, decay):
    """One quarter of a bounded capability stock."""
    return min(max(level + growth * investment * (1.0 - level) - decay * level, 0.0), 1.0)


@register_jitable
def integration_step(level, governed, shadow, growth, silo, decay):
    """Data integration: built by governed marketing IT, torn into silos by shadow IT."""
    out = level + growth * governed * (1.0 - level) - silo * shadow * level - decay * level
    return min(max(out, 0.0), 1.0)


@register_jitable
def incident_rate(threat, quality, shadow_stock, base, protection, shadow_risk):
    """Expected incidents per quarter: threat x unprotected share x (1 + shadow exposure)."""
    return base * threat * (1.0 - protection * quality) * (1.0 + shadow_risk * shadow_stock)


@register_jitable
def waste_share(roi, waste_max):
    """Share of campaign spend wasted for lack of ROI measurement."""
    return waste_max * (1.0 - roi)


@register_jitable
def move_stocks(stocks, money, roi_work, appraisal_work, p):
    """One firm's quarter of capability stocks, in place.

    ``stocks`` = [quality, analytics, integration, experience, roi, appraisal, shadow stock];
    ``money`` = the firm's spending lines (budget, marketing, IT core, governed marketing IT, shadow
    IT, finance, conflict, tech claim; :data:`orgsim.model.rules.budget.LINES`); ``roi_work`` and
    ``appraisal_work`` are this quarter's CMO-CFO and CIO-CFO joint work (0 or 1). Investment
    appraisal makes IT spend go further; ROI measurement cuts wasted campaign spend; analytics
    leverages campaigns; analytics grows on governed and (faster) shadow marketing IT, but only on
    integrated data.
    """
    quality, analytics, integration, experience, roi, appraisal, shadow_stock = (
        stocks[0], stocks[1], stocks[2], stocks[3], stocks[4], stocks[5], stocks[6],
    )  # fmt: skip
    it_eff = 1.0 + p.appraisal_gain * appraisal
    core = money[2] / p.unit * it_eff
    governed = money[3] / p.unit * it_eff
    shadow = money[4] / p.unit
    campaigns = money[1] / p.unit * (1.0 - waste_share(roi, p.waste_max))
    lever = 1.0 - p.analytics_leverage + p.analytics_leverage * analytics
    stocks[0] = stock_step(quality, core, p.quality_growth, p.quality_decay)
    stocks[1] = stock_step(
        analytics, (governed + p.shadow_speed * shadow) * integration, p.analytics_growth, p.analytics_decay
    )
    stocks[2] = integration_step(
        integration, governed, shadow, p.integration_growth, p.silo_growth, p.integration_decay
    )
    stocks[3] = stock_step(experience, campaigns * lever, p.experience_growth, p.experience_decay)
    stocks[4] = stock_step(roi, roi_work, p.roi_growth, p.roi_decay)
    stocks[5] = stock_step(appraisal, appraisal_work, p.appraisal_growth, p.appraisal_decay)
    stocks[6] = shadow_stock * (1.0 - p.shadow_decay) + shadow


@register_jitable
def incident_damage(quality, incidents, revenue, budget, p):
    """Quality after ``incidents`` security incidents, and the quarter's profit after their cost."""
    quality = quality * (1.0 - p.incident_quality_loss) ** float(incidents)
    loss = incidents * p.incident_cost / 100.0 * p.unit
    return quality, revenue * (1.0 - p.variable_cost) - budget - loss
