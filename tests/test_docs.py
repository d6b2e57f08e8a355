"""The docs stay true to the code: ODD's parameter table and the outputs' column list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orgsim.cli.commands import params_markdown
from orgsim.model.records import EXEC_COLUMNS, FIRM_COLUMNS

ROOT = Path(__file__).resolve().parents[1]


def test_odd_parameter_table_is_generated_from_the_code():
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    table = text.split("<!-- params:begin -->", 1)[1].split("<!-- params:end -->", 1)[0].strip()
    assert table == params_markdown().strip(), "run: python tools/sync_docs.py"


def _mentioned(name: str, prose: str) -> bool:
    """In backticks (possibly as ``name = value``) or in LaTeX as ``\\texttt{name}``."""
    latex = "\\texttt{" + name.replace("_", "\\_") + "}"
    return bool(re.search(rf"`{name}[`\s]", prose)) or latex in prose


def test_odd_names_every_parameter_of_the_code_in_its_text():
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    prose = text.split("<!-- params:begin -->", 1)[0]
    from orgsim.scenario.schema import GROUPS

    missing = [
        f"{g}.{name}"
        for g, cls in GROUPS.items()
        for name in cls.model_fields
        if g != "mechanisms" and not _mentioned(name, prose)
    ]
    assert not missing, f"parameters the ODD's submodels never mention: {missing}"


def test_outputs_doc_lists_every_recorded_column():
    text = (ROOT / "docs" / "OUTPUTS.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)`", text))
    assert set(FIRM_COLUMNS) <= documented
    assert set(EXEC_COLUMNS) <= documented


def test_odd_prose_defaults_match_the_code():
    """Wherever the ODD writes ``param`` (value), the value is the code's default."""
    from orgsim.scenario.schema import GROUPS

    defaults = {name: getattr(cls(), name) for cls in GROUPS.values() for name in cls.model_fields}
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    prose = text.split("<!-- params:begin -->", 1)[0]
    # section 6 describes the scenarios, whose values differ from the defaults on purpose
    head, rest = prose.split("\n## 6", 1)
    prose = head + "\n## 7" + rest.split("\n## 7", 1)[1]
    wrong = []
    for name, value in re.findall(r"`([a-z_]+)`\s*(?:\(|=)?\s*([-+]?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)", prose):
        if name in defaults and isinstance(defaults[name], int | float) and not isinstance(defaults[name], bool):
            if abs(float(value) - float(defaults[name])) > 1e-12:
                wrong.append(f"{name}: ODD says {value}, code has {defaults[name]}")
    assert not wrong, wrong


def test_calibrated_defaults_are_the_calibration_result():
    """Every default marked 'calibrated' equals the last `orgsim calibrate` run (docs/calibration.json)."""
    import json

    from orgsim.scenario.schema import GROUPS
    from orgsim.validation.calibration import calibrated_parameters

    best = json.loads((ROOT / "docs" / "calibration.json").read_text(encoding="utf-8"))["best"]["params"]
    defaults = {name: getattr(cls(), name) for cls in GROUPS.values() for name in cls.model_fields}
    assert set(best) == set(calibrated_parameters())
    for name, value in best.items():
        assert defaults[name] == pytest.approx(value, abs=1e-9), name


def test_posterior_defaults_are_the_committed_posteriors_point_estimate():
    """Every default labelled 'posterior' is the point estimate of docs/posterior (orgsim.calibration.defaults);
    the posterior's parameters the rule leaves to the spin-up are labelled 'calibrated'."""
    from orgsim.calibration.defaults import committed, point_estimate, spun_up
    from orgsim.scenario.schema import GROUPS, SRC_CAL, SRC_POST

    summary = committed(ROOT)
    fields = {name: (cls, f) for cls in GROUPS.values() for name, f in cls.model_fields.items()}
    source = {name: (f.json_schema_extra or {}).get("source") for name, (_, f) in fields.items()}
    estimate = point_estimate(summary)
    assert {name for name, s in source.items() if s == SRC_POST} == set(estimate)
    for name, value in estimate.items():
        assert getattr(fields[name][0](), name) == pytest.approx(value, abs=1e-12), name
    for name in spun_up(summary):
        assert source[name] == SRC_CAL, name
    assert set(summary["parameters"]) <= set(estimate) | set(spun_up(summary))


def test_the_committed_spin_up_held_what_the_committed_posterior_asks():
    """docs/calibration.json was run holding exactly the products docs/posterior asks to hold, and its
    best parameters keep them (orgsim.calibration.defaults.held_products)."""
    import json

    from orgsim.calibration.defaults import committed, held_products

    held = held_products(committed(ROOT))
    record = json.loads((ROOT / "docs" / "calibration.json").read_text(encoding="utf-8"))
    assert record["held"] == [{"of": [a, b], "product": v} for a, b, v in held]
    best = record["best"]["params"]
    for a, b, v in held:
        assert best[a] * best[b] == pytest.approx(v, abs=2e-4), (a, b)
