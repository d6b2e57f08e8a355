"""Chosen briefing and the CEO's finite attention (orgsim.model.rules.influence.attention, visibility,
credit), the foregone payoff an executive can observe (orgsim.model.rules.learning.observed_foregone)
against the CEO's exact rule, and the wiring in the quarter (briefing propensities of all three roles
move in every shipped scenario; with ample attention the competition for it vanishes).

Compiled runs of the rules: tests/test_rules_compiled.py; plain vs compiled quarters: tests/test_quarter.py.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose

from orgsim import simulate
from orgsim.model import quarter
from orgsim.model.market import Market, params_of
from orgsim.model.records import EXEC_COLUMNS
from orgsim.model.roles import CFO, CIO, CMO, PAIRS
from orgsim.model.rules import influence, learning
from orgsim.scenario import files as scenarios
from orgsim.scenario.files import load

BASE = params_of(load("baseline")).credit
SHIPPED = sorted(scenarios.available())
OWN = np.array([0.4, 0.6, 0.5])
CRIT = np.array([1.5, 1.0, 1.2])
NONE = np.zeros(3)
ALL_BRIEFINGS = [np.array(b, bool) for b in itertools.product([False, True], repeat=3)]


def _credit(briefed, p=BASE, coop=NONE, spent=NONE) -> np.ndarray:
    out = np.full(3, np.nan)
    influence.credit(OWN, CRIT, NONE, np.asarray(coop, float), np.asarray(briefed, bool), np.asarray(spent, float), p,
                     out)  # fmt: skip
    return out


def _shares(briefed, ceo_attention) -> tuple[np.ndarray, int]:
    out = np.full(3, np.nan)
    n = influence.attention(np.asarray(briefed, bool), ceo_attention, out)
    return out, n


# -- the CEO's attention ---------------------------------------------------------------------------
@pytest.mark.parametrize("ceo_attention", [0.25, 0.5, 1.0, 1.5, 2.0, 3.0])
def test_attention_shares_sum_to_at_most_the_ceo_attention(ceo_attention):
    for briefed in ALL_BRIEFINGS:
        share, n = _shares(briefed, ceo_attention)
        assert n == briefed.sum()
        assert share.sum() <= ceo_attention + 1e-12
        assert share.sum() == pytest.approx(min(n, ceo_attention))
        assert (share[~briefed] == 0).all() and ((share[briefed] > 0) & (share[briefed] <= 1)).all()
        assert_allclose(share[briefed], min(1.0, ceo_attention / max(n, 1)))  # equal shares


def test_attention_known_values():
    assert_allclose(_shares([True, False, False], 1.5)[0], [1.0, 0.0, 0.0])
    assert_allclose(_shares([True, True, False], 1.5)[0], [0.75, 0.75, 0.0])
    assert_allclose(_shares([True, True, True], 1.5)[0], [0.5, 0.5, 0.5])
    assert_allclose(_shares([False, False, False], 1.5)[0], NONE)
    assert_allclose(_shares([True, True, True], 3.0)[0], [1.0, 1.0, 1.0])  # enough for all: no competition


def test_visibility_bounds():
    for v0 in (0.0, 0.3, 0.7, 1.0):
        seen = [influence.visibility(v0, a, True) for a in np.linspace(0, 1, 11)]
        assert seen[0] == pytest.approx(v0) and seen[-1] == pytest.approx(1.0)  # unbriefed: v0; full attention: all
        assert np.all(np.diff(seen) >= 0) and all(v0 <= v <= 1.0 for v in seen)
        assert influence.visibility(v0, 1.0, False) == v0  # briefing without effect


def test_credit_sees_each_executive_by_its_visibility():
    p = BASE._replace(briefing_time_cost=0.0, coordination_cost=0.0)
    v0 = np.array([p.visibility_unbriefed, p.visibility_unbriefed_cio, p.visibility_unbriefed_cfo])
    assert (v0 < 1).all()
    assert_allclose(_credit([False] * 3, p), CRIT * OWN * v0)
    for briefed in ALL_BRIEFINGS:
        share, _ = _shares(briefed, p.ceo_attention)
        assert_allclose(_credit(briefed, p), CRIT * OWN * (v0 + (1 - v0) * share))
    # briefing without effect: what the CEO sees does not change
    off = p._replace(briefing_on=False)
    for briefed in ALL_BRIEFINGS:
        assert_allclose(_credit(briefed, off), CRIT * OWN * v0)


def test_briefing_costs_time_in_the_quarter_it_briefs():
    """``briefing_time_cost`` of the own-domain term is lost by the briefer only, added to the other time costs."""
    p = BASE._replace(briefing_time_cost=0.2, coordination_cost=0.1, effort_time_cost=0.25)
    free = p._replace(briefing_time_cost=0.0)
    spent = np.array([0.4, 0.0, 1.0])
    for briefed in ALL_BRIEFINGS:
        for coop in ([0, 0, 0], [1, 0, 1]):
            costly, costless = _credit(briefed, p, coop, spent), _credit(briefed, free, coop, spent)
            assert (costly[briefed] < costless[briefed]).all()
            assert_allclose(costly[~briefed], costless[~briefed])
    # the loss is briefing_time_cost x the visible own-domain credit (no links, no effort)
    briefed = np.array([True, False, False])
    share, _ = _shares(briefed, p.ceo_attention)
    seen = CRIT[CMO] * OWN[CMO] * influence.visibility(p.visibility_unbriefed, share[CMO], True)
    assert _credit(briefed, free)[CMO] - _credit(briefed, p)[CMO] == pytest.approx(0.2 * seen)
    # without effect a briefing only costs
    off = p._replace(briefing_on=False)
    assert _credit(briefed, off)[CMO] < _credit([False] * 3, off)[CMO]


def test_a_peer_s_briefing_takes_attention_only_when_it_is_scarce():
    """The CMO's credit falls when the CIO briefs too, unless the CEO has attention for both."""
    cmo, both = np.array([True, False, False]), np.array([True, True, False])
    scarce, ample = BASE._replace(ceo_attention=1.0), BASE._replace(ceo_attention=3.0)
    assert _credit(both, scarce)[CMO] < _credit(cmo, scarce)[CMO]
    assert _credit(both, ample)[CMO] == pytest.approx(_credit(cmo, ample)[CMO])


# -- the foregone payoff an executive can observe ----------------------------------------------------
EMPTY = np.empty(0)


def test_observed_foregone_is_the_mean_of_the_other_firms_that_took_the_other_action():
    payoff = np.array([0.01, 0.05, -0.02, 0.03, 0.07])
    briefed = np.array([True, False, True, False, True])
    # firm 0 briefed: it sees the firms that did not (1 and 3)
    assert learning.observed_foregone(payoff, briefed, 0, CMO, EMPTY, EMPTY) == pytest.approx((0.04, 2))
    # firm 1 did not: it sees the other firms that did (0, 2 and 4), never itself
    est, n = learning.observed_foregone(payoff, briefed, 1, CIO, EMPTY, EMPTY)
    assert n == 3 and est == pytest.approx((0.01 - 0.02 + 0.07) / 3)
    # nobody else took the other action: no foregone evidence this quarter
    assert learning.observed_foregone(payoff, np.ones(5, bool), 2, CFO, EMPTY, EMPTY) == (0.0, 0)
    assert learning.observed_foregone(payoff[:1], briefed[:1], 0, CMO, EMPTY, EMPTY) == (0.0, 0)


def test_observed_foregone_of_joint_work_adds_the_peers_in_the_own_firm():
    """For joint work the executive also sees how the CEO treated its peers: a peer who did joint work
    this quarter if it did none with this partner, a peer who did none if it did."""
    payoff = np.array([0.02, 0.06, -0.01])  # the CMO's in firms 0, 1, 2
    coop_cmo_cio = np.array([0.0, 1.0, 0.0])  # pair CMO-CIO worked together in firm 1 only
    firm_payoff = np.array([0.02, 0.04, 0.08])  # firm 0's CMO, CIO, CFO
    # firm 0: CMO and CIO did not work together, CIO and CFO did: both peers did joint work
    firm_coop = np.array([0.0, 0.0, 1.0])
    est, n = learning.observed_foregone(payoff, coop_cmo_cio, 0, CMO, firm_payoff, firm_coop)
    assert n == 3 and est == pytest.approx((0.06 + 0.04 + 0.08) / 3)
    # no peer worked: only firm 1's CMO
    est, n = learning.observed_foregone(payoff, coop_cmo_cio, 0, CMO, firm_payoff, NONE)
    assert (est, n) == (pytest.approx(0.06), 1)
    # firm 1's CMO worked with its CIO: it sees the CMOs that did not (0, 2) and its CFO if the CFO did no joint work
    acted = np.array([0.0, 1.0, 0.0])
    est, n = learning.observed_foregone(payoff, acted, 1, CMO, firm_payoff, np.array([1.0, 0.0, 0.0]))
    assert n == 3 and est == pytest.approx((0.02 - 0.01 + 0.08) / 3)
    est, n = learning.observed_foregone(payoff, acted, 1, CMO, firm_payoff, np.array([1.0, 1.0, 0.0]))
    assert n == 2 and est == pytest.approx((0.02 - 0.01) / 2)  # the CFO worked with the CMO too


def test_the_quarter_uses_the_observed_rule_for_every_executive():
    m = Market("baseline", rng=5, customers=400, firms=5, steps=6)
    for _ in range(6):
        m.step()
    s, f = m.state, m.n_firms
    margin_now = m.params.learn.profit_weight * s.margin[m.steps]
    out, has = np.zeros((f, 3)), np.zeros((f, 3), bool)
    for k, (a, b) in enumerate(PAIRS):
        quarter.foregone_estimates(s, m.params, margin_now, k, out, has)
        for i in range(f):
            for r in (a, b):
                est, n = learning.observed_foregone(s.payoff[:, r], s.coop[:, k], i, r, s.payoff[i], s.coop[i])
                assert out[i, r] == pytest.approx(est) and has[i, r] == (n > 0)
    for r in range(3):
        quarter.foregone_estimates(s, m.params, margin_now, 3 + r, out, has)
        for i in range(f):
            est, n = learning.observed_foregone(s.payoff[:, r], s.briefed[:, r], i, r, EMPTY, EMPTY)
            assert out[i, r] == pytest.approx(est) and has[i, r] == (n > 0)
            if has[i, r]:  # what it recorded is what it used
                assert s.brief_foregone[i, r] == pytest.approx(est)
            else:
                assert s.brief_foregone[i, r] == 0.0


def test_exact_is_the_ceo_s_rule_with_the_action_flipped():
    """``foregone_rule = "exact"``: the influence gain under the CEO's crediting rule had the pair's joint
    work (or the executive's own briefing, the others' as they were) gone the other way, plus the
    weighted margin — the computation before the observed rule."""
    m = Market("scarce_attention", rng=2, customers=400, firms=4, steps=6, foregone_rule="exact")
    for _ in range(6):
        m.step()
    s, p, f = m.state, m.params, m.n_firms
    assert p.learn.exact
    margin_now = p.learn.profit_weight * s.margin[m.steps]
    out, has = np.zeros((f, 3)), np.zeros((f, 3), bool)
    g = np.empty(3)
    for flip in range(6):
        quarter.foregone_estimates(s, p, margin_now, flip, out, has)
        assert has.all()
        for i in range(f):
            coop, briefed = s.coop[i].copy(), s.briefed[i].copy()
            if flip < 3:
                coop[flip] = 1.0 - coop[flip]
            else:
                briefed[flip - 3] = not briefed[flip - 3]
            influence.gain(s.own[i], s.crit[i], s.dependence[i], coop, briefed, s.spent[i], s.influence_before[i],
                           p.credit, g)  # fmt: skip
            assert_allclose(out[i], g + margin_now[i], rtol=1e-12, atol=1e-15)


def test_the_rule_is_read_by_name_and_the_switches_folded_in():
    cfg = load("baseline")
    p = params_of(cfg)
    assert cfg.learning.foregone_rule == "observed" and not p.learn.exact
    assert params_of(load("baseline", {"foregone_rule": "exact"})).learn.exact
    assert p.credit.ceo_attention == cfg.influence.ceo_attention < 3.0
    assert p.credit.briefing_time_cost == cfg.influence.briefing_time_cost
    assert params_of(load("baseline", {"finite_attention": False})).credit.ceo_attention >= 3.0
    assert params_of(load("scarce_attention")).credit.ceo_attention < p.credit.ceo_attention


# -- the wiring in the model ------------------------------------------------------------------------
def _briefs(name, **params) -> tuple[Market, np.ndarray]:
    m = Market(name, rng=3, customers=500, firms=6, steps=12, **params).run()
    return m, m.state.exec_record[: m.steps + 1, EXEC_COLUMNS.index("brief")]


@pytest.mark.parametrize("name", SHIPPED)
def test_briefing_propensities_of_all_three_roles_move_within_runs_in_every_shipped_scenario(name):
    m, brief = _briefs(name)
    for role in (CMO, CIO, CFO):
        assert not np.allclose(brief[-1, :, role], brief[0, :, role]), role
    assert ((brief >= 0) & (brief <= 1)).all()
    table = m.executive_table()
    assert set(table["briefed"].unique()) <= {0.0, 1.0}
    assert (table["attention"] <= table["briefed"]).all()  # attention only for a briefing, at most all of it


def test_the_record_keeps_the_cmo_columns_and_counts_the_briefings():
    m, _ = _briefs("baseline")
    firms, execs = m.firm_table(), m.executive_table()
    cmo = execs[execs.role == "cmo"].reset_index(drop=True)
    assert_allclose(firms["cmo_briefs_ceo"], cmo["briefed"])
    assert_allclose(firms["p_brief"], cmo["brief"])
    assert_allclose(firms["briefings"], execs.groupby(["step", "firm"])["briefed"].sum().to_numpy())
    later = execs[execs.step > 0]
    per_firm = later.groupby(["step", "firm"])["attention"].sum()
    assert (per_firm <= m.config.influence.ceo_attention + 1e-12).all()


def test_the_record_keeps_what_each_executive_believed_and_observed_of_joint_work():
    m, _ = _briefs("baseline")
    execs = m.executive_table()
    last = execs[execs.step == m.steps].reset_index(drop=True)
    roles = ("cmo", "cio", "cfo")
    for j in range(m.n_firms):
        for r, role in enumerate(roles):
            row = last[(last.firm == j) & (last.role == role)].iloc[0]
            for peer, name in enumerate(roles):
                gap = learning.belief_gap(m.beliefs[j, r, peer]) if peer != r else 0.0
                assert row[f"gap_{name}"] == pytest.approx(gap)
                assert row[f"foregone_{name}"] == pytest.approx(m.coop_foregone[j, r, peer])
            assert row[f"gap_{role}"] == 0.0 and row[f"foregone_{role}"] == 0.0
    later = execs[execs.step > 0]
    assert (later[["foregone_cmo", "foregone_cio", "foregone_cfo"]] != 0).any().any()  # it did observe
    assert later[["gap_cmo", "gap_cio", "gap_cfo"]].abs().sum().sum() > 0


def test_with_ample_attention_the_competition_vanishes():
    """ceo_attention 3 (or the switch off): every briefing gets all of the CEO's attention; scarce
    attention: a briefing gets less whenever several executives brief."""
    for params in ({"ceo_attention": 3.0}, {"finite_attention": False}):
        m, _ = _briefs("baseline", **params)
        e = m.executive_table()
        assert_allclose(e["attention"], e["briefed"])
    m, _ = _briefs("scarce_attention")
    e = m.executive_table()
    briefed = e[e.briefed == 1]
    assert (briefed["attention"] <= 0.5).all()
    f = m.firm_table()
    assert (f.briefings >= 2).any()


def test_the_focal_cmo_s_briefing_stays_fixed_and_the_peers_learn():
    _, brief = _briefs("baseline", focal_brief=0.95)
    assert_allclose(brief[:, 0, CMO], 0.95)
    assert not np.allclose(brief[-1, 0, [CIO, CFO]], brief[0, 0, [CIO, CFO]])


def test_cmo_briefing_share_at_the_end_of_the_baseline_is_an_outcome(record_property):
    """The seed's 63 % is where the baseline starts (brief_mean); where CMOs end is an outcome of the
    competition for the CEO's attention, reported here (not asserted to be 0.63)."""
    r = simulate("baseline", seed=11, customers=2000)
    f = r.firms
    start = float(f.loc[f.step == 0, "p_brief"].mean())
    end = f[f.step > f.step.max() - 8]
    share, propensity = float(end["cmo_briefs_ceo"].mean()), float(end["p_brief"].mean())
    record_property("cmo_briefing_share_last_two_years", share)
    print(
        f"CMO briefing propensity at the start {start:.2f}; last two years: share {share:.2f}, propensity {propensity:.2f}"
    )
    assert start == pytest.approx(load("baseline").executives.brief_mean, abs=0.08)
    assert 0.0 <= share <= 1.0 and 0.0 < propensity < 1.0
