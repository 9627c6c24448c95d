"""Opt-in int8 dynamic quantisation of a trained intent model (tiny random BERT)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from finetune.config import TrainConfig
from finetune.errors import ConfigError
from finetune.model import ADAPTER_FILES, IntentModel
from finetune.quantize import (
    check_quantize,
    inference_device,
    quantize_intent_model,
    quantize_module_int8,
)
from finetune.train import train_intent_model

# The same tiny training set as the model tests.
from tests.finetune.test_finetune_model import LABELS, TEXTS

PROBES = [
    "where is my parcel",
    "cancel the order please",
    "hi there good morning",
    "can you help me track the package",
    "i need to stop my order 12345",
    "hey",
    "x" * 500,
    "🙂🙂",
]


@pytest.fixture(scope="module")
def fp32(tiny_bert_dir: Path) -> IntentModel:
    config = TrainConfig(
        base_model=str(tiny_bert_dir),
        rank=8,
        alpha=16,
        epochs=30,
        learning_rate=1e-2,
        batch_size=4,
        label_smoothing=0.0,
        validation_fraction=0.25,
        early_stopping_patience=0,
        device="cpu",
    )
    return train_intent_model(TEXTS, LABELS, config)


@pytest.fixture(scope="module")
def int8(fp32: IntentModel) -> IntentModel:
    return quantize_intent_model(fp32, "int8")


@pytest.mark.parametrize(
    ("value", "device"),
    [("none", "auto"), ("int8", "auto"), ("int8", "cpu"), ("none", "cuda:1")],
)
def test_check_quantize_accepts_allowed_modes(value: str, device: str) -> None:
    assert check_quantize(value, device=device) == value


@pytest.mark.parametrize("value", ["fp16", "INT8", "", None, 8, True, ["int8"]])
def test_check_quantize_names_key_value_and_allowed_modes(value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        check_quantize(value)
    assert str(caught.value) == (
        f"quantize must be one of ['none', 'int8'], got {value!r}."
    )
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("device", ["cuda", "cuda:0"])
def test_int8_with_explicit_cuda_device_is_refused(device: str) -> None:
    with pytest.raises(ConfigError, match=f"CPU only, but device is '{device}'"):
        check_quantize("int8", device=device)


@pytest.mark.parametrize(
    ("device", "quantize", "expected"),
    [
        ("auto", "int8", "cpu"),
        ("auto", "none", "auto"),
        ("cpu", "int8", "cpu"),
        ("cuda", "none", "cuda"),
    ],
)
def test_inference_device(device: str, quantize: str, expected: str) -> None:
    assert inference_device(device, quantize) == expected


def test_none_returns_the_model_itself(fp32: IntentModel) -> None:
    assert quantize_intent_model(fp32, "none") is fp32
    assert fp32.quantization == "none"


def test_invalid_mode_is_rejected_before_any_work(fp32: IntentModel) -> None:
    with pytest.raises(ConfigError, match="got 'int4'"):
        quantize_intent_model(fp32, "int4")


def test_int8_copy_quantises_every_linear_and_leaves_the_original(
    fp32: IntentModel, int8: IntentModel
) -> None:
    assert int8 is not fp32 and int8.model is not fp32.model
    assert int8.quantization == "int8"
    assert (int8.labels, int8.temperature) == (fp32.labels, fp32.temperature)
    assert int8.device.type == "cpu"
    kinds = {type(m) for m in int8.model.modules()}
    assert torch.nn.Linear not in kinds
    assert torch.ao.nn.quantized.dynamic.Linear in kinds
    # One weight scale per output channel (per-tensor cost Banking77 1.6 points).
    quantized = [
        m
        for m in int8.model.modules()
        if isinstance(m, torch.ao.nn.quantized.dynamic.Linear)
    ]
    assert all(m.weight().qscheme() == torch.per_channel_affine for m in quantized)
    # The source keeps its float layers.
    linears = [m for m in fp32.model.modules() if type(m) is torch.nn.Linear]
    assert linears and all(m.weight.dtype == torch.float32 for m in linears)


def test_int8_mostly_agrees_with_fp32_and_gives_distributions(
    fp32: IntentModel, int8: IntentModel
) -> None:
    texts = TEXTS + PROBES
    # One message at a time, as the Rasa component parses.
    before = np.vstack([fp32.predict_proba([t]) for t in texts])
    after = np.vstack([int8.predict_proba([t]) for t in texts])
    agreement = float(np.mean(before.argmax(axis=1) == after.argmax(axis=1)))
    assert agreement >= 0.9
    assert np.allclose(after.sum(axis=1), 1.0)
    assert np.all((after >= 0.0) & (after <= 1.0))
    assert float(np.abs(after - before).max()) < 0.05
    assert not np.array_equal(after, before), "int8 must actually change numbers"
    # Blank messages still get the uniform distribution.
    assert np.allclose(int8.predict_proba(["", "  "]), 1 / len(int8.labels))


def test_saving_an_int8_model_writes_the_same_fp32_files(
    fp32: IntentModel, int8: IntentModel, tmp_path: Path
) -> None:
    original = fp32.save(tmp_path / "fp32")
    quantised = int8.save(tmp_path / "int8")
    for name in (*ADAPTER_FILES, "labels.json", "calibration.json"):
        assert (quantised / name).read_bytes() == (original / name).read_bytes()
    reloaded = IntentModel.load(quantised, device="cpu")
    assert reloaded.quantization == "none"
    assert np.array_equal(reloaded.predict_proba(PROBES), fp32.predict_proba(PROBES))


def test_model_off_the_cpu_is_refused() -> None:
    with torch.device("meta"):
        model = torch.nn.Sequential(torch.nn.Linear(4, 2))
    with pytest.raises(ConfigError, match=r"CPU only, but the model is on \['meta'\]"):
        quantize_module_int8(model)


def test_quantize_module_int8_keeps_outputs_close() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4)
    ).eval()
    inputs = torch.randn(8, 16)
    quantised = quantize_module_int8(model)
    with torch.inference_mode():
        expected, actual = model(inputs), quantised(inputs)
    assert torch.allclose(actual, expected, atol=0.05)
    assert type(model[0]) is torch.nn.Linear
