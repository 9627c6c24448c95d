"""Pure intent ranking."""

from __future__ import annotations

import math

import pytest

from bot.components.ranking import rank_intents

LABELS = ["a", "b", "c", "d"]


def test_sorted_descending_with_top_intent() -> None:
    intent, ranking = rank_intents([0.1, 0.6, 0.2, 0.1], LABELS, 10)
    assert intent == {"name": "b", "confidence": 0.6}
    assert [r["name"] for r in ranking] == ["b", "c", "a", "d"]
    confidences = [r["confidence"] for r in ranking]
    assert confidences == sorted(confidences, reverse=True)


def test_ties_keep_label_order_and_length_cuts() -> None:
    intent, ranking = rank_intents([0.25] * 4, LABELS, 2)
    assert intent["name"] == "a"
    assert [r["name"] for r in ranking] == ["a", "b"]


def test_zero_length_keeps_all() -> None:
    _, ranking = rank_intents([0.25] * 4, LABELS, 0)
    assert len(ranking) == 4


def test_sum_never_exceeds_one() -> None:
    # Float32 softmax output can sum a hair above 1.
    probs = [0.1 + 1e-7, 0.2, 0.3, 0.4]
    _, ranking = rank_intents(probs, LABELS, 0)
    assert math.fsum(r["confidence"] for r in ranking) <= 1.0
    assert ranking[0]["name"] == "d"


def test_confidences_are_python_floats() -> None:
    import numpy as np

    intent, ranking = rank_intents(
        np.array([0.5, 0.5, 0.0, 0.0], dtype=np.float32), LABELS, 3
    )
    assert type(intent["confidence"]) is float
    assert all(type(r["confidence"]) is float for r in ranking)


@pytest.mark.parametrize(
    ("probs", "labels", "length", "message"),
    [
        ([0.5, 0.5], LABELS, 1, "one probability per label"),
        ([], [], 1, "one probability per label"),
        ([0.5, 0.5, 0.0, 0.0], LABELS, -1, "ranking_length"),
        ([0.5, float("nan"), 0.0, 0.0], LABELS, 1, "finite"),
        ([1.5, -0.5, 0.0, 0.0], LABELS, 1, ">= 0"),
    ],
)
def test_bad_input(
    probs: list[float], labels: list[str], length: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        rank_intents(probs, labels, length)
