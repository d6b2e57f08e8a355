"""The pre-registered validation patterns of orgsim: arms, statistics, criteria, bands, knockouts, classes.

This file is the pre-registration of the pattern-oriented validation (Grimm et al. 2005): every
pattern of DESIGN.md (P1-P11) and every further stylised fact (S1-S5) with the scenario runs it
compares (its *arms*), the statistic of each *check* with its criterion (a sign or a band), the
*knockout* that switches off the channel the pattern rests on, and the pattern's *class*:

- ``input``: set from a seed figure (a calibration target, not a test);
- ``mechanical``: follows from one equation of the model (``equation`` shows it);
- ``emergent``: needs several mechanisms or many agents interacting. Only these validate.

The report (``orgsim validate``) prints the SHA-256 of this file's bytes and the git commit that
last changed it. Change a band, statistic, criterion, arm or knockout here only as a new,
dated pre-registration, never to make a pattern pass. The evaluation machinery (runs, bootstrap,
verdicts) is in :mod:`orgsim.validation.checks`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from orgsim.formatting import value as fmt_value

INPUT, MECHANICAL, EMERGENT = "input", "mechanical", "emergent"
CLASSES = (INPUT, MECHANICAL, EMERGENT)

Override = tuple[tuple[str, Any], ...]


def _ov(**kw: Any) -> Override:
    return tuple(sorted(kw.items()))


@dataclass(frozen=True)
class Arm:
    """A scenario with overrides; one run of it per replication seed."""

    scenario: str
    overrides: Override = ()

    def with_(self, extra: Override) -> Arm:
        merged = dict(self.overrides)
        merged.update(dict(extra))
        return Arm(self.scenario, tuple(sorted(merged.items())))

    def label(self) -> str:
        if not self.overrides:
            return self.scenario
        return self.scenario + " [" + ", ".join(f"{k}={fmt_value(v)}" for k, v in self.overrides) + "]"


Tables = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Check:
    """A statistic per replication and the criterion its mean must meet."""

    name: str
    statistic: Callable[[Tables], float]
    direction: int = 0  # sign check: +1 must be > 0 (CI above 0), -1 < 0; band check: which way is "more pattern"
    band: tuple[float, float] | None = None
    knockout: bool = True  # does the pattern's knockout bear on this check?

    def criterion(self) -> str:
        if self.band is not None:
            return f"mean in [{self.band[0]:g}, {self.band[1]:g}]"
        return "CI > 0" if self.direction > 0 else "CI < 0"


@dataclass(frozen=True)
class Pattern:
    id: str
    claim: str
    source: str
    arms: dict[str, Arm]
    checks: tuple[Check, ...]
    knockout: Override
    knockout_label: str
    mechanism: str
    kind: str = "seed"  # "seed" (P1-P11) or "fact" (further stylised facts)
    pattern_class: str = ""  # INPUT, MECHANICAL or EMERGENT (see the module docstring)
    class_reason: str = ""  # one line: why this class
    equation: str = ""  # the equation a mechanical pattern follows from (ODD section 7), as shown in the report


# -- statistics on firm tables ---------------------------------------------------------------------


def window(df: pd.DataFrame, first: int | None = None, last: int | None = None, end: int | None = None) -> pd.DataFrame:
    """Rows of quarters first..last (inclusive), or of the last ``end`` quarters."""
    if end is not None:
        top = int(df["step"].max())
        return df[df["step"] > top - end]
    lo = 0 if first is None else first
    hi = int(df["step"].max()) if last is None else last
    return df[(df["step"] >= lo) & (df["step"] <= hi)]


def mean_of(df: pd.DataFrame, col: str, firm: int | None = None, **w: Any) -> float:
    d = window(df, **w)
    if firm is not None:
        d = d[d["firm"] == firm]
    return float(d[col].mean())


def cmo_domain_share(df: pd.DataFrame) -> pd.Series:
    return (df["budget_marketing"] + df["budget_it_marketing"] + df["shadow_it"]) / df["budget"]


def it_marketing_share(df: pd.DataFrame) -> pd.Series:
    it = df["budget_it_core"] + df["budget_it_marketing"]
    return df["budget_it_marketing"] / it.where(it > 0)


def _tech(df: pd.DataFrame) -> pd.Series:
    tech = df["budget_it_core"] + df["budget_it_marketing"] + df["shadow_it"]
    return tech.where(tech > 0)


def tech_claim_share(df: pd.DataFrame) -> pd.Series:
    return df["cmo_tech_claim"] / _tech(df)


def focal_diff(t: Tables, col: str, hi: str = "hi", lo: str = "lo", end: int = 20) -> float:
    """Firm 0's mean of ``col`` over the last ``end`` quarters: arm ``hi`` minus arm ``lo``."""
    return mean_of(t[hi], col, firm=0, end=end) - mean_of(t[lo], col, firm=0, end=end)


def focal_series_diff(t: Tables, fn: Callable[[pd.DataFrame], pd.Series], end: int = 20) -> float:
    def one(df: pd.DataFrame) -> float:
        d = window(df, end=end)
        d = d[d["firm"] == 0]
        return float(fn(d).mean())

    return one(t["hi"]) - one(t["lo"])


# -- the patterns ----------------------------------------------------------------------------------

BASE = Arm("baseline")
SHIFT = Arm("digital_shift")
WALLS = Arm("walls")
WALLS_FLAT = Arm("walls", _ov(pressure=((0, 0.3),)))


def _focal(arm: Arm, **kw: Any) -> Arm:
    return arm.with_(_ov(**kw))


def patterns() -> list[Pattern]:
    """P1-P11 of DESIGN.md and the further stylised facts, in order."""
    hi_lo_mi = {
        "hi": _focal(BASE, focal_coop_cmo_cio=0.95),
        "lo": _focal(BASE, focal_coop_cmo_cio=0.05),
    }
    shift_hi_lo = {
        "hi": _focal(SHIFT, focal_coop_cmo_cio=0.95),
        "lo": _focal(SHIFT, focal_coop_cmo_cio=0.05),
    }
    shadow = Arm("shadow_it")
    return [
        Pattern(
            "P1",
            "rising P raises the CMO's influence share and the CMO's claim on technology spend",
            "000",
            {"shift": SHIFT, "base": BASE},
            (
                Check(
                    "CMO influence, last 2 years: digital_shift − baseline",
                    lambda t: mean_of(t["shift"], "influence_cmo", end=8) - mean_of(t["base"], "influence_cmo", end=8),
                    +1,
                ),
                Check(
                    "CMO tech claim / tech spend, last 2 years: digital_shift − baseline",
                    lambda t: float(
                        tech_claim_share(window(t["shift"], end=8)).mean()
                        - tech_claim_share(window(t["base"], end=8)).mean()
                    ),
                    +1,
                ),
            ),
            _ov(crit_cmo_pressure=0.0, beta_personalisation=0.0),
            "pressure does not raise the customer domain's criticality nor the value of personalisation",
            "criticality of the customer domain (strategic contingencies) and customers' weight on personalisation",
            pattern_class=MECHANICAL,
            class_reason="pressure enters the CMO's technology claim and the customer domain's criticality directly; under the knockout the claim gap is exactly 0",
            equation="θ = tech_claim_max · β_A P (1 − A) / (β_A P (1 − A) + β_E (1 − E)) and χ_CMO = crit_cmo_base + crit_cmo_pressure · P (ODD 7.4, 7.6)",
        ),
        Pattern(
            "P2",
            "the CIO keeps control of most technology spend: CMO-controlled tech spend stays below the CIO's",
            "000",
            {"base": BASE},
            (
                Check(
                    "CIO-controlled share of technology spend, last 2 years (baseline)",
                    lambda t: float(
                        1.0 - (window(t["base"], end=8)["shadow_it"] / _tech(window(t["base"], end=8))).mean()
                    ),
                    +1,
                    band=(0.5, 1.0),
                ),
                Check(
                    "share of firm-quarters (last 2 years) with shadow IT < CIO-controlled IT",
                    lambda t: float(
                        (
                            window(t["base"], end=8)["shadow_it"]
                            < window(t["base"], end=8)[["budget_it_core", "budget_it_marketing"]].sum(axis=1)
                        ).mean()
                    ),
                    +1,
                    band=(0.9, 1.0),
                    knockout=False,
                ),
            ),
            _ov(
                shadow_it_cap=1.0, crit_cio_base=0.0, crit_cio_threat=0.0, crit_cio_modernisation=0.0, coop_cio_cmo=0.02
            ),
            "no IT governance cap, IT not critical, CIO never supports",
            "IT governance (shadow cap), the criticality of security and modernisation, sticky budgets",
            pattern_class=MECHANICAL,
            class_reason="the cap on shadow IT bounds the CMO-controlled part of technology spend",
            equation="S = min((1 − g) T, shadow_it_cap · X): shadow IT is at most shadow_it_cap of the CMO's money (ODD 7.4)",
        ),
        Pattern(
            "P3",
            "marketing IT takes a non-trivial share of the IT budget and depends on the CIO's support",
            "000",
            {"base": BASE, **hi_lo_mi},
            (
                Check(
                    "governed marketing IT / IT budget, last 2 years (baseline)",
                    lambda t: float(it_marketing_share(window(t["base"], end=8)).mean()),
                    band=(0.04, 0.35),
                    knockout=False,
                ),
                Check(
                    "firm 0's marketing-IT share of IT: CIO supports − CIO blocks",
                    lambda t: focal_series_diff(t, it_marketing_share),
                    +1,
                ),
            ),
            _ov(shadow_it=False),
            "no shadow IT: all marketing technology runs through IT whatever the cooperation",
            "governance follows cooperation: the CIO runs marketing IT only for a CMO it works with",
            pattern_class=MECHANICAL,
            class_reason="governed marketing IT is the CMO's technology claim times the past-year CMO-CIO cooperation rate",
            equation="G = g · T = (past-year CMO-CIO cooperation rate) × θ · X (ODD 7.4)",
        ),
        Pattern(
            "P4",
            "marketing technology without CIO support grows data silos and lowers profit",
            "000",
            {"hi": _focal(shadow, focal_coop_cmo_cio=0.05), "lo": _focal(shadow, focal_coop_cmo_cio=0.95)},
            (
                Check(
                    "firm 0's data integration: CIO blocks − CIO supports",
                    lambda t: focal_diff(t, "data_integration"),
                    -1,
                ),
                Check("firm 0's profit: CIO blocks − CIO supports", lambda t: focal_diff(t, "profit"), -1),
            ),
            _ov(shadow_it=False),
            "no shadow IT (marketing technology cannot bypass IT)",
            "shadow marketing technology: faster, but silos integration and raises incident risk",
            pattern_class=EMERGENT,
            class_reason="the profit loss needs shadow spend to silo data, analytics and personalisation to fall, customers to choose among competing firms and incidents to rise (the integration part alone follows from D' = D + … − silo_growth · I^S · D)",
        ),
        Pattern(
            "P5",
            "a CIO who supports the CMO gains influence relative to a CIO who blocks",
            "000",
            shift_hi_lo,
            (
                Check(
                    "firm 0's CIO influence: supports − blocks (digital_shift)",
                    lambda t: focal_diff(t, "influence_cio"),
                    +1,
                ),
            ),
            _ov(joint_credit_on=False, resource_dependence=False),
            "no joint credit and no resource-dependence credit",
            "joint work credited to both partners; controlling budget marketing depends on",
            pattern_class=MECHANICAL,
            class_reason="the contrast fixes firm 0's cooperation and reads the CIO's credit, which adds joint credit and resource-dependence credit against the coordination cost",
            equation="c_CIO = β_CIO max(0, 1 − coordination_cost · L_CIO − …) + joint_credit Σ_p k_p (β_a + β_b)/2 + dependence_weight · G/B (ODD 7.6)",
        ),
        Pattern(
            "P6",
            "at the baseline start about 90 % of CMOs do not cooperate closely with the CFO",
            "003",
            {"base": BASE},
            (
                Check(
                    "share of CMOs not working closely with the CFO at the start (1 − drawn joint-work probability)",
                    lambda t: 1.0 - mean_of(t["base"], "p_coop_cmo_cfo", first=0, last=0),
                    +1,
                    band=(0.85, 0.95),
                ),
                Check(
                    "share of firm-quarters without CMO-CFO joint work, first year",
                    lambda t: 1.0 - mean_of(t["base"], "coop_cmo_cfo", first=1, last=4),
                    +1,
                    band=(0.8, 0.97),
                    knockout=False,
                ),
            ),
            _ov(coop_cmo_cfo=0.5, coop_cfo_cmo=0.5),
            "uninformed start (propensities 0.5 instead of the seed-calibrated 0.30)",
            "starting dispositions calibrated to the seed (a target, not an outcome)",
            pattern_class=INPUT,
            class_reason="set from the seed figure (≈ 90 % do not cooperate closely with the CFO) through the initial propensities coop_cmo_cfo = coop_cfo_cmo = 0.30",
        ),
        Pattern(
            "P7",
            "CMO-CFO cooperation raises measured ROI and marketing's budget",
            "003",
            {"hi": _focal(BASE, focal_coop_cmo_cfo=0.95), "lo": _focal(BASE, focal_coop_cmo_cfo=0.05)},
            (
                Check(
                    "firm 0's ROI measurement: cooperates − not",
                    lambda t: focal_diff(t, "roi_measurement"),
                    +1,
                    knockout=False,
                ),
                Check(
                    "firm 0's CMO budget share: cooperates − not", lambda t: focal_series_diff(t, cmo_domain_share), +1
                ),
            ),
            _ov(roi_evidence_on=False),
            "ROI evidence carries no weight in the budget round",
            "ROI measurement from joint work; evidence strengthens marketing's claim in the budget contest",
            pattern_class=MECHANICAL,
            class_reason="the contrast fixes firm 0's CMO-CFO cooperation; ROI measurement grows per quarter of joint work and multiplies the CMO's bid",
            equation="M' = M + roi_growth · k_CMO,CFO (1 − M) − roi_decay · M (ODD 7.5); bid z_CMO = c_CMO · I_CMO · (1 + roi_evidence · M) · x_CMO (ODD 7.4)",
        ),
        Pattern(
            "P8",
            "CMO-CIO cooperation raises analytics and customer experience",
            "003",
            hi_lo_mi,
            (
                Check("firm 0's analytics: cooperates − not", lambda t: focal_diff(t, "analytics"), +1),
                Check("firm 0's customer experience: cooperates − not", lambda t: focal_diff(t, "experience"), +1),
            ),
            _ov(integration_growth=0.0, analytics_leverage=0.0),
            "governed IT does not integrate data; campaigns do not use analytics",
            "governed marketing IT integrates data; analytics grows on integrated data and feeds experience",
            pattern_class=EMERGENT,
            class_reason="needs a chain of several mechanisms: governance by cooperation, integration built by governed IT, analytics grown on integrated data and experience raised through analytics leverage",
        ),
        Pattern(
            "P9",
            "firms whose CMO and CIO cooperate earn more revenue and profit",
            "003",
            shift_hi_lo,
            (
                Check("firm 0's revenue: cooperates − not (digital_shift)", lambda t: focal_diff(t, "revenue"), +1),
                Check("firm 0's profit: cooperates − not (digital_shift)", lambda t: focal_diff(t, "profit"), +1),
            ),
            _ov(beta_experience=0.0, beta_personalisation=0.0),
            "customers ignore experience and personalisation",
            "customers choose on experience and personalisation built by joint work",
            pattern_class=EMERGENT,
            class_reason="needs the capability chain of P8 and many customers choosing among competing firms (market share → revenue), incidents and waste",
        ),
        Pattern(
            "P10",
            "about 63 % of CMOs brief the CEO regularly; briefing raises CMO influence",
            "003",
            {"base": BASE, "hi": _focal(BASE, focal_brief=0.95), "lo": _focal(BASE, focal_brief=0.05)},
            (
                Check(
                    "CMOs' briefing propensity at the start (mean of the draws)",
                    lambda t: mean_of(t["base"], "p_brief", first=0, last=0),
                    band=(0.58, 0.68),
                    knockout=False,
                ),
                Check("firm 0's CMO influence: briefs − does not", lambda t: focal_diff(t, "influence_cmo"), +1),
            ),
            _ov(briefing=False),
            "briefing does not change what the CEO sees",
            "briefing raises the visibility of the CMO's credit",
            pattern_class=INPUT,
            class_reason="its 63 % part is set from the seed figure through brief_mean = 0.63; its briefing contrast follows from the visibility equation ν = ν⁰ + (1 − ν⁰) a, which multiplies the CMO's credit",
        ),
        Pattern(
            "P11",
            "starting from walls (low cooperation), rising P makes cooperation spread",
            "003",
            {"rise": WALLS, "flat": WALLS_FLAT},
            (
                Check(
                    "CMO-CIO joint-work probability, last 2 years: rising P − constant P",
                    lambda t: mean_of(t["rise"], "p_coop_cmo_cio", end=8) - mean_of(t["flat"], "p_coop_cmo_cio", end=8),
                    +1,
                ),
                Check(
                    "CMO-CIO joint-work probability under rising P: last 2 years − first 2 years",
                    lambda t: (
                        mean_of(t["rise"], "p_coop_cmo_cio", end=8)
                        - mean_of(t["rise"], "p_coop_cmo_cio", first=1, last=8)
                    ),
                    +1,
                ),
            ),
            _ov(counterfactual=False, observation=False),
            "executives learn only from their own joint work (no foregone payoffs, no observation of other firms)",
            "belief learning from foregone payoffs and from the same role in other firms",
            pattern_class=EMERGENT,
            class_reason="cooperation must spread through executives' belief learning (foregone payoffs, observation of the same role in other firms) as pressure rises: many agents interacting",
        ),
        # -- further stylised facts of organisation research --------------------------------------
        Pattern(
            "S1",
            "a security crisis raises the CIO's influence and IT's budget (strategic contingencies)",
            "Hickson et al. 1971",
            {"shock": Arm("security_crisis"), "base": BASE},
            (
                _shock_check("CIO influence, quarters 12-24: security_crisis − baseline", "influence_cio", 12, 24),
                _shock_check(
                    "core-IT share of the budget, quarters 13-28: security_crisis − baseline", _core_it_share, 13, 28
                ),
            ),
            _ov(crit_cio_threat=0.0),
            "threat does not make IT more critical",
            "criticality of the IT domain rises with threat",
            kind="fact",
            pattern_class=MECHANICAL,
            class_reason="threat enters the IT domain's criticality directly",
            equation="χ_CIO = crit_cio_base + crit_cio_threat · H + crit_cio_modernisation · (1 − Q) (ODD 7.6)",
        ),
        Pattern(
            "S2",
            "a downturn raises the CFO's influence and finance's budget (financial stress)",
            "Pfeffer & Salancik 1978; Fligstein 1987",
            {"shock": Arm("downturn"), "base": BASE},
            (
                _shock_check("CFO influence, quarters 12-24: downturn − baseline", "influence_cfo", 12, 24),
                _shock_check(
                    "finance share of the budget, quarters 13-28: downturn − baseline", _finance_share, 13, 28
                ),
            ),
            _ov(crit_cfo_stress=0.0),
            "financial stress does not make finance more critical",
            "criticality of finance rises with financial stress",
            kind="fact",
            pattern_class=MECHANICAL,
            class_reason="financial stress enters finance's criticality directly",
            equation="χ_CFO = crit_cfo_base + crit_cfo_stress · Σ (ODD 7.6)",
        ),
        Pattern(
            "S3",
            "budgets are incremental: most yearly changes of a department's budget share are small",
            "Wildavsky 1964; Davis, Dempster & Wildavsky 1966",
            {"base": BASE},
            (
                Check(
                    "share of yearly department-share changes below 5 points (baseline)",
                    lambda t: _small_budget_changes(t["base"], 0.05),
                    +1,
                    band=(0.8, 1.0),
                ),
            ),
            _ov(contested_share=1.0),
            "the whole budget is re-contested every year",
            "sticky budgets: only a share is re-contested",
            kind="fact",
            pattern_class=MECHANICAL,
            class_reason="only contested_share of the budget is re-contested each year, which bounds the yearly change of a share",
            equation="d' = (1 − contested_share) d + contested_share (1 − λ) ω (ODD 7.4)",
        ),
        Pattern(
            "S4",
            "budget changes are punctuated: their distribution is fat-tailed (kurtosis > 3)",
            "Jones, Baumgartner & True 1998; Jones et al. 2009",
            {"base": BASE},
            (
                Check(
                    "excess kurtosis of yearly department-share changes (baseline)",
                    lambda t: _budget_change_kurtosis(t["base"]),
                    +1,
                ),
            ),
            _ov(contested_share=1.0),
            "the whole budget is re-contested every year",
            "sticky budgets with occasional large shifts of influence",
            kind="fact",
            pattern_class=EMERGENT,
            class_reason="fat tails would need occasional large shifts of influence inside sticky budgets (several mechanisms); note that the statistic pools firms and roles whose changes have different scales",
        ),
        Pattern(
            "S5",
            "conflict dissipates resources: firms with more cooperation lose less budget to contests",
            "Tullock 1980; Konrad 2009",
            {"rise": WALLS, "base": BASE},
            (
                Check(
                    "budget lost to conflict / budget, all quarters: walls − baseline",
                    lambda t: float(
                        (t["rise"]["conflict_loss"] / t["rise"]["budget"]).mean()
                        - (t["base"]["conflict_loss"] / t["base"]["budget"]).mean()
                    ),
                    +1,
                ),
            ),
            _ov(conflict_loss=0.0),
            "no effort is lost in the contest",
            "rent dissipation in the budget contest, lower between cooperating executives",
            kind="fact",
            pattern_class=MECHANICAL,
            class_reason="the share lost to conflict falls with cooperation by construction",
            equation="λ = conflict_loss · x̄ · (1 − k̄) (ODD 7.4)",
        ),
    ]


def _core_it_share(df: pd.DataFrame) -> pd.Series:
    return df["budget_it_core"] / df["budget"]


def _finance_share(df: pd.DataFrame) -> pd.Series:
    return df["budget_finance"] / df["budget"]


def _shock_check(name: str, col: str | Callable[[pd.DataFrame], pd.Series], first: int, last: int) -> Check:
    """Arm ``shock`` minus arm ``base`` in quarters first..last, of a column or a derived series."""

    def value(df: pd.DataFrame) -> float:
        d = window(df, first=first, last=last)
        return float((d[col] if isinstance(col, str) else col(d)).mean())

    return Check(name, lambda t: value(t["shock"]) - value(t["base"]), +1)


def _yearly_share_changes(firms: pd.DataFrame) -> np.ndarray:
    years = firms[(firms["step"] % 4 == 1) & (firms["step"] > 1)]
    shares = pd.DataFrame(
        {
            "firm": years["firm"],
            "step": years["step"],
            "cmo": cmo_domain_share(years),
            "cio": years["budget_it_core"] / years["budget"],
            "cfo": years["budget_finance"] / years["budget"],
        }
    ).sort_values(["firm", "step"])
    diffs = shares.groupby("firm")[["cmo", "cio", "cfo"]].diff().dropna()
    return diffs.to_numpy().ravel()


def _small_budget_changes(firms: pd.DataFrame, limit: float) -> float:
    d = _yearly_share_changes(firms)
    return float(np.mean(np.abs(d) < limit)) if len(d) else float("nan")


def _budget_change_kurtosis(firms: pd.DataFrame) -> float:
    d = _yearly_share_changes(firms)
    if len(d) < 4 or np.std(d) == 0:
        return float("nan")
    z = (d - d.mean()) / d.std()
    return float(np.mean(z**4) - 3.0)
