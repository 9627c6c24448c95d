"""Loading Rasa NLU YAML and CSV examples, entity stripping and splitting."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from finetune.data import (
    Example,
    label_counts,
    load_examples,
    mask_numbers,
    stratified_split,
    strip_entity_annotations,
)
from finetune.errors import DataError, DataFileNotFoundError

NLU_YAML = """\
version: "3.1"
nlu:
- intent: track_order
  examples: |
    - where is order [12345](order_id)?
    - track my parcel to [Berlin]{"entity": "city", "value": "berlin"}
    - status of [my order](order_ref:latest)
- intent: faq/ask_returns
  examples: |
    - how do returns work
- intent: greet
  examples:
  - text: hi there
  - text: "[good](time) morning"
- synonym: berlin
  examples: |
    - Berlin
- regex: order_id
  examples: |
    - \\d{5}
"""

STORY_YAML = """\
version: "3.1"
stories:
- story: happy path
  steps:
  - intent: greet
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("where is order [12345](order_id)?", "where is order 12345?"),
        ('ship to [Berlin]{"entity": "city", "value": "berlin"}', "ship to Berlin"),
        ("[New York](city:nyc) please", "New York please"),
        ('[Paris][{"entity": "city"}, {"entity": "place"}] now', "Paris now"),
        ("no entities [here", "no entities [here"),
    ],
)
def test_strip_entity_annotations(raw: str, plain: str) -> None:
    assert strip_entity_annotations(raw) == plain


def test_load_rasa_yaml_strips_entities_and_ignores_other_items(tmp_path: Path) -> None:
    examples = load_examples(_write(tmp_path / "nlu.yml", NLU_YAML))
    assert examples == [
        Example("where is order 12345?", "track_order"),
        Example("track my parcel to Berlin", "track_order"),
        Example("status of my order", "track_order"),
        Example("how do returns work", "faq/ask_returns"),
        Example("hi there", "greet"),
        Example("good morning", "greet"),
    ]


def test_load_folder_reads_nlu_files_and_skips_stories(tmp_path: Path) -> None:
    (tmp_path / "nlu").mkdir()
    _write(tmp_path / "nlu" / "orders.yml", NLU_YAML)
    _write(tmp_path / "stories.yml", STORY_YAML)
    assert label_counts(load_examples(tmp_path)) == {
        "faq/ask_returns": 1,
        "greet": 2,
        "track_order": 3,
    }


def test_load_csv_with_label_or_intent_column_and_bom(tmp_path: Path) -> None:
    labelled = _write(tmp_path / "a.csv", "text,label\nwhere is it,track\nhi,greet\n")
    assert load_examples(labelled) == [
        Example("where is it", "track"),
        Example("hi", "greet"),
    ]
    bom = tmp_path / "b.csv"
    bom.write_bytes(
        '\ufeffflags,utterance,intent\nB,"cancel  it, now",cancel\n'.encode()
    )
    assert load_examples(bom, text_column="utterance") == [
        Example("cancel it, now", "cancel")
    ]


def test_missing_path_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(DataFileNotFoundError, match="does not exist") as caught:
        load_examples(tmp_path / "nope.yml")
    assert isinstance(caught.value, FileNotFoundError)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("data.txt", "hello", "unknown data format '.txt'"),
        ("empty.yml", "version: '3.1'\n", "no labelled examples"),
        ("bad.yml", "nlu: [unclosed", "not valid YAML"),
        ("list.yml", "nlu: {intent: x}", "must be a list"),
        (
            "stray.yml",
            "nlu:\n- intent: a\n  examples: |\n    hello\n",
            "starting with '- '",
        ),
        (
            "noname.yml",
            "nlu:\n- intent: ''\n  examples: |\n    - hi\n",
            "empty or non-text",
        ),
        ("items.yml", "nlu:\n- intent: a\n  examples:\n  - 3\n", "'text' key"),
        ("cols.csv", "sentence,label\nhi,greet\n", "no text column 'text'"),
        ("nolabel.csv", "text,category\nhi,greet\n", "'label' or 'intent'"),
        ("blank.csv", "text,label\nhi,greet\n ,greet\n", "line 3: empty text"),
        ("nolab.csv", "text,label\nhi,\n", "empty label"),
        ("header.csv", "", "no text column"),
    ],
)
def test_bad_data_raises_clear_data_error(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    with pytest.raises(DataError, match=message) as caught:
        load_examples(_write(tmp_path / name, content))
    assert isinstance(caught.value, ValueError)


def test_non_utf8_csv_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("text,label\ncaf\xe9,greet\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        load_examples(path)


def test_folder_without_yaml_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no .yml/.yaml files"):
        load_examples(tmp_path)


def _examples() -> list[Example]:
    return [
        Example(f"{label} {i}", label)
        for label, n in (("a", 10), ("b", 20), ("c", 1))
        for i in range(n)
    ]


def test_stratified_split_is_deterministic_and_stratified() -> None:
    examples = _examples()
    kept, held = stratified_split(examples, 0.2, seed=7)
    assert stratified_split(examples, 0.2, seed=7) == (kept, held)
    assert stratified_split(examples, 0.2, seed=8) != (kept, held)
    assert Counter(e.label for e in held) == {"a": 2, "b": 4}
    assert sorted(kept + held, key=lambda e: e.text) == sorted(
        examples, key=lambda e: e.text
    )
    assert {e.text for e in kept}.isdisjoint({e.text for e in held})


def test_stratified_split_keeps_one_of_each_label_and_handles_zero() -> None:
    pair = [Example("x", "a"), Example("y", "a")]
    kept, held = stratified_split(pair, 0.4, seed=0)
    assert len(kept) == 1 and len(held) == 1
    assert stratified_split(pair, 0.0, seed=0) == (pair, [])
    with pytest.raises(DataError, match=r"\[0, 1\)"):
        stratified_split(pair, 1.0, seed=0)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("where is order #12345?", "where is order [MASK]"),
        ("refund of $1499 for 2 items", "refund of [MASK] for [MASK] items"),
        ("no numbers here", "no numbers here"),
        ("order 00123842's status", "order [MASK] status"),
    ],
)
def test_mask_numbers(text: str, masked: str) -> None:
    assert mask_numbers(text, "[MASK]") == masked
