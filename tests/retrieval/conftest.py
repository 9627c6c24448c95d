"""Fixtures for the retrieval tests: a tiny random BERT, records, a shop."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from actions.shop import ShopConfig, parse_shop_config
from retrieval.encode import Encoder, load_encoder
from retrieval.qa_store import QARecord

MakeRecord = Callable[..., QARecord]
TinyBert = Callable[..., Path]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


WORDS = (
    "how do i can you my the a to of cancel order track refund where is package "
    "invoice pay with card paypal password reset account delete create shipping "
    "address change talk human agent newsletter subscribe review leave"
).split()


def write_tiny_bert(path: Path, hidden: int = 32, seed: int = 0) -> Path:
    """Save a randomly initialised 2-layer BERT and a small WordPiece vocab."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    path.mkdir(parents=True, exist_ok=True)
    letters = "abcdefghijklmnopqrstuvwxyz0123456789?.,'!"
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, *letters]
    vocab += [f"##{c}" for c in letters]
    (path / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)) + "\n")
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(dict.fromkeys(vocab)),
        hidden_size=hidden,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=2 * hidden,
        max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(path)
    BertTokenizerFast(vocab_file=str(path / "vocab.txt")).save_pretrained(path)
    return path


def make_record(
    record_id: int, question: str, intent: str, answer: str = ""
) -> QARecord:
    return QARecord(
        id=record_id,
        question=question,
        answer=answer or f"Answer {record_id} about {intent}.",
        intent=intent,
        source=f"test:{record_id}",
        created_at="2024-01-01T00:00:00+00:00",
    )


@pytest.fixture(scope="session")
def tiny_bert() -> TinyBert:
    """Factory writing a tiny random BERT: ``tiny_bert(path, hidden=32, seed=0)``."""
    return write_tiny_bert


@pytest.fixture(scope="session", name="make_record")
def make_record_fixture() -> MakeRecord:
    """Factory ``make_record(id, question, intent, answer="")``."""
    return make_record


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


@pytest.fixture(scope="session")
def tiny_encoder(tiny_bert_dir: Path) -> Encoder:
    import torch

    torch.set_num_threads(1)
    return load_encoder(str(tiny_bert_dir), device="cpu")


@pytest.fixture
def records() -> list[QARecord]:
    rows = [
        ("how do i cancel my order", "cancel_order"),
        ("can you cancel the order", "cancel_order"),
        ("cancel order", "cancel_order"),
        ("track my package", "track_order"),
        ("where is my package", "track_order"),
        ("track order", "track_order"),
        ("reset my password", "recover_password"),
        ("i can reset the password", "recover_password"),
        ("pay with paypal", "check_payment_methods"),
        ("can i pay with card", "check_payment_methods"),
    ]
    return [make_record(i + 1, q, intent) for i, (q, intent) in enumerate(rows)]


@pytest.fixture
def shop() -> ShopConfig:
    return parse_shop_config(
        {
            "name": "Test Shop",
            "website_url": "https://test.example",
            "support_email": "help@test.example",
            "support_phone": "+1 555 0199",
            "support_hours": "weekdays 9-17",
            "live_chat": "the chat window on our website",
            "currency": "EUR",
            "pages": {
                "account_settings": "Account Settings",
                "order_history": "My Orders",
                "contact_us": "Contact Us",
                "returns": "Returns & Refunds",
                "payment_methods": "Payment Methods",
                "shipping_policy": "Shipping & Delivery",
            },
            "policies": {
                "refund_window_days": 30,
                "refund_processing_days": "5-10 business days",
                "cancellation_fee": "free before shipping",
                "standard_delivery": "3-5 business days",
                "express_delivery": "1-2 business days",
                "payment_methods": ["card", "PayPal"],
            },
        }
    )
