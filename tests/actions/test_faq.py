"""ActionAnswerFromPastCases against a real tiny index built in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import (
    SLOT_RETRIEVAL_SCORE,
    SLOT_RETRIEVAL_SOURCE,
    UTTER_RETRIEVAL_UNAVAILABLE,
    UTTER_RETRIEVAL_UNSURE,
)
from actions.faq import (
    INDEX_ENV,
    ActionAnswerFromPastCases,
    get_retriever,
    plan_reply,
)
from retrieval.calibration import Calibration
from retrieval.config import RetrievalConfig
from retrieval.decision import Decision
from retrieval.qa_store import QARecord

QUESTIONS = [
    ("how do i cancel my order", "cancel_order", "Open My Orders and press Cancel."),
    ("where is my package", "track_order", "Open My Orders to see tracking."),
    ("reset my password", "recover_password", "Use Forgot password on the login page."),
]


def write_tiny_bert(path: Path) -> Path:
    """A randomly initialised 2-layer BERT with a character-level vocab."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    path.mkdir(parents=True)
    chars = list("abcdefghijklmnopqrstuvwxyz0123456789?.,'!")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]
    vocab += [f"##{c}" for c in chars]
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(path)
    BertTokenizerFast(vocab_file=str(path / "vocab.txt")).save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from retrieval.service import Retriever

    root = tmp_path_factory.mktemp("faq")
    model = write_tiny_bert(root / "bert")
    records = [
        QARecord(i + 1, q, a, intent, f"bitext:{i + 1}", "2023-09-01T00:00:00+00:00")
        for i, (q, intent, a) in enumerate(QUESTIONS)
    ]
    retriever = Retriever.build(
        records, config=RetrievalConfig(model_path=str(model), device="cpu")
    )
    # Answer only near-identical questions: the tiny model's cosines mean nothing.
    retriever.bundle.calibration = Calibration(
        xs=(0.0, 1.0),
        ys=(0.0, 1.0),
        threshold=0.3,
        min_cosine=0.9999,
        target_precision=0.98,
        fitted_on=3,
    )
    retriever.save(root / "index")
    return root / "index"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    get_retriever.cache_clear()
    yield
    get_retriever.cache_clear()


def tracker(text: str) -> Tracker:
    return Tracker(
        sender_id="test-sender",
        slots={},
        latest_message={"text": text, "intent": {}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(text: str) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = ActionAnswerFromPastCases().respond(dispatcher, tracker(text), {})
    return dispatcher, events


def test_answers_and_records_the_source(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(INDEX_ENV, str(index_dir))
    dispatcher, events = run("Where is my package")
    assert [m["text"] for m in dispatcher.messages] == [
        "Open My Orders to see tracking."
    ]
    assert events[0] == SlotSet(SLOT_RETRIEVAL_SOURCE, "bitext:2")
    assert events[1]["name"] == SLOT_RETRIEVAL_SCORE and events[1]["value"] > 0.3


def test_unsure_offers_a_human(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(INDEX_ENV, str(index_dir))
    dispatcher, events = run("do you sell gift cards in lisbon")
    assert [m["response"] for m in dispatcher.messages] == [UTTER_RETRIEVAL_UNSURE]
    assert events[0] == SlotSet(SLOT_RETRIEVAL_SOURCE, None)


def test_empty_message_offers_a_human(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(INDEX_ENV, str(index_dir))
    dispatcher, events = run("   ")
    assert dispatcher.messages[0]["response"] == UTTER_RETRIEVAL_UNSURE
    assert events == [
        SlotSet(SLOT_RETRIEVAL_SOURCE, None),
        SlotSet(SLOT_RETRIEVAL_SCORE, None),
    ]


def test_missing_index_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(INDEX_ENV, str(tmp_path / "absent"))
    dispatcher, events = run("where is my package")
    assert dispatcher.messages[0]["response"] == UTTER_RETRIEVAL_UNAVAILABLE
    assert events[0] == SlotSet(SLOT_RETRIEVAL_SOURCE, None)
    assert "unavailable" in caplog.text


def test_plan_reply_is_pure() -> None:
    answered = Decision("text", "bitext:9", 9, "track_order", 0.97654, 0.8, "answered")
    assert plan_reply(answered).text == "text"
    assert plan_reply(answered).score == 0.9765
    unsure = Decision(None, "bitext:9", 9, "track_order", 0.4, 0.8, "low_confidence")
    reply = plan_reply(unsure)
    assert (reply.response, reply.source, reply.score) == (
        UTTER_RETRIEVAL_UNSURE,
        None,
        0.4,
    )
    assert plan_reply(None).score is None
