"""The kNN blend end to end on a tiny random BERT: training, prediction, files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from finetune.calibration import softmax
from finetune.config import TrainConfig
from finetune.errors import ConfigError, ModelCorruptError, ModelFileMissingError
from finetune.model import NEIGHBOURS_FILE, IntentModel
from finetune.quantize import quantize_intent_model
from finetune.train import train_intent_model

TEXTS = [
    "where is my order", "track my package", "has my parcel shipped",
    "order status please", "where is the parcel", "track the order",
    "cancel my order", "i want to cancel", "stop my purchase",
    "please cancel the order", "cancel it", "stop the order",
    "hello", "hi there", "good morning", "hey",
    "hi", "hello there",
]  # fmt: skip
LABELS = ["track"] * 6 + ["cancel"] * 6 + ["greet"] * 6
PROBES = ["where is my parcel 12345", "cancel the order", "hi", "", "x" * 2_000, "🙂"]


def config(base: Path, **changes: object) -> TrainConfig:
    settings: dict[str, object] = {
        "base_model": str(base),
        "epochs": 5,
        "learning_rate": 1e-2,
        "batch_size": 4,
        "validation_fraction": 0.2,
        "early_stopping_patience": 0,
        "device": "cpu",
        "knn_weight": 0.5,
        "knn_neighbours": 3,
    }
    settings.update(changes)
    return TrainConfig.from_dict(settings)


@pytest.fixture(scope="module")
def blended(tiny_bert_dir: Path) -> IntentModel:
    return train_intent_model(TEXTS, LABELS, config(tiny_bert_dir))


def test_training_indexes_the_training_utterances(blended: IntentModel) -> None:
    index = blended.neighbour_index
    assert index is not None and blended.sentence_encoder is not None
    # The validation share (1 of 6 per intent) is held out of the index too.
    assert len(index.features) == blended.info["train_examples"] == 15
    assert index.dim == 32 and index.num_labels == 3
    assert 0.0 <= blended.info["validation_accuracy_blended"] <= 1.0
    assert 0.0 <= blended.info["validation_ece_blended"] <= 1.0


def test_probabilities_are_the_weighted_mix_of_classifier_and_vote(
    blended: IntentModel,
) -> None:
    assert blended.sentence_encoder is not None and blended.neighbour_index is not None
    classifier = softmax(blended.predict_logits(PROBES), blended.temperature)
    votes = blended.neighbour_index.vote(blended.sentence_encoder.encode(PROBES), 3)
    mixed = blended.predict_proba(PROBES)
    assert np.allclose(mixed, 0.5 * classifier + 0.5 * votes)
    assert np.allclose(mixed.sum(axis=1), 1.0)
    assert np.allclose(mixed[3], 1 / 3)  # blank: both halves uniform
    # The vote is not a copy of the classifier: the blend changes the figures.
    assert not np.allclose(mixed, classifier)


def test_sentence_encoder_is_the_frozen_base_and_sees_raw_text(
    blended: IntentModel, tiny_bert_dir: Path
) -> None:
    from transformers import AutoModel

    encoder = blended.sentence_encoder
    assert encoder is not None
    base = AutoModel.from_pretrained(str(tiny_bert_dir), add_pooling_layer=False)
    for name, weight in base.state_dict().items():
        assert torch.equal(encoder.encoder.state_dict()[name], weight), name
    # No number masking: the frozen encoder never saw the [MASK] token.
    assert encoder.prepare("order 12345") == "order 12345"
    rows = encoder.encode(["order 12345", "order [MASK]", "  "])
    assert not np.allclose(rows[0], rows[1])
    assert np.all(rows[2] == 0)


def test_save_load_round_trip_keeps_the_blend(
    blended: IntentModel, tmp_path: Path
) -> None:
    folder = blended.save(tmp_path / "model")
    assert (folder / NEIGHBOURS_FILE).is_file()
    loaded = IntentModel.load(folder, device="cpu")
    assert loaded.config.knn_weight == 0.5
    assert np.array_equal(loaded.predict_proba(PROBES), blended.predict_proba(PROBES))


def test_missing_or_corrupt_index_is_a_clear_error(
    blended: IntentModel, tmp_path: Path
) -> None:
    folder = blended.save(tmp_path / "model")
    (folder / NEIGHBOURS_FILE).write_bytes(b"garbage")
    with pytest.raises(ModelCorruptError, match="neighbours.npz.*python -m finetune"):
        IntentModel.load(folder, device="cpu")
    (folder / NEIGHBOURS_FILE).unlink()
    with pytest.raises(
        ModelFileMissingError, match="lacks 'neighbours.npz'.*knn_weight 0.5"
    ):
        IntentModel.load(folder, device="cpu")


def test_without_blend_no_index_is_built_or_saved(
    tiny_bert_dir: Path, tmp_path: Path
) -> None:
    plain = train_intent_model(
        TEXTS, LABELS, config(tiny_bert_dir, knn_weight=0.0, epochs=1)
    )
    assert plain.neighbour_index is None and plain.sentence_encoder is None
    assert "validation_accuracy_blended" not in plain.info
    folder = plain.save(tmp_path / "plain")
    assert not (folder / NEIGHBOURS_FILE).exists()


def test_int8_quantises_the_sentence_encoder_too(blended: IntentModel) -> None:
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    quantized = quantize_intent_model(blended, "int8")
    assert quantized.sentence_encoder is not None
    layers = list(quantized.sentence_encoder.encoder.modules())
    assert any(isinstance(m, DynamicLinear) for m in layers)
    assert not any(type(m) is torch.nn.Linear for m in layers)
    # The original keeps its float encoder.
    assert blended.sentence_encoder is not None
    assert any(
        type(m) is torch.nn.Linear for m in blended.sentence_encoder.encoder.modules()
    )
    assert quantized.neighbour_index is blended.neighbour_index
    probabilities = quantized.predict_proba(PROBES)
    assert np.allclose(probabilities.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"knn_weight": 1.0}, "knn_weight must be >= 0.0 and < 1.0"),
        ({"knn_weight": -0.1}, "knn_weight"),
        ({"knn_weight": "half"}, "knn_weight must be a number"),
        ({"knn_neighbours": 0}, "knn_neighbours must be >= 1"),
        ({"knn_neighbours": 2.5}, "knn_neighbours must be an integer"),
    ],
)
def test_knn_settings_are_validated(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        TrainConfig.from_dict(changes)
