"""Shared fixtures: a tiny random BERT checkpoint for fast model tests."""

from __future__ import annotations

import os
from pathlib import Path

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
