"""Scenario files: TOML in, resolved :class:`~orgsim.scenario.schema.ScenarioConfig` out.

Scenario files are data, never executed. A scenario may ``extends = "other"`` and then sets only
what differs; chains are followed (cycles are an error). Errors are one-line ConfigErrors.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from orgsim.scenario.schema import ConfigError, ScenarioConfig, apply_overrides, deep_merge, validate


def scenario_dir() -> Path:
    """The folder of shipped scenarios (packaged copy, else the source tree's)."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "scenarios", here.parents[2] / "scenarios"):
        if candidate.is_dir():
            return candidate
    raise ConfigError("the shipped scenarios folder is missing from this installation")


def available() -> dict[str, Path]:
    """Shipped scenario names -> files."""
    return {p.stem: p for p in sorted(scenario_dir().glob("*.toml"))}


def _locate(ref: str, relative_to: Path | None = None) -> Path:
    as_path = Path(ref)
    if ref.endswith(".toml") or "/" in ref or "\\" in ref:
        if not as_path.is_absolute() and relative_to is not None and not as_path.exists():
            as_path = relative_to / as_path
        if not as_path.is_file():
            raise ConfigError(f"{ref}: scenario file not found")
        return as_path
    if relative_to is not None and (relative_to / f"{ref}.toml").is_file():
        return relative_to / f"{ref}.toml"
    shipped = available()
    if ref in shipped:
        return shipped[ref]
    names = ", ".join(shipped) or "none"
    raise ConfigError(f"{ref}: unknown scenario (shipped: {names})")


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: unreadable TOML: {err}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: unreadable TOML: not UTF-8 text") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror}") from None


def raw_scenario(ref: str | Path, _seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], Path]:
    """The merged raw mapping of a scenario and its ``extends`` chain, and the file it came from."""
    path = _locate(str(ref), _seen[-1].parent if _seen else None).resolve()
    if path in _seen:
        chain = " -> ".join(p.stem for p in (*_seen, path))
        raise ConfigError(f"{path}: extends: cycle ({chain})")
    data = read_toml(path)
    parent = data.get("extends")
    if parent is None:
        return data, path
    if not isinstance(parent, str):
        raise ConfigError(f"{path}: extends: must be a scenario name, got {type(parent).__name__}")
    try:
        base, _ = raw_scenario(parent, (*_seen, path))
    except ConfigError as err:
        if str(err).startswith(f"{parent}:"):
            raise ConfigError(f"{path}: extends: unknown scenario {parent!r}") from None
        raise
    base = {k: v for k, v in base.items() if k not in ("name", "description")}
    return deep_merge(base, data), path


def load(ref: str | Path | ScenarioConfig, overrides: dict[str, Any] | None = None) -> ScenarioConfig:
    """Load, merge and validate a scenario by name or path, with optional overrides."""
    if isinstance(ref, ScenarioConfig):
        if not overrides:
            return ref
        data, origin = ref.model_dump(), "scenario"
    else:
        data, path = raw_scenario(ref)
        origin = str(path)
    if overrides:
        data = apply_overrides(data, overrides)
        origin = f"{origin} (with overrides)"
    return validate(data, origin)


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse ``key.path=value`` with a TOML value (bare words are strings)."""
    if "=" not in text:
        raise ConfigError(f"--set {text!r}: expected key.path=value")
    key, _, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not key or not value:
        raise ConfigError(f"--set {text!r}: expected key.path=value")
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return key, parsed


@dataclass(frozen=True)
class Paths:
    """Environment paths sampled at every quarter 0..steps (inclusive)."""

    pressure: np.ndarray
    threat: np.ndarray
    climate: np.ndarray


def keyframe_values(points: list[tuple[int, float]] | tuple, steps: int) -> np.ndarray:
    """Linear interpolation between keyframes at quarters 0..steps; constant beyond the ends."""
    quarters = np.array([q for q, _ in points], dtype=float)
    values = np.array([v for _, v in points], dtype=float)
    return np.interp(np.arange(steps + 1, dtype=float), quarters, values)


def environment_paths(cfg: ScenarioConfig) -> Paths:
    env = cfg.environment
    return Paths(
        pressure=keyframe_values(env.pressure, cfg.steps),
        threat=keyframe_values(env.threat, cfg.steps),
        climate=keyframe_values(env.climate, cfg.steps),
    )
