"""Shared fixtures: a tiny random BERT checkpoint for fast model tests, the trained
churn model, and a whole running shopbot for the chat and browser tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# No model hub here; and keep transformers from importing TensorFlow (slow).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("USE_TF", "0")

TINY_WORDS = (
    "where is my order track package parcel shipped status delivery cancel "
    "stop purchase want to please the a i hello hi there good morning hey "
    "refund money back return item get need help with it can you how do"
).split()


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-wide random BertModel checkpoint with a tiny WordPiece vocab."""
    import torch

    # Tiny tensors: thread hand-offs cost more than they save on shared cores.
    torch.set_num_threads(1)
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-bert")
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    tokens = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
        *sorted(TINY_WORDS), *letters, *(f"##{c}" for c in letters),
        "?", "!", ".", ",", "'",
    ]  # fmt: skip
    vocab = list(dict.fromkeys(tokens))
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"))
    tokenizer.save_pretrained(str(folder))
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    torch.manual_seed(0)
    BertModel(config).save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="session")
def churn_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trained churn model: the repository's, or one trained for this session."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parent.parent
    shipped = repo / "models" / "churn"
    if (shipped / "metadata.json").is_file():
        return shipped
    folder = tmp_path_factory.mktemp("churn") / "model"
    subprocess.run(
        [sys.executable, "-m", "actions.churn", "train", "--model-dir", str(folder)],
        cwd=repo,
        check=True,
        capture_output=True,
    )
    return folder


AGENTS = {
    "alex": ("Alex Morgan", "alex-password-1"),
    "sam": ("Sam Lee", "sam-password-1"),
}


@pytest.fixture(scope="session")
def chat_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A running shopbot (action server, Rasa server with the websocket channel,
    demo shop) on a seeded private SQLite store with two agent accounts
    (:data:`AGENTS`). Skipped when there is no trained model."""
    import subprocess
    import sys

    from bot.stack import REPO_ROOT, Stack

    model = Path(
        os.environ.get("SHOPBOT_MODEL", REPO_ROOT / "models" / "shopbot.tar.gz")
    )
    if not model.is_file():
        pytest.skip(f"no trained model at {model}: run `make model`")
    index = Path(
        os.environ.get("SHOPBOT_RETRIEVAL_INDEX", REPO_ROOT / "models" / "retrieval")
    )
    folder = tmp_path_factory.mktemp("chat-stack")
    env = {
        "SHOPBOT_DATABASE_URL": f"sqlite:///{folder / 'shop.db'}",
        "SHOPBOT_HANDOFF_SPOOL": str(folder / "handoffs.pending.jsonl"),
        "SHOPBOT_RETRIEVAL_INDEX": str(index),
        # Every eligible shopper gets the offer arm: the console's grant is tested.
        "SHOPBOT_OFFER_HOLDOUT": "0",
    }
    run_env = {**os.environ, **env}
    python = sys.executable
    subprocess.run(
        [python, "-m", "actions.store", "seed"], env=run_env, check=True,
        capture_output=True, cwd=REPO_ROOT,
    )  # fmt: skip
    for username, (name, password) in AGENTS.items():
        subprocess.run(
            [python, "-m", "actions.agents", "add", username, "--name", name,
             "--password-stdin"],
            env=run_env, input=password.encode(), check=True, capture_output=True,
            cwd=REPO_ROOT,
        )  # fmt: skip
    stack = Stack(model=model, log_dir=folder / "logs", env=env, with_shop=True)
    with stack:
        yield stack
