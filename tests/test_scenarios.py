"""Scenario files (orgsim.scenario.files): shipped scenarios, extends chains, errors, keyframe paths."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from orgsim.scenario import files as scenarios
from orgsim.scenario.schema import ConfigError, ScenarioConfig

SHIPPED = sorted(scenarios.available())
CHILDREN = sorted(n for n in SHIPPED if scenarios.read_toml(scenarios.available()[n]).get("extends") == "baseline")
REQUIRED = {"baseline", "digital_shift", "walls", "shadow_it", "cfo_roi_mandate", "security_crisis", "downturn"}


def _config_error(ref, overrides=None) -> str:
    with pytest.raises(ConfigError) as info:
        scenarios.load(ref, overrides)
    msg = str(info.value)
    assert "\n" not in msg, msg
    return msg


def test_required_scenarios_are_shipped():
    assert REQUIRED <= set(SHIPPED)
    for path in scenarios.available().values():
        assert path.suffix == ".toml" and path.is_file()


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_loads(name):
    cfg = scenarios.load(name)
    assert isinstance(cfg, ScenarioConfig)
    assert cfg.name == name  # the file's name key matches its file name
    assert cfg.description
    paths = scenarios.environment_paths(cfg)
    for arr in (paths.pressure, paths.threat, paths.climate):
        assert arr.shape == (cfg.steps + 1,)
        assert np.all(np.isfinite(arr))
    assert np.all((paths.pressure >= 0) & (paths.pressure <= 1))
    # loading by path gives the same config
    assert scenarios.load(scenarios.available()[name]) == cfg


def test_every_shipped_scenario_but_baseline_extends_it():
    assert set(CHILDREN) == set(SHIPPED) - {"baseline"}


@pytest.mark.parametrize("name", CHILDREN)
def test_shipped_children_differ_from_baseline_only_where_they_say(name):
    raw = scenarios.read_toml(scenarios.available()[name])
    child, base = scenarios.load(name), scenarios.load("baseline")
    for group, values in raw.items():
        if isinstance(values, dict):
            for key, value in values.items():
                got = getattr(getattr(child, group), key)
                if isinstance(value, list):  # keyframe paths
                    got, value = [tuple(p) for p in got], [tuple(v) for v in value]
                assert got == value, f"{group}.{key}"
    for group in ("market", "firm", "influence", "learning", "mechanisms", "focal"):
        if group not in raw:
            assert getattr(child, group) == getattr(base, group)


def test_extends_merges_child_over_parent(write_toml):
    write_toml(
        "parent",
        'name = "parent"\ndescription = "p"\nsteps = 12\n[environment]\npressure = [[0, 0.1]]\nthreat = [[0, 0.5]]\n'
        "[levers]\nshadow_it_cap = 0.3\nroi_mandate = 0.2\n",
    )
    child = write_toml(
        "child",
        'name = "child"\nextends = "parent"\n[environment]\npressure = [[0, 0.2], [12, 0.8]]\n'
        "[levers]\nroi_mandate = 0.6\n",
    )
    cfg = scenarios.load(child)
    assert cfg.name == "child" and cfg.extends == "parent"
    assert cfg.description == ""  # description is not inherited
    assert cfg.steps == 12
    assert [tuple(p) for p in cfg.environment.pressure] == [(0, 0.2), (12, 0.8)]
    assert [tuple(p) for p in cfg.environment.threat] == [(0, 0.5)]  # untouched table entry kept
    assert cfg.levers.shadow_it_cap == 0.3
    assert cfg.levers.roi_mandate == 0.6


def test_extends_chain_and_shipped_parent(write_toml):
    write_toml("mid", 'name = "mid"\nextends = "shadow_it"\n[levers]\nroi_mandate = 0.5\n')
    leaf = write_toml("leaf", 'name = "leaf"\nextends = "mid"\nsteps = 9\n')
    cfg, shadow = scenarios.load(leaf), scenarios.load("shadow_it")
    assert cfg.steps == 9
    assert cfg.levers.roi_mandate == 0.5
    assert cfg.levers.shadow_it_cap == shadow.levers.shadow_it_cap
    assert cfg.executives == shadow.executives


def test_unknown_extends(write_toml):
    path = write_toml("orphan", 'name = "orphan"\nextends = "no_such_scenario"\n')
    msg = _config_error(path)
    assert "extends" in msg and "no_such_scenario" in msg


def test_extends_not_a_string(write_toml):
    msg = _config_error(write_toml("bad", 'name = "bad"\nextends = 3\n'))
    assert "extends" in msg


def test_extends_cycle(write_toml):
    write_toml("a", 'name = "a"\nextends = "b"\n')
    write_toml("b", 'name = "b"\nextends = "a"\n')
    msg = _config_error(write_toml("c", 'name = "c"\nextends = "a"\n'))
    assert "extends" in msg and "cycle" in msg


def test_extends_self_is_a_cycle(write_toml):
    assert "cycle" in _config_error(write_toml("me", 'name = "me"\nextends = "me"\n'))


def test_missing_file_and_unknown_name(tmp_path):
    assert "not found" in _config_error(tmp_path / "missing.toml")
    msg = _config_error("no_such_scenario")
    assert "no_such_scenario" in msg and "baseline" in msg


def test_unreadable_toml(write_toml):
    path = write_toml("broken", 'name = "broken"\n[levers\nshadow_it_cap = = 0.5\n')
    msg = _config_error(path)
    assert "TOML" in msg and "broken" in msg


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("[levers]\nshadow_cap = 0.5\n", "levers.shadow_cap"),
        ('[market]\nfirms = "many"\n', "market.firms"),
        ("[levers]\nshadow_it_cap = 1.5\n", "levers.shadow_it_cap"),
        ("[environment]\npressure = [[8, 0.3], [4, 0.5]]\n", "environment.pressure"),
        ("[executives]\ninfluence_cmo = 0.9\n", "influence_cmo"),
        ("bogus = 1\n", "bogus"),
    ],
)
def test_bad_file_content_names_the_key(write_toml, body, key):
    msg = _config_error(write_toml("bad", f'name = "bad"\n{body}'))
    assert key in msg and "bad.toml" in msg


def test_child_file_errors_name_the_child(write_toml):
    msg = _config_error(write_toml("kid", 'name = "kid"\nextends = "baseline"\n[levers]\nshadow_it_cap = 7\n'))
    assert "kid.toml" in msg and "levers.shadow_it_cap" in msg


def test_override_errors_on_loaded_scenarios():
    assert "shadow_it_cap" in _config_error("walls", {"shadow_it_cap": 2})
    assert "nope" in _config_error("walls", {"nope": 2})


# -- parse_assignment -----------------------------------------------------------------------------
def test_parse_assignment():
    assert scenarios.parse_assignment("levers.shadow_it_cap=0.5") == ("levers.shadow_it_cap", 0.5)
    assert scenarios.parse_assignment("firms = 4") == ("firms", 4)
    assert scenarios.parse_assignment("budget_rule=bargain") == ("budget_rule", "bargain")
    assert scenarios.parse_assignment("pressure=[[0, 0.3], [8, 0.9]]") == ("pressure", [[0, 0.3], [8, 0.9]])
    assert scenarios.parse_assignment("word_of_mouth=false") == ("word_of_mouth", False)
    for bad in ("no_equals", "=1", "key="):
        with pytest.raises(ConfigError):
            scenarios.parse_assignment(bad)


# -- keyframe paths -------------------------------------------------------------------------------
def test_keyframe_values_constant_single_point():
    assert_allclose(scenarios.keyframe_values([(0, 0.3)], 5), [0.3] * 6)
    assert_allclose(scenarios.keyframe_values([(3, 0.7)], 5), [0.7] * 6)


def test_keyframe_values_linear_between_and_constant_beyond():
    values = scenarios.keyframe_values([(2, 0.2), (6, 0.6)], 10)
    assert values.shape == (11,)
    assert_allclose(values[:3], 0.2)  # before the first keyframe
    assert_allclose(values[2:7], [0.2, 0.3, 0.4, 0.5, 0.6])  # linear between
    assert_allclose(values[6:], 0.6)  # after the last keyframe


def test_keyframe_values_several_segments_and_short_run():
    values = scenarios.keyframe_values([(0, 1.0), (8, 1.0), (10, 0.75), (18, 0.75), (26, 1.0)], 30)
    assert_allclose(values[[0, 8, 9, 10, 18, 22, 26, 30]], [1.0, 1.0, 0.875, 0.75, 0.75, 0.875, 1.0, 1.0])
    # a run shorter than the path samples only its own quarters
    assert_allclose(scenarios.keyframe_values([(0, 0.3), (40, 0.9)], 4), 0.3 + 0.015 * np.arange(5))


def test_environment_paths_follow_the_scenario():
    cfg = scenarios.load("digital_shift")
    paths = scenarios.environment_paths(cfg)
    assert np.all(np.diff(paths.pressure) >= 0) and paths.pressure[-1] > paths.pressure[0]
    cfg = scenarios.load("baseline", {"steps": 4, "threat": [[0, 0.1], [2, 0.5]]})
    assert_allclose(scenarios.environment_paths(cfg).threat, [0.1, 0.3, 0.5, 0.5, 0.5])
