"""The pre-registered validation patterns of orgsim: arms, statistics, criteria, bands, knockouts, classes.

This file is the pre-registration of the pattern-oriented validation (Grimm et al. 2005): every
pattern of DESIGN.md (P1-P11) and every further stylised fact (S1-S5) with the scenario runs it
compares (its *arms*), the statistic of each *check* with its criterion (a sign or a band), the
*knockout* that switches off the channel the pattern rests on, and the pattern's *class*:

- ``input``: set from a seed figure (a calibration target, not a test);
- ``mechanical``: follows from one equation of the model (``equation`` shows it);
- ``emergent``: needs several mechanisms or many agents interacting. Only these validate.

Second pre-registration (2026-12-02, issue 14), fixed before any of its statistics was computed:

- **Unmanipulated runs.** Where a seed claims an association across firms (P4, P5, P7, P8, P9), the
  verdict rests on a *panel check*: in runs where no firm is manipulated, a yearly firm panel
  (years of 4 quarters, the first quarter of a run being quarter 1) of the outcome in year t against
  the firm's exposure in year t − 1 (a lag, so the exposure comes first), pooled over the
  replications, fitted by OLS with firm effects (the firm's index) and run × year effects (firms are
  compared within each run and year), standard errors clustered by run (CR1, t with runs − 1
  degrees of freedom). It passes when the coefficient's 95 % interval excludes 0 in the stated
  direction. Its per-replication value (plots, replication table, robustness) is the same slope
  within one run with year effects. The focal-firm contrasts (firm 0's disposition fixed) stay as
  *illustrations* of the mechanism: reported, not part of the verdict.
- **One knockout per named channel.** A pattern resting on several channels names each
  (``channels``); the knockout of each channel, and of all channels together (``knockout``), runs
  the pattern's arms with the same seeds. A knockout passes when the pattern fails under it (every
  knockout-bearing check fails, as before). A pattern *holds* when it passes and at least one of its
  knockouts — a single channel, or all named channels together — passes; the channels whose
  knockout passes *carry* the pattern.
- **S4** is tested against a null of heterogeneous normal changes: the excess kurtosis of the yearly
  budget-share changes standardised within each firm and department, minus its expectation when
  every firm-department series is normal with its own mean and variance (same series lengths).
  Its named mechanism: friction (sticky budgets), the CEO's finite attention shifting among
  briefers, and chosen political effort — one knockout each.

The report (``orgsim validate``) prints the SHA-256 of this file's bytes and the git commit that
last changed it. Change a band, statistic, criterion, arm or knockout here only as a new,
dated pre-registration, never to make a pattern pass. The evaluation machinery (runs, bootstrap,
verdicts) is in :mod:`orgsim.validation.checks`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from orgsim import stats
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
    illustration: bool = False  # a focal-firm illustration: reported, not part of the verdict (no knockout)
    #: a panel check: the replication's yearly firm panel (columns firm, year, x, y) of an unmanipulated arm;
    #: its verdict is the pooled fixed-effects regression (module docstring), ``statistic`` the within-run slope
    panel: Callable[[Tables], pd.DataFrame] | None = None
    arms: tuple[str, ...] = ()  # the arms the statistic reads (empty: every arm of the pattern)

    def criterion(self) -> str:
        if self.band is not None:
            return f"mean in [{self.band[0]:g}, {self.band[1]:g}]"
        return "CI > 0" if self.direction > 0 else "CI < 0"


@dataclass(frozen=True)
class Knockout:
    """One named channel of a pattern and the overrides that switch it off."""

    channel: str
    overrides: Override
    label: str


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
    #: the named channels, one knockout each (empty: ``knockout`` is the one channel); ``knockout`` is then
    #: all of them together
    channels: tuple[Knockout, ...] = ()

    def knockouts(self) -> tuple[Knockout, ...]:
        """Every knockout the pattern runs: each named channel, then all channels together."""
        together = Knockout("all channels" if self.channels else "channel", self.knockout, self.knockout_label)
        return (*self.channels, together)


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


Series = str | Callable[[pd.DataFrame], pd.Series]


def _column(df: pd.DataFrame, what: Series) -> pd.Series:
    return df[what] if isinstance(what, str) else what(df)


def yearly_panel(df: pd.DataFrame, exposure: Series, outcome: Series) -> pd.DataFrame:
    """A run's yearly firm panel: columns firm, year, x (the exposure's mean in year t − 1) and y (the
    outcome's mean in year t). Year t holds quarters 4t + 1 … 4t + 4; incomplete years are dropped."""
    d = df[df["step"] >= 1]
    year = (d["step"].to_numpy() - 1) // 4
    frame = pd.DataFrame(
        {
            "firm": d["firm"].to_numpy(),
            "year": year,
            "x": _column(d, exposure).to_numpy(dtype=float),
            "y": _column(d, outcome).to_numpy(dtype=float),
        }
    )
    grouped = frame.groupby(["firm", "year"], sort=True)
    yearly = grouped.mean()[grouped.size() == 4].reset_index()
    yearly["x"] = yearly.groupby("firm")["x"].shift(1)
    return yearly.dropna(subset=["x"]).reset_index(drop=True)


def panel_check(name: str, arm: str, exposure: Series, outcome: Series, direction: int, knockout: bool = True) -> Check:
    """A panel check on arm ``arm`` (see the module docstring); its statistic is the within-run slope."""

    def panel(t: Tables) -> pd.DataFrame:
        return yearly_panel(t[arm], exposure, outcome)

    def slope(t: Tables) -> float:
        p = panel(t)
        return stats.within_slope(p["x"].to_numpy(), p["y"].to_numpy(), p["year"].to_numpy())

    return Check(name, slope, direction, knockout=knockout, panel=panel, arms=(arm,))


def coop_rate(pair: str) -> Callable[[pd.DataFrame], pd.Series]:
    """The pair's joint work (1 in a quarter they worked together), averaged per year by the panel."""

    def rate(df: pd.DataFrame) -> pd.Series:
        return df["coop_" + pair].astype(float)

    return rate


def shadow_share(df: pd.DataFrame) -> pd.Series:
    """Shadow IT as a share of all technology spend."""
    return df["shadow_it"] / _tech(df)


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
            class_reason="governed marketing IT is the CMO's technology claim times the reach of IT governance times the "
            "past-year CMO-CIO cooperation rate",
            equation="G = g · T = governance_reach × (past-year CMO-CIO cooperation rate) × θ · X (ODD 7.4)",
        ),
        Pattern(
            "P4",
            "marketing technology without CIO support grows data silos and lowers profit",
            "000",
            {
                "u": shadow,
                "hi": _focal(shadow, focal_coop_cmo_cio=0.05),
                "lo": _focal(shadow, focal_coop_cmo_cio=0.95),
            },
            (
                panel_check(
                    "data integration on last year's shadow share of tech spend, across firms (shadow_it)",
                    "u",
                    shadow_share,
                    "data_integration",
                    -1,
                ),
                panel_check(
                    "profit on last year's shadow share of tech spend, across firms (shadow_it)",
                    "u",
                    shadow_share,
                    "profit",
                    -1,
                ),
                Check(
                    "illustration: firm 0's data integration: CIO blocks − CIO supports",
                    lambda t: focal_diff(t, "data_integration"),
                    -1,
                    knockout=False,
                    illustration=True,
                ),
                Check(
                    "illustration: firm 0's profit: CIO blocks − CIO supports",
                    lambda t: focal_diff(t, "profit"),
                    -1,
                    knockout=False,
                    illustration=True,
                ),
            ),
            _ov(silo_growth=0.0, shadow_risk=0.0),
            "shadow IT neither silos data nor adds incident risk",
            "shadow marketing technology: faster, but silos integration and raises incident risk",
            pattern_class=EMERGENT,
            class_reason="the profit loss needs shadow spend to silo data, analytics and personalisation to fall, customers to choose among competing firms and incidents to rise (the integration part alone follows from D' = D + … − silo_growth · I^S · D)",
            channels=(
                Knockout("silos", _ov(silo_growth=0.0), "shadow spend does not destroy data integration"),
                Knockout("incident risk", _ov(shadow_risk=0.0), "installed shadow IT adds no incident risk"),
            ),
        ),
        Pattern(
            "P5",
            "a CIO who supports the CMO gains influence relative to a CIO who blocks",
            "000",
            {"u": SHIFT, **shift_hi_lo},
            (
                panel_check(
                    "CIO influence on last year's CMO-CIO joint work, across firms (digital_shift)",
                    "u",
                    coop_rate("cmo_cio"),
                    "influence_cio",
                    +1,
                ),
                Check(
                    "illustration: firm 0's CIO influence: supports − blocks (digital_shift)",
                    lambda t: focal_diff(t, "influence_cio"),
                    +1,
                    knockout=False,
                    illustration=True,
                ),
            ),
            _ov(joint_credit_on=False, resource_dependence=False),
            "no joint credit and no resource-dependence credit",
            "joint work credited to both partners; controlling budget marketing depends on",
            pattern_class=MECHANICAL,
            class_reason="the contrast fixes firm 0's cooperation and reads the CIO's credit, which adds joint credit and resource-dependence credit against the coordination cost",
            equation="c_CIO = β_CIO max(0, 1 − coordination_cost · L_CIO − …) + joint_credit Σ_p k_p (β_a + β_b)/2 + dependence_weight · G/B (ODD 7.6)",
            channels=(
                Knockout("joint credit", _ov(joint_credit_on=False), "the CEO does not credit joint results to both"),
                Knockout(
                    "resource dependence",
                    _ov(resource_dependence=False),
                    "controlling budget others depend on adds no credit",
                ),
            ),
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
            {"u": BASE, "hi": _focal(BASE, focal_coop_cmo_cfo=0.95), "lo": _focal(BASE, focal_coop_cmo_cfo=0.05)},
            (
                panel_check(
                    "ROI measurement on last year's CMO-CFO joint work, across firms (baseline)",
                    "u",
                    coop_rate("cmo_cfo"),
                    "roi_measurement",
                    +1,
                    knockout=False,
                ),
                panel_check(
                    "CMO budget share on last year's CMO-CFO joint work, across firms (baseline)",
                    "u",
                    coop_rate("cmo_cfo"),
                    cmo_domain_share,
                    +1,
                ),
                Check(
                    "illustration: firm 0's ROI measurement: cooperates − not",
                    lambda t: focal_diff(t, "roi_measurement"),
                    +1,
                    knockout=False,
                    illustration=True,
                ),
                Check(
                    "illustration: firm 0's CMO budget share: cooperates − not",
                    lambda t: focal_series_diff(t, cmo_domain_share),
                    +1,
                    knockout=False,
                    illustration=True,
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
            {"u": BASE, **hi_lo_mi},
            (
                panel_check(
                    "analytics on last year's CMO-CIO joint work, across firms (baseline)",
                    "u",
                    coop_rate("cmo_cio"),
                    "analytics",
                    +1,
                ),
                panel_check(
                    "customer experience on last year's CMO-CIO joint work, across firms (baseline)",
                    "u",
                    coop_rate("cmo_cio"),
                    "experience",
                    +1,
                ),
                Check(
                    "illustration: firm 0's analytics: cooperates − not",
                    lambda t: focal_diff(t, "analytics"),
                    +1,
                    knockout=False,
                    illustration=True,
                ),
                Check(
                    "illustration: firm 0's customer experience: cooperates − not",
                    lambda t: focal_diff(t, "experience"),
                    +1,
                    knockout=False,
                    illustration=True,
                ),
            ),
            _ov(integration_growth=0.0, analytics_leverage=0.0),
            "governed IT does not integrate data; campaigns do not use analytics",
            "governed marketing IT integrates data; analytics grows on integrated data and feeds experience",
            pattern_class=EMERGENT,
            class_reason="needs a chain of several mechanisms: governance by cooperation, integration built by governed IT, analytics grown on integrated data and experience raised through analytics leverage",
            channels=(
                Knockout("integration", _ov(integration_growth=0.0), "governed IT does not integrate data"),
                Knockout("analytics leverage", _ov(analytics_leverage=0.0), "campaigns do not use analytics"),
            ),
        ),
        Pattern(
            "P9",
            "firms whose CMO and CIO cooperate earn more revenue and profit",
            "003",
            {"u": SHIFT, **shift_hi_lo},
            (
                panel_check(
                    "revenue on last year's CMO-CIO joint work, across firms (digital_shift)",
                    "u",
                    coop_rate("cmo_cio"),
                    "revenue",
                    +1,
                ),
                panel_check(
                    "profit on last year's CMO-CIO joint work, across firms (digital_shift)",
                    "u",
                    coop_rate("cmo_cio"),
                    "profit",
                    +1,
                ),
                Check(
                    "illustration: firm 0's revenue: cooperates − not (digital_shift)",
                    lambda t: focal_diff(t, "revenue"),
                    +1,
                    knockout=False,
                    illustration=True,
                ),
                Check(
                    "illustration: firm 0's profit: cooperates − not (digital_shift)",
                    lambda t: focal_diff(t, "profit"),
                    +1,
                    knockout=False,
                    illustration=True,
                ),
            ),
            _ov(beta_experience=0.0, beta_personalisation=0.0),
            "customers ignore experience and personalisation",
            "customers choose on experience and personalisation built by joint work",
            pattern_class=EMERGENT,
            class_reason="needs the capability chain of P8 and many customers choosing among competing firms (market share → revenue), incidents and waste",
            channels=(
                Knockout("experience", _ov(beta_experience=0.0), "customers ignore experience"),
                Knockout("personalisation", _ov(beta_personalisation=0.0), "customers ignore personalisation"),
            ),
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
            _ov(counterfactual=False, observation=False, imitation=False),
            "executives learn only from their own joint work (no foregone payoffs, no observation of other firms, no imitation)",
            "belief learning from foregone payoffs and from the same role in other firms; imitation of the same role in better-performing firms",
            pattern_class=EMERGENT,
            class_reason="cooperation must spread through executives' belief learning (foregone payoffs, observation of the same role in other firms) as pressure rises: many agents interacting",
            channels=(
                Knockout("foregone payoffs", _ov(counterfactual=False), "executives ignore foregone payoffs"),
                Knockout("observation", _ov(observation=False), "executives do not observe other firms"),
                Knockout("imitation", _ov(imitation=False), "executives do not imitate better-performing firms"),
            ),
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
                    "excess kurtosis of yearly department-share changes standardised within firm and department, "
                    "minus its expectation under heterogeneous normal changes (baseline)",
                    lambda t: _standardised_kurtosis_excess(t["base"]),
                    +1,
                ),
                Check(
                    "illustration: excess kurtosis of the pooled (unstandardised) changes (baseline)",
                    lambda t: _budget_change_kurtosis(t["base"]),
                    +1,
                    knockout=False,
                    illustration=True,
                ),
            ),
            _ov(contested_share=1.0, finite_attention=False, chosen_effort=False),
            "the whole budget is re-contested every year, the CEO attends to every briefer, effort stays at its draw",
            "friction (sticky budgets: only a share is re-contested) with shifts of the CEO's finite attention among briefers and of chosen political effort",
            kind="fact",
            pattern_class=EMERGENT,
            class_reason="fat tails within a firm and department would need disproportionate shifts — attention moving among briefers, effort responding to rivals — inside sticky budgets (several mechanisms); standardising within each series removes the spurious kurtosis of pooling series of different scales",
            channels=(
                Knockout("friction", _ov(contested_share=1.0), "the whole budget is re-contested every year"),
                Knockout(
                    "attention",
                    _ov(finite_attention=False),
                    "the CEO's attention is not scarce: every briefer gets it all",
                ),
                Knockout("chosen effort", _ov(chosen_effort=False), "political effort stays at its starting draw"),
            ),
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


def _department_shares(firms: pd.DataFrame) -> pd.DataFrame:
    """Each firm's department shares of the budget at each budget round (the first quarter of a year)."""
    years = firms[(firms["step"] % 4 == 1) & (firms["step"] > 1)]
    return pd.DataFrame(
        {
            "firm": years["firm"],
            "step": years["step"],
            "cmo": cmo_domain_share(years),
            "cio": years["budget_it_core"] / years["budget"],
            "cfo": years["budget_finance"] / years["budget"],
        }
    ).sort_values(["firm", "step"])


def _share_change_series(firms: pd.DataFrame) -> list[np.ndarray]:
    """The yearly changes of each firm's and department's budget share, one array per series."""
    shares = _department_shares(firms)
    diffs = shares.groupby("firm")[["cmo", "cio", "cfo"]].diff()
    diffs["firm"] = shares["firm"]
    out = []
    for _, d in diffs.groupby("firm"):
        for dept in ("cmo", "cio", "cfo"):
            v = d[dept].to_numpy(dtype=float)
            out.append(v[np.isfinite(v)])
    return out


def _pooled_standardised_kurtosis(series: list[np.ndarray]) -> float:
    """Excess kurtosis of the changes pooled after standardising each series by its own mean and SD."""
    zs = [(v - v.mean()) / v.std() for v in series]
    z = np.concatenate(zs) if zs else np.empty(0)
    return float(np.mean(z**4) - 3.0) if len(z) else float("nan")


#: draws of the heterogeneous-normal null (its expectation is estimated by simulation)
NULL_DRAWS = 400
#: the null's generator seed: after standardisation the null depends only on the series' lengths
NULL_SEED = 19980101


def _standardised_kurtosis_excess(firms: pd.DataFrame) -> float:
    """S4's statistic: the pooled within-series standardised excess kurtosis of the yearly budget-share
    changes minus its expectation when every series is normal with its own mean and variance.

    Series with fewer than 4 changes or no variation are left out. Standardising makes the null free
    of each series' mean and variance, so it is simulated from standard normals of the same lengths
    (:data:`NULL_DRAWS` draws, generator seeded with :data:`NULL_SEED`).
    """
    series = [v for v in _share_change_series(firms) if len(v) >= 4 and v.std() > 1e-12]
    if not series:
        return float("nan")
    observed = _pooled_standardised_kurtosis(series)
    return observed - _null_standardised_kurtosis(tuple(sorted(len(v) for v in series)))


@functools.lru_cache(maxsize=64)
def _null_standardised_kurtosis(lengths: tuple[int, ...]) -> float:
    """Expected pooled standardised excess kurtosis of normal series of these lengths (simulated)."""
    rng = np.random.default_rng(NULL_SEED)
    fourth = np.zeros(NULL_DRAWS)
    for n in sorted(set(lengths)):
        z = rng.standard_normal((NULL_DRAWS, lengths.count(n), n))
        z = (z - z.mean(axis=2, keepdims=True)) / z.std(axis=2, keepdims=True)
        fourth += (z**4).sum(axis=(1, 2))
    return float(np.mean(fourth / sum(lengths)) - 3.0)


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
