"""Read the Bitext CSV files copied into ``data/sources/bitext/`` (I/O only)."""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterable
from pathlib import Path

from retrieval.content import HeldoutQuery
from retrieval.errors import ContentError, IndexNotFoundError
from retrieval.qa_store import write_text_atomic

logger = logging.getLogger(__name__)

SOURCES_DIR = Path(__file__).resolve().parents[1] / "data" / "sources" / "bitext"
BITEXT_QA_CSV = SOURCES_DIR / "Bitext_Sample_Customer_Support_Training_Dataset.csv"
BITEXT_INTENT_CSV = SOURCES_DIR / "Bitext_Sample_Customer_Service_Training_Dataset.csv"


def read_csv_rows(path: Path, required: Iterable[str]) -> list[dict[str, str]]:
    """Read a UTF-8 CSV (a BOM is tolerated) into dicts.

    Args:
        path: The CSV file.
        required: Columns that must be present.

    Returns:
        One dict per data row.

    Raises:
        IndexNotFoundError: When the file is missing.
        ContentError: When a required column is missing.
    """
    if not path.is_file():
        raise IndexNotFoundError(
            f"Source file {path} is missing; copy it from the Bitext release into "
            "data/sources/bitext/ (see its SOURCE.md)."
        )
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [name for name in required if name not in columns]
        if missing:
            raise ContentError(f"{path} lacks columns {missing}; it has {columns}.")
        return [dict(row) for row in reader]


def write_heldout(queries: Iterable[HeldoutQuery], path: Path) -> None:
    """Write held-out queries as JSON lines ``{"text", "intent", "split"}``."""
    lines = [
        json.dumps(
            {"text": q.text, "intent": q.intent, "split": q.split}, ensure_ascii=False
        )
        + "\n"
        for q in queries
    ]
    write_text_atomic(path, "".join(lines))


def read_heldout(path: Path) -> list[HeldoutQuery]:
    """Read queries written by :func:`write_heldout`.

    Raises:
        IndexNotFoundError: When the file is missing.
        ContentError: On a malformed line (named by number).
    """
    if not path.is_file():
        raise IndexNotFoundError(
            f"Held-out query file {path} is missing; run "
            "`python -m retrieval content` first."
        )
    queries: list[HeldoutQuery] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                query = HeldoutQuery(
                    text=str(data["text"]),
                    intent=str(data["intent"]),
                    split=str(data["split"]),
                )
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise ContentError(
                    f"{path}:{number}: malformed query ({err})."
                ) from err
            if query.split not in ("validation", "test") or not query.text.strip():
                raise ContentError(
                    f"{path}:{number}: split must be validation or test and text "
                    "non-empty."
                )
            queries.append(query)
    return queries
