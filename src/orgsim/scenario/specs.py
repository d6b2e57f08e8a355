"""What every parameter is: kind, bounds, default, unit, source and meaning, read once from the schema.

The CLI's ``orgsim params`` and the ODD table, the dashboard's inputs and the property tests all
read parameters through :func:`param_specs`, so a range declared in :mod:`orgsim.scenario.schema`
reaches all of them.
"""

from __future__ import annotations

import functools
import typing
from dataclasses import dataclass
from typing import Any

from orgsim.scenario.schema import GROUPS, ConfigError, ScenarioConfig


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of the scenario schema (bare ``name``, its ``group``)."""

    name: str
    group: str
    kind: str  # "float" | "int" | "bool" | "choice" | "path" (keyframes; bounds are the values')
    description: str
    default: Any = None
    unit: str = ""
    source: str = ""
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: tuple[Any, ...] = ()

    @property
    def dotted(self) -> str:
        return f"{self.group}.{self.name}" if self.group else self.name

    def contains(self, value: float) -> bool:
        """Whether a number lies within the declared bounds."""
        if self.lo is not None and (value < self.lo or (self.lo_open and value == self.lo)):
            return False
        return not (self.hi is not None and (value > self.hi or (self.hi_open and value == self.hi)))

    def interval_text(self, fmt: typing.Callable[[Any], str] = str) -> str:
        """The bounds as an interval (``[0, 1)``, ``≥ 2``), or "" if unbounded."""
        if self.lo is None and self.hi is None:
            return ""
        if self.hi is None:
            return f"{'>' if self.lo_open else '≥'} {fmt(self.lo)}"
        if self.lo is None:
            return f"{'<' if self.hi_open else '≤'} {fmt(self.hi)}"
        return f"{'(' if self.lo_open else '['}{fmt(self.lo)}, {fmt(self.hi)}{')' if self.hi_open else ']'}"

    def range_text(self, fmt: typing.Callable[[Any], str] = str) -> str:
        """The allowed values in words: interval, choices, true or false, or keyframe values."""
        if self.kind == "choice":
            return " or ".join(fmt(c) for c in self.choices)
        if self.kind == "bool":
            return "true or false"
        if self.kind == "path":
            return f"keyframes, values in {self.interval_text(fmt) or 'any'}"
        return self.interval_text(fmt)


def bounds(metadata: typing.Iterable[Any]) -> dict[str, Any]:
    """``lo``, ``hi``, ``lo_open``, ``hi_open`` from annotated-types metadata (Ge, Gt, Le, Lt)."""
    out: dict[str, Any] = {}
    for item in metadata:
        for attr, key, open_ in (("ge", "lo", False), ("gt", "lo", True), ("le", "hi", False), ("lt", "hi", True)):
            value = getattr(item, attr, None)
            if value is not None:
                out[key], out[f"{key}_open"] = value, open_
    return out


def _spec(name: str, group: str, field: Any) -> ParamSpec:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    common = {
        "description": field.description or name,
        "default": field.default,
        "unit": str(extra.get("unit", "")),
        "source": str(extra.get("source", "")),
    }
    ann = field.annotation
    if typing.get_origin(ann) is typing.Literal:
        return ParamSpec(name, group, "choice", choices=typing.get_args(ann), **common)
    if ann is bool:
        return ParamSpec(name, group, "bool", **common)
    if typing.get_origin(ann) is list:  # keyframe path: list[tuple[quarter, Annotated[float, bounds]]]
        (pair,) = typing.get_args(ann)
        value_type = typing.get_args(pair)[1]
        meta = [m for info in typing.get_args(value_type)[1:] for m in getattr(info, "metadata", [info])]
        return ParamSpec(name, group, "path", **common, **bounds(meta))
    args = [a for a in typing.get_args(ann) if a is not type(None)]  # optional numbers (focal group)
    kind = "int" if ann is int or args == [int] else "float"
    return ParamSpec(name, group, kind, **common, **bounds(field.metadata))


@functools.cache
def param_specs() -> dict[str, ParamSpec]:
    """Every parameter by bare name, in declaration order (group by group), then ``steps`` and ``seed``."""
    out = {name: _spec(name, group, f) for group, cls in GROUPS.items() for name, f in cls.model_fields.items()}
    for top in ("steps", "seed"):
        out[top] = _spec(top, "", ScenarioConfig.model_fields[top])
    return out


def param_spec(name: str) -> ParamSpec:
    """The :class:`ParamSpec` of a bare parameter name (or ``steps``, ``seed``)."""
    try:
        return param_specs()[name]
    except KeyError:
        raise ConfigError(f"unknown parameter {name!r}") from None
