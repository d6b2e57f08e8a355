"""Scenario configuration: frozen, validated dataclasses (pydantic); no I/O.

Every parameter is declared once here with its default, allowed range, unit, meaning and the
origin of its default. ``docs/ODD.md`` renders its parameter table from these declarations
(``orgsim params``), and a test keeps the two in step.

Leaf names are unique across groups, so a parameter can be addressed either by its dotted path
(``levers.shadow_it_cap``) or by its bare name (``shadow_it_cap``), which is what keyword
arguments to :class:`orgsim.model.market.Market` and :func:`orgsim.simulate` use.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

# Sources of defaults, referenced from the parameter table.
SRC_SEED = "seed"  # the seed articles (shared/seeds), as calibration targets
SRC_CAL = "calibrated"  # set by the calibration procedure against stationarity targets (not the patterns)
SRC_POST = "posterior"  # a point estimate of the ABC posterior against published figures (orgsim.calibration.defaults)
SRC_ASSUMED = "assumed"  # a modelling choice, stated in docs/ODD.md
SRC_LIT = "literature"  # research cited in docs/ODD.md (section 8 maps each such parameter to a section-10 reference)


class ConfigError(ValueError):
    """A scenario, override or flag that cannot be used; the message is one line."""


def P(default: Any, unit: str, source: str, description: str, **kw: Any) -> Any:
    """Declare a parameter: a pydantic Field carrying unit and source for the ODD table."""
    return Field(default, description=description, json_schema_extra={"unit": unit, "source": source}, **kw)


def _check_path(points: list[tuple[int, float]]) -> list[tuple[int, float]]:
    if not points:
        raise ValueError("a time path needs at least one keyframe [quarter, value]")
    quarters = [q for q, _ in points]
    if any(b <= a for a, b in itertools.pairwise(quarters)):
        raise ValueError(f"keyframes must be in strictly increasing quarter order, got quarters {quarters}")
    return points


UnitKeyframe = tuple[Annotated[int, Field(ge=0)], Annotated[float, Field(ge=0.0, le=1.0)]]
ClimateKeyframe = tuple[Annotated[int, Field(ge=0)], Annotated[float, Field(ge=0.2, le=2.0)]]
UnitPath = Annotated[list[UnitKeyframe], AfterValidator(_check_path)]
ClimatePath = Annotated[list[ClimateKeyframe], AfterValidator(_check_path)]


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class MarketParams(_Group):
    """Firms, customers and the customers' choice rule."""

    firms: int = P(8, "firms", SRC_ASSUMED, "competing firms in the market", ge=2, le=120)
    customers: int = P(10_000, "customers", SRC_ASSUMED, "customers in the market", ge=50, le=5_000_000)
    network_degree: int = P(
        10, "neighbours", SRC_LIT, "social-network neighbours each customer listens to", ge=0, le=100
    )
    network_rewiring: float = P(
        0.1,
        "probability",
        SRC_LIT,
        "share of ties drawn at random instead of from the ring neighbourhood (small world)",
        ge=0.0,
        le=1.0,
    )
    taste_mean: float = P(
        0.5, "share", SRC_ASSUMED, "mean taste for experience (vs product), Beta-distributed", gt=0.0, lt=1.0
    )
    taste_concentration: float = P(
        4.0, "1", SRC_ASSUMED, "concentration (a+b) of the taste Beta distribution", ge=0.1, le=1000.0
    )
    reconsider_base: float = P(
        0.08, "1/quarter", SRC_ASSUMED, "share of customers reconsidering their brand at P = 0", ge=0.0, le=1.0
    )
    reconsider_pressure: float = P(
        0.30, "1/quarter", SRC_ASSUMED, "extra reconsideration share at P = 1", ge=0.0, le=1.0
    )
    switching_cost: float = P(
        1.5, "utility", SRC_ASSUMED, "switching cost at P = 0; falls linearly to 0 at P = 1", ge=0.0, le=10.0
    )
    beta_quality: float = P(
        3.0,
        "utility",
        SRC_ASSUMED,
        "weight of product quality in utility (times 1 - experience weight)",
        ge=0.0,
        le=20.0,
    )
    beta_experience: float = P(
        3.0, "utility", SRC_ASSUMED, "weight of customer experience (times experience weight)", ge=0.0, le=20.0
    )
    beta_personalisation: float = P(
        3.0,
        "utility",
        SRC_ASSUMED,
        "weight of analytics-driven personalisation (times experience weight and P)",
        ge=0.0,
        le=20.0,
    )
    beta_word_of_mouth: float = P(
        2.0, "utility", SRC_ASSUMED, "weight of the share of neighbours at a firm", ge=0.0, le=20.0
    )
    experience_weight_floor: float = P(
        0.3, "share", SRC_ASSUMED, "experience weight at P = 0 as a share of taste; rises to 1 at P = 1", ge=0.0, le=1.0
    )
    revenue_per_firm: float = P(
        100.0,
        "money/quarter",
        SRC_ASSUMED,
        "market revenue per firm per quarter at climate 1 (sets the money unit)",
        gt=0.0,
        le=1e9,
    )


class EnvironmentParams(_Group):
    """Exogenous uncertainties as keyframe paths [[quarter, value], ...], linear in between."""

    pressure: UnitPath = P([(0, 0.3)], "0..1", SRC_ASSUMED, "customer-centricity pressure P(t)")
    threat: UnitPath = P([(0, 0.2)], "0..1", SRC_ASSUMED, "security threat H(t)")
    climate: ClimatePath = P([(0, 1.0)], "x revenue", SRC_ASSUMED, "economic climate: market revenue multiplier")
    revenue_noise: float = P(
        0.02, "sd", SRC_ASSUMED, "firm-level revenue shock (sd of a lognormal multiplier per quarter)", ge=0.0, le=0.5
    )


class LeverParams(_Group):
    """Policy levers: governance and mandates the firm (or its CEO) sets."""

    shadow_it_cap: float = P(
        0.2904,
        "share",
        SRC_POST,
        "largest share of the CMO's budget it may spend on technology outside IT",
        ge=0.0,
        le=1.0,
    )
    governance_reach: float = P(
        0.4812,
        "share",
        SRC_POST,
        "share of the CMO's technology money that CMO-CIO joint work brings under IT governance",
        ge=0.0,
        le=1.0,
    )
    roi_mandate: float = P(
        0.0,
        "1/quarter",
        SRC_ASSUMED,
        "probability per quarter that a CEO mandate makes CMO and CFO review ROI together",
        ge=0.0,
        le=1.0,
    )
    budget_rule: Literal["contest", "bargain"] = P(
        "contest", "-", SRC_LIT, "how the contested budget is split: Tullock contest or asymmetric Nash bargain"
    )
    contested_share: float = P(
        0.2,
        "share",
        SRC_LIT,
        "share of the budget re-contested each year (the rest is last year's split)",
        ge=0.0,
        le=1.0,
    )
    budget_share: float = P(
        0.1404, "share", SRC_POST, "discretionary budget as a share of last year's revenue", gt=0.0, le=0.6
    )


class ExecutiveParams(_Group):
    """Executive dispositions at the start (drawn per firm)."""

    influence_cmo: float = P(0.216, "share", SRC_CAL, "CMO's initial influence share", gt=0.0, lt=1.0)
    influence_cio: float = P(0.3494, "share", SRC_CAL, "CIO's initial influence share", gt=0.0, lt=1.0)
    influence_cfo: float = P(0.4346, "share", SRC_CAL, "CFO's initial influence share", gt=0.0, lt=1.0)
    coop_cmo_cio: float = P(
        0.7142, "probability", SRC_CAL, "mean propensity of the CMO to work with the CIO", ge=0.0, le=1.0
    )
    coop_cio_cmo: float = P(
        0.3239, "probability", SRC_CAL, "mean propensity of the CIO to work with the CMO", ge=0.0, le=1.0
    )
    coop_cmo_cfo: float = P(
        0.3097,
        "probability",
        SRC_POST,
        "mean propensity of the CMO to work with the CFO (product ~ 10 % joint work, seed 003)",
        ge=0.0,
        le=1.0,
    )
    coop_cfo_cmo: float = P(
        0.3097,
        "probability",
        SRC_POST,
        "mean propensity of the CFO to work with the CMO (product ~ 10 % joint work, seed 003)",
        ge=0.0,
        le=1.0,
    )
    coop_cio_cfo: float = P(
        0.45, "probability", SRC_ASSUMED, "mean propensity of the CIO to work with the CFO", ge=0.0, le=1.0
    )
    coop_cfo_cio: float = P(
        0.45, "probability", SRC_ASSUMED, "mean propensity of the CFO to work with the CIO", ge=0.0, le=1.0
    )
    brief_mean: float = P(
        0.6299,
        "probability",
        SRC_POST,
        "mean propensity of the CMO to brief the CEO in a quarter at the start (seed 003: 63 %; then learned)",
        ge=0.0,
        le=1.0,
    )
    brief_mean_cio: float = P(
        0.5,
        "probability",
        SRC_ASSUMED,
        "mean propensity of the CIO to brief the CEO in a quarter at the start (then learned)",
        ge=0.0,
        le=1.0,
    )
    brief_mean_cfo: float = P(
        0.7,
        "probability",
        SRC_ASSUMED,
        "mean propensity of the CFO to brief the CEO in a quarter at the start (then learned)",
        ge=0.0,
        le=1.0,
    )
    propensity_concentration: float = P(
        12.0, "1", SRC_ASSUMED, "concentration (a+b) of the Beta draws of propensities", ge=0.1, le=1000.0
    )
    effort_mean: float = P(
        0.5,
        "0..1",
        SRC_ASSUMED,
        "mean political effort in the first budget round (then chosen, if chosen_effort)",
        ge=0.0,
        le=1.0,
    )

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> ExecutiveParams:
        total = self.influence_cmo + self.influence_cio + self.influence_cfo
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"influence_cmo + influence_cio + influence_cfo must sum to 1, got {total:.6g}")
        return self


class FirmParams(_Group):
    """Costs, capability stocks and incidents."""

    variable_cost: float = P(0.6, "share", SRC_ASSUMED, "variable cost as a share of revenue", ge=0.0, lt=1.0)
    start_share_marketing: float = P(
        0.7139,
        "share",
        SRC_CAL,
        "CMO's share of the first budget (campaigns and marketing technology)",
        gt=0.0,
        lt=1.0,
    )
    start_share_finance: float = P(
        0.0539, "share", SRC_CAL, "CFO's share of the first budget; IT gets the rest", gt=0.0, lt=1.0
    )
    tech_claim_max: float = P(
        0.7664, "share", SRC_POST, "largest share of its budget the CMO wants for marketing technology", ge=0.0, le=1.0
    )
    quality_start: float = P(0.6, "0..1", SRC_ASSUMED, "initial product/operations quality", ge=0.0, le=1.0)
    quality_growth: float = P(
        2.5314, "1/spend", SRC_CAL, "quality built per unit of core-IT spend intensity", ge=0.0, le=10.0
    )
    quality_decay: float = P(0.05, "1/quarter", SRC_ASSUMED, "quality depreciation", ge=0.0, le=1.0)
    integration_start: float = P(0.5, "0..1", SRC_ASSUMED, "initial data integration (1 - silo index)", ge=0.0, le=1.0)
    integration_growth: float = P(
        24.2446,
        "1/spend",
        SRC_CAL,
        "integration built per unit of governed marketing-IT spend intensity",
        ge=0.0,
        le=50.0,
    )
    integration_decay: float = P(0.03, "1/quarter", SRC_ASSUMED, "integration eroded by system change", ge=0.0, le=1.0)
    silo_growth: float = P(
        4.0, "1/spend", SRC_ASSUMED, "integration destroyed per unit of shadow-IT spend intensity", ge=0.0, le=50.0
    )
    analytics_start: float = P(0.2, "0..1", SRC_ASSUMED, "initial analytics capability", ge=0.0, le=1.0)
    analytics_growth: float = P(
        0.9256,
        "1/spend",
        SRC_CAL,
        "analytics built per unit of marketing-technology spend on integrated data",
        ge=0.0,
        le=50.0,
    )
    analytics_decay: float = P(0.05, "1/quarter", SRC_ASSUMED, "analytics depreciation", ge=0.0, le=1.0)
    shadow_speed: float = P(
        1.5, "x", SRC_ASSUMED, "productivity of shadow-IT spend relative to governed spend (faster)", ge=0.0, le=10.0
    )
    experience_start: float = P(0.4, "0..1", SRC_ASSUMED, "initial customer experience", ge=0.0, le=1.0)
    experience_growth: float = P(
        1.3212, "1/spend", SRC_CAL, "experience built per unit of effective campaign spend intensity", ge=0.0, le=20.0
    )
    experience_decay: float = P(0.06, "1/quarter", SRC_ASSUMED, "experience depreciation", ge=0.0, le=1.0)
    analytics_leverage: float = P(
        0.6, "share", SRC_ASSUMED, "part of campaign productivity that depends on analytics", ge=0.0, le=1.0
    )
    roi_start: float = P(0.15, "0..1", SRC_ASSUMED, "initial ROI measurement", ge=0.0, le=1.0)
    roi_growth: float = P(
        0.25, "1/quarter", SRC_ASSUMED, "ROI measurement built per quarter of CMO-CFO joint work", ge=0.0, le=1.0
    )
    roi_decay: float = P(0.05, "1/quarter", SRC_ASSUMED, "ROI measurement depreciation", ge=0.0, le=1.0)
    waste_max: float = P(
        0.4, "share", SRC_ASSUMED, "share of campaign spend wasted with no ROI measurement", ge=0.0, le=1.0
    )
    appraisal_start: float = P(0.2, "0..1", SRC_ASSUMED, "initial IT investment appraisal", ge=0.0, le=1.0)
    appraisal_growth: float = P(
        0.25, "1/quarter", SRC_ASSUMED, "appraisal built per quarter of CIO-CFO joint work", ge=0.0, le=1.0
    )
    appraisal_decay: float = P(0.05, "1/quarter", SRC_ASSUMED, "appraisal depreciation", ge=0.0, le=1.0)
    appraisal_gain: float = P(
        0.3, "x", SRC_ASSUMED, "extra effectiveness of IT spend at full appraisal", ge=0.0, le=5.0
    )
    conflict_loss: float = P(
        0.3,
        "share",
        SRC_ASSUMED,
        "share of the contested budget lost at full effort with no cooperation",
        ge=0.0,
        le=1.0,
    )
    contest_exponent: float = P(1.0, "1", SRC_LIT, "Tullock contest decisiveness r", gt=0.0, le=10.0)
    claim_cmo: float = P(
        0.8301,
        "weight",
        SRC_POST,
        "marketing's claim on the contested budget (scales the CMO's contest strength)",
        gt=0.0,
        le=1.0,
    )
    claim_cio: float = P(
        0.4242,
        "weight",
        SRC_ASSUMED,
        "IT's claim on the contested budget (scales the CIO's contest strength; the reference claim: only "
        "the claims' ratios matter, and the posterior's claim_cmo and claim_cfo are relative to it)",
        gt=0.0,
        le=1.0,
    )
    claim_cfo: float = P(
        0.2776,
        "weight",
        SRC_POST,
        "finance's claim on the contested budget (scales the CFO's contest strength)",
        gt=0.0,
        le=1.0,
    )
    incident_rate: float = P(
        1.0,
        "1/quarter",
        SRC_ASSUMED,
        "incidents per quarter at threat 1, no security and no shadow IT",
        ge=0.0,
        le=20.0,
    )
    security_protection: float = P(
        0.8, "share", SRC_ASSUMED, "share of incidents prevented at full quality (security posture)", ge=0.0, le=1.0
    )
    shadow_risk: float = P(
        5.0,
        "x",
        SRC_ASSUMED,
        "added incident rate per unit of installed shadow IT (stock in revenue-per-firm units)",
        ge=0.0,
        le=50.0,
    )
    shadow_decay: float = P(
        0.1, "1/quarter", SRC_ASSUMED, "retirement rate of installed shadow systems", ge=0.0, le=1.0
    )
    incident_quality_loss: float = P(0.05, "share", SRC_ASSUMED, "quality lost per incident", ge=0.0, le=1.0)
    incident_cost: float = P(
        8.0, "% revenue/firm", SRC_ASSUMED, "cost of one incident, in % of revenue per firm", ge=0.0, le=100.0
    )


class InfluenceParams(_Group):
    """How the CEO credits executives (strategic contingencies, resource dependence)."""

    influence_rate: float = P(
        0.15, "1/quarter", SRC_ASSUMED, "speed at which influence follows credited value", gt=0.0, le=1.0
    )
    crit_cmo_base: float = P(0.5, "weight", SRC_ASSUMED, "criticality of the customer domain at P = 0", ge=0.0, le=10.0)
    crit_cmo_pressure: float = P(
        1.5, "weight", SRC_LIT, "added criticality of the customer domain per unit of P", ge=0.0, le=10.0
    )
    crit_cio_base: float = P(0.7, "weight", SRC_ASSUMED, "criticality of the IT domain at no threat", ge=0.0, le=10.0)
    crit_cio_threat: float = P(1.0, "weight", SRC_LIT, "added criticality of IT per unit of threat H", ge=0.0, le=10.0)
    crit_cio_modernisation: float = P(
        0.5, "weight", SRC_ASSUMED, "added criticality of IT per unit of quality gap (1 - quality)", ge=0.0, le=10.0
    )
    crit_cfo_base: float = P(1.0, "weight", SRC_ASSUMED, "criticality of finance in a normal climate", ge=0.0, le=10.0)
    crit_cfo_stress: float = P(
        3.0, "weight", SRC_LIT, "added criticality of finance per unit of financial stress", ge=0.0, le=20.0
    )
    joint_credit: float = P(
        0.5,
        "x",
        SRC_ASSUMED,
        "credit each partner receives for joint work, relative to the partners' mean own-domain credit",
        ge=0.0,
        le=5.0,
    )
    coordination_cost: float = P(
        0.25, "share", SRC_ASSUMED, "own-domain credit lost per cooperating link (time and autonomy)", ge=0.0, le=1.0
    )
    effort_time_cost: float = P(
        0.25,
        "share",
        SRC_ASSUMED,
        "own-domain credit lost in a budget round's quarter per unit of political effort (time)",
        ge=0.0,
        le=1.0,
    )
    visibility_unbriefed: float = P(
        0.7,
        "share",
        SRC_ASSUMED,
        "share of the CMO's own-domain result the CEO sees in a quarter without a briefing",
        ge=0.0,
        le=1.0,
    )
    visibility_unbriefed_cio: float = P(
        0.6,
        "share",
        SRC_ASSUMED,
        "share of the CIO's own-domain result (quality, security) the CEO sees in a quarter without a briefing",
        ge=0.0,
        le=1.0,
    )
    visibility_unbriefed_cfo: float = P(
        0.85,
        "share",
        SRC_ASSUMED,
        "share of the CFO's own-domain result (the margin) the CEO sees in a quarter without a briefing",
        ge=0.0,
        le=1.0,
    )
    ceo_attention: float = P(
        1.5,
        "briefings/quarter",
        SRC_ASSUMED,
        "briefings the CEO absorbs fully in a quarter; n briefers each get the share min(1, ceo_attention / n)",
        gt=0.0,
        le=3.0,
    )
    briefing_time_cost: float = P(
        0.1,
        "share",
        SRC_ASSUMED,
        "own-domain credit lost in a quarter in which the executive briefs the CEO (preparation, time)",
        ge=0.0,
        le=1.0,
    )
    dependence_weight: float = P(
        0.5, "x", SRC_LIT, "credit for controlling budget others depend on (per unit budget share)", ge=0.0, le=5.0
    )
    roi_evidence: float = P(
        1.0, "x", SRC_ASSUMED, "extra weight of the CMO's budget claim at full ROI measurement", ge=0.0, le=5.0
    )


class LearningParams(_Group):
    """How executives adjust their propensities."""

    learning_rate: float = P(
        0.2, "logit/quarter", SRC_ASSUMED, "largest change of a propensity's log-odds per quarter", ge=0.0, le=5.0
    )
    belief_decay: float = P(0.9, "1", SRC_ASSUMED, "recency weight of past payoff evidence per quarter", ge=0.0, le=1.0)
    foregone_weight: float = P(
        0.5,
        "x",
        SRC_LIT,
        "weight of the foregone payoff of the action not taken (EWA's delta; Camerer & Ho 1999)",
        ge=0.0,
        le=1.0,
    )
    observation_weight: float = P(
        0.3,
        "x",
        SRC_ASSUMED,
        "weight of an observation of the same role in another firm (own experience = 1)",
        ge=0.0,
        le=1.0,
    )
    payoff_scale: float = P(0.01, "payoff", SRC_ASSUMED, "payoff gap that counts as clearly better", gt=0.0, le=10.0)
    profit_weight: float = P(
        0.5,
        "x",
        SRC_ASSUMED,
        "weight of the firm's profit margin in an executive's payoff (besides its influence gain)",
        ge=0.0,
        le=10.0,
    )
    imitation_rate: float = P(
        0.05,
        "1/quarter",
        SRC_ASSUMED,
        "probability per quarter of benchmarking the same role in another firm",
        ge=0.0,
        le=1.0,
    )
    imitation_scale: float = P(
        0.05,
        "margin",
        SRC_ASSUMED,
        "profit-margin lead at which an executive copies the benchmark fully",
        gt=0.0,
        le=10.0,
    )
    exploration: float = P(0.01, "sd", SRC_ASSUMED, "random drift of propensities per quarter", ge=0.0, le=0.5)
    effort_stake: float = P(
        2.5,
        "credit share",
        SRC_ASSUMED,
        "an executive's value of winning the whole budget (times the contested share and its domain's "
        "share of criticality)",
        ge=0.0,
        le=50.0,
    )
    shared_stake: float = P(
        0.5,
        "x",
        SRC_ASSUMED,
        "value of a peer's budget win relative to one's own, per unit of the pair's past-year joint-work rate",
        ge=0.0,
        le=1.0,
    )
    effort_rate: float = P(
        0.5,
        "1/round",
        SRC_ASSUMED,
        "step of political effort toward its best response per budget round (smoothed best response)",
        ge=0.0,
        le=1.0,
    )
    foregone_rule: Literal["observed", "exact"] = P(
        "observed",
        "-",
        SRC_ASSUMED,
        "foregone payoff of the action not taken: observed (same role in other firms that took it; peers' "
        "payoffs in the own firm) or exact (the CEO's crediting rule, for comparison)",
    )
    bid_belief_decay: float = P(
        0.5,
        "1/round",
        SRC_ASSUMED,
        "recency weight of the rivals' past bids in an executive's belief, per budget round",
        ge=0.0,
        le=1.0,
    )


class FocalParams(_Group):
    """An experimental manipulation of one firm (firm 0) for firm-level contrasts.

    Each value, when set, fixes a disposition of firm 0's executives for the whole run (it is not
    learned); ``None`` leaves firm 0 like every other firm. Comparing runs with the same seed and
    different focal values gives "the same firm with and without" against the same competitors.
    """

    focal_coop_cmo_cio: float | None = P(
        None,
        "probability",
        SRC_ASSUMED,
        "firm 0: fixed propensity of CMO and CIO to work with each other",
        ge=0.0,
        le=1.0,
    )
    focal_coop_cmo_cfo: float | None = P(
        None,
        "probability",
        SRC_ASSUMED,
        "firm 0: fixed propensity of CMO and CFO to work with each other",
        ge=0.0,
        le=1.0,
    )
    focal_coop_cio_cfo: float | None = P(
        None,
        "probability",
        SRC_ASSUMED,
        "firm 0: fixed propensity of CIO and CFO to work with each other",
        ge=0.0,
        le=1.0,
    )
    focal_brief: float | None = P(
        None, "probability", SRC_ASSUMED, "firm 0: fixed propensity of the CMO to brief the CEO", ge=0.0, le=1.0
    )


class MechanismSwitches(_Group):
    """Knockouts: each switch turns one mechanism off (for validation)."""

    word_of_mouth: bool = P(True, "-", SRC_ASSUMED, "customers weigh their neighbours' brands")
    shadow_it: bool = P(True, "-", SRC_ASSUMED, "the CMO buys technology outside IT when the CIO does not cooperate")
    joint_credit_on: bool = P(True, "-", SRC_ASSUMED, "the CEO credits joint results to both partners")
    briefing: bool = P(
        True,
        "-",
        SRC_ASSUMED,
        "briefing the CEO raises the visibility of the executive's result (else it only costs time)",
    )
    resource_dependence: bool = P(True, "-", SRC_ASSUMED, "controlling budget others depend on adds credit")
    roi_evidence_on: bool = P(True, "-", SRC_ASSUMED, "ROI measurement strengthens the CMO's budget claim")
    reinforcement: bool = P(True, "-", SRC_ASSUMED, "executives learn from their own payoffs")
    observation: bool = P(True, "-", SRC_ASSUMED, "executives learn from the payoffs of the same role in other firms")
    counterfactual: bool = P(
        True, "-", SRC_ASSUMED, "executives weigh the foregone payoff of the action they did not take"
    )
    finite_attention: bool = P(
        True, "-", SRC_ASSUMED, "the CEO's attention is finite: briefers share ceo_attention (else each gets it all)"
    )
    imitation: bool = P(True, "-", SRC_ASSUMED, "executives imitate the same role in better-performing firms")
    incidents: bool = P(True, "-", SRC_ASSUMED, "security incidents occur")
    chosen_effort: bool = P(
        True, "-", SRC_ASSUMED, "executives choose their political effort (else it stays at its starting draw)"
    )


GROUPS: dict[str, type[_Group]] = {
    "market": MarketParams,
    "environment": EnvironmentParams,
    "levers": LeverParams,
    "executives": ExecutiveParams,
    "firm": FirmParams,
    "influence": InfluenceParams,
    "learning": LearningParams,
    "focal": FocalParams,
    "mechanisms": MechanismSwitches,
}

#: Which groups are uncertainties (environment), levers and dispositions (for experiment tools).
GROUP_KIND = {
    "market": "structure",
    "environment": "uncertainty",
    "levers": "lever",
    "executives": "disposition",
    "firm": "structure",
    "influence": "structure",
    "learning": "structure",
    "focal": "lever",
    "mechanisms": "switch",
}


class ScenarioConfig(BaseModel):
    """A fully resolved scenario: every parameter set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    extends: str | None = None
    seed: int = Field(20170512, ge=0, le=2**63 - 1)
    steps: int = Field(40, ge=1, le=4000)
    market: MarketParams = MarketParams()
    environment: EnvironmentParams = EnvironmentParams()
    levers: LeverParams = LeverParams()
    executives: ExecutiveParams = ExecutiveParams()
    firm: FirmParams = FirmParams()
    influence: InfluenceParams = InfluenceParams()
    learning: LearningParams = LearningParams()
    focal: FocalParams = FocalParams()
    mechanisms: MechanismSwitches = MechanismSwitches()


def _leaf_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for group, cls in GROUPS.items():
        for field in cls.model_fields:
            if field in index:  # pragma: no cover - guarded by a test
                raise RuntimeError(f"parameter name {field!r} is used in two groups")
            index[field] = group
    return index


#: bare parameter name -> its group
LEAF_GROUP: dict[str, str] = _leaf_index()
TOP_LEVEL = ("name", "description", "extends", "seed", "steps")


def dotted_path(key: str) -> tuple[str, ...]:
    """Resolve ``group.name``, a bare leaf name or a top-level key into a path."""
    parts = tuple(key.split("."))
    if len(parts) == 1:
        if key in TOP_LEVEL:
            return parts
        if key in LEAF_GROUP:
            return (LEAF_GROUP[key], key)
        raise ConfigError(f"unknown parameter {key!r}")
    if len(parts) == 2 and parts[0] in GROUPS:
        if parts[1] not in GROUPS[parts[0]].model_fields:
            raise ConfigError(f"unknown parameter {key!r}: group {parts[0]!r} has no {parts[1]!r}")
        return parts
    raise ConfigError(f"unknown parameter {key!r}")


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Return a deep copy of a raw scenario mapping with ``overrides`` (dotted or bare keys) set."""
    out = deep_merge(data, {})
    for key, value in overrides.items():
        if key == "extends":
            raise ConfigError("extends cannot be overridden: name the other scenario instead")
        path = dotted_path(key)
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"{'.'.join(path)}: {part!r} is not a table")
        node[path[-1]] = value
    return out


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Merge ``top`` over ``base`` recursively (tables merge; everything else is replaced)."""
    out: dict[str, Any] = {}
    for key, value in base.items():
        out[key] = deep_merge(value, {}) if isinstance(value, dict) else value
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = deep_merge(value, {}) if isinstance(value, dict) else value
    return out


def format_validation_error(err: ValidationError, origin: str) -> str:
    """One line naming the origin, the key and the problem (the first error; a count if more)."""
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"] if not isinstance(p, int) or len(first["loc"]) < 3)
    loc = ".".join(str(p) for p in first["loc"]) if not loc else loc
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown key"
    more = len(err.errors()) - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{origin}: {loc or '(top)'}: {msg}{tail}"


def validate(data: dict[str, Any], origin: str = "scenario") -> ScenarioConfig:
    """Validate a raw mapping into a :class:`ScenarioConfig`, raising a one-line ConfigError."""
    try:
        return ScenarioConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, origin)) from None


def flat_params(cfg: ScenarioConfig) -> dict[str, Any]:
    """All parameters as ``{"group.name": value}`` (keyframe paths as lists of pairs)."""
    out: dict[str, Any] = {}
    for group in GROUPS:
        for name, value in getattr(cfg, group).model_dump().items():
            out[f"{group}.{name}"] = [list(p) for p in value] if isinstance(value, list) else value
    return out
