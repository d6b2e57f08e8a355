"""Who works with whom and who briefs (orgsim.model.rules.interaction): proposals and briefings from
propensities, joint work where both are willing, the ROI mandate. Compiled runs: tests/test_rules_compiled.py."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from orgsim.model.roles import CFO, CIO, CMO, CMO_CFO, CMO_CIO, PAIRS
from orgsim.model.rules import interaction

#: which of the twelve uniforms each role draws for each peer (each executive's fourth is its briefing draw)
SLOT = {(CMO, CIO): 1, (CMO, CFO): 2, (CIO, CMO): 4, (CIO, CFO): 6, (CFO, CMO): 8, (CFO, CIO): 9}
BRIEF_SLOT = {CMO: 3, CIO: 7, CFO: 11}
N = interaction.DRAWS


def _propose(u, p_coop, p_brief=0.5):
    """(willing, briefed per role, number of briefings); ``p_brief`` a scalar for all three or one per role."""
    willing = np.zeros((3, 3), dtype=bool)
    briefed = np.zeros(3, dtype=bool)
    p_brief = np.broadcast_to(np.asarray(p_brief, float), (3,)).copy()
    n = interaction.propose(np.asarray(u, float), np.asarray(p_coop, float), p_brief, willing, briefed)
    assert n == briefed.sum()
    return willing, briefed, n


def _joint(willing, mandated=False) -> np.ndarray:
    out = np.full(3, np.nan)
    interaction.joint_work(np.asarray(willing, bool), mandated, out)
    return out


# -- propose -------------------------------------------------------------------------------------
def test_propose_certain_and_impossible():
    u = np.random.default_rng(0).random(N) * 0.999
    willing, *_ = _propose(u, np.ones((3, 3)))
    assert willing.tolist() == (~np.eye(3, dtype=bool)).tolist()  # never with oneself
    willing, *_ = _propose(u, np.zeros((3, 3)))
    assert not willing.any()


@pytest.mark.parametrize(("role", "peer"), sorted(SLOT))
def test_propose_each_role_draws_its_own_uniform(role, peer):
    u = np.ones(N)
    u[SLOT[(role, peer)]] = 0.0
    willing, briefed, _ = _propose(u, np.full((3, 3), 0.5))
    assert not briefed.any()
    expected = np.zeros((3, 3), dtype=bool)
    expected[role, peer] = True
    assert willing.tolist() == expected.tolist()


def test_propose_willing_iff_uniform_below_propensity():
    rng = np.random.default_rng(1)
    for _ in range(50):
        u, p_coop = rng.random(N), rng.random((3, 3))
        willing, *_ = _propose(u, p_coop)
        for (role, peer), slot in SLOT.items():
            assert willing[role, peer] == (u[slot] < p_coop[role, peer])
        assert not np.diag(willing).any()


def test_propose_briefing_draw():
    u = np.full(N, 0.5)
    for p_brief, expected in ((0.0, False), (0.4, False), (0.6, True), (1.0, True)):
        assert _propose(u, np.zeros((3, 3)), p_brief)[1].tolist() == [expected] * 3
    # each executive's briefing draw is its fourth uniform, not one of its willingness draws
    for role, slot in BRIEF_SLOT.items():
        u = np.ones(N)
        u[slot] = 0.0
        willing, briefed, n = _propose(u, np.full((3, 3), 0.5), 0.5)
        assert briefed.tolist() == [r == role for r in range(3)] and n == 1 and not willing.any()
    # each with its own propensity
    willing, briefed, n = _propose(np.full(N, 0.5), np.zeros((3, 3)), [0.9, 0.1, 0.6])
    assert briefed.tolist() == [True, False, True] and n == 2


def test_propose_frequencies_follow_propensities():
    rng = np.random.default_rng(2)
    p_coop = np.array([[0.0, 0.2, 0.7], [0.5, 0.0, 0.9], [0.1, 0.4, 0.0]])
    n = 4000
    total = np.zeros((3, 3))
    briefs = np.zeros(3)
    for _ in range(n):
        willing, b, _ = _propose(rng.random(N), p_coop, [0.3, 0.6, 0.8])
        total += willing
        briefs += b
    np.testing.assert_allclose(total / n, p_coop, atol=0.03)
    np.testing.assert_allclose(briefs / n, [0.3, 0.6, 0.8], atol=0.03)


# -- joint_work ----------------------------------------------------------------------------------
def test_joint_work_both_must_be_willing():
    for bits in itertools.product([False, True], repeat=6):
        willing = np.zeros((3, 3), dtype=bool)
        for (role, peer), b in zip(sorted(SLOT), bits, strict=True):
            willing[role, peer] = b
        out = _joint(willing)
        for k, (a, b) in enumerate(PAIRS):
            assert out[k] == (1.0 if willing[a, b] and willing[b, a] else 0.0)


def test_joint_work_one_sided_is_not_joint():
    willing = np.zeros((3, 3), dtype=bool)
    willing[CMO, CIO] = willing[CFO, CIO] = willing[CIO, CFO] = True
    assert _joint(willing).tolist() == [0.0, 0.0, 1.0]


def test_mandate_forces_cmo_cfo_only():
    for bits in itertools.product([False, True], repeat=6):
        willing = np.zeros((3, 3), dtype=bool)
        for (role, peer), b in zip(sorted(SLOT), bits, strict=True):
            willing[role, peer] = b
        free, mandated = _joint(willing), _joint(willing, True)
        assert mandated[CMO_CFO] == 1.0
        for k in range(3):
            if k != CMO_CFO:
                assert mandated[k] == free[k]
    # nobody willing: the mandate is the only joint work
    expected = [0.0, 0.0, 0.0]
    expected[CMO_CFO] = 1.0
    assert _joint(np.zeros((3, 3), dtype=bool), True).tolist() == expected
    assert PAIRS[CMO_CFO] == (CMO, CFO) and PAIRS[CMO_CIO] == (CMO, CIO)


def test_propose_then_joint_work():
    u = np.zeros(N)
    willing, *_ = _propose(u, np.full((3, 3), 0.5))
    assert _joint(willing).tolist() == [1.0, 1.0, 1.0]
