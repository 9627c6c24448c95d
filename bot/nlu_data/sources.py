"""Read the Bitext CSV files into typed rows (the only I/O of the package).

The three files live side by side in ``data/sources/bitext`` under the names
Bitext published them with (see ``SOURCE_FILES``). Rows keep their source tag so
that splits can separate the sources.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.nlu_data.errors import SourceFormatError, SourceNotFoundError
from bot.nlu_data.normalise import (
    collapse_whitespace,
    is_token_aligned,
    resolve_span,
    widen_amount,
)

logger = logging.getLogger(__name__)

INTENT_SAMPLE_8K = "intent_sample_8k"
LLM_GPT35_6480 = "llm_training_gpt35_6480"
LLM_V2023_4514 = "llm_training_v2023-09_4514"

# Source tag -> file name in the sources folder. The order is also the order of
# preference when duplicates are merged.
SOURCE_FILES: dict[str, str] = {
    INTENT_SAMPLE_8K: "Bitext_Sample_Customer_Service_Training_Dataset.csv",
    LLM_GPT35_6480: "Bitext_Sample_Customer_support_Training_Dataset_GPT3.5.csv",
    LLM_V2023_4514: "Bitext_Sample_Customer_Support_Training_Dataset.csv",
}
SOURCE_NAMES: tuple[str, ...] = tuple(SOURCE_FILES)
LLM_SOURCES: tuple[str, ...] = (LLM_GPT35_6480, LLM_V2023_4514)

# Bitext entity type -> the project's entity; other types stay plain text.
ENTITY_MAP: dict[str, str] = {
    "order_id": "order_number",
    "invoice_id": "invoice_number",
    "refund_amount": "amount",
}
_TEXT_COLUMN = {INTENT_SAMPLE_8K: "utterance"}
_LLM_TEXT_COLUMN = "instruction"
_ENTITY_COLUMNS = ("entity_type", "start_offset", "end_offset")
_LABEL = re.compile(r"^[a-z][a-z_]*$")
_CATEGORY = re.compile(r"^[A-Z][A-Z_]*$")
# Rasa reads "[text](entity)" as entity markup, so brackets cannot be written.
_MARKUP_CHARS = frozenset("[]")


@dataclass(frozen=True)
class EntitySpan:
    """An entity in a normalised utterance.

    Attributes:
        start: offset of the first character.
        end: offset after the last character.
        entity: the project's entity name, e.g. ``order_number``.
    """

    start: int
    end: int
    entity: str


@dataclass(frozen=True)
class BitextRow:
    """One utterance of a Bitext file, whitespace-normalised.

    Attributes:
        source: source tag, a key of ``SOURCE_FILES``.
        line: 1-based record number in the file (header excluded).
        text: the utterance with whitespace collapsed.
        intent: the Bitext intent label.
        category: the Bitext category (ORDER, REFUND, ...).
        entities: project entities found in ``text``.
    """

    source: str
    line: int
    text: str
    intent: str
    category: str
    entities: tuple[EntitySpan, ...] = ()


def load_bitext(
    sources_dir: Path | str, sources: Sequence[str] = SOURCE_NAMES
) -> list[BitextRow]:
    """Read the Bitext CSV files into rows tagged with their source.

    Args:
        sources_dir: folder holding the files named in ``SOURCE_FILES``.
        sources: which source tags to read, in this order.

    Returns:
        All rows of the chosen sources, file by file in file order.

    Raises:
        SourceNotFoundError: the folder or one of the files is missing.
        SourceFormatError: an unknown source tag, a missing column or an
            invalid row (empty text, bad label, bad entity offsets).
    """
    folder = Path(sources_dir)
    if not folder.is_dir():
        raise SourceNotFoundError(
            f"Bitext sources folder {str(folder)!r} does not exist; pass the "
            "folder holding the Bitext CSV files (default data/sources/bitext)"
        )
    rows: list[BitextRow] = []
    for source in sources:
        if source not in SOURCE_FILES:
            raise SourceFormatError(
                f"unknown Bitext source {source!r}; choose from {list(SOURCE_NAMES)}"
            )
        path = folder / SOURCE_FILES[source]
        if not path.is_file():
            raise SourceNotFoundError(
                f"Bitext file {str(path)!r} for source {source!r} is missing; copy "
                f"it into {str(folder)!r} under the name {SOURCE_FILES[source]!r}"
            )
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                records = list(csv.DictReader(handle))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise SourceFormatError(
                f"cannot read {str(path)!r} as UTF-8 CSV: {exc}"
            ) from exc
        source_rows = parse_records(records, source, origin=str(path))
        logger.info("Read %d rows of source '%s'.", len(source_rows), source)
        rows.extend(source_rows)
    return rows


def parse_records(
    records: Iterable[Mapping[str, str | None]], source: str, origin: str = "<records>"
) -> list[BitextRow]:
    """Turn CSV records of one Bitext file into rows.

    Args:
        records: dicts as ``csv.DictReader`` yields them.
        source: the source tag; ``intent_sample_8k`` reads ``utterance``, the
            llm_training files read ``instruction`` and the entity columns.
        origin: file name quoted in error messages.

    Returns:
        One row per record, in order.

    Raises:
        SourceFormatError: a required column is missing or a row is invalid.
    """
    text_column = _TEXT_COLUMN.get(source, _LLM_TEXT_COLUMN)
    required = [text_column, "intent", "category"]
    if source in LLM_SOURCES:
        required.extend(_ENTITY_COLUMNS)
    rows: list[BitextRow] = []
    for line, record in enumerate(records, start=1):
        if line == 1:
            missing = [column for column in required if column not in record]
            if missing:
                raise SourceFormatError(
                    f"{origin}: missing column(s) {missing} for source {source!r}; "
                    f"found {sorted(record)}"
                )
        rows.append(
            _parse_record(record, source, text_column, f"{origin} row {line}", line)
        )
    return rows


def _parse_record(
    record: Mapping[str, str | None],
    source: str,
    text_column: str,
    where: str,
    line: int,
) -> BitextRow:
    raw_text = record.get(text_column) or ""
    intent = (record.get("intent") or "").strip()
    category = (record.get("category") or "").strip()
    if not raw_text.strip():
        raise SourceFormatError(f"{where}: empty {text_column!r}; every row needs text")
    if _MARKUP_CHARS & set(raw_text):
        raise SourceFormatError(
            f"{where}: text {raw_text!r} contains '[' or ']', which Rasa reads as "
            "entity markup; remove the brackets from the source row"
        )
    if not _LABEL.match(intent):
        raise SourceFormatError(
            f"{where}: intent {intent!r} is not a lower_snake_case label"
        )
    if not _CATEGORY.match(category):
        raise SourceFormatError(
            f"{where}: category {category!r} is not an UPPER_SNAKE_CASE label"
        )
    spans: list[tuple[int, int]] = []
    entity = ENTITY_MAP.get((record.get("entity_type") or "").strip())
    if entity is not None:
        spans.append(_offsets(record, raw_text, where))
    try:
        text, moved = collapse_whitespace(raw_text, spans)
    except ValueError as exc:
        raise SourceFormatError(f"{where}: {exc}") from exc
    entities: tuple[EntitySpan, ...] = ()
    if entity is not None:
        start, end = moved[0]
        if entity == "amount":
            start, end = widen_amount(text, start, end)
        if is_token_aligned(text, start, end):
            entities = (EntitySpan(start, end, entity),)
        else:
            logger.debug("%s: entity glued to a word, annotation left out.", where)
    return BitextRow(source, line, text, intent, category, entities)


def _offsets(
    record: Mapping[str, str | None], text: str, where: str
) -> tuple[int, int]:
    raw_start = (record.get("start_offset") or "").strip()
    raw_end = (record.get("end_offset") or "").strip()
    try:
        start, end = int(raw_start), int(raw_end)
    except ValueError as exc:
        raise SourceFormatError(
            f"{where}: entity offsets {raw_start!r}, {raw_end!r} are not integers"
        ) from exc
    try:
        return resolve_span(text, start, end, record.get("entity_value") or "")
    except ValueError as exc:
        raise SourceFormatError(f"{where}: {exc}") from exc
