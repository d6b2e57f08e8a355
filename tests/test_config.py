"""Scenario configuration (orgsim.scenario.schema): validation, one-line errors, parameter addressing."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from orgsim.scenario import schema as config
from orgsim.scenario.files import load
from orgsim.scenario.schema import GROUPS, LEAF_GROUP, TOP_LEVEL, ConfigError, ScenarioConfig


def _raises_one_line(overrides: dict, *names: str) -> str:
    with pytest.raises(ConfigError) as info:
        load("baseline", overrides)
    msg = str(info.value)
    assert "\n" not in msg, msg
    for name in names:
        assert name in msg, msg
    return msg


# -- parameter names ------------------------------------------------------------------------------
def test_leaf_names_unique_and_cover_every_field():
    seen: dict[str, str] = {}
    for group, cls in GROUPS.items():
        for field in cls.model_fields:
            assert field not in seen, f"{field} in {seen.get(field)} and {group}"
            seen[field] = group
    assert seen == LEAF_GROUP
    assert not set(LEAF_GROUP) & set(TOP_LEVEL)
    assert not set(LEAF_GROUP) & set(GROUPS)


def test_groups_match_scenario_config_fields():
    assert set(GROUPS) | set(TOP_LEVEL) == set(ScenarioConfig.model_fields)
    for group, cls in GROUPS.items():
        assert ScenarioConfig.model_fields[group].annotation is cls
        assert group in config.GROUP_KIND


def test_every_field_documented_with_unit_and_source():
    sources = {config.SRC_SEED, config.SRC_CAL, config.SRC_POST, config.SRC_ASSUMED, config.SRC_LIT}
    for cls in GROUPS.values():
        for name, info in cls.model_fields.items():
            assert info.description, name
            extra = info.json_schema_extra or {}
            assert extra.get("unit"), name
            assert extra.get("source") in sources, name


def test_defaults_are_valid():
    cfg = config.validate({"name": "defaults"})
    assert cfg.executives.influence_cmo + cfg.executives.influence_cio + cfg.executives.influence_cfo == pytest.approx(
        1
    )
    assert cfg.levers.budget_rule in ("contest", "bargain")


def test_dotted_path():
    assert config.dotted_path("shadow_it_cap") == ("levers", "shadow_it_cap")
    assert config.dotted_path("levers.shadow_it_cap") == ("levers", "shadow_it_cap")
    assert config.dotted_path("steps") == ("steps",)
    for bad in ("nope", "levers.nope", "nope.shadow_it_cap", "levers.shadow_it_cap.x", ""):
        with pytest.raises(ConfigError):
            config.dotted_path(bad)


# -- overrides ------------------------------------------------------------------------------------
def test_bare_and_dotted_overrides_agree():
    bare = load("baseline", {"shadow_it_cap": 0.5})
    dotted = load("baseline", {"levers.shadow_it_cap": 0.5})
    assert bare.levers.shadow_it_cap == dotted.levers.shadow_it_cap == 0.5
    assert bare == dotted
    base = load("baseline")
    assert base.levers.shadow_it_cap != 0.5
    # nothing else moved
    assert bare.model_copy(update={"levers": base.levers}) == base


def test_overrides_on_a_config_object_and_top_level():
    base = load("baseline")
    cfg = load(base, {"firms": 3, "steps": 5, "pressure": [[0, 0.1], [5, 0.9]]})
    assert (cfg.market.firms, cfg.steps) == (3, 5)
    assert [tuple(p) for p in cfg.environment.pressure] == [(0, 0.1), (5, 0.9)]
    assert load(base) is base


def test_apply_overrides_does_not_mutate_input():
    data = {"name": "x", "levers": {"shadow_it_cap": 0.2}}
    out = config.apply_overrides(data, {"shadow_it_cap": 0.4, "firms": 3})
    assert data == {"name": "x", "levers": {"shadow_it_cap": 0.2}}
    assert out == {"name": "x", "levers": {"shadow_it_cap": 0.4}, "market": {"firms": 3}}


def test_deep_merge():
    base = {"a": 1, "t": {"x": 1, "y": [1, 2]}, "keep": {"z": 0}}
    top = {"t": {"y": [3]}, "b": 2}
    out = config.deep_merge(base, top)
    assert out == {"a": 1, "t": {"x": 1, "y": [3]}, "keep": {"z": 0}, "b": 2}
    out["t"]["x"] = 99
    assert base["t"]["x"] == 1  # copies, not aliases


# -- errors ---------------------------------------------------------------------------------------
def test_unknown_key_raises():
    _raises_one_line({"no_such_parameter": 1}, "no_such_parameter")
    _raises_one_line({"levers.no_such": 1}, "no_such")
    with pytest.raises(ConfigError) as info:
        config.validate({"name": "x", "levers": {"shadow_cap": 0.5}}, "here")
    assert str(info.value) == "here: levers.shadow_cap: unknown key"
    with pytest.raises(ConfigError, match="bogus: unknown key"):
        config.validate({"name": "x", "bogus": {}})


def test_wrong_type_raises():
    _raises_one_line({"firms": "many"}, "market.firms")
    _raises_one_line({"budget_rule": "auction"}, "levers.budget_rule")
    _raises_one_line({"word_of_mouth": "maybe"}, "mechanisms.word_of_mouth")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("shadow_it_cap", 1.5),
        ("shadow_it_cap", -0.1),
        ("firms", 1),
        ("customers", 10),
        ("budget_share", 0.0),
        ("influence_rate", 0.0),
        ("taste_mean", 1.0),
        ("contest_exponent", 0.0),
        ("steps", 0),
        ("seed", -1),
        ("focal_brief", 1.2),
    ],
)
def test_out_of_range_raises(key, value):
    _raises_one_line({key: value}, key)


@pytest.mark.parametrize(
    "path",
    [[[4, 0.3], [2, 0.5]], [[0, 0.3], [0, 0.5]], [[0, 1.5]], [[-1, 0.3]], []],
)
def test_bad_keyframes_raise(path):
    _raises_one_line({"pressure": path}, "environment.pressure")


def test_climate_keyframe_range():
    _raises_one_line({"climate": [[0, 0.1]]}, "environment.climate")
    assert load("baseline", {"climate": [[0, 2.0]]}).environment.climate[0][1] == 2.0


def test_influence_shares_must_sum_to_one():
    _raises_one_line({"influence_cmo": 0.5}, "influence_cmo")
    cfg = load("baseline", {"influence_cmo": 0.5, "influence_cio": 0.25, "influence_cfo": 0.25})
    assert cfg.executives.influence_cmo == 0.5


def test_config_is_frozen():
    cfg = load("baseline")
    with pytest.raises(ValueError):
        cfg.levers.shadow_it_cap = 0.9  # type: ignore[misc]


def test_format_validation_error_counts_more_problems():
    with pytest.raises(ConfigError) as info:
        config.validate({"name": "x", "levers": {"shadow_it_cap": 2.0, "roi_mandate": 2.0}}, "o")
    msg = str(info.value)
    assert msg.startswith("o: levers.") and "(and 1 more problem)" in msg


def test_flat_params_covers_every_leaf():
    flat = config.flat_params(load("baseline"))
    assert set(flat) == {f"{g}.{k}" for k, g in LEAF_GROUP.items()}
    assert all(isinstance(p, list) and len(p) == 2 for p in flat["environment.pressure"])
    assert flat["levers.shadow_it_cap"] == load("baseline").levers.shadow_it_cap


def test_every_group_is_a_frozen_strict_model():
    for cls in GROUPS.values():
        assert issubclass(cls, BaseModel)
        assert cls.model_config.get("extra") == "forbid"
        assert cls.model_config.get("frozen") is True
