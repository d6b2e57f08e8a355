"""The experiment store: Parquet parts plus an append-only manifest, crash-safe and resumable.

Layout (``docs/EXPERIMENTS.md``): ``_sweep.json`` (spec, design, provenance), ``_design.parquet``,
``_manifest.jsonl`` (one line per attempted run), ``_sessions.jsonl`` (provenance of every
invocation), ``runs/part-*.parquet`` and ``series/part-*.parquet``.

Write order per chunk of runs: each part to a temporary name that does not end in ``.parquet``,
fsync, rename into place, fsync the folder; only then the chunk's manifest lines, fsynced. A
crash therefore leaves at worst a part no manifest line names (removed on resume) or a torn last
manifest line (ignored and cut on resume); readers only read parts the manifest names.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgsim.io import OutputError, atomic_write, canonical_json, fsync_dir

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

META = "_sweep.json"
DESIGN = "_design.parquet"
MANIFEST = "_manifest.jsonl"
SESSIONS = "_sessions.jsonl"
TABLES = ("runs", "series")
TMP_SUFFIX = ".tmp"


def _write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically and durably (temp name, fsync, rename, fsync folder)."""
    atomic_write(path, lambda fh: fh.write(data))


def _append_lines(path: Path, records: Iterable[dict[str, Any]]) -> None:
    text = "".join(canonical_json(r) + "\n" for r in records)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _iter_lines(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSON-lines file, streamed; a torn (unterminated) last line is ignored."""
    if not path.is_file():
        return
    with path.open("r", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if not line.endswith("\n"):
                return  # torn by a crash mid-append
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                raise OutputError(f"{path}: line {i + 1} is not valid JSON (the manifest is damaged)") from None


def _read_lines(path: Path) -> list[dict[str, Any]]:
    return list(_iter_lines(path))


def is_store(path: str | Path) -> bool:
    return (Path(path) / META).is_file()


def _require(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise OutputError(f"{p}: no such folder")
    if not is_store(p):
        raise OutputError(f"{p}: not an experiment store (no {META}; make one with 'orgsim sweep')")
    return p


def read_meta(path: str | Path) -> dict[str, Any]:
    """``_sweep.json`` as a dict."""
    p = _require(path)
    try:
        return json.loads((p / META).read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise OutputError(f"{p / META}: unreadable JSON: {err.msg}") from None


def read_sessions(path: str | Path) -> list[dict[str, Any]]:
    return _read_lines(_require(path) / SESSIONS)


def manifest_records(path: str | Path) -> list[dict[str, Any]]:
    """Every manifest record in order (a run retried in a later session appears again)."""
    return _read_lines(_require(path) / MANIFEST)


def run_state(path: str | Path) -> dict[str, tuple[str, str | None, str | None]]:
    """Run id -> (status, part, series part) of its last record, streamed (small per run)."""
    out: dict[str, tuple[str, str | None, str | None]] = {}
    for r in _iter_lines(_require(path) / MANIFEST):
        out[r["run_id"]] = (r["status"], r.get("part"), r.get("series_part"))
    return out


#: codes of :func:`status_array`
MISSING, OK, FAILED = 0, 1, 2


def status_array(path: str | Path, n_points: int, reps: int) -> Any:
    """Status of every run as an int8 array indexed by ``point * reps + rep`` (MISSING, OK, FAILED).

    One byte per run, so resuming a sweep of millions of runs stays light.
    """
    import numpy as np

    out = np.zeros(n_points * reps, dtype=np.int8)
    for r in _iter_lines(_require(path) / MANIFEST):
        out[int(r["point"]) * reps + int(r["rep"])] = OK if r["status"] == "ok" else FAILED
    return out


def session_code_version(session: dict[str, Any]) -> str:
    """The code version of a session record (for stores written before runs recorded their own)."""
    if session.get("code_version"):
        return str(session["code_version"])
    version, commit = str(session.get("orgsim_version") or "unknown"), session.get("git_commit")
    return f"{version}+g{commit[:12]}" if commit else version


def record_code_versions(path: str | Path) -> dict[str, str]:
    """Run id -> the code version that made its last record (the record's own, else its session's)."""
    p = _require(path)
    sessions: dict[int, str] | None = None
    out: dict[str, str] = {}
    for r in _iter_lines(p / MANIFEST):
        version = r.get("code_version")
        if not version:
            if sessions is None:
                sessions = {int(s.get("session", i)): session_code_version(s) for i, s in enumerate(read_sessions(p))}
            version = sessions.get(int(r.get("session", -1)), "unknown")
        out[r["run_id"]] = str(version)
    return out


def code_versions(path: str | Path, status: str | None = "ok") -> dict[str, int]:
    """Code version -> number of runs whose last record has ``status`` (None: any) and was made by it."""
    state = run_state(path)
    counts: dict[str, int] = {}
    for run_id, version in record_code_versions(path).items():
        if status is None or state[run_id][0] == status:
            counts[version] = counts.get(version, 0) + 1
    return counts


def find_record(path: str | Path, run_id: str) -> dict[str, Any] | None:
    """The last manifest record of one run, or None."""
    found = None
    for r in _iter_lines(_require(path) / MANIFEST):
        if r["run_id"] == run_id:
            found = r
    return found


def latest_records(path: str | Path) -> dict[str, dict[str, Any]]:
    """The last record of every run (run id -> record)."""
    return {r["run_id"]: r for r in manifest_records(path)}


def read_manifest(path: str | Path) -> pd.DataFrame:
    """The manifest as a DataFrame, the last record per run, sorted by run id."""
    import pandas as pd

    recs = latest_records(path)
    cols = ["run_id", "point", "rep", "seed", "status", "error", "attempts", "duration", "config_hash", "part"]
    if not recs:
        return pd.DataFrame(columns=[*cols, "session"])
    df = pd.DataFrame(list(recs.values()))
    return df.sort_values("run_id", kind="stable").reset_index(drop=True)


def read_design(path: str | Path) -> pd.DataFrame:
    import pandas as pd

    return pd.read_parquet(_require(path) / DESIGN)


def load(
    path: str | Path, table: str = "runs", include_failed: bool = False, run_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """One DataFrame of a store's ``runs`` (one row per run) or ``series`` (per run and quarter).

    Only parts the manifest names are read, and of each run only the rows of the part its last
    ``ok`` record names, so a crashed or resumed sweep reads exactly like an uninterrupted one.
    ``include_failed`` (runs table) adds failed runs with NaN outcomes and their ``error``.
    ``run_ids`` reads only those runs (only the parts that hold them).
    """
    import pandas as pd

    if table not in TABLES:
        raise OutputError(f"table must be one of {', '.join(TABLES)}, got {table!r}")
    p = _require(path)
    state = run_state(p)
    col = 2 if table == "series" else 1
    owner = {rid: st[col] for rid, st in state.items() if st[0] == "ok" and st[col]}
    if run_ids is not None:
        wanted = set(run_ids)
        owner = {rid: part for rid, part in owner.items() if rid in wanted}
        state = {rid: st for rid, st in state.items() if rid in wanted}
    frames = []
    for name in sorted(set(owner.values())):
        df = pd.read_parquet(p / table / name)
        frames.append(df[df["run_id"].map(owner).eq(name)])
    if frames:
        out = pd.concat(frames, ignore_index=True)
    elif table == "runs":
        meta = read_meta(p)
        drawn = [f"posterior_{n}" for n in (meta.get("posterior") or {}).get("applied", [])]
        out = pd.DataFrame(columns=["run_id", "point", "rep", "seed", *meta["factor_names"], *drawn, *meta["outcomes"]])
    else:
        out = pd.DataFrame(columns=["run_id", "point", "rep", "step", "firm"])
    if table == "runs":
        out["status"] = "ok"
        out["error"] = ""
        versions = record_code_versions(p)
        out["code_version"] = out["run_id"].map(versions).astype(object)
        if include_failed:
            failed = [r for r in latest_records(p).values() if r["status"] != "ok" and r["run_id"] in state]
            if failed:
                rows = [
                    {
                        "run_id": r["run_id"],
                        "point": r["point"],
                        "rep": r["rep"],
                        "seed": r["seed"],
                        **r["factors"],
                        **{f"posterior_{k}": v for k, v in (r.get("posterior") or {}).items()},
                        "status": r["status"],
                        "error": r["error"],
                        "code_version": versions.get(r["run_id"]),
                    }
                    for r in failed
                ]
                fail_df = pd.DataFrame(rows)
                out = pd.concat([out, fail_df], ignore_index=True) if len(out) else fail_df
        sort = ["run_id"]
    else:
        sort = ["run_id", "step", "firm"]
    return out.sort_values(sort, kind="stable").reset_index(drop=True)


class Store:
    """A store folder opened for writing by one sweep invocation."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    # -- creating and resuming ------------------------------------------------------------------

    def check(self, meta: dict[str, Any]) -> bool:
        """Whether the folder may take this sweep, without writing anything; True if it is already its store.

        A folder holding a different sweep (another spec hash) or other files is refused.
        """
        p = self.path
        if p.exists() and not p.is_dir():
            raise OutputError(f"{p}: exists and is not a folder")
        if is_store(p):
            old = read_meta(p)
            if old.get("spec_hash") != meta["spec_hash"]:
                raise OutputError(
                    f"{p}: holds another sweep ({old.get('name')!r}, spec hash {str(old.get('spec_hash'))[:12]}); "
                    "choose another --out or remove it"
                )
            was, now = old.get("posterior") or {}, meta.get("posterior") or {}
            if was.get("sha256") != now.get("sha256"):
                before = (
                    f"posterior {was.get('path')} (sha256 {str(was.get('sha256'))[:12]})" if was else "no posterior"
                )
                after = f"posterior {now.get('path')} (sha256 {str(now.get('sha256'))[:12]})" if now else "none"
                raise OutputError(
                    f"{p}: its runs drew parameters from {before}, this sweep from {after}; "
                    "resume with the same --posterior or choose another --out"
                )
            return True
        if p.is_dir() and any(p.iterdir()):
            raise OutputError(f"{p}: exists, is not empty and is not an experiment store")
        return False

    def open(self, meta: dict[str, Any], design: pd.DataFrame, session: dict[str, Any]) -> Any:
        """Create the store, or resume it if it holds the same sweep; returns :func:`status_array`.

        A folder holding a different sweep (another spec hash) or other files is refused.
        """
        p = self.path
        if self.check(meta):
            self._recover()
        else:
            try:
                p.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise OutputError(f"{p}: cannot create: {err.strerror}") from None
            for table in TABLES:
                (p / table).mkdir(exist_ok=True)
            atomic_write(p / DESIGN, lambda fh: design.to_parquet(fh, index=False))
            _write_bytes(p / META, (json.dumps(meta, indent=2, sort_keys=True, allow_nan=False) + "\n").encode())
        self.session = len(read_sessions(p))
        _append_lines(p / SESSIONS, [{**session, "session": self.session}])
        return status_array(p, meta["n_points"], meta["replications"])

    def _recover(self) -> None:
        """Cut a torn manifest tail, remove temporary files and parts no manifest record names."""
        man = self.path / MANIFEST
        if man.is_file():
            data = man.read_bytes()
            cut = data.rfind(b"\n") + 1
            if cut != len(data):
                with man.open("r+b") as fh:
                    fh.truncate(cut)
                    fh.flush()
                    os.fsync(fh.fileno())
        named: set[str] = set()
        for _, part, series_part in run_state(self.path).values():
            named.update(n for n in (part, series_part) if n)
        for table in TABLES:
            folder = self.path / table
            folder.mkdir(exist_ok=True)
            for f in folder.iterdir():
                if f.name.endswith(TMP_SUFFIX) or (f.suffix == ".parquet" and f.name not in named):
                    f.unlink()
            fsync_dir(folder)

    # -- writing --------------------------------------------------------------------------------

    def write_part(self, table: str, df: pd.DataFrame, stem: str) -> str:
        """Write one part crash-safely; returns its file name."""
        name = f"part-{stem}-{secrets.token_hex(4)}.parquet"
        atomic_write(self.path / table / name, lambda fh: df.to_parquet(fh, index=False, compression="zstd"))
        return name

    def record(self, records: list[dict[str, Any]]) -> None:
        """Append manifest records (after their parts are in place)."""
        _append_lines(self.path / MANIFEST, [{**r, "session": self.session} for r in records])
