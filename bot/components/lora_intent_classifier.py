"""Rasa intent classifier: a LoRA-fine-tuned BERT (see :mod:`finetune`).

Use it in ``config.yml``::

    pipeline:
      - name: bot.components.lora_intent_classifier.LoraIntentClassifier
        epochs: 4

It tokenizes raw message text itself, so it needs no Rasa tokenizer or
featurizer. The fine-tuned adapter, head, tokenizer and label map are stored in
the component's model-storage resource; the base checkpoint is referenced by
name and resolved locally (see :mod:`finetune.base_model`).

``quantize: "int8"`` (default ``"none"``) quantises the loaded model's linear
layers to int8 for faster CPU parsing (see :mod:`finetune.quantize` and
``python -m finetune.bench_latency``); it only changes loading, not training or
the stored files.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.exceptions import InvalidConfigException, RasaException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import EPOCHS, RANKING_LENGTH

from bot.components.ranking import rank_intents
from bot.components.threads import THREADS_ENV, set_inference_threads
from finetune.config import TrainConfig
from finetune.errors import ConfigError, FinetuneError
from finetune.quantize import (
    NO_QUANTIZATION,
    QUANTIZE_KEY,
    check_quantize,
    inference_device,
)

if TYPE_CHECKING:
    from finetune.model import IntentModel

logger = logging.getLogger(__name__)

_DEFAULTS = TrainConfig()
# Keys Rasa itself may add to a component's config (``rasa train --finetune``).
_RASA_KEYS = frozenset({"finetuning_epoch_fraction"})
# Inference-only keys: not part of the fine-tuning TrainConfig.
_INFERENCE_KEYS = frozenset({RANKING_LENGTH, QUANTIZE_KEY})


class IntentTrainingError(RasaException, ValueError):
    """The training data cannot train the LoRA intent classifier."""


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LoraIntentClassifier(IntentClassifier, GraphComponent):
    """Intent classifier fine-tuning a BERT with LoRA on the NLU examples."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Components needed before this one (none: it tokenizes raw text)."""
        return []

    @staticmethod
    def required_packages() -> list[str]:
        """Extra Python packages this component needs."""
        return ["torch", "transformers", "peft"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            # Base checkpoint: the packaged all-MiniLM-L6-v2 by name, a local
            # folder with config.json, or a name in the local HF cache. Keep it a
            # name so the model fingerprint does not depend on the machine.
            "base_model": _DEFAULTS.base_model,
            # LoRA rank r of the low-rank weight update.
            "rank": _DEFAULTS.rank,
            # LoRA alpha; the update is scaled by alpha / rank.
            "alpha": _DEFAULTS.alpha,
            # Dropout on the input of the LoRA branch.
            "dropout": _DEFAULTS.dropout,
            # Linear layers that get adapters (name suffixes) or ["all-linear"].
            "target_modules": list(_DEFAULTS.target_modules),
            # Maximum passes over the training data (early stopping may end
            # sooner); scaled by `rasa train --finetune` epoch fraction.
            EPOCHS: _DEFAULTS.epochs,
            # Peak AdamW learning rate.
            "learning_rate": _DEFAULTS.learning_rate,
            # Training examples per optimiser step.
            "batch_size": _DEFAULTS.batch_size,
            # Token limit per message; longer messages are truncated.
            "max_length": _DEFAULTS.max_length,
            # Seed for initialisation and shuffling (training is deterministic
            # on CPU for a given seed).
            "seed": _DEFAULTS.seed,
            # AdamW decoupled weight decay.
            "weight_decay": _DEFAULTS.weight_decay,
            # Fraction of steps with linear learning-rate warm-up.
            "warmup_ratio": _DEFAULTS.warmup_ratio,
            # Cross-entropy label smoothing.
            "label_smoothing": _DEFAULTS.label_smoothing,
            # Replace words with digits (order numbers, amounts) by the mask token.
            "mask_numbers": _DEFAULTS.mask_numbers,
            # Chance of masking each training token (robustness augmentation).
            "token_dropout": _DEFAULTS.token_dropout,
            # Share of each intent held out for early stopping and confidence
            # calibration (temperature scaling); 0 disables both.
            "validation_fraction": _DEFAULTS.validation_fraction,
            # Epochs without validation improvement before stopping; 0 = never.
            "early_stopping_patience": _DEFAULTS.early_stopping_patience,
            # Sentence representation for the classifier: "mean" (masked mean of
            # token states, as all-MiniLM-L6-v2 was trained) or "cls" ([CLS]
            # through the pretrained pooler, AutoModelForSequenceClassification).
            "pooling": _DEFAULTS.pooling,
            # With pooling "cls": also train the pooler of the head fully.
            "train_head": _DEFAULTS.train_head,
            # Output layer start: "probe" fits it on the frozen encoder first
            # (LP-FT; more robust to new phrasings), "random" does not.
            "head_init": _DEFAULTS.head_init,
            # Share of each prediction taken from a vote of the k training
            # utterances nearest to the message in the frozen base encoder's
            # sentence space; 0 disables it. Costs a second encoder pass per
            # message and stores the training embeddings with the model.
            "knn_weight": _DEFAULTS.knn_weight,
            # Neighbours k that vote when knn_weight > 0.
            "knn_neighbours": _DEFAULTS.knn_neighbours,
            # torch threads while training on CPU; 0 = the idle cores (CPU count
            # minus the load average): busy cores slow training several-fold.
            "cpu_threads": _DEFAULTS.cpu_threads,
            # "auto" (CUDA when torch sees a GPU), "cpu" or "cuda".
            "device": _DEFAULTS.device,
            # Inference only: "none" runs the model as trained (fp32); "int8"
            # dynamically quantises its linear layers when the model is loaded,
            # for faster CPU parsing (see reports/nlu_latency.json). CPU only:
            # device "auto" then loads on the CPU, device "cuda" is rejected.
            # Training and the saved files are the same either way, but Rasa
            # fingerprints the whole config, so changing it retrains.
            QUANTIZE_KEY: NO_QUANTIZATION,
            # Number of intents in `intent_ranking`; 0 lists all of them.
            RANKING_LENGTH: LABEL_RANKING_LENGTH,
        }

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
        model: IntentModel | None = None,
    ) -> None:
        """Construct a classifier, trained when ``model`` is given."""
        self.name = name
        self.config = {**self.get_default_config(), **config}
        self.validate_config(self.config)
        self._model = model
        # We need these later when saving the trained component.
        self._model_storage = model_storage
        self._resource = resource

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LoraIntentClassifier:
        """Creates a new untrained component (see parent class for full docstring)."""
        return cls(config, execution_context.node_name, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LoraIntentClassifier:
        """Loads a trained component (see parent class for full docstring)."""
        merged = {**cls.get_default_config(), **config}
        cls.validate_config(merged)
        try:
            with model_storage.read_from(resource) as model_dir:
                model = cls._load_intent_model(
                    model_dir / resource.name, merged["device"], merged[QUANTIZE_KEY]
                )
        except FinetuneError:
            raise
        except ValueError:
            logger.warning(
                "Could not load '%s': resource '%s' does not exist in the model "
                "storage. Using an untrained classifier that leaves messages "
                "without intent; retrain with `rasa train`.",
                cls.__name__,
                resource.name,
            )
            return cls.create(config, model_storage, resource, execution_context)
        return cls(config, execution_context.node_name, model_storage, resource, model)

    @staticmethod
    def _load_intent_model(path: Path, device: str, quantize: str) -> IntentModel:
        """Load the saved model folder (heavy: imports torch/transformers)."""
        from finetune.model import IntentModel
        from finetune.quantize import quantize_intent_model

        set_inference_threads(os.environ.get(THREADS_ENV))
        model = IntentModel.load(path, device=inference_device(device, quantize))
        return quantize_intent_model(model, quantize)

    def train(self, training_data: TrainingData) -> Resource:
        """Fine-tune on the NLU intent examples and persist the result."""
        examples = [
            example
            for example in training_data.intent_examples
            if example.get(INTENT) and (example.get(TEXT) or "").strip()
        ]
        if not examples:
            logger.warning(
                "Cannot train '%s': the training data has no intent examples. "
                "Skipping training of the classifier.",
                self.__class__.__name__,
            )
            return self._resource
        texts = [example.get(TEXT) for example in examples]
        labels = [example.get(INTENT) for example in examples]
        self._model = self._train_intent_model(texts, labels)
        self.persist()
        return self._resource

    def _train_intent_model(self, texts: list[str], labels: list[str]) -> IntentModel:
        """Run the fine-tuning (heavy: imports torch/transformers/peft)."""
        from finetune.train import train_intent_model

        try:
            return train_intent_model(
                texts,
                labels,
                self.train_config(self.config),
                show_progress_bar=sys.stderr.isatty(),
            )
        except FinetuneError as err:
            raise IntentTrainingError(
                f"'{self.__class__.__name__}' could not be trained: {err}"
            ) from err

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets `intent` and `intent_ranking` on each message."""
        if self._model is None:
            logger.warning(
                "'%s' is not trained. Skipping intent prediction.",
                self.__class__.__name__,
            )
            return messages
        texts = [message.get(TEXT) or "" for message in messages]
        probabilities = self._model.predict_proba(texts)
        for message, row in zip(messages, probabilities, strict=False):
            intent, ranking = rank_intents(
                row.tolist(), self._model.labels, self.config[RANKING_LENGTH]
            )
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Returns the training data unchanged (see parent class)."""
        return training_data

    def persist(self) -> None:
        """Writes the trained model into this component's resource."""
        if self._model is None:
            return
        with self._model_storage.write_to(self._resource) as model_dir:
            path = self._model.save(model_dir / self._resource.name)
            logger.debug("Saved '%s' to '%s'.", self.__class__.__name__, path)

    def is_trained(self) -> bool:
        """Whether the classifier holds a trained model."""
        return self._model is not None

    @property
    def trainable_parameters(self) -> int:
        """Parameters trained by fine-tuning (LoRA + head); 0 when untrained."""
        return 0 if self._model is None else self._model.trainable_parameters

    @property
    def intent_model(self) -> IntentModel | None:
        """The underlying fine-tuned model, or None when untrained."""
        return self._model

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Checks every key and value; raises InvalidConfigException."""
        allowed = set(cls.get_default_config()) | _RASA_KEYS
        unknown = sorted(set(config) - allowed)
        if unknown:
            raise InvalidConfigException(
                f"{cls.__name__}: unknown config key(s) {unknown}; allowed keys: "
                f"{sorted(allowed - _RASA_KEYS)}."
            )
        ranking_length = config.get(RANKING_LENGTH, LABEL_RANKING_LENGTH)
        if (
            isinstance(ranking_length, bool)
            or not isinstance(ranking_length, int)
            or ranking_length < 0
        ):
            raise InvalidConfigException(
                f"{cls.__name__}: '{RANKING_LENGTH}' must be an integer >= 0 "
                f"(0 lists every intent), got {ranking_length!r}."
            )
        try:
            cls.train_config(config)
            check_quantize(
                config.get(QUANTIZE_KEY, NO_QUANTIZATION),
                device=config.get("device", _DEFAULTS.device),
            )
        except ConfigError as err:
            raise InvalidConfigException(f"{cls.__name__}: {err}") from err

    @classmethod
    def train_config(cls, config: dict[str, Any]) -> TrainConfig:
        """Map this component's config onto the fine-tuning :class:`TrainConfig`.

        Args:
            config: the component config (defaults merged in or not).

        Returns:
            The training configuration.

        Raises:
            ConfigError: a value is invalid.
        """
        merged = {**cls.get_default_config(), **config}
        fields = {
            key: value
            for key, value in merged.items()
            if key not in _RASA_KEYS and key not in _INFERENCE_KEYS
        }
        return TrainConfig.from_dict(fields)
