from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.encode import (
    Encoder,
    encode,
    load_encoder,
    mean_pool,
    model_fingerprint,
    pick_device,
)
from retrieval.errors import IndexNotFoundError, InvalidQueryError, RetrievalConfigError


def test_unit_float32_rows_in_input_order(tiny_encoder: Encoder) -> None:
    texts = ["track my package please", "cancel", "how do i reset my password now"]
    batch = encode(tiny_encoder, texts, batch_size=2)
    assert batch.shape == (3, 32) and batch.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    one_by_one = np.vstack([encode(tiny_encoder, [t]) for t in texts])
    np.testing.assert_allclose(batch, one_by_one, atol=1e-5)


def test_mean_pool_ignores_padding() -> None:
    import torch

    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]])
    mask = torch.tensor([[1, 1, 0]])
    assert mean_pool(hidden, mask).tolist() == [[2.0, 3.0]]


@pytest.mark.parametrize("bad", [[""], ["   "], ["ok", None], "just a string"])
def test_empty_or_wrong_texts(tiny_encoder: Encoder, bad: object) -> None:
    with pytest.raises(InvalidQueryError):
        encode(tiny_encoder, bad)  # type: ignore[arg-type]


def test_ten_thousand_characters_are_cut_not_refused(tiny_encoder: Encoder) -> None:
    long = "where is my package " * 500  # 10,000 characters
    vector = encode(tiny_encoder, [long], max_length=32)
    cut = encode(tiny_encoder, [long[:400]], max_length=32)
    np.testing.assert_allclose(vector, cut, atol=1e-5)


def test_missing_model_folder(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="no config.json"):
        load_encoder(str(tmp_path / "nowhere"))


def test_fingerprint_tells_models_apart(
    tmp_path: Path, tiny_bert, tiny_bert_dir: Path
) -> None:
    other = tiny_bert(tmp_path / "other", seed=1)
    assert model_fingerprint(other) != model_fingerprint(tiny_bert_dir)
    assert model_fingerprint(tiny_bert_dir) == model_fingerprint(tiny_bert_dir)


def test_device_choice() -> None:
    import torch

    assert pick_device("cpu") == "cpu"
    assert pick_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(RetrievalConfigError, match="torch sees no GPU"):
            pick_device("cuda")


def test_packaged_minilm_ranks_paraphrase_first() -> None:
    """The one test on the real all-MiniLM-L6-v2 checkpoint."""
    encoder = load_encoder(None, device="cpu")
    assert encoder.dim == 384
    vectors = encode(
        encoder,
        [
            "how can I cancel my order",
            "I want to cancel a purchase",
            "reset my password",
        ],
    )
    scores = vectors[0] @ vectors[1:].T
    assert scores[0] > scores[1] + 0.2


@pytest.mark.gpu
def test_cuda_matches_cpu(tiny_bert_dir: Path) -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("torch sees no GPU")
    texts = ["track my package", "cancel my order please"]
    cpu = encode(load_encoder(str(tiny_bert_dir), device="cpu"), texts)
    gpu = encode(load_encoder(str(tiny_bert_dir), device="cuda"), texts)
    np.testing.assert_allclose(cpu, gpu, atol=1e-4)
