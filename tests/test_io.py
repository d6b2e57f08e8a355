"""Run folders: write_run / read_run, provenance and crash-safe writing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

import orgsim
from orgsim import io
from orgsim.io import META_KEYS, TABLES, OutputError, atomic_write, config_hash, read_run, write_run


@pytest.fixture(scope="module")
def results() -> orgsim.Results:
    return orgsim.simulate("baseline", seed=11, customers=500, steps=8, firms=4)


def test_write_run_writes_tables_and_metadata(results: orgsim.Results, tmp_path: Path) -> None:
    out = write_run(results, tmp_path / "a" / "b")
    assert out == tmp_path / "a" / "b"
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{t}.parquet" for t in TABLES] + ["run.json"])
    meta = json.loads((out / "run.json").read_text())
    assert list(meta) == list(META_KEYS)
    assert meta["config"] == results.config.model_dump(mode="json")
    assert meta["seed"] == 11 and meta["scenario"] == "baseline"


def test_write_run_leaves_no_temp_files(results: orgsim.Results, tmp_path: Path) -> None:
    write_run(results, tmp_path)
    write_run(results, tmp_path)  # overwriting an existing run is fine too
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([f"{t}.parquet" for t in TABLES] + ["run.json"])
    assert not [n for n in names if n.startswith(".") or n.endswith(".tmp")]


def test_files_get_umask_permissions(results: orgsim.Results, tmp_path: Path) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    write_run(results, tmp_path)
    assert (tmp_path / "firms.parquet").stat().st_mode & 0o777 == 0o666 & ~mask


def test_read_run_round_trips(results: orgsim.Results, tmp_path: Path) -> None:
    write_run(results, tmp_path)
    tables, meta = read_run(tmp_path)
    assert set(tables) == set(TABLES)
    pd.testing.assert_frame_equal(tables["firms"], results.firms, check_dtype=False)
    pd.testing.assert_frame_equal(tables["executives"], results.executives, check_dtype=False)
    assert tables["summary"]["influence_cmo"].iloc[0] == pytest.approx(results.outcomes["influence_cmo"])
    assert tables["firms"]["step"].dtype.name == "int32"
    assert meta["config_hash"] == config_hash(results.config)


def test_config_hash_is_canonical_and_sensitive(results: orgsim.Results) -> None:
    cfg = results.config
    assert config_hash(cfg) == config_hash(cfg.model_dump(mode="json"))
    assert len(config_hash(cfg)) == 64
    other = orgsim.simulate("baseline", seed=11, customers=501, steps=1, firms=4).config
    assert config_hash(other) != config_hash(cfg)


def test_read_run_errors(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="not found"):
        read_run(tmp_path / "nope")
    with pytest.raises(OutputError, match=r"missing firms\.parquet"):
        read_run(tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        read_run(tmp_path / "file")


def test_read_run_damaged_files(results: orgsim.Results, tmp_path: Path) -> None:
    write_run(results, tmp_path)
    (tmp_path / "run.json").write_text("{not json")
    with pytest.raises(OutputError, match=r"run\.json"):
        read_run(tmp_path)
    (tmp_path / "firms.parquet").write_bytes(b"garbage")
    with pytest.raises(OutputError, match=r"firms\.parquet: unreadable"):
        read_run(tmp_path)


def test_write_run_onto_a_file_is_an_output_error(results: orgsim.Results, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        write_run(results, tmp_path / "taken")


def test_atomic_write_failure_keeps_old_file_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "t.parquet"
    target.write_bytes(b"old")

    def boom(fh) -> None:
        fh.write(b"partial")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]


def test_git_commit_outside_a_repository(tmp_path: Path) -> None:
    assert io.git_commit(tmp_path) is None
    commit = io.git_commit()
    assert commit is None or len(commit) == 40


def test_check_run_folder(results: orgsim.Results, tmp_path: Path) -> None:
    chash, seed = config_hash(results.config), results.seed
    assert io.check_run_folder(tmp_path / "absent", chash, seed) == "new"
    (tmp_path / "empty").mkdir()
    assert io.check_run_folder(tmp_path / "empty", chash, seed) == "new"
    out = write_run(results, tmp_path / "run")
    assert io.check_run_folder(out, chash, seed) == "same"
    with pytest.raises(OutputError, match=r"holds another run \(scenario 'baseline', seed 11"):
        io.check_run_folder(out, chash, seed + 1)
    with pytest.raises(OutputError, match="another run"):
        io.check_run_folder(out, "0" * 64, seed)
    assert io.check_run_folder(out, "0" * 64, seed, overwrite=True) == "replace"
    (out / "run.json").unlink()
    with pytest.raises(OutputError, match="an incomplete run"):
        io.check_run_folder(out, chash, seed)
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="not a run's"):
        io.check_run_folder(out, chash, seed)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        io.check_run_folder(tmp_path / "file", chash, seed)


def test_clear_run_folder_removes_only_the_run(results: orgsim.Results, tmp_path: Path) -> None:
    out = write_run(results, tmp_path / "run")
    (out / "plots").mkdir()
    (out / "plots" / "overview.png").write_bytes(b"png")
    (out / "notes.txt").write_text("mine")
    io.clear_run_folder(out)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_run_json_names_the_code_version(results: orgsim.Results, tmp_path: Path) -> None:
    meta = json.loads((write_run(results, tmp_path) / "run.json").read_text())
    assert meta["code_version"] == io.code_version() and meta["code_version"].startswith(orgsim.__version__)
