"""Budget-round rules, pure functions over arrays (no mesa import).

Roles are indexed CMO = 0, CIO = 1, CFO = 2. Budgets are incremental (Wildavsky 1964): each
year a share ``contested`` of the budget is re-contested and the rest follows last year's split.
The contested part is won in a Tullock (1980) contest over influence x evidence x effort, with
effort spent in conflict lost, or split by an asymmetric Nash bargain over influence x evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CMO, CIO, CFO = 0, 1, 2
ROLES = ("cmo", "cio", "cfo")


def tullock_shares(strength: np.ndarray, exponent: float = 1.0) -> np.ndarray:
    """Contest success shares: ``s_i**r / sum_j s_j**r`` along the last axis (equal if all zero)."""
    s = np.power(np.clip(strength, 0.0, None), exponent)
    total = s.sum(axis=-1, keepdims=True)
    n = s.shape[-1]
    return np.where(total > 0, s / np.where(total > 0, total, 1.0), 1.0 / n)


def bargain_shares(power: np.ndarray) -> np.ndarray:
    """Asymmetric Nash bargain over a pot with linear utilities and zero disagreement payoffs.

    Maximising ``prod_i x_i**a_i`` subject to ``sum x_i = 1`` gives ``x_i = a_i / sum a``.
    """
    return tullock_shares(power, 1.0)


def conflict_loss_share(effort: np.ndarray, cooperation: np.ndarray, loss: float) -> np.ndarray:
    """Share of the contested pot lost: ``loss * mean effort * (1 - cooperation)`` per firm."""
    return loss * effort.mean(axis=-1) * (1.0 - np.clip(cooperation, 0.0, 1.0))


def domain_split(
    old: np.ndarray,
    strength: np.ndarray,
    contested: float,
    lost: np.ndarray,
    exponent: float = 1.0,
    rule: str = "contest",
) -> tuple[np.ndarray, np.ndarray]:
    """New domain shares (F, 3) and the lost share (F,); they sum to 1 per firm.

    ``old`` are last year's domain shares (rows sum to 1), ``lost`` the share of the contested
    pot dissipated in conflict (ignored by the bargain).
    """
    if rule == "bargain":
        won, lost = bargain_shares(strength), np.zeros(old.shape[0])
    else:
        won = tullock_shares(strength, exponent)
    new = (1.0 - contested) * old + contested * (1.0 - lost)[:, None] * won
    return new, contested * lost


def tech_claim(
    pressure: float,
    analytics: np.ndarray,
    experience: np.ndarray,
    beta_personalisation: float,
    beta_experience: float,
    claim_max: float,
) -> np.ndarray:
    """Share of its budget the CMO wants for marketing technology (customer data, analytics).

    The CMO splits its money by the marginal customer value of each capability it can build:
    personalisation (weight ``beta_personalisation * P`` on the analytics headroom) against
    campaigns (weight ``beta_experience`` on the experience headroom). Pressure thus raises the
    claim only through what customers value.
    """
    m_tech = beta_personalisation * pressure * (1.0 - analytics)
    m_camp = beta_experience * (1.0 - experience)
    total = m_tech + m_camp
    return claim_max * np.where(total > 0, m_tech / np.where(total > 0, total, 1.0), 0.0)


@dataclass(frozen=True)
class Allocation:
    """Quarterly money per firm (arrays of shape (F,)); the parts sum to ``budget``."""

    budget: np.ndarray
    marketing: np.ndarray  # campaigns, controlled by the CMO
    it_core: np.ndarray  # security, modernisation, operations, controlled by the CIO
    it_marketing: np.ndarray  # marketing IT run under IT governance (CIO controls; counted in IT)
    shadow_it: np.ndarray  # marketing technology bought outside IT (CMO controls)
    finance: np.ndarray
    conflict: np.ndarray  # lost in the contest
    tech_claim: np.ndarray  # the CMO's requested technology money


def allocate(
    budget: np.ndarray,
    domain: np.ndarray,
    lost: np.ndarray,
    claim: np.ndarray,
    governed: np.ndarray,
    shadow_cap: float,
    shadow_allowed: bool = True,
) -> Allocation:
    """Turn domain shares into spending lines.

    The CMO's technology money ``claim * marketing`` runs under IT governance in the share
    ``governed`` (the CMO-CIO cooperation rate of the past year); the rest is bought as shadow IT
    up to ``shadow_cap`` of the CMO's money, and what the cap blocks goes back to campaigns.
    """
    cmo_money = domain[:, CMO] * budget
    tech = claim * cmo_money
    if shadow_allowed:
        gov = governed * tech
        shadow = np.minimum((1.0 - governed) * tech, shadow_cap * cmo_money)
    else:
        gov = tech
        shadow = np.zeros_like(tech)
    return Allocation(
        budget=budget,
        marketing=cmo_money - gov - shadow,
        it_core=domain[:, CIO] * budget,
        it_marketing=gov,
        shadow_it=shadow,
        finance=domain[:, CFO] * budget,
        conflict=lost * budget,
        tech_claim=tech,
    )
