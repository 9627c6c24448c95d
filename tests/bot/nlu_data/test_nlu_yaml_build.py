"""bot/nlu_data/rasa_yaml.py, build.py and the CLI: rendering, building, checking."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu_data.__main__ import main
from bot.nlu_data.build import (
    REGEX_FILE,
    TEST_FILE,
    build_outputs,
    check_outputs,
    train_file,
)
from bot.nlu_data.dedup import Example
from bot.nlu_data.rasa_yaml import annotate, render_nlu
from bot.nlu_data.sources import (
    INTENT_SAMPLE_8K,
    LLM_GPT35_6480,
    BitextRow,
    EntitySpan,
    load_bitext,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
SOURCES = REPO_ROOT / "data" / "sources" / "bitext"


def test_annotate_writes_rasa_markup_at_the_offsets() -> None:
    text = "refund $350 for order 12345"
    spans = [EntitySpan(22, 27, "order_number"), EntitySpan(7, 11, "amount")]
    assert (
        annotate(text, spans) == "refund [$350](amount) for order [12345](order_number)"
    )


def test_annotate_rejects_overlaps() -> None:
    with pytest.raises(ValueError, match="overlaps"):
        annotate("order 12345", [EntitySpan(6, 11, "a"), EntitySpan(8, 10, "b")])


def test_rendered_yaml_reads_back_with_the_same_entities() -> None:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    examples = [
        Example(
            "I paid $160 for it",
            "get_refund",
            "REFUND",
            (EntitySpan(7, 11, "amount"),),
            frozenset({LLM_GPT35_6480}),
        ),
        Example(
            "see bill #37777?",
            "check_invoice",
            "INVOICE",
            (EntitySpan(9, 15, "invoice_number"),),
            frozenset({LLM_GPT35_6480}),
        ),
        Example(
            "#1 question: where's my order",
            "track_order",
            "ORDER",
            (),
            frozenset({INTENT_SAMPLE_8K}),
        ),
    ]
    data = RasaYAMLReader().reads(render_nlu(examples, header="a header\nline two"))
    read = {
        m.get("text"): (
            m.get("intent"),
            [
                (e["start"], e["end"], e["value"], e["entity"])
                for e in m.get("entities", [])
            ],
        )
        for m in data.intent_examples
    }
    assert read == {
        "I paid $160 for it": ("get_refund", [(7, 11, "$160", "amount")]),
        "see bill #37777?": ("check_invoice", [(9, 15, "#37777", "invoice_number")]),
        "#1 question: where's my order": ("track_order", []),
    }


def _rows() -> list[BitextRow]:
    return [
        BitextRow(INTENT_SAMPLE_8K, i, f"track my parcel {i}", "track_order", "ORDER")
        for i in range(20)
    ] + [
        BitextRow(INTENT_SAMPLE_8K, i, f"refund my money {i}", "get_refund", "REFUND")
        for i in range(20)
    ]


def test_build_outputs_writes_one_training_file_per_category() -> None:
    outputs, summary = build_outputs(_rows())
    assert set(outputs) == {
        train_file("ORDER"),
        train_file("REFUND"),
        TEST_FILE,
        REGEX_FILE,
    }
    assert train_file("ORDER") == Path("data/nlu/bitext_order.yml")
    assert (summary.unique, summary.train, summary.test) == (40, 36, 4)
    assert "CDLA-Sharing-1.0" in outputs[TEST_FILE]


def test_committed_files_equal_a_fresh_build() -> None:
    outputs, summary = build_outputs(load_bitext(SOURCES))
    assert check_outputs(outputs, REPO_ROOT) == [], (
        "data/nlu/bitext_*.yml or data/test/nlu_bitext_test.yml are stale: "
        "run `python -m bot.nlu_data build`"
    )
    assert summary.conflicts_dropped >= 1 and summary.test > 1000


def test_build_twice_gives_identical_bytes() -> None:
    rows = load_bitext(SOURCES)
    assert build_outputs(rows)[0] == build_outputs(list(reversed(rows)))[0]


def test_cli_builds_checks_and_rejects_a_missing_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["build", "--root", str(tmp_path), "--sources", str(SOURCES), "--check"])
        == 1
    )
    assert "stale: data/test/nlu_bitext_test.yml" in capsys.readouterr().out
    assert main(["build", "--root", str(tmp_path), "--sources", str(SOURCES)]) == 0
    assert (tmp_path / TEST_FILE).is_file()
    assert (
        main(["build", "--root", str(tmp_path), "--sources", str(SOURCES), "--check"])
        == 0
    )
    assert (
        main(["build", "--root", str(tmp_path), "--sources", str(tmp_path / "no")]) == 2
    )


def test_check_reports_a_generated_file_the_build_no_longer_makes(
    tmp_path: Path,
) -> None:
    outputs, _ = build_outputs(_rows())
    for relative, content in outputs.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(content, encoding="utf-8")
    (tmp_path / "data/nlu/bitext_gone.yml").write_text("old", encoding="utf-8")
    assert check_outputs(outputs, tmp_path) == [Path("data/nlu/bitext_gone.yml")]
