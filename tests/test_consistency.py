"""The accounting check of the budget targets (orgsim.calibration.consistency)."""

from __future__ import annotations

import numpy as np
import pytest

from orgsim.calibration import consistency as c


def test_department_shares_alone_give_the_simplex_arithmetic():
    # with only the CIO's and the CFO's bands, the CMO's share is 1 minus theirs: [1-0.30-0.10, 1-0.21-0.06]
    r = c.attainable("cmo_share", names=("cio_share", "cfo_share"))
    assert r.lo == pytest.approx(0.60, abs=1e-5)
    assert r.hi == pytest.approx(0.73, abs=1e-5)
    assert r.consistent


def test_largest_martech_share_matches_the_hand_computation():
    # at most 17 % of IT is governed marketing IT and 17 % of all tech is shadow IT; IT at most 30 %,
    # the CMO at least 60 %: g = 0.17 * 0.30, s = 0.17 / 0.83 * 0.30, martech = (s + g) / (0.60 + g)
    g, s = 0.17 * 0.30, 0.17 / 0.83 * 0.30
    r = c.attainable("martech_share")
    assert r.hi == pytest.approx((s + g) / (0.60 + g), abs=1e-5)
    assert not r.consistent  # below T1's lower bound 0.19


def test_the_published_budget_bands_contradict_each_other_but_not_without_martech():
    assert not c.jointly_feasible()
    assert c.jointly_feasible(tuple(n for n in c.RATIOS if n != "martech_share"))


def test_a_budget_inside_every_range_has_ratios_inside_them():
    # any budget built from the ratios' definitions reproduces them (the coefficient vectors are right)
    rng = np.random.default_rng(7)
    for _ in range(50):
        x = rng.dirichlet(np.ones(len(c.LINES)))
        line = dict(zip(c.LINES, x, strict=True))
        direct = {
            "martech_share": (line["s"] + line["g"]) / (line["m"] + line["s"] + line["g"]),
            "cmo_tech_share": line["s"] / (line["i"] + line["g"] + line["s"]),
            "it_marketing_share": line["g"] / (line["i"] + line["g"]),
            "cmo_share": line["m"] + line["s"],
            "cio_share": line["i"] + line["g"],
            "cfo_share": line["f"],
        }
        for name, (num, den) in c.RATIOS.items():
            assert num @ x / (den @ x) == pytest.approx(direct[name]), name


def test_the_calibration_targets_of_this_version_agree_and_t2_is_the_one_held_out():
    # targets version 2: T2 gives way, as TARGETS.md section 8 said it would if it fought T1
    from orgsim.calibration.targets import VERSION, target

    calibrating = tuple(n for n in c.RATIOS if target(n).role == "calibration")
    assert VERSION == 2
    assert set(c.RATIOS) - set(calibrating) == {"cmo_tech_share"}
    assert c.jointly_feasible(calibrating)
    # and what T2 must then be: at least 0.195, above its own band, whatever the model
    r = c.attainable("cmo_tech_share", names=tuple(c.RATIOS))
    assert r.lo > target("cmo_tech_share").hi


def test_the_report_says_which_budget_targets_calibrate_and_that_they_agree():
    from orgsim.calibration import report

    rows = report.consistency_rows()
    assert {r["id"]: r["role"] for r in rows}["T2"] == "held-out"
    assert all(r["calibration_agree"] for r in rows)
    head = " ".join(report._consistency_headline(rows))
    assert "T2 is held out" in head and "agree" in head
