from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from retrieval.errors import ContentError, DuplicateIdError, IndexNotFoundError
from retrieval.qa_store import QARecord, read_records, write_records

MakeRecord = Callable[..., QARecord]


def test_roundtrip(tmp_path: Path, records: list[QARecord]) -> None:
    path = tmp_path / "qa.jsonl"
    write_records(records, path)
    assert read_records(path) == records


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("answer", "Call {{Customer Support Phone Number}}", "placeholder"),
        ("question", "  ", "'question' must be a non-empty string"),
        ("id", -1, "outside"),
        ("id", True, "not an int"),
        ("created_at", "yesterday", "not ISO-8601"),
    ],
)
def test_invalid_record(
    field: str, value: object, message: str, make_record: MakeRecord
) -> None:
    data = make_record(1, "q", "intent").to_dict()
    data[field] = value
    with pytest.raises(ContentError, match=message):
        QARecord.from_dict(data)


def test_missing_and_unknown_fields(make_record: MakeRecord) -> None:
    with pytest.raises(
        ContentError, match=r"missing \['source'\], unknown \['extra'\]"
    ):
        data = make_record(1, "q", "i").to_dict()
        del data["source"]
        data["extra"] = 1
        QARecord.from_dict(data)


def test_bad_line_is_named(tmp_path: Path, make_record: MakeRecord) -> None:
    path = tmp_path / "qa.jsonl"
    good = json.dumps(make_record(1, "q", "i").to_dict())
    path.write_text(good + "\n\n{broken\n")
    with pytest.raises(ContentError, match=r"qa.jsonl:3: not valid JSON"):
        read_records(path)


def test_duplicate_ids(tmp_path: Path, make_record: MakeRecord) -> None:
    path = tmp_path / "qa.jsonl"
    write_records([make_record(1, "a", "i"), make_record(1, "b", "i")], path)
    with pytest.raises(DuplicateIdError, match="QA id 1"):
        read_records(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_records(tmp_path / "nope.jsonl")
    with pytest.raises(IndexNotFoundError):
        read_records(tmp_path / "nope.jsonl")


def test_write_is_atomic(
    tmp_path: Path, records: list[QARecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "qa.jsonl"
    write_records(records[:2], path)
    before = path.read_bytes()

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_records(records, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["qa.jsonl"]
