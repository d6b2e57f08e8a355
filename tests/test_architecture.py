"""The package's layers, checked on the sources: who may import whom.

- the rules (orgsim.model.rules) import neither mesa nor the model: only numpy, numba, the roles
  and each other;
- the model imports neither the experiments, the validation, the CLI nor the dashboard;
- the experiments and the validation import neither the CLI nor the dashboard;
- the scenario schema imports nothing of the model or above;
- mesa is the model's business (the Market and its agents) and the references' in benchmarks;
- no module imports another module's private names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
FACES = ("orgsim.cli", "orgsim.dashboard")


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((SRC / "orgsim").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(module, names) for every import in the file, at any depth (lazy imports included)."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(a.name, ()) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, tuple(a.name for a in node.names)))
    return out


MODULES = _modules()


def _under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _violations(importer: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for module, names in _imports(MODULES[importer]):
        targets = [module] + [f"{module}.{n}" for n in names]
        found += [t for t in targets if _under(t, *forbidden)]
    return found


@pytest.mark.parametrize("module", [m for m in MODULES if _under(m, "orgsim.model.rules")])
def test_rules_import_neither_mesa_nor_the_model(module):
    allowed_orgsim = ("orgsim.model.roles", "orgsim.model.rules")
    for imported, _ in _imports(MODULES[module]):
        root = imported.split(".")[0]
        if root == "orgsim":
            assert _under(imported, *allowed_orgsim), f"{module} imports {imported}"
        else:
            assert root in {"__future__", "math", "typing", "numpy", "numba"}, f"{module} imports {imported}"


@pytest.mark.parametrize("module", [m for m in MODULES if _under(m, "orgsim.model")])
def test_the_model_imports_nothing_above_it(module):
    assert not _violations(module, ("orgsim.experiments", "orgsim.validation", *FACES))


@pytest.mark.parametrize("module", [m for m in MODULES if _under(m, "orgsim.experiments", "orgsim.validation")])
def test_experiments_and_validation_import_no_face(module):
    assert not _violations(module, FACES)


@pytest.mark.parametrize("module", [m for m in MODULES if _under(m, "orgsim.scenario")])
def test_the_scenario_schema_imports_nothing_above_it(module):
    assert not _violations(module, ("orgsim.model", "orgsim.experiments", "orgsim.validation", *FACES))


def test_mesa_is_imported_by_the_model_only():
    users = {m for m in MODULES for imported, _ in _imports(MODULES[m]) if _under(imported, "mesa")}
    assert users <= {"orgsim.model.market", "orgsim.model.agents"}, users


@pytest.mark.parametrize("module", list(MODULES))
def test_no_private_names_imported_from_other_modules(module):
    for imported, names in _imports(MODULES[module]):
        if imported.startswith("orgsim"):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, f"{module} imports {private} from {imported}"
