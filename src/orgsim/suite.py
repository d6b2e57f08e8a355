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
def _gain_row(
    i, c0, c1, c2, briefed_i, own, crit, dependence, infl_before, vis_unbriefed, briefing_on, jw, cc, rate, out
):  # pragma: no cover - runs compiled
    """Influence gain of firm ``i``'s executives for joint work ``(c0, c1, c2)`` and a briefing
    (the CEO's credit of influence.credit, then influence.update, minus the influence before)."""
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
    credit = np.empty(3)
    total = 0.0
    for r in range(3):
        credit[r] = base[r] * max(1.0 - cc * links[r], 0.0) + jw * shared[r] + dependence[i, r]
        total += credit[r]
    new = np.empty(3)
    s = 0.0
    for r in range(3):
        target = credit[r] / total if total > 0 else infl_before[i, r]
        new[r] = (1.0 - rate) * infl_before[i, r] + rate * target
        s += new[r]
    for r in range(3):
        out[r] = new[r] / s - infl_before[i, r]


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
    return jit.compiled(_KERNELS, {"draw": _draw_loop, "beliefs": _belief_loop, "commit": _commit_loop})
