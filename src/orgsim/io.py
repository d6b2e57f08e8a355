"""Run folders: tidy Parquet tables plus ``run.json`` provenance, written crash-safely.

A run folder holds ``firms.parquet``, ``executives.parquet``, ``summary.parquet`` and ``run.json``
(see ``docs/OUTPUTS.md``). Every file is written to a temporary name in the same folder, flushed
to disk and then renamed into place, so a crash never leaves a half-written table under its real
name. ``import orgsim.io`` stays light: pandas and pyarrow load on first use.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import platform
import secrets
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from orgsim.api import Results

#: the tables of a run folder, in the order they are written
TABLES = ("firms", "executives", "summary")
META_FILE = "run.json"
#: the keys of ``run.json``
META_KEYS = (
    "orgsim_version",
    "git_commit",
    "code_version",
    "config_hash",
    "config",
    "seed",
    "scenario",
    "run_id",
    "steps",
    "firms",
    "customers",
    "versions",
    "wall_time",
    "created",
)


class OutputError(ValueError):
    """A run folder that cannot be written or read; the message is one line."""


# -- provenance --------------------------------------------------------------------------------


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no insignificant whitespace (stable across runs and platforms)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def config_hash(config: Any) -> str:
    """sha256 (hex) of the canonical JSON of a ScenarioConfig (or of an already dumped mapping)."""
    data = config if isinstance(config, dict) else config.model_dump(mode="json")
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def git_commit(where: Path | None = None) -> str | None:
    """The commit checked out where the orgsim package lives, or None (no git, not a repo, installed copy)."""
    where = Path(__file__).resolve().parent if where is None else where
    if "site-packages" in where.parts or "dist-packages" in where.parts:
        return None  # an installed copy: an enclosing repository is not orgsim's
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if len(commit) >= 40 and all(c in "0123456789abcdef" for c in commit) else None


def _git(where: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=where, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout


@functools.cache
def code_version() -> str:
    """Which code makes the runs: ``<orgsim version>+g<commit, 12 hex>``, plus ``.dirty-<hash>`` if
    the package's tracked sources differ from that commit (the hash is that of the difference, so
    two different sets of uncommitted edits give two versions); the bare orgsim version when the
    package is not a git checkout (an installed copy). Computed once per process.
    """
    import orgsim

    where = Path(__file__).resolve().parent
    commit = git_commit(where)
    if commit is None:
        return orgsim.__version__
    version = f"{orgsim.__version__}+g{commit[:12]}"
    diff = _git(where, "diff", "--no-ext-diff", "--no-color", "HEAD", "--", ".")
    if diff:
        version += ".dirty-" + hashlib.sha256(diff.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return version


def package_versions() -> dict[str, str | None]:
    """Versions of python and of the libraries a run depends on."""
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in ("numpy", "pandas", "pyarrow", "mesa", "pydantic"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def run_metadata(results: Results) -> dict[str, Any]:
    """The provenance record written as ``run.json``."""
    import orgsim

    config = results.config.model_dump(mode="json")
    return {
        "orgsim_version": orgsim.__version__,
        "git_commit": git_commit(),
        "code_version": code_version(),
        "config_hash": config_hash(config),
        "config": config,
        "seed": int(results.seed),
        "scenario": results.config.name,
        "run_id": results.run_id,
        "steps": int(results.config.steps),
        "firms": int(results.config.market.firms),
        "customers": int(results.config.market.customers),
        "versions": package_versions(),
        "wall_time": float(results.wall_time),
        "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


# -- crash-safe writing ------------------------------------------------------------------------


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (the rename) to disk; not every platform allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Write ``path`` via ``write(fh)``: to a temporary sibling, fsync, rename into place, fsync the folder.

    The temporary name starts with a dot and ends in ``.tmp`` (never in the final suffix), so readers
    globbing ``*.parquet`` or ``*.png`` never see a partial file; it is removed if writing fails.
    """
    path = Path(path)
    folder = path.parent
    # os.open with mode 0o666 (not mkstemp's 0o600) so the final file gets the usual umask permissions
    for _ in range(100):
        tmp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
    else:  # pragma: no cover
        raise FileExistsError(f"{folder}: no free temporary name")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(folder)
    return path


def prepare_dir(out_dir: str | os.PathLike[str]) -> Path:
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"{out}: cannot create output folder: {err.strerror or err}") from None
    if not os.access(out, os.W_OK):
        raise OutputError(f"{out}: output folder is not writable")
    return out


#: what ``orgsim run`` and ``orgsim plot`` put in a run folder (and their temporary files)
RUN_ENTRIES = frozenset({*(f"{name}.parquet" for name in TABLES), META_FILE, "plots"})


def check_run_folder(out_dir: str | os.PathLike[str], chash: str, seed: int, overwrite: bool = False) -> str:
    """Whether a run of config hash ``chash`` and ``seed`` may be written to ``out_dir``; returns
    ``"new"`` (absent or empty), ``"same"`` (it holds this very run: rewriting it changes nothing)
    or ``"replace"`` (it holds another run and ``overwrite`` is set).

    Raises :class:`OutputError` when the folder holds another run, or files that are not a run's,
    and ``overwrite`` is not set: nothing is ever replaced silently.
    """
    out = Path(out_dir)
    if not out.exists():
        return "new"
    if not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    names = {p.name for p in out.iterdir() if not (p.name.startswith(".") and p.name.endswith(".tmp"))}
    if not names:
        return "new"
    meta_path = out / META_FILE
    old: dict[str, Any] | None = None
    if meta_path.is_file():
        try:
            old = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            old = None
    if isinstance(old, dict) and old.get("config_hash") == chash and old.get("seed") == seed:
        return "same"
    if overwrite:
        return "replace"
    if names - RUN_ENTRIES:
        raise OutputError(f"{out}: exists and holds files that are not a run's; choose another --out")
    if isinstance(old, dict):
        what = (
            f"another run (scenario {old.get('scenario')!r}, seed {old.get('seed')}, config "
            f"{str(old.get('config_hash'))[:8]}; this one: seed {seed}, config {chash[:8]})"
        )
    else:
        what = "an incomplete run"
    raise OutputError(f"{out}: holds {what}; choose another --out or pass --overwrite to replace it")


def clear_run_folder(out_dir: str | os.PathLike[str]) -> None:
    """Remove the files of the run in ``out_dir`` (tables, run.json, the PNGs of plots/), before replacing it."""
    out = Path(out_dir)
    for name in (*(f"{t}.parquet" for t in TABLES), META_FILE):
        with contextlib.suppress(FileNotFoundError):
            (out / name).unlink()
    plots = out / "plots"
    if plots.is_dir():
        for png in plots.glob("*.png"):
            png.unlink()
        with contextlib.suppress(OSError):
            plots.rmdir()


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write one DataFrame as Parquet (pyarrow, zstd, no pandas index), crash-safely."""
    return atomic_write(path, lambda fh: df.to_parquet(fh, engine="pyarrow", index=False, compression="zstd"))


def write_json(obj: Any, path: Path) -> Path:
    text = json.dumps(obj, indent=2, sort_keys=False, ensure_ascii=False, allow_nan=False) + "\n"
    return atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))


def write_run(results: Results, out_dir: str | os.PathLike[str]) -> Path:
    """Write a run folder (three Parquet tables and ``run.json``) and return its path.

    ``run.json`` is written last, so a folder with a ``run.json`` holds a complete run.
    """
    out = prepare_dir(out_dir)
    tables = {"firms": results.firms, "executives": results.executives, "summary": results.summary}
    try:
        for name in TABLES:
            write_table(tables[name], out / f"{name}.parquet")
        write_json(run_metadata(results), out / META_FILE)
    except OSError as err:
        raise OutputError(f"{out}: cannot write run: {err.strerror or err}") from None
    return out


# -- reading -----------------------------------------------------------------------------------


def read_run(run_dir: str | os.PathLike[str]) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Read a run folder: ``({"firms": df, "executives": df, "summary": df}, run.json as a dict)``."""
    import pandas as pd

    folder = Path(run_dir)
    if not folder.exists():
        raise OutputError(f"{folder}: run folder not found")
    if not folder.is_dir():
        raise OutputError(f"{folder}: not a folder")
    expected = [f"{name}.parquet" for name in TABLES] + [META_FILE]
    missing = [name for name in expected if not (folder / name).is_file()]
    if missing:
        raise OutputError(f"{folder}: not a complete run folder (missing {', '.join(missing)})")
    tables: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        path = folder / f"{name}.parquet"
        try:
            tables[name] = pd.read_parquet(path, engine="pyarrow")
        except Exception as err:  # pyarrow raises several types for damaged files
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise OutputError(f"{path}: unreadable Parquet: {reason}") from None
    path = folder / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise OutputError(f"{path}: unreadable: {err}") from None
    if not isinstance(meta, dict):
        raise OutputError(f"{path}: expected a JSON object")
    return tables, meta
