"""The executive suite's quarter as array code: propose and learn for all executives at once.

The executives' own methods (:meth:`orgsim.agents.Executive.propose`, :meth:`~orgsim.agents.Executive.learn`)
are the readable statement of the rules and the reference; this module does the same for all 3F
executives in one pass, because the suite's cost does not grow with the market and, done agent by
agent in Python, it was most of a small run. Both paths draw the same random numbers from the model's
generator in the same order (a numba loop takes the generator itself, since learning draws
conditionally: the benchmark firm only after an imitation draw succeeds) and do the same
floating-point operations in the same order, so they give the same results for a seed
(tests/test_suite.py compares whole runs). ``ORGSIM_NO_NUMBA=1`` selects the agents' methods.

Array layout: ``p_coop[firm, role, peer]`` (own entry 0), ``p_brief[firm]`` (the CMO's),
``beliefs[firm, role, peer, :]`` and ``brief_beliefs[firm, :]`` as ``[S_acted, W_acted, S_not, W_not]``,
``coop[firm, pair]`` in the order of :data:`orgsim.influence.PAIRS`. No mesa import.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba.extending import register_jitable

from orgsim import jit
from orgsim.learning import HIGH, LOW

CMO = 0


def propose(rng: np.random.Generator, p_coop: np.ndarray, p_brief: np.ndarray, willing: np.ndarray) -> np.ndarray:
    """Every executive's willingness (into ``willing``, shape (F, 3, 3)); returns the CMOs' briefings.

    Draws as the agents do, in creation order: per firm the CMO's three uniforms and its briefing
    uniform, then the CIO's three, then the CFO's three.
    """
    f = p_coop.shape[0]
    u = rng.random((f, 10))
    willing[:, 0, :] = u[:, 0:3] < p_coop[:, 0, :]
    willing[:, 1, :] = u[:, 4:7] < p_coop[:, 1, :]
    willing[:, 2, :] = u[:, 7:10] < p_coop[:, 2, :]
    for r in range(3):
        willing[:, r, r] = False
    return u[:, 3] < p_brief


# -- compiled loops (plain functions here; compiled by numba on first use) --------------------
@register_jitable
def _credit_row(
    i, c0, c1, c2, briefed_i, own, crit, dependence, vis_unbriefed, briefing_on, jw, cc, out
):  # pragma: no cover - runs compiled
    """influence.credit for firm ``i`` with joint work ``(c0, c1, c2)`` and a briefing, into ``out``."""
    coop = (c0, c1, c2)
    base = np.empty(3)
    for r in range(3):
        vis = 1.0
        if r == CMO:
            if briefing_on:
                vis = 1.0 if briefed_i else vis_unbriefed
            else:
                vis = vis_unbriefed
        base[r] = crit[i, r] * own[i, r] * vis
    links = np.zeros(3)
    shared = np.zeros(3)
    for k in range(3):
        a = 0 if k < 2 else 1
        b = 1 if k == 0 else 2
        pair = 0.5 * (base[a] + base[b]) * coop[k]
        links[a] += coop[k]
        links[b] += coop[k]
        shared[a] += pair
        shared[b] += pair
    for r in range(3):
        out[r] = base[r] * max(1.0 - cc * links[r], 0.0) + jw * shared[r] + dependence[i, r]


@register_jitable
def _update_row(credit, before, rate, out):  # pragma: no cover - runs compiled
    """influence.update of one firm's shares ``before`` toward ``credit``, into ``out``."""
    total = 0.0
    for r in range(3):
        total += credit[r]
    s = 0.0
    for r in range(3):
        target = credit[r] / total if total > 0 else before[r]
        out[r] = (1.0 - rate) * before[r] + rate * target
        s += out[r]
    for r in range(3):
        out[r] = out[r] / s


@register_jitable
def _gain_row(
    i, c0, c1, c2, briefed_i, own, crit, dependence, infl_before, vis_unbriefed, briefing_on, jw, cc, rate, out
):  # pragma: no cover - runs compiled
    """Influence gain of firm ``i``'s executives for joint work ``(c0, c1, c2)`` and a briefing
    (the CEO's credit, then the influence update, minus the influence before), into ``out``."""
    credit = np.empty(3)
    _credit_row(i, c0, c1, c2, briefed_i, own, crit, dependence, vis_unbriefed, briefing_on, jw, cc, credit)
    _update_row(credit, infl_before[i], rate, out)
    for r in range(3):
        out[r] -= infl_before[i, r]


def _influence_loop(
    coop, briefed, own, crit, dependence, influence, vis_unbriefed, briefing_on, jw, cc, rate, credits, new
):  # pragma: no cover - runs compiled
    """Market.influence_moves after the criticality: the CEO's credits and the new shares, into ``credits``, ``new``."""
    for i in range(coop.shape[0]):
        _credit_row(
            i, coop[i, 0], coop[i, 1], coop[i, 2], briefed[i], own, crit, dependence, vis_unbriefed, briefing_on,
            jw, cc, credits[i],
        )  # fmt: skip
        _update_row(credits[i], influence[i], rate, new[i])


@register_jitable
def _stock(level, investment, growth, decay):  # pragma: no cover - runs compiled
    """capabilities.stock_step of one stock."""
    return min(max(level + growth * investment * (1.0 - level) - decay * level, 0.0), 1.0)


def _stocks_loop(
    it_core, it_marketing, shadow_it, marketing, unit, coop, threat, p,
    quality, analytics, integration, experience, roi, appraisal, shadow_stock, lam,
):  # fmt: skip  # pragma: no cover - runs compiled
    """Market.capabilities_move up to the incident rate, in place (``p``: the firm parameters, see
    :func:`stock_params`); ``lam`` gets the expected incidents."""
    (appraisal_gain, waste_max, leverage, q_g, q_d, a_g, a_d, shadow_speed, i_g, silo, i_d, e_g, e_d,
     r_g, r_d, ap_g, ap_d, shadow_decay, base_threat, protection, shadow_risk) = p  # fmt: skip
    lever_base = 1.0 - leverage
    keep = 1.0 - shadow_decay
    bt = base_threat * threat
    for j in range(quality.shape[0]):
        it_eff = 1.0 + appraisal_gain * appraisal[j]
        core = it_core[j] / unit * it_eff
        governed = it_marketing[j] / unit * it_eff
        shadow = shadow_it[j] / unit
        campaigns = marketing[j] / unit * (1.0 - waste_max * (1.0 - roi[j]))
        lever = lever_base + leverage * analytics[j]
        integ = integration[j]
        quality[j] = _stock(quality[j], core, q_g, q_d)
        analytics[j] = _stock(analytics[j], (governed + shadow_speed * shadow) * integ, a_g, a_d)
        out = integ + i_g * governed * (1.0 - integ) - silo * shadow * integ - i_d * integ
        integration[j] = min(max(out, 0.0), 1.0)
        experience[j] = _stock(experience[j], campaigns * lever, e_g, e_d)
        roi[j] = _stock(roi[j], coop[j, 1], r_g, r_d)
        appraisal[j] = _stock(appraisal[j], coop[j, 2], ap_g, ap_d)
        shadow_stock[j] = shadow_stock[j] * keep + shadow
        lam[j] = bt * (1.0 - protection * quality[j]) * (1.0 + shadow_risk * shadow_stock[j])


def stock_params(fp: Any) -> tuple[float, ...]:
    """The firm parameters :func:`_stocks_loop` reads, in its order."""
    values = (
        fp.appraisal_gain, fp.waste_max, fp.analytics_leverage, fp.quality_growth, fp.quality_decay,
        fp.analytics_growth, fp.analytics_decay, fp.shadow_speed, fp.integration_growth, fp.silo_growth,
        fp.integration_decay, fp.experience_growth, fp.experience_decay, fp.roi_growth, fp.roi_decay,
        fp.appraisal_growth, fp.appraisal_decay, fp.shadow_decay, fp.incident_rate, fp.security_protection,
        fp.shadow_risk,
    )  # fmt: skip
    return tuple(float(v) for v in values)


@register_jitable
def _accumulate(beliefs, payoff, acted, foregone, own_w, other_w, fw, decay, counterfactual):  # pragma: no cover
    """learning.evidence_all (+ foregone_all) and learning.accumulate for one role's learners.

    ``beliefs`` (F, 4) is updated in place; ``payoff``, ``acted`` and ``foregone`` have shape (F,).
    """
    f = payoff.shape[0]
    own = np.empty((f, 4))
    for j in range(f):
        a = 1.0 if acted[j] != 0 else 0.0
        n = 1.0 - a
        own[j, 0] = payoff[j] * a
        own[j, 1] = a
        own[j, 2] = payoff[j] * n
        own[j, 3] = n
    total = own[0].copy()
    for j in range(1, f):
        for c in range(4):
            total[c] += own[j, c]
    for j in range(f):
        ev = np.empty(4)
        for c in range(4):
            ev[c] = other_w * (total[c] - own[j, c]) + own_w * own[j, c]
        if counterfactual:
            u = fw * foregone[j]
            if acted[j] != 0:
                ev[0] += 0.0
                ev[1] += 0.0
                ev[2] += u
                ev[3] += fw
            else:
                ev[0] += u
                ev[1] += fw
                ev[2] += 0.0
                ev[3] += 0.0
        for c in range(4):
            beliefs[j, c] = decay * beliefs[j, c] + ev[c]


def _draw_loop(rng, imitation, imitation_rate, exploration, imitate, other, noise):  # pragma: no cover
    """The learning phase's random numbers, executive by executive as Executive.learn draws them.

    Whether an executive imitates, whom (another firm), and its exploration noise: none of them
    depends on the state, so they can be drawn before the arithmetic that uses them.
    """
    f = imitate.shape[0]
    for i in range(f):
        for role in range(3):
            imitate[i, role] = False
            if imitation and rng.random() < imitation_rate:
                j = rng.integers(0, f - 1)
                other[i, role] = j + 1 if j >= i else j
                imitate[i, role] = True
            if exploration > 0:
                z = rng.normal(0.0, exploration, 3)
                for c in range(3):
                    noise[i, role, c] = z[c]


def _belief_loop(
    coop, briefed, payoff, margin_now, own, crit, dependence, infl_before, vis_unbriefed, briefing_on,
    jw, cc, influence_rate, own_w, other_w, counterfactual, fw, decay, beliefs, brief_beliefs, gap, brief_gap,
):  # fmt: skip  # pragma: no cover - runs compiled
    """Market.executives_learn's evidence and belief update; the belief gaps into ``gap``, ``brief_gap``."""
    f = coop.shape[0]
    work = np.empty(3)
    c = np.empty(3)
    foregone = np.zeros((f, 3))
    for k in range(3):
        if counterfactual:  # joint work of pair k flipped, in every firm
            for i in range(f):
                c[:] = coop[i]
                c[k] = 1.0 - c[k]
                _gain_row(
                    i, c[0], c[1], c[2], briefed[i], own, crit, dependence, infl_before,
                    vis_unbriefed, briefing_on, jw, cc, influence_rate, work,
                )  # fmt: skip
                for r in range(3):
                    foregone[i, r] = work[r] + margin_now[i]
        a = 0 if k < 2 else 1
        b = 1 if k == 0 else 2
        for role, peer in ((a, b), (b, a)):
            _accumulate(
                beliefs[:, role, peer], payoff[:, role], coop[:, k], foregone[:, role],
                own_w, other_w, fw, decay, counterfactual,
            )  # fmt: skip
    brief_cf = np.zeros(f)
    if counterfactual:
        for i in range(f):
            _gain_row(
                i, coop[i, 0], coop[i, 1], coop[i, 2], not briefed[i], own, crit, dependence, infl_before,
                vis_unbriefed, briefing_on, jw, cc, influence_rate, work,
            )  # fmt: skip
            brief_cf[i] = work[CMO] + margin_now[i]
    _accumulate(brief_beliefs, payoff[:, CMO], briefed, brief_cf, own_w, other_w, fw, decay, counterfactual)
    for i in range(f):
        for role in range(3):
            for peer in range(3):
                gap[i, role, peer] = _gap(beliefs[i, role, peer])
        brief_gap[i] = _gap(brief_beliefs[i])


@register_jitable
def _gap(s):  # pragma: no cover - runs compiled
    """learning.belief_gap of one accumulator."""
    s_a, w_a, s_n, w_n = s[0], s[1], s[2], s[3]
    if w_a > 0 and w_n > 0:
        return (s_a / w_a - s_n / w_n) * ((w_a * w_n) / ((w_a + 1.0) * (w_n + 1.0)))
    return 0.0


def _commit_loop(
    p_coop, p_brief, stepped, stepped_brief, imitate, other, noise, margins, imitation_scale, explore,
    fixed, fixed_brief,
):  # fmt: skip  # pragma: no cover - runs compiled
    """Executive.learn after the logit step (benchmarking, drift, fixed values), then advance: in place."""
    f = p_coop.shape[0]
    new_coop = p_coop.copy()
    new_brief = p_brief.copy()
    for i in range(f):
        for role in range(3):
            coop_next = p_coop[i, role].copy()
            for peer in range(3):
                if peer != role:
                    coop_next[peer] = stepped[i, role, peer]
            brief = stepped_brief[i] if role == CMO else 0.0
            if imitate[i, role]:
                j = other[i, role]
                w = min(1.0, max(0.0, (margins[j] - margins[i]) / imitation_scale))
                if w > 0:
                    for peer in range(3):
                        if peer != role:
                            p = coop_next[peer]
                            coop_next[peer] = min(HIGH, max(LOW, p + w * (p_coop[j, role, peer] - p)))
                    if role == CMO:
                        brief = min(HIGH, max(LOW, brief + w * (p_brief[j] - brief)))
            if explore:
                for peer in range(3):
                    if peer != role:
                        coop_next[peer] = min(HIGH, max(LOW, coop_next[peer] + noise[i, role, peer]))
                if role == CMO:
                    brief = min(HIGH, max(LOW, brief + noise[i, role, role]))
            for peer in range(3):
                new_coop[i, role, peer] = p_coop[i, role, peer] if fixed[i, role, peer] else coop_next[peer]
            if role == CMO:
                new_brief[i] = p_brief[i] if fixed_brief[i] else brief
    p_coop[:] = new_coop
    p_brief[:] = new_brief


_KERNELS: dict[str, Any] = {}


def kernels() -> dict[str, Any] | None:
    """The compiled loops, or None with ORGSIM_NO_NUMBA=1 (the agents' methods are used then)."""
    return jit.compiled(
        _KERNELS,
        {
            "draw": _draw_loop,
            "beliefs": _belief_loop,
            "commit": _commit_loop,
            "influence": _influence_loop,
            "stocks": _stocks_loop,
        },
    )
