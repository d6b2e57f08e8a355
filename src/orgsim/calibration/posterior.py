"""A calibration posterior as a parameter source for runs and sweeps (issue 15).

:func:`load` reads what ``orgsim calibrate --abc`` writes (its folder, or the particles file in it:
``particles.parquet`` or ``particles.csv``, parameter columns plus ``weight`` and ``distance``);
:func:`draw` draws particles by weight with its own ``numpy.random.default_rng(seed)``, never the
global generator, so the same seed always gives the same draw. :func:`run_draw` is the draw of one
run: seeded from ``SeedSequence([seed, 1])``, a stream apart from the model's own.

Parameters tied in the calibration (``posterior.json``'s ``tied``, e.g. CFO->CMO cooperation equal
to CMO->CFO) are set with the parameter they follow.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from orgsim.scenario.schema import GROUPS, ConfigError, dotted_path

PARTICLES = ("particles.parquet", "particles.csv")
SUMMARY = "posterior.json"
#: columns of a particles file that are not parameters
NON_PARAMETERS = ("weight", "distance")
#: the SeedSequence entropy tail that separates a run's posterior draw from its model seed
DRAW_STREAM = 1


@dataclass(frozen=True)
class Posterior:
    """Weighted particles: ``values[i, j]`` is parameter ``params[j]`` of particle ``i``."""

    path: Path
    params: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray  # normalised to sum 1
    tied: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.weights)

    @property
    def sha256(self) -> str:
        """Hash of the content (names, values, weights, ties): the same posterior from Parquet or CSV alike."""
        h = hashlib.sha256()
        h.update(json.dumps([list(self.params), sorted(self.tied.items())]).encode())
        h.update(np.ascontiguousarray(self.values, dtype="<f8").tobytes())
        h.update(np.ascontiguousarray(self.weights, dtype="<f8").tobytes())
        return h.hexdigest()

    @property
    def names(self) -> list[str]:
        """Every parameter a draw sets: the particles' columns and the parameters tied to them."""
        return [*self.params, *(t for t, s in self.tied.items() if s in self.params and t not in self.params)]

    def describe(self) -> dict[str, Any]:
        return {"path": str(self.path), "sha256": self.sha256, "particles": len(self), "parameters": self.names}


def _particles_file(path: Path) -> Path:
    if path.is_dir():
        for name in PARTICLES:
            if (path / name).is_file():
                return path / name
        raise ConfigError(
            f"posterior {path}: no {' or '.join(PARTICLES)} in the folder (write one with 'orgsim calibrate --abc')"
        )
    if not path.exists():
        raise ConfigError(f"posterior {path}: no such file or folder")
    return path


def _read_table(path: Path) -> Any:
    import pandas as pd

    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        if path.suffix == ".csv":
            return pd.read_csv(path)
    except Exception as err:  # pyarrow and the CSV parser raise many types for damaged files
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ConfigError(f"posterior {path}: unreadable: {reason}") from None
    raise ConfigError(f"posterior {path}: expected a .parquet or .csv particles file or a posterior folder")


def _tied(folder: Path) -> dict[str, str]:
    summary = folder / SUMMARY
    if not summary.is_file():
        return {}
    try:
        data = json.loads(summary.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ConfigError(f"posterior {summary}: unreadable JSON: {err}") from None
    tied = data.get("tied", {}) if isinstance(data, dict) else {}
    if not isinstance(tied, dict):
        raise ConfigError(f"posterior {summary}: 'tied' is not a mapping")
    return {str(k): str(v) for k, v in tied.items()}


def _check_parameter(origin: Path, name: str) -> None:
    try:
        path = dotted_path(name)
    except ConfigError:
        raise ConfigError(f"posterior {origin}: column {name!r} is not a scenario parameter") from None
    if len(path) == 1:  # seed, steps, name ...: not parameters a posterior may set
        raise ConfigError(f"posterior {origin}: column {name!r} is not a model parameter")


def load(path: str | Path) -> Posterior:
    """Read and check a posterior (a folder of ``orgsim calibrate --abc`` or its particles file)."""
    origin = Path(path)
    file = _particles_file(origin)
    df = _read_table(file)
    if "weight" not in df.columns:
        raise ConfigError(f"posterior {file}: no 'weight' column")
    params = [str(c) for c in df.columns if c not in NON_PARAMETERS]
    if not params:
        raise ConfigError(f"posterior {file}: no parameter columns")
    for name in params:
        _check_parameter(file, name)
    if len(df) == 0:
        raise ConfigError(f"posterior {file}: no particles")
    try:
        w = df["weight"].to_numpy(dtype=float)
        values = df[params].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"posterior {file}: weights and parameter values must be numbers") from None
    if not np.all(np.isfinite(w)):
        raise ConfigError(f"posterior {file}: a weight is missing or not finite")
    if (w < 0).any():
        raise ConfigError(f"posterior {file}: negative weight in row {int(np.argmax(w < 0))}")
    if not w.sum() > 0:
        raise ConfigError(f"posterior {file}: the weights sum to 0")
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = (int(i[0]) for i in np.nonzero(bad))
        raise ConfigError(f"posterior {file}: {params[col]} in row {row} is missing or not finite")
    tied = _tied(file.parent)
    for name in tied:
        _check_parameter(file.parent / SUMMARY, name)
    return Posterior(file, tuple(params), values, w / w.sum(), tied)


def particles(path: str | Path) -> Any:
    """The particles table of a posterior (folder or file) as written, weights as stored, after
    :func:`load`'s checks."""
    load(path)
    return _read_table(_particles_file(Path(path)))


def _value(name: str, value: float) -> float | int:
    path = dotted_path(name)
    if GROUPS[path[0]].model_fields[path[1]].annotation is int:
        return round(value)
    return float(value)


def draw(posterior: Posterior, seed: Any, n: int = 1) -> list[dict[str, float]]:
    """``n`` particles drawn by weight (with replacement) by ``numpy.random.default_rng(seed)``.

    ``seed`` is anything ``default_rng`` takes (an int or a ``SeedSequence``); each draw is a dict
    parameter -> value, tied parameters included.
    """
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(posterior), size=n, replace=True, p=posterior.weights)
    out = []
    for i in idx:
        d: dict[str, Any] = {p: _value(p, v) for p, v in zip(posterior.params, posterior.values[i], strict=True)}
        for name, source in posterior.tied.items():
            if source in d and name not in d:
                d[name] = d[source]
        out.append(d)
    return out


def run_draw(posterior: Posterior, seed: int) -> dict[str, float]:
    """The posterior draw of the run with model seed ``seed`` (from ``SeedSequence([seed, 1])``)."""
    return draw(posterior, np.random.SeedSequence([int(seed), DRAW_STREAM]))[0]


def leaf(name: str) -> str:
    """A parameter's bare name (``levers.shadow_it_cap`` -> ``shadow_it_cap``)."""
    return dotted_path(name)[-1]


def applied(drawn: dict[str, float], fixed: list[str] | tuple[str, ...]) -> dict[str, float]:
    """The drawn values that apply: those of parameters not in ``fixed`` (bare or dotted names), which win."""
    taken = {leaf(k) for k in fixed}
    return {k: v for k, v in drawn.items() if leaf(k) not in taken}


def scenario_sets(scenario: str | Path) -> list[str]:
    """The parameters (``group.name``) a scenario file sets, with the files it extends.

    They win over a posterior draw, as a design factor does: they are what defines the scenario
    (``shadow_it``'s cap, ``walls``' propensities, ``budget_squeeze``'s budget share), and a draw
    that overwrote them would turn the scenario into the baseline. A configuration built in code
    (not a file) sets nothing here.
    """
    from orgsim.scenario.files import raw_scenario
    from orgsim.scenario.schema import GROUPS

    raw, _ = raw_scenario(scenario)
    return [
        f"{group}.{name}"
        for group, values in raw.items()
        if group in GROUPS and isinstance(values, dict)
        for name in values
        if name in GROUPS[group].model_fields
    ]
