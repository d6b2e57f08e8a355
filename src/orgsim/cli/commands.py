"""The ``orgsim`` command: run scenarios, list them, chart runs and list parameters.

Bad input of any kind gives exactly one line on stderr, ``orgsim: error: ...``, and exit code 2.
Importing this module stays light (argparse only); pandas, Mesa and matplotlib load inside the
commands that need them, so ``orgsim --help`` is quick.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from orgsim.formatting import one_line as _one_line

PROG = "orgsim"
EXIT_USAGE = 2

DESCRIPTION = """\
orgsim: an agent-based model of power in the executive suite.

CMO, CIO and CFO compete or cooperate over the budget and the CEO's trust while customers who
switch brands ever faster put their firms under customer-centricity pressure. A scenario (a TOML
file) sets the environment, the levers and the executives' dispositions; `orgsim run` simulates
it and writes tidy Parquet tables plus run.json provenance, `orgsim plot` charts a run."""

EPILOG = """\
examples:
  orgsim scenarios                                     list the shipped scenarios
  orgsim run baseline                                  run the calibrated baseline (writes runs/baseline)
  orgsim run baseline --customers 500                  writes runs/baseline-<config hash>: overrides never share a folder
  orgsim run digital_shift --seed 7 --out runs/ds7     a shipped scenario with another seed
  orgsim run my_scenario.toml --firms 12 --customers 100000
  orgsim run baseline --set levers.roi_mandate=0.75 --set environment.pressure='[[0, 0.3], [40, 0.9]]'
  orgsim plot runs/ds7                                 PNG charts into runs/ds7/plots
  orgsim params --markdown                             every parameter as a Markdown table
  orgsim validate --quick                              the patterns P1-P11 with knockouts (smoke size)
  orgsim validate --docs                               the full validation report docs/VALIDATION.md
  orgsim calibrate --out /tmp/cal.json                 re-run the baseline's calibration
  orgsim calibrate --abc --workers 2 --docs            Bayesian calibration (ABC-SMC) and docs/CALIBRATION.md
  orgsim sweep experiments/pressure_governance.toml --out sweeps/pg --workers 2
                                                       an experiment into a crash-safe store (rerun to resume)
  orgsim replay sweeps/pg p00004-r001                  rerun one run of it and check it reproduces
  orgsim analyze sweeps/pg                             summaries, sensitivity indices, plots, REPORT.md

Bad input gives one line "orgsim: error: ..." on stderr and exit code 2."""


def _report(message: str) -> int:
    """Write the single error line and return the usage exit code."""
    sys.stderr.write(f"{PROG}: error: {_one_line(message)}\n")
    sys.stderr.flush()
    return EXIT_USAGE


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are a single line (no usage block) with exit code 2."""

    def error(self, message: str) -> NoReturn:
        sub = self.prog.removeprefix(PROG).strip()
        hint = f" (see '{PROG} {sub + ' ' if sub else ''}--help')"
        raise SystemExit(_report(f"{sub + ': ' if sub else ''}{message}{hint}"))


# -- argument types ----------------------------------------------------------------------------


def _int_type(name: str, minimum: int, maximum: int | None = None):
    def parse(text: str) -> int:
        try:
            value = int(text.strip().replace("_", ""), 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}, got {value}")
        return value

    parse.__name__ = name  # argparse names the type in some messages
    return parse


def _damping(text: str) -> float:
    """A number in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {value:g}")
    return value


def build_parser() -> Parser:
    from orgsim import __version__

    parser = Parser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    p = sub.add_parser(
        "run",
        help="run a scenario and write its tables",
        description="Run a scenario (a shipped name or a .toml path), print a summary and write a run\n"
        "folder: firms.parquet, executives.parquet, summary.parquet and run.json.",
        epilog="examples:\n  orgsim run baseline --seed 3\n  orgsim run walls --steps 60 --out runs/walls60\n"
        "  orgsim run scenarios/shadow_it.toml --set shadow_it_cap=0.3 --set executives.brief_mean=0.8",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "scenario", metavar="SCENARIO", help="shipped scenario name (see 'orgsim scenarios') or a .toml path"
    )
    p.add_argument(
        "--seed", metavar="N", type=_int_type("seed", 0, 2**63 - 1), help="random seed (default: the scenario's)"
    )
    p.add_argument(
        "--steps", metavar="N", type=_int_type("steps", 1), help="quarters to simulate (default: the scenario's)"
    )
    p.add_argument("--firms", metavar="N", type=_int_type("firms", 1), help="number of firms (market.firms)")
    p.add_argument(
        "--customers", metavar="N", type=_int_type("customers", 1), help="number of customers (market.customers)"
    )
    p.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter: group.name=value or name=value, the value in TOML syntax "
        "(repeatable; applied after --steps/--firms/--customers)",
    )
    p.add_argument(
        "--posterior",
        type=Path,
        metavar="PATH",
        help="draw the calibrated parameters from a posterior (a folder of 'orgsim calibrate --abc' or its "
        "particles file): one particle by weight, seeded from the run's seed (a stream apart from the "
        "model's), over the scenario's values; --set and the flags above win. Recorded in run.json",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="output folder (default: runs/<scenario>, plus -seed<N> for another seed and -<config hash> "
        "when flags or --set change the scenario)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace DIR if it holds another run (without it that is an error; the same run is just rewritten)",
    )
    p.add_argument(
        "--quiet", "-q", action="store_true", help="no progress bar and no summary; print only the output folder"
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "scenarios",
        help="list the shipped scenarios",
        description="List the shipped scenarios with their descriptions.",
    )
    p.set_defaults(func=cmd_scenarios)

    p = sub.add_parser(
        "plot",
        help="chart a run folder as PNGs",
        description="Write PNG charts of a run folder (influence, budget split, cooperation, capabilities, "
        "market shares, revenue and profit, environment, and overview.png).",
    )
    p.add_argument("run_dir", metavar="DIR", type=Path, help="a run folder written by 'orgsim run'")
    p.add_argument("--out", type=Path, metavar="DIR2", help="folder for the PNGs (default: DIR/plots)")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser(
        "params",
        help="list every parameter with default, range, unit and source",
        description="List every scenario parameter: group, name, meaning, unit, default, allowed range "
        "and the source of its default.",
    )
    p.add_argument("--markdown", action="store_true", help="print a Markdown table (as in docs/ODD.md)")
    p.set_defaults(func=cmd_params)

    p = sub.add_parser(
        "validate",
        help="pattern-oriented validation: every pattern with its knockout, as a report",
        description="Run the validation patterns (P1-P11 of the seed articles, S1-S5 further stylised facts)\n"
        "over replications, each with its knockout, and write validation.json, a Markdown report and one\n"
        "PNG per pattern. Exit code 0 if every P pattern and its knockout pass, 1 if one fails (S patterns\n"
        "are reported only), 2 for bad input.",
        epilog="examples:\n  orgsim validate --quick                 CI smoke (8 replications at the baseline size)\n"
        "  orgsim validate --docs                  the committed report: docs/VALIDATION.md, docs/img/validation/\n"
        "  orgsim validate --only P1,P4 --reps 10 --out validation-p1p4",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--reps", metavar="N", type=_int_type("reps", 2), help="replications (default: 30; 8 with --quick)")
    p.add_argument(
        "--quick", action="store_true", help="CI smoke settings: 8 replications at the baseline size (10000 customers)"
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: validation-report)")
    where.add_argument(
        "--docs",
        action="store_true",
        help="write docs/VALIDATION.md, docs/validation.json and docs/img/validation/ (the committed report)",
    )
    p.add_argument(
        "--master-seed",
        metavar="N",
        type=_int_type("master-seed", 0, 2**63 - 1),
        default=20170512,
        help="master seed the replication seeds are spawned from (default: 20170512)",
    )
    p.add_argument(
        "--workers", metavar="N", type=_int_type("workers", 1), help="worker processes (default: min(2, CPUs))"
    )
    p.add_argument(
        "--customers",
        metavar="N",
        type=_int_type("customers", 1),
        help="customers per market (default: 10000, the baseline size, also with --quick)",
    )
    p.add_argument("--only", metavar="IDS", help="comma-separated pattern ids to run, e.g. P1,P4,S2 (default: all)")
    sens = p.add_mutually_exclusive_group()
    sens.add_argument(
        "--sensitivity",
        dest="sensitivity",
        action="store_true",
        default=None,
        help="add the one-at-a-time sensitivity screen (default with --docs)",
    )
    sens.add_argument("--no-sensitivity", dest="sensitivity", action="store_false", help="skip the screen")
    rob = p.add_mutually_exclusive_group()
    rob.add_argument(
        "--robustness",
        dest="robustness",
        action="store_true",
        default=None,
        help="add the robustness screen: a Morris design over every assumed parameter, the share of it in which "
        "the emergent patterns hold, Morris indices of their statistics, the seed/market/parameter variance "
        "decomposition and P11 per run (default with --docs; resumable, its runs kept in --robustness-store)",
    )
    rob.add_argument("--no-robustness", dest="robustness", action="store_false", help="skip the robustness screen")
    p.add_argument(
        "--robustness-store",
        type=Path,
        metavar="DIR",
        default=Path("runs/robustness"),
        help="folder of the robustness screen's experiment stores, one per arm (default: runs/robustness); "
        "runs already there are not rerun",
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "calibrate",
        help="calibrate the baseline: the stationarity spin-up, or (--abc) Bayesian ABC-SMC against published figures",
        description="Without --abc: the calibration procedure of the baseline (orgsim.validation.calibration), a\n"
        "fixed-point spin-up of the parameters marked 'calibrated' to a stationary starting state. Writes the\n"
        "iterations, the score and the best parameters as JSON. The defaults in config.py are the result of the\n"
        "last run (docs/calibration.json); a test checks that they agree.\n\n"
        "With --abc: Bayesian calibration by ABC-SMC (pyabc; the calibration extra) against the published\n"
        "figures of docs/TARGETS.md (orgsim.calibration). The history is an SQLite database (--db) that a\n"
        "rerun of the same command resumes, also after kill -9; the posterior goes to --out (particles.parquet,\n"
        "particles.csv, posterior.json), and --docs writes docs/CALIBRATION.md with posterior predictive checks.\n"
        "The result does not depend on --workers or --scheduler.",
        epilog="examples:\n  orgsim calibrate --out /tmp/cal.json\n"
        "  orgsim calibrate --abc --workers 2 --docs   (the committed calibration: runs/abc, then docs/)\n"
        "  orgsim calibrate --abc --population 100 --generations 4 --workers 2 --out runs/abc-small\n"
        "  orgsim calibrate --abc --report-from docs/posterior --workers 2   (docs/ from the committed posterior, no fit)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--iterations",
        metavar="N",
        type=_int_type("iterations", 0, 200),
        help="spin-up iterations (default: 30; not with --abc)",
    )
    p.add_argument(
        "--step",
        metavar="X",
        type=_damping,
        help="damping of each update toward stationarity, in (0, 1] (default: 0.3; not with --abc)",
    )
    p.add_argument(
        "--reps",
        metavar="N",
        type=_int_type("reps", 1, 1000),
        help="replications per parameter set (default: 8; with --abc 4)",
    )
    p.add_argument(
        "--customers",
        metavar="N",
        type=_int_type("customers", 50, 5_000_000),
        help="customers per market (default: 10000; with --abc 5000)",
    )
    p.add_argument(
        "--master-seed",
        metavar="N",
        type=_int_type("master-seed", 0, 2**63 - 1),
        default=20170512,
        help="master seed (spin-up: its seeds are spawned from master seed + 1; --abc: every model seed and "
        "pyabc's generator derive from it)",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="PATH",
        help="where to write the result: a JSON file (default: calibration.json; the committed one is\n"
        "docs/calibration.json); with --abc a folder (default: runs/abc)",
    )
    abc = p.add_argument_group("Bayesian calibration (--abc)")
    abc.add_argument("--abc", action="store_true", help="ABC-SMC against the published targets (pyabc)")
    abc.add_argument(
        "--population",
        metavar="N",
        type=_int_type("population", 5, 100_000),
        help="particles per generation (default: 300, as the committed calibration)",
    )
    abc.add_argument(
        "--generations",
        metavar="G",
        type=_int_type("generations", 1, 100),
        help="generations of ABC-SMC (default: 14, as the committed calibration); a larger G on an existing --db adds generations",
    )
    abc.add_argument(
        "--steps",
        metavar="N",
        type=_int_type("steps", 9, 4000),
        help="quarters per run (default: the scenario's, 40)",
    )
    abc.add_argument(
        "--batch",
        metavar="N",
        type=_int_type("batch", 1, 100_000),
        help="proposals simulated per batch (default: the population size; part of the result, unlike --workers)",
    )
    abc.add_argument(
        "--workers",
        metavar="N",
        type=_int_type("workers", 1, 1024),
        help="worker processes (default 1: serial)",
    )
    abc.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        type=_scheduler,
        help="run on Dask: 'local' starts a LocalCluster of --workers processes, an address joins a running scheduler",
    )
    abc.add_argument(
        "--db",
        type=Path,
        metavar="FILE",
        help="the SQLite history (default: OUT/abc.db); an existing one with the same settings is resumed",
    )
    abc.add_argument(
        "--docs",
        action="store_true",
        help="also write docs/CALIBRATION.md, its figures (docs/img/calibration/) and docs/calibration_posterior.json",
    )
    abc.add_argument(
        "--draws",
        metavar="N",
        type=_int_type("draws", 5, 10_000),
        help="posterior draws of the predictive checks with --docs (default: 100)",
    )
    abc.add_argument(
        "--report-from",
        type=Path,
        metavar="FOLDER",
        help="write docs/ from a posterior folder a fit wrote (docs/posterior), without its database and\n"
        "without fitting: the predictive checks run again at the current defaults (after an adoption, or\n"
        "in a fresh clone, which has no runs/abc/abc.db); implies --docs",
    )
    p.set_defaults(func=cmd_calibrate)

    add_sweep_parsers(sub)
    add_analyze_parser(sub)
    return parser


# -- run ---------------------------------------------------------------------------------------


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "run"


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    from orgsim.scenario.files import parse_assignment
    from orgsim.scenario.schema import ConfigError

    overrides: dict[str, Any] = {}
    for flag in ("steps", "firms", "customers"):
        value = getattr(args, flag)
        if value is not None:
            overrides[flag] = value
    for text in args.assignments:
        key, value = parse_assignment(text)
        if key == "extends":  # resolved when the file is read; an override would be silently ignored
            raise ConfigError(f"--set {text!r}: extends cannot be overridden; run that scenario instead")
        overrides.pop(key, None)  # a later assignment wins (dict order is application order)
        overrides[key] = value
    return overrides


def _load_scenario(ref: str, overrides: dict[str, Any]):
    from orgsim.scenario.files import load
    from orgsim.scenario.schema import ConfigError

    try:
        return load(ref, overrides or None)
    except UnicodeDecodeError:
        # tomllib decodes the file itself; a non-UTF-8 file is unreadable TOML, not a crash
        raise ConfigError(f"{ref}: unreadable TOML: not UTF-8 text") from None
    except RecursionError:
        raise ConfigError(f"{ref}: extends: chain too deep") from None


def default_run_dir(cfg: Any, seed: int, overridden: bool) -> Path:
    """``runs/<scenario>``; ``-seed<N>`` for a seed other than the scenario's; ``-<config hash, 8 hex>``
    when overrides changed the scenario, so runs of different configurations never share a folder."""
    from orgsim.io import config_hash

    name = _safe_name(cfg.name)
    if overridden:
        name += f"-{config_hash(cfg)[:8]}"
    if seed != cfg.seed:
        name += f"-seed{seed}"
    return Path("runs") / name


def cmd_run(args: argparse.Namespace) -> int:
    overrides = _overrides(args)
    cfg = _load_scenario(args.scenario, overrides)
    seed = cfg.seed if args.seed is None else args.seed
    posterior: dict[str, Any] | None = None
    if args.posterior is not None:
        from orgsim.calibration import posterior as post

        source = post.load(args.posterior)
        # the flags, --set and what the scenario file itself sets win over the draw
        kept = [*overrides, *post.scenario_sets(args.scenario)]
        drawn = post.applied(post.run_draw(source, seed), kept)
        cfg = _load_scenario(args.scenario, {**drawn, **overrides})
        posterior = {**source.describe(), "draw_seed": [int(seed), post.DRAW_STREAM], "drawn": drawn}
    changed = bool(overrides) or bool(posterior and posterior["drawn"])
    out_dir = args.out if args.out is not None else default_run_dir(cfg, seed, changed)

    from orgsim.io import check_run_folder, clear_run_folder, config_hash

    state = check_run_folder(out_dir, config_hash(cfg), seed, args.overwrite)  # before the run, not after

    from tqdm import tqdm

    import orgsim.model.market  # noqa: F401 - import Mesa before the bar starts: the bar times the simulation only
    from orgsim.api import simulate
    from orgsim.io import write_run

    bar = tqdm(
        total=cfg.steps,
        desc=f"{cfg.name} seed {seed}",
        unit="quarter",
        file=sys.stderr,
        delay=1.0,
        leave=False,
        dynamic_ncols=True,
        disable=args.quiet,
    )

    def progress(done: int, total: int) -> None:
        bar.update(done - bar.n)

    try:
        results = simulate(cfg, seed, progress=progress)
    finally:
        bar.close()
    if state == "replace":
        clear_run_folder(out_dir)
    written = write_run(results, out_dir)
    if posterior is not None:  # run.json says where its parameters came from
        from orgsim.io import META_FILE, write_json

        meta = json.loads((written / META_FILE).read_text(encoding="utf-8"))
        meta["posterior"] = posterior
        write_json(meta, written / META_FILE)
    if not args.quiet:
        if posterior is not None:
            print(posterior_text(posterior))
        print(summary_text(results))
        print()
    if state == "new":
        print(f"wrote {written}")
    else:
        print(f"wrote {written} ({'replaced another run' if state == 'replace' else 'the same run again'})")
    return 0


def posterior_text(posterior: dict[str, Any]) -> str:
    """The line ``orgsim run --posterior`` prints: which parameters were drawn, with their values."""
    drawn = ", ".join(f"{k}={v:.4g}" for k, v in posterior["drawn"].items()) or "none (all set by flags)"
    return f"posterior draw from {posterior['path']} (seed {posterior['draw_seed'][0]}): {drawn}\n"


def summary_text(results: Any) -> str:
    """The short report ``orgsim run`` prints: influence, IT split, cooperation, revenue, wall time."""
    firms = results.firms
    cfg = results.config
    end = int(firms["step"].max())
    first = firms[firms["step"] == 0]
    last = firms[firms["step"] == end]
    acted = firms[firms["step"] >= 1]
    if acted.empty:  # pragma: no cover - steps >= 1 by the schema
        acted = firms
    year1 = acted[acted["step"] <= 4]
    yearn = acted[acted["step"] > end - 4]

    def quarters(lo: int, hi: int) -> str:
        return f"q{lo}" if lo == hi else f"q{lo}-{hi}"

    q_first = quarters(int(year1["step"].min()), int(year1["step"].max()))
    q_last = quarters(int(yearn["step"].min()), end)

    lines = [
        f"{cfg.name}: seed {results.seed}, {cfg.market.firms} firms, {cfg.market.customers} customers, "
        f"{cfg.steps} quarters",
        "",
        f"{'influence share (mean of firms)':<36}{'q0':>10}{f'q{end}':>10}",
    ]
    for role, label in (("cmo", "CMO"), ("cio", "CIO"), ("cfo", "CFO")):
        col = f"influence_{role}"
        lines.append(f"  {label:<34}{first[col].mean():>10.3f}{last[col].mean():>10.3f}")

    tech = last["budget_it_core"] + last["budget_it_marketing"] + last["shadow_it"]
    total = float(tech.sum())
    lines += ["", f"{f'technology spend at q{end}':<36}{'':>10}{'share':>10}"]
    for col, label in (
        ("budget_it_core", "core IT (CIO)"),
        ("budget_it_marketing", "governed marketing IT (CIO)"),
        ("shadow_it", "shadow IT (CMO)"),
    ):
        share = float(last[col].sum()) / total if total > 0 else float("nan")
        lines.append(f"  {label:<34}{'':>10}{share:>10.1%}")

    lines += ["", f"{'share of firm-quarters':<36}{quarters(1, end):>10}{q_last:>10}"]
    for col, label in (
        ("coop_cmo_cio", "CMO-CIO worked together"),
        ("coop_cmo_cfo", "CMO-CFO worked together"),
        ("coop_cio_cfo", "CIO-CFO worked together"),
        ("cmo_briefs_ceo", "CMO briefed the CEO"),
    ):
        lines.append(f"  {label:<34}{acted[col].mean():>10.1%}{yearn[col].mean():>10.1%}")

    lines += ["", f"{'per firm-quarter (mean)':<36}{q_first:>10}{q_last:>10}"]
    for col in ("revenue", "profit"):
        lines.append(f"  {col:<34}{year1[col].mean():>10.2f}{yearn[col].mean():>10.2f}")
    lines += ["", f"wall time {results.wall_time:.2f} s (simulation)"]
    return "\n".join(lines)


# -- scenarios ---------------------------------------------------------------------------------


def cmd_scenarios(args: argparse.Namespace) -> int:
    from orgsim.scenario.files import available, load
    from orgsim.scenario.schema import ConfigError

    shipped = available()
    if not shipped:
        raise ConfigError("no shipped scenarios found")
    width = max(len(name) for name in shipped) + 2
    for name in shipped:
        try:
            cfg = load(name)
            text = cfg.description or "(no description)"
        except ConfigError as err:
            text = f"(invalid: {_one_line(str(err))})"
        wrapped = textwrap.wrap(text, width=max(40, 100 - width)) or [""]
        print(f"{name:<{width}}{wrapped[0]}")
        for more in wrapped[1:]:
            print(f"{'':<{width}}{more}")
    return 0


# -- plot --------------------------------------------------------------------------------------


def cmd_plot(args: argparse.Namespace) -> int:
    from orgsim.io import read_run
    from orgsim.plot import plot_run

    run = read_run(args.run_dir)  # fails fast on a missing or incomplete folder
    out = args.out if args.out is not None else args.run_dir / "plots"
    for path in plot_run(run, out):
        print(path)
    return 0


# -- params ------------------------------------------------------------------------------------


def _fmt_number(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{value:.1f}"
        text = format(value, "g")
        return text if float(text) == value else repr(value)
    return str(value)


def _fmt_value(value: Any) -> str:
    """A default in TOML spelling (keyframe paths as [[q, v], ...])."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_fmt_value(v) for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return _fmt_number(value)


def _fmt_bound(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e7:
        return str(int(value))
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e7:
        return format(float(value), "g")
    return _fmt_number(value)


def _fmt_range_value(value: Any) -> str:
    return _fmt_value(value) if isinstance(value, str) else _fmt_bound(value)


def param_rows() -> list[dict[str, str]]:
    """Every parameter of the scenario schema, in declaration order (from orgsim.scenario.specs)."""
    from orgsim.scenario.specs import param_specs

    return [
        {
            "group": spec.group,
            "name": spec.name,
            "parameter": spec.dotted,
            "meaning": spec.description,
            "unit": spec.unit,
            "default": _fmt_value(spec.default),
            "range": spec.range_text(_fmt_range_value),
            "source": spec.source,
        }
        for spec in param_specs().values()
        if spec.group
    ]


def params_markdown() -> str:
    """The parameter table of docs/ODD.md (deterministic: declaration order, fixed formatting)."""
    from orgsim.formatting import md_table

    cols = ("parameter", "meaning", "unit", "default", "range", "source")
    return "\n".join(md_table(cols, [[row[c] for c in cols] for row in param_rows()]))


def params_text() -> str:
    from orgsim.scenario.schema import GROUP_KIND, GROUPS

    rows = param_rows()
    w_name = max(len(r["name"]) for r in rows) + 2
    w_def = max(len(r["default"]) for r in rows) + 2
    w_range = max(len(r["range"]) for r in rows) + 2
    w_unit = max(len(r["unit"]) for r in rows) + 2
    w_src = max(len(r["source"]) for r in rows) + 2
    out: list[str] = []
    for group, cls in GROUPS.items():
        doc = _one_line((cls.__doc__ or "").strip())
        out.append(f"[{group}] ({GROUP_KIND.get(group, '')}) {doc}")
        out.append(
            f"  {'name':<{w_name}}{'default':<{w_def}}{'range':<{w_range}}{'unit':<{w_unit}}{'source':<{w_src}}meaning"
        )
        for r in rows:
            if r["group"] == group:
                out.append(
                    f"  {r['name']:<{w_name}}{r['default']:<{w_def}}{r['range']:<{w_range}}"
                    f"{r['unit']:<{w_unit}}{r['source']:<{w_src}}{r['meaning']}"
                )
        out.append("")
    return "\n".join(out).rstrip()


def cmd_params(args: argparse.Namespace) -> int:
    print(params_markdown() if args.markdown else params_text())
    return 0


# -- validate ----------------------------------------------------------------------------------

VALIDATE_REPS, VALIDATE_CUSTOMERS = 30, 10000
QUICK_REPS, QUICK_CUSTOMERS = 8, 10_000


def _only(text: str | None) -> list[str] | None:
    from orgsim.scenario.schema import ConfigError
    from orgsim.validation.checks import patterns

    if text is None:
        return None
    known = [p.id for p in patterns()]
    lookup = {k.upper(): k for k in known}
    ids = [t.strip() for t in text.split(",") if t.strip()]
    if not ids:
        raise ConfigError("validate: --only: no pattern ids given")
    unknown = [t for t in ids if t.upper() not in lookup]
    if unknown:
        raise ConfigError(f"validate: --only: unknown pattern(s) {', '.join(unknown)} (known: {', '.join(known)})")
    return list(dict.fromkeys(lookup[t.upper()] for t in ids))


def cmd_validate(args: argparse.Namespace) -> int:
    import os
    import time
    from datetime import UTC, datetime

    only = _only(args.only)
    reps = args.reps if args.reps is not None else (QUICK_REPS if args.quick else VALIDATE_REPS)
    customers = (
        args.customers if args.customers is not None else (QUICK_CUSTOMERS if args.quick else VALIDATE_CUSTOMERS)
    )
    workers = args.workers if args.workers is not None else min(2, os.cpu_count() or 1)
    if args.docs:
        out, md_path, img_dir, img_rel = (
            Path("docs"),
            Path("docs/VALIDATION.md"),
            Path("docs/img/validation"),
            "img/validation",
        )
        json_path = out / "validation.json"
    else:
        out = args.out if args.out is not None else Path("validation-report")
        md_path, img_dir, img_rel, json_path = out / "VALIDATION.md", out / "img", "img", out / "validation.json"

    import orgsim
    from orgsim.io import atomic_write, git_commit, prepare_dir
    from orgsim.scenario.schema import ConfigError
    from orgsim.validation import checks as validation
    from orgsim.validation.report import headline_text, write_report

    prepare_dir(out)  # fail on an unusable folder before the runs, not after
    with_robustness = bool(args.robustness or (args.robustness is None and args.docs))
    if with_robustness and args.robustness_store.exists() and not args.robustness_store.is_dir():
        raise ConfigError(f"--robustness-store {args.robustness_store}: exists and is not a folder")
    start = time.perf_counter()
    results = _with_progress(
        "validate",
        lambda progress: validation.validate(
            reps=reps,
            master_seed=args.master_seed,
            size={"customers": customers},
            workers=workers,
            only=only,
            progress=progress,
        ),
    )
    meta = {
        "orgsim_version": orgsim.__version__,
        "git_commit": git_commit(),
        "reps": reps,
        "master_seed": args.master_seed,
        "customers": customers,
        "quick": bool(args.quick),
        "workers": workers,
        "only": only,
        "wall_time": round(time.perf_counter() - start, 1),
        "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    sensitivity = None
    if args.sensitivity or (args.sensitivity is None and args.docs):
        sens_reps, sens_customers = 5, min(customers, 5000)
        sensitivity = _with_progress(
            "sensitivity",
            lambda progress: validation.sensitivity(
                reps=sens_reps,
                master_seed=args.master_seed,
                size={"customers": sens_customers},
                workers=workers,
                only=only,
                progress=progress,
            ),
        )
        meta["sensitivity_reps"], meta["sensitivity_customers"] = sens_reps, sens_customers
        meta["wall_time_with_sensitivity"] = round(time.perf_counter() - start, 1)
    robustness = robustness_md = None
    if with_robustness:
        from orgsim.validation import robustness as rb

        rob_customers = min(customers, rb.CUSTOMERS)
        robustness = _with_progress(
            "robustness",
            lambda progress: rb.run(args.robustness_store, workers, rob_customers, progress=progress),
        )
        rb.save_figures(robustness, prepare_dir(img_dir))
        robustness_md = rb.markdown(robustness, img_rel)
        csv = rb.morris_csv(robustness)
        atomic_write(out / "robustness_morris.csv", lambda fh: fh.write(csv))
        meta["robustness_customers"] = rob_customers
        meta["wall_time_with_robustness"] = round(time.perf_counter() - start, 1)
    calibration = _read_calibration()
    if sensitivity is not None:
        meta["sensitivity"] = sensitivity.to_dict(orient="records")
    text = validation.to_json(results, meta) + "\n"
    if robustness is not None:
        import json

        data = json.loads(text)
        data["robustness"] = robustness.as_dict()
        text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    atomic_write(json_path, lambda fh: fh.write(text.encode("utf-8")))
    write_report(
        results,
        meta,
        md_path,
        img_dir,
        img_rel,
        sensitivity,
        calibration,
        robustness=robustness_md,
        robustness_headline=rb.headline(robustness) if robustness is not None else None,
    )

    print(validation_table(results))
    print()
    if any(r.kind == "seed" for r in results):
        print(headline_text(results))
    print(f"wrote {json_path}, {md_path} and {len(results)} figure(s) in {img_dir}")
    if robustness is not None:
        together = next(d for d in robustness.shares if d["pattern"] == rb.ALL)
        print(
            f"robustness: all emergent patterns hold together at {together['holds']} of {together['points']} "
            f"design points ({robustness.settings['n_runs']} runs in {args.robustness_store})"
        )
    failed = [r.id for r in results if r.kind == "seed" and not (r.passed and r.knockout_passed)]
    return 1 if failed else 0


def _with_progress(desc: str, work: Any, leave: bool = False) -> Any:
    """Call ``work(progress)`` with a progress bar on stderr (runs done of total, runs/s, ETA)."""
    from tqdm import tqdm

    bar = tqdm(total=None, desc=desc, unit="run", file=sys.stderr, delay=1.0, dynamic_ncols=True, leave=leave)

    def progress(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        return work(progress)
    finally:
        bar.close()


def _read_calibration() -> dict[str, Any] | None:
    """The committed calibration record, if this is a source checkout."""
    import json

    for path in (Path("docs/calibration.json"), Path(__file__).resolve().parents[3] / "docs" / "calibration.json"):
        if path.is_file():
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                posterior = path.parent / "posterior" / "posterior.json"
                if posterior.is_file():  # the ABC posterior whose point estimate the defaults are
                    record["posterior"] = json.loads(posterior.read_text(encoding="utf-8"))
                return record
            except (OSError, ValueError):
                return None
    return None


#: the options of each kind of calibration (those of the other kind are refused)
_ABC_ONLY = (
    "population",
    "generations",
    "steps",
    "batch",
    "workers",
    "scheduler",
    "db",
    "docs",
    "draws",
    "report_from",
)
#: the options of the fit itself, which --report-from (no fit) refuses
_FIT_ONLY = ("population", "generations", "steps", "batch", "db", "out", "reps", "customers")
_SPINUP_ONLY = ("iterations", "step")


def _held_products() -> list[tuple[str, str, float]]:
    """The products the committed posterior asks the spin-up to hold (none outside a source checkout)."""
    from orgsim.calibration.defaults import committed, held_products

    try:
        summary = committed()
    except FileNotFoundError:
        return []
    held = held_products(summary)
    for a, b, v in held:
        print(f"holding {a} x {b} at the posterior median {v:g} (orgsim.calibration.defaults)", file=sys.stderr)
    return held


def cmd_calibrate(args: argparse.Namespace) -> int:
    from orgsim.scenario.schema import ConfigError

    given = [k for k in _ABC_ONLY if getattr(args, k) not in (None, False)]
    if not args.abc and given:
        raise ConfigError(f"calibrate: --{given[0].replace('_', '-')} needs --abc")
    spin = [k for k in _SPINUP_ONLY if getattr(args, k) is not None]
    if args.abc and spin:
        raise ConfigError(f"calibrate: --{spin[0]} is an option of the spin-up, not of --abc")
    if args.abc and args.report_from is not None:
        return _cmd_calibrate_report(args)
    if args.abc:
        return _cmd_calibrate_abc(args)

    from orgsim.io import atomic_write
    from orgsim.validation import calibration

    def progress(i: int, n: int, score: float) -> None:
        print(f"iteration {i}/{n}: score {score:.4f}", file=sys.stderr, flush=True)

    cal = calibration.calibrate(
        held=_held_products(),
        iterations=30 if args.iterations is None else args.iterations,
        step=0.3 if args.step is None else args.step,
        reps=args.reps or 8,
        customers=args.customers or 10_000,
        master_seed=args.master_seed,
        progress=progress,
    )
    out = args.out or Path("calibration.json")
    text = calibration.to_json(cal) + "\n"
    atomic_write(out, lambda fh: fh.write(text.encode("utf-8")))
    best = cal.best
    print(f"best score {best.score:.4f} (root-mean-square relative deviation from a stationary start)")
    for name, value in best.params.items():
        print(f"  {name:<22} {value:g}")
    print(
        f"wrote {out}  (to adopt: set these defaults in src/orgsim/scenario/schema.py and commit as docs/calibration.json)"
    )
    return 0


def _say(message: str) -> None:
    """A calibration's progress line, on stderr."""
    print(message, file=sys.stderr, flush=True)


def _cmd_calibrate_report(args: argparse.Namespace) -> int:
    from orgsim.extras import require
    from orgsim.scenario.schema import ConfigError

    require("calibration", what="orgsim calibrate --abc --report-from")
    fit_opts = [k for k in _FIT_ONLY if getattr(args, k) is not None]
    if fit_opts:
        raise ConfigError(f"calibrate: --{fit_opts[0].replace('_', '-')} is an option of the fit, not of --report-from")
    from orgsim.calibration import report

    fit = report.fit_from_folder(args.report_from, Path("docs"))

    written = report.write_report(
        fit,
        Path("docs"),
        draws=args.draws or 100,
        workers=args.workers or 1,
        scheduler=args.scheduler,
        progress=_say,
        posterior_out=args.report_from,
    )
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


def _cmd_calibrate_abc(args: argparse.Namespace) -> int:
    from orgsim.extras import require
    from orgsim.scenario.schema import ConfigError

    require("calibration", what="orgsim calibrate --abc")
    out = args.out or Path("runs/abc")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: exists and is not a folder")
    db = args.db or out / "abc.db"
    if db.exists() and db.is_dir():
        raise ConfigError(f"--db {db}: is a folder")
    workers = args.workers or 1

    from orgsim.calibration import abc

    default = abc.Settings()
    settings = abc.Settings(
        population=args.population or default.population,
        generations=args.generations or default.generations,
        reps=args.reps or default.reps,
        customers=args.customers or default.customers,
        steps=args.steps,
        master_seed=args.master_seed,
        batch=args.batch,
    )

    result = abc.run_abc(settings, db, workers=workers, scheduler=args.scheduler, progress=_say)
    paths = abc.write_posterior(db, out)
    summary = abc.summary(db)
    c = result.counters
    resumed = f", resumed after generation {result.resumed_at - 1}" if result.resumed_at else ""
    print(
        f"{result.generations} generations in {db}{resumed}; this call: {c.simulations} parameter sets, {c.runs} runs "
        f"in {result.wall:.1f} s ({result.rate:.1f} runs/s, {result.executor})"
    )
    print(f"posterior (weighted, {len(abc.posterior(db))} particles, ESS {summary['effective_sample_size']:.0f}):")
    print(f"  {'parameter':<22} {'mean':>8} {'median':>8} {'2.5 %':>8} {'97.5 %':>8}  prior")
    for name, p in summary["parameters"].items():
        print(
            f"  {name:<22} {p['mean']:8.4f} {p['median']:8.4f} {p['q025']:8.4f} {p['q975']:8.4f}  "
            f"[{p['prior'][0]:g}, {p['prior'][1]:g}]"
        )
    print(f"wrote {paths['parquet']}, {paths['csv'].name}, {paths['json'].name}")
    if args.docs:
        from orgsim.calibration import report

        written = report.write_report(
            db, Path("docs"), draws=args.draws or 100, workers=workers, scheduler=args.scheduler, progress=_say
        )
        print("wrote " + ", ".join(str(p) for p in written))
        print(
            "to adopt its point estimate as the defaults (orgsim.calibration.defaults): python tools/adopt_defaults.py "
            "posterior docs/posterior/posterior.json; orgsim calibrate --out docs/calibration.json; python "
            "tools/adopt_defaults.py spinup docs/calibration.json; python tools/sync_docs.py; then orgsim validate --docs"
        )
    return 0


def validation_table(results: Any) -> str:
    """One line per pattern: id, verdict, knockout verdict, claim."""
    lines = [f"{'id':<5}{'verdict':<9}{'knockout':<10}claim"]
    for r in results:
        has_ko = any(c.knockout_passed is not None for c in r.checks)
        ko = ("PASS" if r.knockout_passed else "FAIL") if has_ko else "-"
        claim = r.claim if len(r.claim) <= 72 else r.claim[:71] + "…"
        lines.append(f"{r.id:<5}{'PASS' if r.passed else 'FAIL':<9}{ko:<10}{claim}")
    return "\n".join(lines)


# -- entry point -------------------------------------------------------------------------------


# -- sweep, replay ----------------------------------------------------------------------------


def _scheduler(text: str) -> str:
    if text != "local" and not re.match(r"^(tcp|tls|inproc|ucx)://[^\s]+$|^[A-Za-z0-9.-]+:\d+$", text):
        raise argparse.ArgumentTypeError(f"expected 'local' or a scheduler address like tcp://host:8786, got {text!r}")
    return text


def add_sweep_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "sweep",
        help="run an experiment spec into a crash-safe, resumable store",
        description="Run an experiment (a TOML spec: base scenario, factors, design, replications) and stream\n"
        "every finished run to DIR (Parquet parts + _manifest.jsonl). Running the same command again\n"
        "resumes: runs already recorded are skipped. Exit 1 if some runs failed (they are recorded with\n"
        "their error), 2 for bad input. See docs/EXPERIMENTS.md.",
        epilog="examples:\n  orgsim sweep experiments/pressure_governance.toml --out sweeps/pg --workers 2\n"
        "  orgsim sweep experiments/sensitivity.toml --out sweeps/sens --scheduler local --workers 2\n"
        "  orgsim sweep my.toml --out sweeps/my --scheduler tcp://10.0.0.5:8786",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("spec", metavar="SPEC", type=Path, help="experiment spec (.toml), e.g. experiments/sensitivity.toml")
    p.add_argument("--out", type=Path, metavar="DIR", required=True, help="the store folder (created, or resumed)")
    p.add_argument(
        "--workers",
        metavar="N",
        type=_int_type("workers", 1, 1024),
        default=1,
        help="worker processes (default 1: serial)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        type=_scheduler,
        help="run on Dask: 'local' starts a LocalCluster of --workers processes, an address joins a running scheduler",
    )
    p.add_argument(
        "--chunk", metavar="N", type=_int_type("chunk", 1, 100_000), help="runs per task (default: automatic)"
    )
    p.add_argument(
        "--retries",
        metavar="N",
        type=_int_type("retries", 0, 100),
        default=0,
        help="retries of a failing run (default 0)",
    )
    p.add_argument("--resume", action="store_true", help="require DIR to hold this sweep already (else it is an error)")
    p.add_argument("--retry-failed", action="store_true", help="also rerun the runs recorded as failed")
    p.add_argument(
        "--allow-code-change",
        action="store_true",
        help="add runs to DIR although its recorded runs were made by other code (another commit, uncommitted "
        "edits or orgsim version); without it that is an error. Each run records its code version",
    )
    p.add_argument("--limit", metavar="N", type=_int_type("limit", 1), help="stop after N new runs (resume later)")
    p.add_argument(
        "--posterior",
        type=Path,
        metavar="PATH",
        help="every run draws the calibrated parameters from a posterior (a folder of 'orgsim calibrate --abc' "
        "or its particles file), seeded from the run's seed; a factor of the design wins over the posterior for "
        "its parameter. The draws are columns posterior_<param> of the runs table; resuming needs the same posterior",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser(
        "replay",
        help="rerun one run of a sweep and check it reproduces",
        description="Rerun one run of a store from its manifest record (configuration and seed) and compare\n"
        "its outcomes and series with the stored ones. Exit 0 if identical, 1 if not.",
    )
    p.add_argument("store", metavar="DIR", type=Path, help="a store written by 'orgsim sweep'")
    p.add_argument("run_id", metavar="RUN_ID", help="e.g. p00012-r003 (see DIR/_manifest.jsonl)")
    p.add_argument("--out", type=Path, metavar="RUNDIR", help="also write the replayed run as a run folder")
    p.add_argument("--overwrite", action="store_true", help="replace RUNDIR if it holds another run")
    p.set_defaults(func=cmd_replay)


def cmd_sweep(args: argparse.Namespace) -> int:
    from orgsim.experiments.sweep import describe, sweep

    def work(progress: Any) -> Any:
        return sweep(
            args.spec,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            chunk=args.chunk,
            retries=args.retries,
            retry_failed=args.retry_failed,
            resume=args.resume,
            limit=args.limit,
            allow_code_change=args.allow_code_change,
            progress=progress,
            posterior=args.posterior,
        )

    rep = work(None) if args.quiet else _with_progress("sweep", work, leave=True)
    if not args.quiet:
        print(
            f"{rep.done} runs in {rep.wall:.1f} s ({rep.rate:.1f} runs/s, {rep.executor}); "
            f"{rep.ok} ok, {rep.failed} failed, {rep.skipped} already done"
        )
        for run_id, error in rep.failures[:10]:
            print(f"  failed {run_id}: {error}")
        if len(rep.failures) > 10:
            print(f"  ... and {len(rep.failures) - 10} more (see {args.out}/_manifest.jsonl)")
        print(describe(args.out))
        print(f"store: {args.out}")
    return 1 if rep.failed or rep.failed_in_store else 0


def cmd_replay(args: argparse.Namespace) -> int:
    from orgsim.experiments.sweep import replay

    res, ok, message = replay(args.store, args.run_id, executives=args.out is not None)
    print(message)
    if args.out is not None:
        from orgsim.io import check_run_folder, clear_run_folder, config_hash, write_run

        if check_run_folder(args.out, config_hash(res.config), res.seed, args.overwrite) == "replace":
            clear_run_folder(args.out)
        print(f"run folder: {write_run(res, args.out)}")
    return 0 if ok else 1


# -- analyze (orgsim.experiments.analysis, imported only when the command runs) --------------------

#: bootstrap resamples of ``orgsim analyze`` by default (orgsim.experiments.analysis.RESAMPLES)
ANALYZE_RESAMPLES = 1000


def _resamples(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 10 <= n <= 100_000:
        raise argparse.ArgumentTypeError(f"must be between 10 and 100000, got {n}")
    return n


def add_analyze_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``orgsim analyze`` on the CLI's subparsers."""
    p = sub.add_parser(
        "analyze",
        help="summarise a sweep: per-point statistics, seed variance, sensitivity indices, plots",
        description="Analyse a store written by 'orgsim sweep': mean, SD and 95 % CI per design point over\n"
        "replications, the share of variance due to the seed, Sobol/Morris/FAST indices (replications\n"
        "averaged per point; SRC for LHS), PNG plots and REPORT.md in DIR/analysis (or --out). Failed\n"
        "runs are excluded and named. See docs/EXPERIMENTS.md.",
        epilog="examples:\n  orgsim analyze sweeps/pg\n  orgsim analyze sweeps/sens --out /tmp/sens-analysis --no-plots",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("store", metavar="DIR", type=Path, help="a store written by 'orgsim sweep'")
    p.add_argument("--out", type=Path, metavar="FOLDER", help="where to write (default: DIR/analysis)")
    p.add_argument("--no-plots", action="store_true", help="tables and REPORT.md only")
    p.add_argument(
        "--resamples",
        metavar="N",
        type=_resamples,
        default=ANALYZE_RESAMPLES,
        help=f"bootstrap resamples of the confidence intervals (default {ANALYZE_RESAMPLES})",
    )
    p.set_defaults(func=cmd_analyze)
    return p


def cmd_analyze(args: argparse.Namespace) -> int:
    from orgsim.experiments.analysis import cmd_analyze as analyze

    return analyze(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``orgsim`` command line; returns the exit code (2 for bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as stop:  # --help, --version (0) or a usage error already reported (2)
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    if args.command is None:
        return _report(
            "missing command: choose from run, scenarios, plot, params, validate, calibrate, sweep, replay, analyze "
            "(see 'orgsim --help')"
        )

    from orgsim.io import OutputError
    from orgsim.scenario.schema import ConfigError

    try:
        return int(args.func(args))
    except (ConfigError, OutputError) as err:
        return _report(str(err))
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except BrokenPipeError:  # e.g. `orgsim params | head`
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
