"""TrainConfig validation, serialisation and CLI-facing help."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from finetune.config import TrainConfig, field_help
from finetune.errors import ConfigError


def test_defaults_are_valid_and_round_trip(tmp_path: Path) -> None:
    config = TrainConfig()
    assert TrainConfig.from_dict(config.to_dict()) == config
    config.save(tmp_path / "train_config.json")
    assert TrainConfig.load(tmp_path / "train_config.json") == config
    assert json.loads((tmp_path / "train_config.json").read_text())[
        "target_modules"
    ] == list(config.target_modules)


def test_every_field_has_help() -> None:
    helps = field_help()
    assert set(helps) == {f.name for f in dataclasses.fields(TrainConfig)}
    assert all(text.strip() for text in helps.values())


def test_normalises_lists_and_numbers() -> None:
    config = TrainConfig(target_modules=["query", "value"], dropout=0)  # type: ignore[arg-type]
    assert config.target_modules == ("query", "value")
    assert isinstance(config.dropout, float)
    assert TrainConfig(target_modules="all-linear").target_modules == ("all-linear",)  # type: ignore[arg-type]


def test_replace_validates_again() -> None:
    assert TrainConfig().replace(epochs=7).epochs == 7
    with pytest.raises(ConfigError, match="epochs"):
        TrainConfig().replace(epochs=0)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rank": 0}, "rank"),
        ({"rank": 2.5}, "rank"),
        ({"rank": True}, "rank"),
        ({"alpha": 0}, "alpha"),
        ({"alpha": "big"}, "alpha"),
        ({"alpha": 8.5}, "alpha"),
        ({"dropout": 1.0}, "dropout"),
        ({"dropout": -0.1}, "dropout"),
        ({"epochs": 0}, "epochs"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"max_length": 4}, "max_length"),
        ({"max_length": 1024}, "max_length"),
        ({"seed": -1}, "seed"),
        ({"weight_decay": -0.01}, "weight_decay"),
        ({"warmup_ratio": 1.0}, "warmup_ratio"),
        ({"label_smoothing": 1.0}, "label_smoothing"),
        ({"validation_fraction": 0.5}, "validation_fraction"),
        ({"early_stopping_patience": -1}, "early_stopping_patience"),
        ({"train_head": "yes"}, "train_head"),
        ({"device": "tpu"}, "device"),
        ({"pooling": "max"}, "pooling"),
        ({"cpu_threads": -1}, "cpu_threads"),
        ({"token_dropout": 1.0}, "token_dropout"),
        ({"mask_numbers": 1}, "mask_numbers"),
        ({"base_model": ""}, "base_model"),
        ({"target_modules": []}, "target_modules"),
        ({"target_modules": ["query", ""]}, "target_modules"),
        ({"target_modules": ["all-linear", "query"]}, "target_modules"),
        ({"target_modules": 3}, "target_modules"),
    ],
)
def test_bad_values_raise_config_error_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ConfigError, match=field) as caught:
        TrainConfig.from_dict(changes)
    assert isinstance(caught.value, ValueError)
    message = str(caught.value)
    # The message shows the offending value ("got ...") or the conflict.
    assert "got" in message or "mixes" in message


def test_unknown_key_lists_allowed_keys() -> None:
    with pytest.raises(
        ConfigError, match="unknown training config key.*'lr'.*learning_rate"
    ):
        TrainConfig.from_dict({"lr": 0.1})


def test_from_dict_rejects_non_mapping() -> None:
    with pytest.raises(ConfigError, match="JSON object"):
        TrainConfig.from_dict([1, 2])  # type: ignore[arg-type]


def test_load_reports_missing_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        TrainConfig.load(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid JSON"):
        TrainConfig.load(broken)


def test_cuda_index_is_accepted() -> None:
    assert TrainConfig(device="cuda:1").device == "cuda:1"
