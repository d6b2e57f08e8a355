"""Budget-round rules, one firm at a time (compiled where the quarter calls them).

Budgets are incremental (Wildavsky 1964): each year a share ``contested`` of the budget is
re-contested and the rest follows last year's split. The contested part is won in a Tullock (1980)
contest over influence x evidence x effort, with effort spent in conflict lost, or split by an
asymmetric Nash bargain over influence x evidence. Who controls the CMO's technology money follows
from the past year's CMO-CIO joint work, the reach of IT governance and the shadow-IT cap.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba.extending import register_jitable

from orgsim.model.roles import CMO


class Allocation(NamedTuple):
    """Quarterly money per firm; the parts sum to ``budget`` (the model's are views of its money rows)."""

    budget: np.ndarray
    marketing: np.ndarray  # campaigns, controlled by the CMO
    it_core: np.ndarray  # security, modernisation, operations, controlled by the CIO
    it_marketing: np.ndarray  # marketing IT run under IT governance (CIO controls; counted in IT)
    shadow_it: np.ndarray  # marketing technology bought outside IT (CMO controls)
    finance: np.ndarray
    conflict: np.ndarray  # lost in the contest
    tech_claim: np.ndarray  # the CMO's requested technology money


#: a firm's spending lines, in the order of the rows of the model's money array
LINES = Allocation._fields


class BudgetParams(NamedTuple):
    share: float  # discretionary budget as a share of revenue
    roi_evidence: float  # 0 when the ROI-evidence channel is off
    claim_cmo: float
    claim_cio: float
    claim_cfo: float
    contest: bool  # Tullock contest (True) or Nash bargain (False)
    conflict_loss: float
    contested: float
    exponent: float  # 1 under the bargain
    beta_personalisation: float
    beta_experience: float
    claim_max: float
    shadow_cap: float
    shadow_on: bool
    reach: float  # share of the technology money that joint work brings under IT governance


@register_jitable
def contest_strength(influence, roi, p, out):
    """Each executive's strength in the contest before effort, into ``out``: claim x influence x
    evidence (ROI measurement, for the CMO). A bid is strength x effort."""
    claims = (p.claim_cmo, p.claim_cio, p.claim_cfo)
    for r in range(3):
        evidence = 1.0 + p.roi_evidence * roi if r == CMO else 1.0
        out[r] = claims[r] * influence[r] * evidence


@register_jitable
def tullock_shares(strength, exponent, out):
    """Contest success shares ``s_i**r / sum_j s_j**r`` of one contest into ``out`` (equal if all zero).

    Under the asymmetric Nash bargain over a pot with linear utilities and zero disagreement
    payoffs, maximising ``prod_i x_i**a_i`` subject to ``sum x_i = 1`` gives ``x_i = a_i / sum a``:
    the same rule with exponent 1.
    """
    n = strength.shape[0]
    total = 0.0
    for r in range(n):
        out[r] = max(strength[r], 0.0) ** exponent
        total += out[r]
    for r in range(n):
        out[r] = out[r] / total if total > 0 else 1.0 / n


@register_jitable
def conflict_loss_share(effort, trust, loss):
    """Share of the contested pot lost in conflict: ``loss * mean effort * (1 - trust)``."""
    return loss * ((effort[0] + effort[1] + effort[2]) / 3) * (1.0 - min(max(trust, 0.0), 1.0))


@register_jitable
def tech_claim(pressure, analytics, experience, beta_personalisation, beta_experience, claim_max):
    """Share of its budget the CMO wants for marketing technology (customer data, analytics).

    The CMO splits its money by the marginal customer value of each capability it can build:
    personalisation (weight ``beta_personalisation * P`` on the analytics headroom) against
    campaigns (weight ``beta_experience`` on the experience headroom). Pressure thus raises the
    claim only through what customers value.
    """
    m_tech = beta_personalisation * pressure * (1.0 - analytics)
    m_camp = beta_experience * (1.0 - experience)
    both = m_tech + m_camp
    return claim_max * (m_tech / both if both > 0 else 0.0)


@register_jitable
def allocate(budget, domain, lost, claim, joint, reach, shadow_cap, shadow_on, money):
    """One firm's spending lines (:data:`LINES`) from its domain shares, into ``money``.

    The CMO's technology money ``claim * marketing`` runs under IT governance in the share
    ``reach * joint`` (``joint`` the CMO-CIO cooperation rate of the past year, ``reach`` the share
    of the money that joint work brings under IT governance); the rest is bought as shadow IT up to
    ``shadow_cap`` of the CMO's money, and what the cap blocks goes back to campaigns. ``lost`` is
    the share of the budget dissipated in the contest.
    """
    cmo_money = domain[0] * budget
    tech = claim * cmo_money
    if shadow_on:
        governed = reach * joint
        gov = governed * tech
        shadow = min((1.0 - governed) * tech, shadow_cap * cmo_money)
    else:
        gov = tech
        shadow = 0.0
    money[0] = budget
    money[1] = cmo_money - gov - shadow
    money[2] = domain[1] * budget
    money[3] = gov
    money[4] = shadow
    money[5] = domain[2] * budget
    money[6] = lost * budget
    money[7] = tech


@register_jitable
def budget_round(year_revenue, domain, influence, effort, roi, trust, joint, analytics, experience,
                 pressure, p, money):  # fmt: skip
    """One firm's yearly budget round: spending lines into ``money``, ``domain`` moved in place.

    ``year_revenue`` is the mean quarterly revenue of the past year, ``domain`` last year's split of
    the budget among marketing, IT and finance (it becomes next year's base), ``trust`` the share
    of the past year's possible joint work that happened (any pair), ``joint`` the share of the
    past year's quarters with CMO-CIO joint work. Strength in the contest is claim x influence x
    evidence (ROI measurement, for the CMO) x effort; under the bargain effort plays no part and
    nothing is lost.
    """
    budget = p.share * year_revenue
    strength = np.empty(3)
    contest_strength(influence, roi, p, strength)
    if p.contest:
        for r in range(3):
            strength[r] = strength[r] * effort[r]
    won = np.empty(3)
    tullock_shares(strength, p.exponent, won)
    lost = conflict_loss_share(effort, trust, p.conflict_loss) if p.contest else 0.0
    split = np.empty(3)
    for r in range(3):
        split[r] = (1.0 - p.contested) * domain[r] + p.contested * (1.0 - lost) * won[r]
    claim = tech_claim(pressure, analytics, experience, p.beta_personalisation, p.beta_experience, p.claim_max)
    allocate(budget, split, p.contested * lost, claim, joint, p.reach, p.shadow_cap, p.shadow_on, money)
    norm = split[0] + split[1] + split[2]  # next year's base: the loss is not carried over
    if norm > 0:  # else all of it was contested and lost: the base stays last year's
        for r in range(3):
            domain[r] = split[r] / norm
