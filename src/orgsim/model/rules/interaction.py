"""Who works with whom and who briefs the CEO this quarter, one firm at a time (compiled where the quarter calls them).

Each executive is willing to work with each peer with its propensity toward that peer; a pair
works together only if both are willing (cooperation is a coordination problem). Each executive
briefs the CEO with its propensity to brief. Under an ROI mandate the CEO also orders CMO-CFO joint work.
"""

from __future__ import annotations

from numba.extending import register_jitable

from orgsim.model.roles import CMO_CFO, PAIRS

#: uniforms per firm: four per executive (its willingness toward CMO, CIO, CFO, then its briefing draw)
DRAWS = 12


@register_jitable
def propose(u, p_coop, p_brief, willing, briefed):
    """One firm's proposals from its uniforms ``u`` (:data:`DRAWS`: executive ``r`` has ``u[4r .. 4r + 2]``
    for its willingness toward CMO, CIO and CFO — the one toward itself is discarded — and
    ``u[4r + 3]`` for briefing): ``willing[role, peer]`` and ``briefed[role]`` in place; returns the
    number of executives who brief the CEO."""
    n = 0
    for r in range(3):
        for peer in range(3):
            willing[r, peer] = peer != r and u[4 * r + peer] < p_coop[r, peer]
        briefed[r] = u[4 * r + 3] < p_brief[r]
        if briefed[r]:
            n += 1
    return n


@register_jitable
def joint_work(willing, mandated, out):
    """Joint work per pair (1.0 or 0.0) into ``out``: both willing, or (CMO-CFO) ``mandated``."""
    for k in range(3):
        a, b = PAIRS[k]
        out[k] = 1.0 if willing[a, b] and willing[b, a] else 0.0
        if mandated and k == CMO_CFO:
            out[k] = 1.0
