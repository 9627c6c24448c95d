"""Typed Q/A records and their JSON-lines file (read, validate, atomic write)."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from retrieval.errors import ContentError, DuplicateIdError, IndexNotFoundError

logger = logging.getLogger(__name__)

_FIELDS = ("id", "question", "answer", "intent", "source", "created_at")
# FAISS ids are signed 64-bit; -1 means "no hit", so valid ids are non-negative.
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class QARecord:
    """One past support exchange the bot may reuse.

    Attributes:
        id: Non-negative integer id, also the vector id in the FAISS index.
        question: What the customer asked (what gets embedded).
        answer: The reply shown to a shopper; must hold no ``{{placeholder}}``.
        intent: Intent or topic label, e.g. ``track_order``.
        source: Where it came from, e.g. ``bitext:1234`` or ``agent:<ticket>``.
        created_at: ISO-8601 timestamp.
    """

    id: int
    question: str
    answer: str
    intent: str
    source: str
    created_at: str

    def __post_init__(self) -> None:
        """Reject records that could not be searched or shown."""
        if not isinstance(self.id, int) or isinstance(self.id, bool):
            raise ContentError(f"QA record id {self.id!r} is not an int.")
        if not 0 <= self.id <= MAX_ID:
            raise ContentError(f"QA record id {self.id} is outside 0..{MAX_ID}.")
        for name in ("question", "answer", "intent", "source", "created_at"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ContentError(
                    f"QA record {self.id}: field {name!r} must be a non-empty string, "
                    f"got {value!r}."
                )
        if "{{" in self.answer or "}}" in self.answer:
            raise ContentError(
                f"QA record {self.id} ({self.source}): the answer still holds a "
                "{{placeholder}}; fill it from shop.yml before indexing."
            )
        try:
            datetime.fromisoformat(self.created_at)
        except ValueError as err:
            raise ContentError(
                f"QA record {self.id}: created_at={self.created_at!r} is not ISO-8601."
            ) from err

    def to_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QARecord:
        """Build a record from a dict with exactly the record's fields.

        Raises:
            ContentError: On missing or unknown fields or invalid values.
        """
        missing = [name for name in _FIELDS if name not in data]
        unknown = sorted(set(data) - set(_FIELDS))
        if missing or unknown:
            raise ContentError(
                f"QA record fields wrong: missing {missing}, unknown {unknown}; "
                f"expected {list(_FIELDS)}."
            )
        return cls(**{name: data[name] for name in _FIELDS})


def check_unique_ids(records: Iterable[QARecord]) -> None:
    """Raise if two records share an id.

    Raises:
        DuplicateIdError: Naming the first repeated id.
    """
    seen: set[int] = set()
    for record in records:
        if record.id in seen:
            raise DuplicateIdError(
                f"QA id {record.id} ({record.source}) appears twice; ids must be "
                "unique."
            )
        seen.add(record.id)


def read_records(path: Path) -> list[QARecord]:
    """Read QA records from a JSON-lines file.

    Args:
        path: File with one JSON object per line (blank lines ignored).

    Returns:
        The records in file order.

    Raises:
        IndexNotFoundError: When the file does not exist.
        ContentError: On a malformed line (the message names the line number).
        DuplicateIdError: When two lines share an id.
    """
    if not path.is_file():
        raise IndexNotFoundError(f"QA file {path} does not exist.")
    records: list[QARecord] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as err:
                raise ContentError(f"{path}:{number}: not valid JSON ({err}).") from err
            if not isinstance(data, dict):
                raise ContentError(f"{path}:{number}: expected a JSON object.")
            try:
                records.append(QARecord.from_dict(data))
            except ContentError as err:
                raise ContentError(f"{path}:{number}: {err}") from err
    check_unique_ids(records)
    return records


def write_records(records: Iterable[QARecord], path: Path) -> None:
    """Write QA records as JSON lines, atomically (temp file, then rename).

    A crash mid-write leaves the previous file untouched.

    Args:
        records: Records to write, in order.
        path: Destination file; its folder must exist.
    """
    write_text_atomic(path, "".join(records_to_lines(records)))


def records_to_lines(records: Iterable[QARecord]) -> list[str]:
    """Serialise records to JSON lines (deterministic key order)."""
    return [
        json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True) + "\n"
        for record in records
    ]


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``."""
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as tmp:
            tmp.write(text)
            tmp.flush()
            os.fsync(tmp.fileno())
        # mkstemp creates 0600; a data file is meant to be readable like any other.
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
