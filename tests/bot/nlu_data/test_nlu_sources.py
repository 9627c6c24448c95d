"""bot/nlu_data/sources.py: reading Bitext CSV rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.nlu_data.errors import SourceFormatError, SourceNotFoundError
from bot.nlu_data.sources import (
    INTENT_SAMPLE_8K,
    LLM_GPT35_6480,
    SOURCE_FILES,
    load_bitext,
    parse_records,
)

LLM_COLUMNS = [
    "context",
    "role",
    "instruction",
    "intent",
    "entity_type",
    "entity_value",
    "start_offset",
    "end_offset",
    "category",
    "tags",
    "response",
]


def llm(
    text: str,
    intent: str = "track_order",
    entity_type: str = "",
    value: str = "",
    start: str = "",
    end: str = "",
    category: str = "ORDER",
) -> dict[str, str]:
    return {
        "context": "customer support",
        "role": "virtual assistant",
        "instruction": text,
        "intent": intent,
        "entity_type": entity_type,
        "entity_value": value,
        "start_offset": start,
        "end_offset": end,
        "category": category,
        "tags": "B",
        "response": "ok",
    }


def test_llm_rows_keep_mapped_entities_with_correct_offsets() -> None:
    rows = parse_records(
        [
            llm(
                "track  order 00123842 ",
                "track_order",
                "order_id",
                "123842",
                "13",
                "21",
            ),
            llm(
                "see bill #37777",
                "check_invoice",
                "invoice_id",
                "#37777",
                "9",
                "15",
                "INVOICE",
            ),
            llm(
                "i paid $350 for it",
                "get_refund",
                "refund_amount",
                "350",
                "8",
                "11",
                "REFUND",
            ),
            llm(
                "create a gold account",
                "create_account",
                "account_type",
                "Gold",
                "9",
                "13",
                "ACCOUNT",
            ),
        ],
        LLM_GPT35_6480,
    )
    found = [
        (r.text, [(r.text[e.start : e.end], e.entity) for e in r.entities])
        for r in rows
    ]
    assert found == [
        ("track order 00123842", [("00123842", "order_number")]),
        ("see bill #37777", [("#37777", "invoice_number")]),
        ("i paid $350 for it", [("$350", "amount")]),
        # account_type is not a project entity: plain text.
        ("create a gold account", []),
    ]
    assert [r.line for r in rows] == [1, 2, 3, 4]
    assert {r.source for r in rows} == {LLM_GPT35_6480}


def test_glued_entities_lose_only_their_annotation() -> None:
    (row,) = parse_records(
        [
            llm(
                "cancelling order732201349959",
                "cancel_order",
                "order_id",
                "732201349959",
                "16",
                "28",
            )
        ],
        LLM_GPT35_6480,
    )
    assert row.text == "cancelling order732201349959" and row.entities == ()


def test_intent_sample_rows_have_no_entities() -> None:
    (row,) = parse_records(
        [
            {
                "flags": "B",
                "utterance": "where is my order",
                "category": "ORDER",
                "intent": "track_order",
            }
        ],
        INTENT_SAMPLE_8K,
    )
    assert (row.text, row.intent, row.category, row.entities) == (
        "where is my order",
        "track_order",
        "ORDER",
        (),
    )


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (llm("   "), "empty 'instruction'"),
        (llm("see [this](thing)"), "entity markup"),
        (llm("hello", intent="Track Order"), "lower_snake_case"),
        (llm("hello", category=""), "UPPER_SNAKE_CASE"),
        (
            llm(
                "order 12345", entity_type="order_id", value="12345", start="a", end="b"
            ),
            "not integers",
        ),
        (
            llm(
                "order 12345", entity_type="order_id", value="999", start="40", end="45"
            ),
            "fix the offsets",
        ),
    ],
)
def test_invalid_rows_raise_with_the_row_number(
    record: dict[str, str], message: str
) -> None:
    with pytest.raises(SourceFormatError, match=message) as info:
        parse_records([llm("fine row"), record], LLM_GPT35_6480, origin="f.csv")
    assert "f.csv row 2" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_missing_columns_are_named() -> None:
    record = llm("hi")
    del record["end_offset"]
    with pytest.raises(SourceFormatError, match="end_offset"):
        parse_records([record], LLM_GPT35_6480)


def _write_sources(folder: Path) -> None:
    with (folder / SOURCE_FILES[INTENT_SAMPLE_8K]).open(
        "w", encoding="utf-8-sig", newline=""
    ) as handle:
        writer = csv.writer(handle)
        writer.writerow(["flags", "utterance", "category", "intent"])
        writer.writerow(["B", "where is my order", "ORDER", "track_order"])
    for source, name in SOURCE_FILES.items():
        if source == INTENT_SAMPLE_8K:
            continue
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=LLM_COLUMNS)
            writer.writeheader()
            writer.writerow(
                llm("track order 12345", "track_order", "order_id", "12345", "12", "17")
            )


def test_load_bitext_reads_all_three_files(tmp_path: Path) -> None:
    _write_sources(tmp_path)
    rows = load_bitext(tmp_path)
    assert [r.source for r in rows] == list(SOURCE_FILES)
    assert rows[0].text == "where is my order"  # BOM stripped from the header


def test_load_bitext_missing_folder_and_file(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError, match="does not exist"):
        load_bitext(tmp_path / "nowhere")
    _write_sources(tmp_path)
    (tmp_path / SOURCE_FILES[LLM_GPT35_6480]).unlink()
    with pytest.raises(FileNotFoundError, match="is missing"):
        load_bitext(tmp_path)


def test_load_bitext_unknown_source_and_bad_encoding(tmp_path: Path) -> None:
    _write_sources(tmp_path)
    with pytest.raises(SourceFormatError, match="unknown Bitext source"):
        load_bitext(tmp_path, sources=["banking77"])
    (tmp_path / SOURCE_FILES[INTENT_SAMPLE_8K]).write_bytes(
        b"utterance\n\xff\xfe\xfa\n"
    )
    with pytest.raises(SourceFormatError, match="UTF-8"):
        load_bitext(tmp_path, sources=[INTENT_SAMPLE_8K])
