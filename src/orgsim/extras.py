"""Optional parts of orgsim and the one-line message when one is missing.

The core install (``pip install -e .``) runs and charts scenarios. Other jobs come as extras
(pyproject.toml): ``experiments`` (sampled designs and sensitivity analysis with SALib, the Dask
scheduler), ``app`` (the dashboard: solara, plotly), ``calibration`` (Bayesian
calibration with pyabc's ABC-SMC), ``dev`` (tests and linting). A command that
needs an extra calls :func:`require` before it starts::

    require("experiments", "SALib", what="orgsim sweep with a sobol design")

which raises :class:`MissingExtra` (a :class:`~orgsim.scenario.schema.ConfigError`, so the
command line prints it as its usual single error line) when a module is not installed, e.g.
``orgsim sweep with a sobol design needs the experiments extra (SALib is not installed):
pip install -e '.[experiments]'``. Checking looks modules up without importing them.
"""

from __future__ import annotations

import importlib.util

from orgsim.scenario.schema import ConfigError

#: the importable modules each extra brings (pyproject.toml's [project.optional-dependencies])
EXTRAS: dict[str, tuple[str, ...]] = {
    "experiments": ("SALib", "scipy", "distributed", "statsmodels"),
    "app": ("solara", "plotly", "anywidget", "ipyvue", "ipyvuetify"),
    "calibration": ("pyabc",),
    "dev": ("pytest", "hypothesis", "duckdb", "ema_workbench", "playwright"),
}


class MissingExtra(ConfigError):
    """An optional dependency is not installed; the message says which extra to install."""


def missing(*modules: str) -> list[str]:
    """The modules among ``modules`` that cannot be imported (looked up, not imported)."""
    out = []
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a parent package missing, or a broken __spec__
            found = False
        if not found:
            out.append(name)
    return out


def install_hint(extra: str) -> str:
    return f"pip install -e '.[{extra}]'"


def require(extra: str, *modules: str, what: str | None = None) -> None:
    """Raise :class:`MissingExtra` (one line) unless every module of ``modules`` is installed;
    without ``modules``, every module the extra brings. ``what`` names the command or feature."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r} (known: {', '.join(EXTRAS)})")
    absent = missing(*(modules or EXTRAS[extra]))
    if absent:
        verb = "is" if len(absent) == 1 else "are"
        raise MissingExtra(
            f"{what or 'this'} needs the {extra} extra ({', '.join(absent)} {verb} not installed): "
            f"{install_hint(extra)}"
        )
