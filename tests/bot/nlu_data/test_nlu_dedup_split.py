"""bot/nlu_data/dedup.py and split.py: merging, conflicts and stable splits."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from bot.nlu_data.dedup import deduplicate
from bot.nlu_data.errors import SplitError
from bot.nlu_data.sources import (
    INTENT_SAMPLE_8K,
    LLM_GPT35_6480,
    LLM_V2023_4514,
    BitextRow,
    EntitySpan,
)
from bot.nlu_data.split import cross_source_split, heldout_split


def row(
    text: str,
    intent: str,
    source: str = INTENT_SAMPLE_8K,
    line: int = 1,
    entities: tuple[EntitySpan, ...] = (),
) -> BitextRow:
    return BitextRow(
        source, line, text, intent, intent.split("_")[-1].upper(), entities
    )


def test_case_and_whitespace_duplicates_are_merged_across_sources() -> None:
    result = deduplicate(
        [
            row("Where is my order?", "track_order"),
            row("where is my  order?", "track_order", LLM_GPT35_6480),
            row("WHERE IS MY ORDER?", "track_order", LLM_V2023_4514),
            row("cancel my order", "cancel_order"),
        ]
    )
    assert result.rows_read == 4
    assert result.duplicates_merged == 2
    assert [e.text for e in result.examples] == [
        "cancel my order",
        "Where is my order?",
    ]
    assert result.examples[1].sources == {
        INTENT_SAMPLE_8K,
        LLM_GPT35_6480,
        LLM_V2023_4514,
    }


def test_conflicting_utterances_are_dropped_and_counted() -> None:
    result = deduplicate(
        [
            row("help registering", "create_account"),
            row("Help registering", "registration_problems", LLM_GPT35_6480),
            row("help registering", "create_account", LLM_V2023_4514),
            row("open an account", "create_account"),
        ]
    )
    assert [e.text for e in result.examples] == ["open an account"]
    assert [(c.key, c.intents) for c in result.conflicts] == [
        ("help registering", ("create_account", "registration_problems"))
    ]
    assert result.duplicates_merged == 0


def test_the_annotated_copy_wins_and_order_does_not_matter() -> None:
    span = (EntitySpan(12, 17, "order_number"),)
    rows = [
        row("track order 12345", "track_order"),
        row("track order 12345", "track_order", LLM_V2023_4514, 7, span),
        row("Track order 12345", "track_order", LLM_GPT35_6480, 3, span),
    ]
    first = deduplicate(rows)
    assert first.examples[0].entities == span
    assert first.examples[0].text == "Track order 12345"  # earlier annotated source
    assert deduplicate(list(reversed(rows))) == first


def _examples(per_intent: int = 40) -> tuple:
    rows = [
        row(f"{verb} thing number {i}", intent)
        for verb, intent in (
            ("track", "track_order"),
            ("cancel", "cancel_order"),
            ("refund", "get_refund"),
        )
        for i in range(per_intent)
    ]
    rows.append(row("only one", "review"))
    return deduplicate(rows).examples


def test_heldout_split_is_stratified_disjoint_and_complete() -> None:
    examples = _examples()
    split = heldout_split(examples, test_fraction=0.1)
    test_counts = Counter(e.intent for e in split.test)
    assert test_counts == {"track_order": 4, "cancel_order": 4, "get_refund": 4}
    assert {e.key for e in split.train} & {e.key for e in split.test} == set()
    assert sorted(split.train + split.test, key=lambda e: e.key) == sorted(
        examples, key=lambda e: e.key
    )


def test_heldout_split_is_stable_and_seeded() -> None:
    examples = list(_examples())
    first = heldout_split(examples)
    random.Random(3).shuffle(examples)
    assert heldout_split(examples) == first
    assert heldout_split(examples, seed="another seed").test != first.test


def test_heldout_split_keeps_a_test_example_for_small_intents() -> None:
    examples = deduplicate([row("a b", "review"), row("c d", "review")]).examples
    assert len(heldout_split(examples, test_fraction=0.1).test) == 1


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.2, 1.5])
def test_heldout_split_rejects_bad_fractions(fraction: float) -> None:
    with pytest.raises(SplitError, match="test_fraction"):
        heldout_split(_examples(), test_fraction=fraction)


def test_heldout_split_rejects_duplicates() -> None:
    example = _examples()[0]
    with pytest.raises(ValueError, match="deduplicate"):
        heldout_split([example, example])


def test_cross_source_split_tests_only_unseen_llm_utterances() -> None:
    rows = [
        row("where is my order", "track_order"),
        row("Where is my order", "track_order", LLM_GPT35_6480),  # seen in train
        row("locate purchase 12345", "track_order", LLM_GPT35_6480),
        row("locate purchase 12345", "track_order", LLM_V2023_4514),
        row("reimburse me", "get_refund", LLM_V2023_4514),
        row("i want a refund", "get_refund"),
    ]
    split = cross_source_split(rows)
    assert [e.text for e in split.train] == ["i want a refund", "where is my order"]
    assert [e.text for e in split.test] == ["reimburse me", "locate purchase 12345"]


def test_cross_source_split_errors() -> None:
    rows = [row("where is my order", "track_order")]
    with pytest.raises(SplitError, match="train_sources is empty"):
        cross_source_split(rows, train_sources=())
    with pytest.raises(SplitError, match="both must be non-empty"):
        cross_source_split(rows)
