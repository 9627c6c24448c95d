from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from retrieval.bundle import Bundle, load_bundle, read_manifest, save_bundle
from retrieval.calibration import uncalibrated
from retrieval.config import RetrievalConfig
from retrieval.errors import CorruptIndexError, IndexNotFoundError
from retrieval.index import IndexSpec, build_index, search
from retrieval.qa_store import QARecord


def make_bundle(records: list[QARecord], dim: int = 8) -> Bundle:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(records), dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = build_index(vectors, [r.id for r in records], IndexSpec(kind="flat"))
    return Bundle(
        index=index,
        records={r.id: r for r in records},
        config=RetrievalConfig(),
        model_name="tiny",
        model_fingerprint="abc",
        dim=dim,
        calibration=uncalibrated(),
    )


def test_roundtrip(tmp_path: Path, records: list[QARecord]) -> None:
    bundle = make_bundle(records)
    save_bundle(bundle, tmp_path / "idx")
    loaded = load_bundle(tmp_path / "idx")
    assert loaded.records == bundle.records
    assert loaded.calibration == bundle.calibration
    assert (loaded.model_name, loaded.dim) == ("tiny", 8)
    query = np.ones((1, 8), dtype=np.float32)
    assert search(loaded.index, query, 3) == search(bundle.index, query, 3)
    manifest = read_manifest(tmp_path / "idx")
    assert manifest["count"] == len(records) and manifest["index_type"] == "flat"


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="does not exist; build it") as info:
        load_bundle(tmp_path / "absent")
    assert isinstance(info.value, FileNotFoundError)


def test_half_written_directory(tmp_path: Path, records: list[QARecord]) -> None:
    save_bundle(make_bundle(records), tmp_path / "idx")
    (tmp_path / "idx" / "manifest.json").unlink()  # crash before the manifest
    with pytest.raises(CorruptIndexError, match="half-written"):
        load_bundle(tmp_path / "idx")


def test_truncated_file_detected(tmp_path: Path, records: list[QARecord]) -> None:
    save_bundle(make_bundle(records), tmp_path / "idx")
    index_file = tmp_path / "idx" / "index.faiss"
    index_file.write_bytes(index_file.read_bytes()[:100])
    with pytest.raises(CorruptIndexError, match="checksum"):
        load_bundle(tmp_path / "idx")


def test_missing_listed_file(tmp_path: Path, records: list[QARecord]) -> None:
    save_bundle(make_bundle(records), tmp_path / "idx")
    (tmp_path / "idx" / "qa.jsonl").unlink()
    with pytest.raises(CorruptIndexError, match="lacks qa.jsonl"):
        load_bundle(tmp_path / "idx")


def test_not_an_index(tmp_path: Path) -> None:
    (tmp_path / "idx").mkdir()
    (tmp_path / "idx" / "manifest.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(CorruptIndexError, match="not a shopbot-retrieval manifest"):
        load_bundle(tmp_path / "idx")


def test_records_and_index_must_agree(tmp_path: Path, records: list[QARecord]) -> None:
    bundle = make_bundle(records)
    del bundle.records[records[0].id]
    with pytest.raises(CorruptIndexError, match="ids differ"):
        save_bundle(bundle, tmp_path / "idx")
    assert not (tmp_path / "idx").exists()


def test_save_replaces_atomically(
    tmp_path: Path, records: list[QARecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "idx"
    save_bundle(make_bundle(records[:5]), target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    real_fsync = os.fsync
    calls = {"n": 0}

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        save_bundle(make_bundle(records), target)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["idx"]  # no temp dirs left
    save_bundle(make_bundle(records), target)
    assert len(load_bundle(target).records) == len(records)
    assert [p.name for p in tmp_path.iterdir()] == ["idx"]
