from __future__ import annotations

from collections.abc import Callable

from retrieval.calibration import Calibration
from retrieval.decision import Hit, decide, vote
from retrieval.qa_store import QARecord

CALIBRATION = Calibration(
    xs=(0.0, 1.0),
    ys=(0.0, 1.0),
    threshold=0.8,
    min_cosine=0.5,
    target_precision=0.98,
    fitted_on=10,
)


def hits(
    make_record: Callable[..., QARecord], spec: list[tuple[str, float]]
) -> list[Hit]:
    return [
        Hit(make_record(i + 1, f"q{i}", intent), score)
        for i, (intent, score) in enumerate(spec)
    ]


def test_vote_prefers_agreeing_neighbours(make_record: Callable[..., QARecord]) -> None:
    found = hits(make_record, [("a", 0.90), ("b", 0.89), ("b", 0.88), ("b", 0.88)])
    chosen = vote(found)
    assert chosen is not None
    assert chosen.intent == "b" and chosen.hit.record.id == 2
    assert 0.5 < chosen.confidence < 1.0


def test_answers_when_confident(make_record: Callable[..., QARecord]) -> None:
    decision = decide(hits(make_record, [("a", 0.9), ("a", 0.8)]), CALIBRATION)
    assert decision.answered and decision.reason == "answered"
    assert decision.answer == "Answer 1 about a." and decision.source == "test:1"
    assert decision.probability == 1.0 and decision.cosine == 0.9


def test_abstains_when_neighbours_disagree(
    make_record: Callable[..., QARecord],
) -> None:
    decision = decide(hits(make_record, [("a", 0.9), ("b", 0.9)]), CALIBRATION)
    assert not decision.answered and decision.reason == "low_confidence"
    assert decision.source == "test:1" and decision.probability == 0.5


def test_abstains_out_of_scope(make_record: Callable[..., QARecord]) -> None:
    decision = decide(hits(make_record, [("a", 0.3), ("a", 0.2)]), CALIBRATION)
    assert decision.reason == "out_of_scope" and decision.answer is None
    assert decision.probability == 0.0


def test_no_hits() -> None:
    decision = decide([], CALIBRATION)
    assert decision.reason == "no_hits" and decision.source is None
