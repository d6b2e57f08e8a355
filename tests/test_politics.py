"""Chosen politics (orgsim.model.rules.politics): the executive's model of the budget contest, its best
response, the smoothed step and the beliefs about rivals' bids; docking against Tullock's equilibrium;
the wiring in the quarter (efforts move in every shipped scenario, and not with ``chosen_effort`` off).

Compiled runs of the rules: tests/test_rules_compiled.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from orgsim.model.market import Market, params_of
from orgsim.model.records import EXEC_COLUMNS
from orgsim.model.roles import CFO, CIO, CMO
from orgsim.model.rules import budget, politics
from orgsim.scenario import files as scenarios
from orgsim.scenario.files import load

BASE = params_of(load("baseline")).politics
SHIPPED = sorted(scenarios.available())


def _payoffs(grid, strength, rivals, weighted, value, cost, exponent) -> np.ndarray:
    return np.array([politics.expected_payoff(e, strength, rivals, weighted, value, cost, exponent) for e in grid])


# -- docking: the same rules, iterated in a stripped-down contest, reach Tullock's equilibrium -------
#: the docking contest's tolerance on every effort, and the most rounds it may take
DOCK_TOL, DOCK_ROUNDS = 1e-6, 200


def _dock(strength, value, cost, start, exponent=1.0, rate=BASE.rate, decay=BASE.decay, target=None):
    """Iterate move_efforts and observe_bids (the quarter's calls) on fixed strengths, values and linear
    costs, no conflict loss, no shared stake; beliefs start at the starting bids. (efforts, rounds)."""
    s, e = np.array(strength, float), np.array(start, float)
    v, c = np.array(value, float), np.array(cost, float)
    weight, believed = np.empty((3, 3)), np.zeros((3, 3))
    politics.peer_weights(0.0, np.ones(3), weight)
    politics.observe_bids(s, e, believed, 0.0)
    for n in range(1, DOCK_ROUNDS + 1):
        politics.move_efforts(s, e, believed, weight, v, c, exponent, rate)
        politics.observe_bids(s, e, believed, decay)
        if target is not None and np.abs(e - target).max() < DOCK_TOL:
            return e, n
    return e, DOCK_ROUNDS


@pytest.mark.parametrize("prize", [0.3, 0.5, 1.0])
def test_docking_two_symmetric_players_bid_a_quarter_of_the_prize(prize):
    """n = 2, prize V, cost 1: each bids (n - 1) V / n**2 = V / 4 (a third executive with no strength stays out)."""
    target = np.array([prize / 4, prize / 4, 0.0])
    e, rounds = _dock([1.0, 1.0, 0.0], [prize, prize, 0.0], [1.0, 1.0, 1.0], [0.5, 0.2, 0.7], target=target)
    assert np.abs(e - target).max() < DOCK_TOL and rounds < DOCK_ROUNDS


@pytest.mark.parametrize("prize", [0.3, 0.5, 1.0])
def test_docking_three_symmetric_players_bid_two_ninths_of_the_prize(prize):
    """n = 3: each bids (n - 1) V / n**2 = 2 V / 9."""
    target = np.full(3, 2 * prize / 9)
    e, rounds = _dock(np.ones(3), np.full(3, prize), np.ones(3), [0.5, 0.2, 0.8], target=target)
    assert np.abs(e - target).max() < DOCK_TOL and rounds < DOCK_ROUNDS


@pytest.mark.parametrize(("v1", "v2"), [(0.6, 0.3), (0.8, 0.2), (0.4, 0.35)])
def test_docking_two_players_with_different_values(v1, v2):
    """Values V1, V2, cost 1: bids V1**2 V2 / (V1 + V2)**2 and V1 V2**2 / (V1 + V2)**2."""
    target = np.array([v1 * v1 * v2, v1 * v2 * v2, 0.0]) / (v1 + v2) ** 2
    e, rounds = _dock([1.0, 1.0, 0.0], [v1, v2, 0.0], np.ones(3), [0.5, 0.5, 0.5], target=target)
    assert np.abs(e - target).max() < DOCK_TOL and rounds < DOCK_ROUNDS


def test_docking_other_exponent_through_the_search():
    """Decisiveness a = 0.5 (the golden-section branch): n symmetric players bid a (n - 1) V / n**2."""
    for n, strength in ((2, [1.0, 1.0, 0.0]), (3, [1.0, 1.0, 1.0])):
        target = np.array([0.5 * (n - 1) * 0.6 / n**2 if s else 0.0 for s in strength])
        e, _ = _dock(strength, [0.6 if s else 0.0 for s in strength], np.ones(3), [0.5, 0.2, 0.8], 0.5, target=target)
        assert np.abs(e - target).max() < 1e-5


def test_docking_pure_best_response_with_last_bids_cycles():
    """Why the step is smoothed: with rate 1 and beliefs = last bids, the two players alternate
    between (V/4, 0) and (0, V/4): each answers a rival who bid nothing by bidding nothing, and a
    rival who bid V/4 by bidding V/4; the play never reaches (V/4, V/4)."""
    e, _ = _dock([1.0, 1.0, 0.0], [0.5, 0.5, 0.0], np.ones(3), [0.5, 0.3, 0.0], rate=1.0, decay=0.0)
    assert sorted(e[:2].round(9)) == [0.0, 0.125]


# -- the payoff model and the best response --------------------------------------------------------
def test_expected_payoff_known_value():
    # s e = 0.2, B = 0.3, W = 0.5 * 0.3: x = 0.4, peer's win valued 0.5 * 0.6 -> V * 0.7 - c e
    u = politics.expected_payoff(0.5, 0.4, 0.3, 0.15, 2.0, 0.1, 1.0)
    assert u == pytest.approx(2.0 * (0.2 + 0.15) / 0.5 - 0.05)


@pytest.mark.parametrize("exponent", [1.0, 0.5, 0.8, 1.6, 3.0])
def test_best_response_maximises_the_payoff_on_a_grid(exponent):
    rng = np.random.default_rng(0)
    grid = np.linspace(0.0, 1.0, 2001)
    for _ in range(40):
        s, value, cost = rng.uniform(0.05, 1.0), rng.uniform(0.05, 2.0), rng.uniform(0.01, 1.0)
        rivals = rng.uniform(0.01, 0.8)
        weighted = rivals * rng.uniform(0.0, 0.9)
        br = politics.best_response(s, rivals, weighted, value, cost, exponent)
        assert 0.0 <= br <= 1.0
        u = _payoffs(grid, s, rivals, weighted, value, cost, exponent)
        at = politics.expected_payoff(br, s, rivals, weighted, value, cost, exponent)
        assert at >= u.max() - 1e-9
        if exponent <= 1.0:  # U concave: the maximiser is unique
            assert br == pytest.approx(grid[u.argmax()], abs=1e-3)


def test_best_response_closed_form_interior_and_clipped():
    # sqrt(V s (B - W) / c) - B over s: V = 1, s = 1, B = 0.25, W = 0, c = 1 -> 0.25
    assert politics.best_response(1.0, 0.25, 0.0, 1.0, 1.0, 1.0) == pytest.approx(0.25)
    assert politics.best_response(1.0, 0.25, 0.0, 100.0, 1.0, 1.0) == 1.0  # clipped above
    assert politics.best_response(1.0, 0.25, 0.0, 0.2, 1.0, 1.0) == 0.0  # V s B / c < B**2: stays out


def test_best_response_corner_cases():
    assert politics.best_response(0.5, 0.0, 0.0, 1.0, 0.2, 1.0) == 0.0  # no rival's bid believed
    assert politics.best_response(0.5, 0.0, 0.0, 1.0, 0.2, 0.5) == 0.0
    assert politics.best_response(0.5, 0.3, 0.0, 0.0, 0.2, 1.0) == 0.0  # no value
    assert politics.best_response(0.0, 0.3, 0.0, 1.0, 0.2, 1.0) == 0.0  # no strength
    for exponent in (1.0, 0.5, 2.0):  # peers' wins valued as much as its own: marginal benefit <= 0
        assert politics.best_response(0.5, 0.3, 0.3, 1.0, 0.2, exponent) == 0.0
        assert politics.best_response(0.5, 0.3, 0.45, 1.0, 0.2, exponent) == 0.0
    assert politics.best_response(0.5, 0.3, 0.1, 1.0, 0.0, 1.0) == 1.0  # effort costs nothing


def test_best_response_falls_with_cost_and_with_the_stake_in_peers():
    by_cost = [politics.best_response(0.5, 0.2, 0.0, 0.2, c, 1.0) for c in (0.05, 0.1, 0.2, 0.4)]
    by_weight = [politics.best_response(0.5, 0.2, w * 0.2, 0.2, 0.1, 1.0) for w in (0.0, 0.3, 0.6, 0.9)]
    assert np.all(np.diff(by_cost) < 0) and np.all(np.diff(by_weight) < 0)


def test_smoothed_step():
    assert politics.smoothed(0.4, 0.8, 0.5) == pytest.approx(0.6)
    assert politics.smoothed(0.4, 0.8, 0.0) == 0.4
    assert politics.smoothed(0.4, 0.0, 1.0) == 0.0


# -- values, costs, weights, beliefs ---------------------------------------------------------------
def test_value_follows_criticality_and_cost_adds_time_and_conflict():
    crit, own = np.array([1.0, 2.0, 1.0]), np.array([0.5, 0.5, 1.0])
    assert politics.contest_value(0.8, 0.5, crit, CIO) == pytest.approx(0.2)
    assert politics.contest_value(0.9, 1.0, np.zeros(3), CMO) == pytest.approx(0.3)
    assert politics.own_credit_share(crit, own, CFO) == pytest.approx(1.0 / 2.5)
    assert politics.own_credit_share(crit, np.zeros(3), CFO) == 0.0
    assert politics.effort_cost(0.25, 0.4, 0.6, 0.3, 0.2) == pytest.approx(0.1 + 0.6 * 0.3 * 0.8 / 3)
    assert politics.effort_cost(0.25, 0.4, 0.6, 0.3, 1.0) == pytest.approx(0.1)  # full trust: no conflict
    value, cost = np.empty(3), np.empty(3)
    p = BASE._replace(stake=0.8, contested=0.5, time_cost=0.25, conflict_loss=0.3)
    politics.stakes(crit, own, 0.2, p, value, cost)
    for r in range(3):
        assert value[r] == pytest.approx(politics.contest_value(0.8, 0.5, crit, r))
        share = politics.own_credit_share(crit, own, r)
        assert cost[r] == pytest.approx(politics.effort_cost(0.25, share, value[r], 0.3, 0.2))


def test_peer_weights_follow_joint_work():
    w = np.full((3, 3), np.nan)
    politics.peer_weights(0.5, np.array([1.0, 0.25, 0.0]), w)  # pairs CMO-CIO, CMO-CFO, CIO-CFO
    assert_allclose(w, [[0.0, 0.5, 0.125], [0.5, 0.0, 0.0], [0.125, 0.0, 0.0]])


def test_beliefs_move_toward_the_bids_seen():
    believed = np.full((3, 3), 0.2)
    strength, effort = np.array([0.1, 0.2, 0.4]), np.array([1.0, 0.5, 0.0])
    politics.observe_bids(strength, effort, believed, 0.5)
    assert_allclose(believed[CMO, [CIO, CFO]], [0.15, 0.1])
    assert_allclose(believed[CFO, [CMO, CIO]], [0.15, 0.15])
    assert_allclose(np.diag(believed), 0.2)  # nobody bids against itself
    assert politics.believed_total(believed, CMO) == pytest.approx(0.25)


def test_move_efforts_is_simultaneous():
    """Every executive answers the same beliefs: moving one does not change another's step."""
    strength, value, cost = np.array([0.3, 0.4, 0.2]), np.full(3, 0.3), np.full(3, 0.1)
    believed, weight = np.full((3, 3), 0.1), np.zeros((3, 3))
    effort = np.array([0.2, 0.5, 0.9])
    expected = []
    for r in range(3):
        rivals, weighted = politics.believed_rivals(believed, weight, r, 1.0)
        br = politics.best_response(strength[r], rivals, weighted, value[r], cost[r], 1.0)
        expected.append(politics.smoothed(effort[r], br, 0.5))
    politics.move_efforts(strength, effort, believed, weight, value, cost, 1.0, 0.5)
    assert_allclose(effort, expected)


# -- the wiring in the model -----------------------------------------------------------------------
def _efforts(name, **params) -> np.ndarray:
    m = Market(name, rng=3, customers=500, firms=4, steps=10, **params).run()
    return m.state.exec_record[: m.steps + 1, EXEC_COLUMNS.index("effort")]


@pytest.mark.parametrize("name", SHIPPED)
def test_efforts_move_within_runs_in_every_shipped_scenario(name):
    effort = _efforts(name)
    assert not np.allclose(effort[-1], effort[0])  # chosen in the rounds of quarters 5 and 9
    assert_allclose(effort[4], effort[0])  # and only there
    assert ((effort >= 0) & (effort <= 1)).all()


@pytest.mark.parametrize("name", ["baseline", "walls"])
def test_efforts_stay_fixed_without_the_choice_or_the_contest(name):
    for params in ({"chosen_effort": False}, {"budget_rule": "bargain"}):
        effort = _efforts(name, **params)
        assert_allclose(effort, np.broadcast_to(effort[0], effort.shape))


def test_beliefs_start_at_the_starting_bids_and_follow_the_rounds():
    m = Market("baseline", rng=2, customers=500, firms=3, steps=5)
    s, bp = m.state, m.params.budget
    strength = np.empty(3)
    budget.contest_strength(s.influence[1], s.stocks[4, 1], bp, strength)
    assert_allclose(s.bid_beliefs[1, CMO, [CIO, CFO]], strength[[CIO, CFO]] * s.effort[1, [CIO, CFO]])
    believed = s.bid_beliefs.copy()
    for _ in range(4):
        m.step()
    budget.contest_strength(s.influence[1], s.stocks[4, 1], bp, strength)  # before the round
    m.step()  # quarter 5: the round
    expected = believed[1].copy()
    politics.observe_bids(strength, s.effort[1], expected, m.params.politics.decay)
    assert_allclose(s.bid_beliefs[1], expected)
    table = m.executive_table()
    row = table[(table.step == 5) & (table.firm == 1) & (table.role == "cmo")]
    assert row["believed_bids"].item() == pytest.approx(politics.believed_total(s.bid_beliefs[1], CMO))


def test_the_time_spent_on_politics_costs_credit_in_the_rounds_quarter_only():
    runs = {c: Market("baseline", rng=4, customers=500, firms=3, steps=6, effort_time_cost=c).run() for c in (0.0, 0.5)}
    credit = {c: m.state.exec_record[:, EXEC_COLUMNS.index("credit")] for c, m in runs.items()}
    assert_allclose(credit[0.5][:5], credit[0.0][:5])  # before the first round
    assert (credit[0.5][5] < credit[0.0][5]).all()  # the round's quarter: every executive spent effort
    assert (runs[0.5].state.spent == 0).all()  # quarter 6: nothing spent
