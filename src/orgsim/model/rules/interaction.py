"""Who works with whom this quarter, one firm at a time (compiled where the quarter calls them).

Each executive is willing to work with each peer with its propensity toward that peer; a pair
works together only if both are willing (cooperation is a coordination problem). The CMO briefs
the CEO with its propensity to brief. Under an ROI mandate the CEO also orders CMO-CFO joint work.
"""

from __future__ import annotations

from numba.extending import register_jitable

from orgsim.model.roles import CMO_CFO, PAIRS


@register_jitable
def propose(u, p_coop, p_brief, willing):
    """One firm's proposals from its uniforms ``u`` (10: the CMO's three and its briefing draw, the
    CIO's three, the CFO's three): ``willing[role, peer]`` in place; returns whether the CMO briefs."""
    start = (0, 4, 7)
    for r in range(3):
        for peer in range(3):
            willing[r, peer] = peer != r and u[start[r] + peer] < p_coop[r, peer]
    return u[3] < p_brief


@register_jitable
def joint_work(willing, mandated, out):
    """Joint work per pair (1.0 or 0.0) into ``out``: both willing, or (CMO-CFO) ``mandated``."""
    for k in range(3):
        a, b = PAIRS[k]
        out[k] = 1.0 if willing[a, b] and willing[b, a] else 0.0
        if mandated and k == CMO_CFO:
            out[k] = 1.0
