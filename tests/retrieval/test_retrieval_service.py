from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from retrieval.calibration import Calibration
from retrieval.config import RetrievalConfig
from retrieval.content import HeldoutQuery
from retrieval.encode import Encoder, load_encoder
from retrieval.errors import (
    DimensionMismatchError,
    DuplicateIdError,
    IncompatibleIndexError,
    InvalidQueryError,
    UnknownIdError,
)
from retrieval.qa_store import QARecord
from retrieval.service import Retriever, prepare_query

MakeRecord = Callable[..., QARecord]


@pytest.fixture
def retriever(records: list[QARecord], tiny_encoder: Encoder) -> Retriever:
    return Retriever.build(records, config=RetrievalConfig(), encoder=tiny_encoder)


def test_exact_question_is_top_hit(
    retriever: Retriever, records: list[QARecord]
) -> None:
    results = retriever.search([r.question for r in records], k=3)
    for record, hits in zip(records, results, strict=True):
        assert hits[0].record.id == record.id
        assert hits[0].score == pytest.approx(1.0, abs=1e-5)


def test_uncalibrated_index_abstains_unless_unanimous(retriever: Retriever) -> None:
    decision = retriever.answer("how do i cancel my order")
    assert decision.source == "test:1"
    assert decision.answered == (decision.probability >= 1.0)


def test_answer_with_calibration(retriever: Retriever) -> None:
    retriever.bundle.calibration = Calibration(
        xs=(0.0, 1.0),
        ys=(0.0, 1.0),
        threshold=0.0,
        min_cosine=0.9999,
        target_precision=0.98,
        fitted_on=1,
    )
    decision = retriever.answer("  where is my package  ")
    assert decision.answered and decision.source == "test:5"
    other = retriever.answer("subscribe newsletter review")
    assert other.reason == "out_of_scope" and other.answer is None


@pytest.mark.parametrize("bad", ["", "   \n", None])
def test_empty_query(retriever: Retriever, bad: object) -> None:
    with pytest.raises(InvalidQueryError):
        retriever.answer(bad)  # type: ignore[arg-type]


def test_ten_thousand_character_query(retriever: Retriever) -> None:
    decision = retriever.answer("x" * 10_000)
    assert decision.reason in ("answered", "low_confidence", "out_of_scope")
    assert prepare_query("y" * 10_000, 2000) == "y" * 2000


def test_add_remove_save_load(
    tmp_path: Path, retriever: Retriever, tiny_encoder: Encoder, make_record: MakeRecord
) -> None:
    retriever.add([make_record(100, "delete my account", "delete_account")])
    assert retriever.search(["delete my account"], 1)[0][0].record.id == 100
    with pytest.raises(DuplicateIdError, match="QA id 100 is already in the index"):
        retriever.add([make_record(100, "again", "x")])
    removed = retriever.remove([3])
    assert [r.id for r in removed] == [3]
    with pytest.raises(UnknownIdError, match="QA id 3 is not in the index"):
        retriever.remove([3, 4])
    assert 4 in retriever.records
    retriever.save(tmp_path / "idx")
    loaded = Retriever.load(tmp_path / "idx", encoder=tiny_encoder)
    assert sorted(loaded.records) == sorted(retriever.records)
    query = ["cancel order"]
    assert [h.record.id for h in loaded.search(query, 5)[0]] == [
        h.record.id for h in retriever.search(query, 5)[0]
    ]


def test_hnsw_remove(
    tmp_path: Path, records: list[QARecord], tiny_encoder: Encoder
) -> None:
    hnsw = Retriever.build(
        records, config=RetrievalConfig(index_type="hnsw"), encoder=tiny_encoder
    )
    hnsw.remove([1])
    hnsw.save(tmp_path / "idx")
    loaded = Retriever.load(tmp_path / "idx", encoder=tiny_encoder)
    assert 1 not in loaded.records
    hits = loaded.search([records[0].question], 9)[0]
    assert 1 not in {hit.record.id for hit in hits} and len(hits) == 9


def test_index_from_other_model(
    tmp_path: Path, retriever: Retriever, tiny_bert: Callable[..., Path]
) -> None:
    retriever.save(tmp_path / "idx")
    wider = load_encoder(str(tiny_bert(tmp_path / "wide", hidden=48)), device="cpu")
    with pytest.raises(DimensionMismatchError, match=r"32-dim .* 48-dim"):
        Retriever.load(tmp_path / "idx", encoder=wider)
    same_size = load_encoder(str(tiny_bert(tmp_path / "other", seed=3)), device="cpu")
    with pytest.raises(IncompatibleIndexError, match="fingerprint"):
        Retriever.load(tmp_path / "idx", encoder=same_size)


def test_calibrate_on_queries(retriever: Retriever) -> None:
    queries = [
        HeldoutQuery(text="cancel my order", intent="cancel_order", split="validation"),
        HeldoutQuery(
            text="where is my package", intent="track_order", split="validation"
        ),
        HeldoutQuery(
            text="reset password", intent="recover_password", split="validation"
        ),
    ]
    calibration = retriever.calibrate(queries, target_precision=0.5)
    assert calibration.fitted_on == 3
    assert retriever.calibration is calibration
