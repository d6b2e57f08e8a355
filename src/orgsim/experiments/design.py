"""Experiment specs (TOML): a base scenario, factors, a design, replications and what to keep.

A spec is data, validated like a scenario (pydantic, one-line :class:`ConfigError`). Its design
expands into numbered design points (SALib's sample order for sampled designs); every point runs
``replications`` times with seeds spawned from one master seed. See ``docs/EXPERIMENTS.md``.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from orgsim.scenario.files import load, read_toml
from orgsim.scenario.schema import GROUPS, ConfigError, ScenarioConfig, dotted_path, format_validation_error

DESIGNS = ("factorial", "lhs", "sobol", "morris", "fast")
#: environment parameters that are keyframe paths: a number in a spec means a constant path
PATH_PARAMS = {"pressure", "threat", "climate"}
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")

Scalar = bool | int | float | str
Value = Scalar | list[list[float]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Factor(_Strict):
    """One factor: a parameter varied by the design."""

    name: str
    role: Literal["lever", "uncertainty"]
    values: list[Value] | None = Field(None, min_length=1)
    range: tuple[float, float] | None = None
    labels: list[str] | None = None

    @model_validator(mode="after")
    def _check(self) -> Factor:
        if self.values is None and self.range is None:
            raise ValueError("give values (a grid) or range = [lo, hi]")
        if self.values is not None and self.range is not None:
            raise ValueError("give values or range, not both")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range must be [lo, hi] with lo < hi, got {list(self.range)}")
        if self.labels is not None:
            if self.values is None or len(self.labels) != len(self.values):
                raise ValueError("labels need values, one label per value")
            if len(set(self.labels)) != len(self.labels):
                raise ValueError("labels must be distinct")
        return self

    @property
    def param(self) -> str:
        """The parameter's bare name."""
        return dotted_path(self.name)[-1]


class Design(_Strict):
    kind: Literal["factorial", "lhs", "sobol", "morris", "fast"] = "factorial"
    samples: int | None = Field(None, ge=1, le=1_000_000)
    second_order: bool = False
    levels: int = Field(4, ge=2, le=100)
    seed: int | None = Field(None, ge=0, le=2**32 - 1)


class Outputs(_Strict):
    outcomes: list[str] | None = None
    series: list[str] = []
    series_firms: Literal["mean", "all"] = "mean"


class Spec(_Strict):
    """A validated experiment spec (paths resolved)."""

    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    scenario: str = "baseline"
    master_seed: int = Field(ge=0, le=2**63 - 1)
    replications: int = Field(1, ge=1, le=100_000)
    design: Design = Design()
    settings: dict[str, Any] = {}
    factors: list[Factor] = Field(min_length=1)
    outputs: Outputs = Outputs()

    @property
    def outcomes(self) -> list[str]:
        from orgsim.api import OUTCOMES

        return list(OUTCOMES) if self.outputs.outcomes is None else list(self.outputs.outcomes)

    @property
    def factor_names(self) -> list[str]:
        return [f.param for f in self.factors]


# -- loading -------------------------------------------------------------------------------------


def _fail(origin: str, where: str, problem: str) -> ConfigError:
    return ConfigError(f"{origin}: {where}: {problem}")


def _is_int_param(name: str) -> bool:
    path = dotted_path(name)
    if len(path) == 1:
        return path[0] in ("seed", "steps")
    return GROUPS[path[0]].model_fields[path[1]].annotation is int


def param_value(name: str, value: Any) -> Any:
    """A factor's value as the scenario wants it (constant paths for keyframe parameters; ints rounded)."""
    leaf = dotted_path(name)[-1]
    if leaf in PATH_PARAMS and isinstance(value, int | float) and not isinstance(value, bool):
        return [[0, float(value)]]
    if isinstance(value, float | np.floating) and _is_int_param(name):
        return round(float(value))
    if isinstance(value, np.floating):
        return float(value)
    return value


def load_spec(path: str | Path) -> Spec:
    """Read and validate an experiment spec; every error is one line naming the file and the key."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: experiment spec not found")
    origin = str(path)
    raw = read_toml(path)
    try:
        spec = Spec.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, origin)) from None
    if not _NAME.match(spec.name):
        raise _fail(origin, "name", "use letters, digits, _ and - only")
    scenario = spec.scenario
    if scenario.endswith(".toml") or "/" in scenario:
        candidate = Path(scenario)
        if not candidate.is_absolute():
            candidate = (path.parent / candidate).resolve()
        scenario = str(candidate)
    spec = spec.model_copy(update={"scenario": scenario})
    check_spec(spec, origin)
    return spec


def check_spec(spec: Spec, origin: str = "spec") -> None:
    """Check names, design needs and that every level (or range end) makes a valid scenario."""
    from orgsim.api import OUTCOMES
    from orgsim.model.records import FIRM_COLUMNS

    kind = spec.design.kind
    seen: set[str] = set()
    for i, f in enumerate(spec.factors):
        where = f"factors.{i}.{f.name}"
        try:
            leaf = f.param
        except ConfigError as err:
            raise _fail(origin, f"factors.{i}.name", str(err)) from None
        if leaf in seen:
            raise _fail(origin, where, "the same parameter is a factor twice")
        seen.add(leaf)
        if kind == "factorial" and f.values is None:
            raise _fail(origin, where, "a factorial design needs values = [...]")
        if kind != "factorial" and f.range is None:
            raise _fail(origin, where, f"a {kind} design needs range = [lo, hi]")
    for key in spec.settings:
        try:
            dotted_path(key)
        except ConfigError as err:
            raise _fail(origin, f"settings.{key}", str(err)) from None
        if dotted_path(key)[-1] in seen:
            raise _fail(origin, f"settings.{key}", "is also a factor")
    for name in spec.outputs.outcomes or []:
        if name not in OUTCOMES:
            raise _fail(origin, "outputs.outcomes", f"unknown outcome {name!r} (see orgsim.api.OUTCOMES)")
    for name in spec.outputs.series:
        if name not in FIRM_COLUMNS:
            raise _fail(origin, "outputs.series", f"unknown firm column {name!r} (see docs/OUTPUTS.md)")
    if kind != "factorial":
        if spec.design.samples is None:
            raise _fail(origin, "design.samples", f"a {kind} design needs samples")
        if kind == "sobol" and spec.design.samples & (spec.design.samples - 1):
            raise _fail(origin, "design.samples", f"sobol samples must be a power of 2, got {spec.design.samples}")
        if kind == "fast" and spec.design.samples <= 64:
            raise _fail(origin, "design.samples", "fast needs samples > 64 (4 M^2 with M = 4)")
        if len(spec.factors) < 2 and kind in ("sobol", "morris", "fast"):
            raise _fail(origin, "factors", f"a {kind} design needs at least two factors")
    base = base_config(spec, origin)
    for i, f in enumerate(spec.factors):
        levels = f.values if f.values is not None else list(f.range or ())
        for value in levels:
            try:
                load(base, {f.name: param_value(f.name, value)})
            except ConfigError as err:
                problem = str(err).split(": ", 2)[-1]
                raise _fail(origin, f"factors.{i}.{f.name}", f"value {value!r}: {problem}") from None


def base_config(spec: Spec, origin: str = "spec") -> ScenarioConfig:
    """The base scenario with the spec's fixed settings applied."""
    settings = {k: param_value(k, v) for k, v in spec.settings.items()}
    try:
        return load(spec.scenario, settings or None)
    except ConfigError as err:
        raise ConfigError(f"{origin}: scenario/settings: {err}") from None


# -- design --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DesignTable:
    """The expanded design: per point the stored factor values and the overrides it applies."""

    columns: list[str]
    stored: list[dict[str, Any]]  # per point: factor -> value as stored (label, number)
    overrides: list[dict[str, Any]]  # per point: factor -> scenario value
    problem: dict[str, Any] | None  # SALib problem (sampled designs)

    def __len__(self) -> int:
        return len(self.stored)


def problem(spec: Spec) -> dict[str, Any]:
    return {
        "num_vars": len(spec.factors),
        "names": spec.factor_names,
        "bounds": [list(f.range) for f in spec.factors if f.range is not None],
    }


def sample_matrix(spec: Spec) -> np.ndarray:
    """SALib's sample for a sampled design (rows in SALib's order)."""
    d = spec.design
    prob = problem(spec)
    seed = spec.master_seed % 2**32 if d.seed is None else d.seed
    n = int(d.samples or 0)
    if d.kind in ("lhs", "sobol", "morris", "fast"):
        from orgsim.extras import require

        require("experiments", "SALib", what=f"a {d.kind} design")
    if d.kind == "lhs":
        from SALib.sample import latin

        return latin.sample(prob, n, seed=seed)
    if d.kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(prob, n, calc_second_order=d.second_order, seed=seed)
    if d.kind == "morris":
        from SALib.sample import morris

        return morris.sample(prob, n, num_levels=d.levels, seed=seed)
    if d.kind == "fast":
        from SALib.sample import fast_sampler

        return fast_sampler.sample(prob, n, seed=seed)
    raise ValueError(f"not a sampled design: {d.kind}")


def expected_points(spec: Spec) -> int:
    """Number of design points the spec's design yields (before replications)."""
    d, k = spec.design, len(spec.factors)
    n = int(d.samples or 0)
    return {
        "factorial": math.prod(len(f.values or ()) for f in spec.factors),
        "lhs": n,
        "sobol": n * (2 * k + 2 if d.second_order else k + 2),
        "morris": n * (k + 1),
        "fast": n * k,
    }[d.kind]


def expand(spec: Spec) -> DesignTable:
    """Expand the design into points."""
    names = spec.factor_names
    stored: list[dict[str, Any]] = []
    overrides: list[dict[str, Any]] = []
    if spec.design.kind == "factorial":
        levels = [
            list(zip(f.labels or [None] * len(f.values or []), f.values or [], strict=True)) for f in spec.factors
        ]
        for combo in itertools.product(*levels):
            stored.append(
                {n: (label if label is not None else storable(v)) for n, (label, v) in zip(names, combo, strict=True)}
            )
            overrides.append({f.name: param_value(f.name, v) for f, (_, v) in zip(spec.factors, combo, strict=True)})
        return DesignTable(names, stored, overrides, None)
    x = sample_matrix(spec)
    for row in x:
        values = {f.name: param_value(f.name, float(v)) for f, v in zip(spec.factors, row, strict=True)}
        stored.append({n: float(v) for n, v in zip(names, row, strict=True)})
        overrides.append(values)
    return DesignTable(names, stored, overrides, problem(spec))


def storable(value: Any) -> Any:
    """A level as a table cell: scalars as they are, a path as compact text."""
    if isinstance(value, list):
        return ";".join(f"{q:g}:{v:g}" for q, v in value)
    return value


# -- runs ----------------------------------------------------------------------------------------


def run_id(point: int, rep: int) -> str:
    return f"p{point:05d}-r{rep:03d}"


def run_seed(master: int, point: int, rep: int) -> int:
    """The model seed of run (point, rep): first uint32 word of SeedSequence(master, spawn_key=(point, rep))."""
    ss = np.random.SeedSequence(master, spawn_key=(point, rep))
    return int(ss.generate_state(1, dtype=np.uint32)[0])
