"""The trained intent model: tokenizer + LoRA-merged BERT + labels + temperature.

A saved model folder holds only the LoRA adapter and the classification head
(``adapter_config.json``, ``adapter_model.safetensors``), the tokenizer files,
``labels.json``, ``calibration.json``, ``train_config.json`` and
``training_info.json``, and with ``knn_weight`` > 0 ``neighbours.npz`` (the
frozen-encoder embeddings of the training utterances, see
:mod:`finetune.neighbours`). The base checkpoint is referenced by name
(``train_config.json`` → ``base_model``) and resolved locally at load time.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from finetune.base_model import resolve_base_model
from finetune.batching import inference_batches
from finetune.calibration import softmax
from finetune.config import TrainConfig
from finetune.data import mask_numbers
from finetune.errors import ConfigError, ModelCorruptError, ModelFileMissingError
from finetune.neighbours import NeighbourIndex, blend
from finetune.sentence_encoder import SentenceEncoder

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedTokenizerBase

logger = logging.getLogger(__name__)

ADAPTER_CONFIG_FILE = "adapter_config.json"
ADAPTER_WEIGHTS_FILE = "adapter_model.safetensors"
LABELS_FILE = "labels.json"
CALIBRATION_FILE = "calibration.json"
CONFIG_FILE = "train_config.json"
INFO_FILE = "training_info.json"
NEIGHBOURS_FILE = "neighbours.npz"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
ADAPTER_FILES = (ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE)
REQUIRED_FILES = (
    *ADAPTER_FILES,
    LABELS_FILE,
    CALIBRATION_FILE,
    CONFIG_FILE,
    TOKENIZER_CONFIG_FILE,
)
PREDICT_BATCH_SIZE = 64
FIX_HINT = "retrain it with `python -m finetune train --data DATA --out {path}`"


class IntentModel:
    """A fine-tuned intent classifier ready for inference.

    Build one with :func:`finetune.train.train_intent_model` or
    :meth:`IntentModel.load`; the LoRA weights are merged into the base model, so
    inference costs the same as the plain BERT.

    Attributes:
        labels: intent names, index-aligned with the probability columns.
        temperature: calibration temperature dividing the logits.
        config: the configuration the model was trained with.
        trainable_parameters: number of parameters trained (LoRA + head).
        info: training record (history, data sizes, versions).
        device: the torch device the model runs on.
        quantization: ``"none"``, or ``"int8"`` for a copy made by
            :func:`finetune.quantize.quantize_intent_model` (inference only;
            :meth:`save` still writes the fp32 adapter).
        sentence_encoder: the frozen base encoder, when ``config.knn_weight``
            > 0 (else None).
        neighbour_index: the training utterances' embeddings that vote, with
            ``sentence_encoder``.
    """

    def __init__(
        self,
        *,
        tokenizer: PreTrainedTokenizerBase,
        model: torch.nn.Module,
        labels: Sequence[str],
        temperature: float,
        config: TrainConfig,
        adapter_files: dict[str, bytes],
        info: dict[str, Any],
        device: torch.device,
        quantization: str = "none",
        sentence_encoder: SentenceEncoder | None = None,
        neighbour_index: NeighbourIndex | None = None,
    ) -> None:
        """Assemble a model from loaded parts; use :meth:`load` instead."""
        if (sentence_encoder is None) != (neighbour_index is None):
            raise ValueError(
                "pass both sentence_encoder and neighbour_index, or neither."
            )
        self.tokenizer = tokenizer
        self.model = model
        self.labels: tuple[str, ...] = tuple(labels)
        self.temperature = float(temperature)
        self.config = config
        self.info = dict(info)
        self.trainable_parameters = int(self.info.get("trainable_parameters", 0))
        self.device = device
        self.quantization = quantization
        self._adapter_files = dict(adapter_files)
        self._prepare = text_preparer(config, tokenizer)
        self.sentence_encoder = sentence_encoder
        self.neighbour_index = neighbour_index

    def with_network(
        self,
        model: torch.nn.Module,
        quantization: str,
        sentence_encoder: SentenceEncoder | None = None,
    ) -> IntentModel:
        """A copy of this model that runs ``model`` instead of its own network.

        Args:
            model: a network with the same inputs and outputs (e.g. a quantised
                copy of :attr:`model`).
            quantization: how ``model`` was derived, e.g. ``"int8"``.
            sentence_encoder: replaces :attr:`sentence_encoder` when given.

        Returns:
            A new model sharing tokenizer, labels, temperature, config, training
            record and adapter files with this one.
        """
        return IntentModel(
            tokenizer=self.tokenizer,
            model=model,
            labels=self.labels,
            temperature=self.temperature,
            config=self.config,
            adapter_files=self._adapter_files,
            info=self.info,
            device=self.device,
            quantization=quantization,
            sentence_encoder=sentence_encoder or self.sentence_encoder,
            neighbour_index=self.neighbour_index,
        )

    def predict_logits(
        self, texts: Sequence[str], *, batch_size: int = PREDICT_BATCH_SIZE
    ) -> npt.NDArray[np.float64]:
        """Raw (uncalibrated) logits for each text.

        Blank texts (empty or whitespace only) get all-zero logits, i.e. a uniform
        distribution: they carry no evidence for any intent.

        Args:
            texts: messages; each is truncated to ``config.max_length`` tokens.
            batch_size: messages per forward pass.

        Returns:
            Array of shape (len(texts), len(labels)).

        Raises:
            TypeError: an element of ``texts`` is not a string.
        """
        import torch

        if isinstance(texts, str):
            raise TypeError("predict_logits expects a sequence of strings, not a str.")
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"texts must be strings, got {type(text).__name__}.")
        logits = np.zeros((len(texts), len(self.labels)), dtype=np.float64)
        batches = inference_batches(
            self.tokenizer,
            texts,
            prepare=self._prepare,
            max_length=self.config.max_length,
            batch_size=batch_size,
            device=self.device,
        )
        with torch.inference_mode():
            for chunk, encoded in batches:
                output = self.model(**encoded).logits
                logits[chunk] = output.float().cpu().numpy()
        return logits

    def predict_proba(
        self, texts: Sequence[str], *, batch_size: int = PREDICT_BATCH_SIZE
    ) -> npt.NDArray[np.float64]:
        """Calibrated intent probabilities for each text.

        With a neighbour index (``config.knn_weight`` > 0) the classifier's
        probabilities are blended with the vote of the training utterances
        nearest in the frozen encoder's space (:mod:`finetune.neighbours`).

        Args:
            texts: messages; blank ones get a uniform distribution.
            batch_size: messages per forward pass.

        Returns:
            Array of shape (len(texts), len(labels)); rows sum to 1.

        Raises:
            TypeError: an element of ``texts`` is not a string.
        """
        logits = self.predict_logits(texts, batch_size=batch_size)
        if len(texts) == 0:
            return logits
        probabilities = softmax(logits, self.temperature)
        if self.sentence_encoder is None or self.neighbour_index is None:
            return probabilities
        votes = self.neighbour_index.vote(
            self.sentence_encoder.encode(texts, batch_size=batch_size),
            self.config.knn_neighbours,
        )
        return blend(probabilities, votes, self.config.knn_weight)

    def predict(self, texts: Sequence[str]) -> list[str]:
        """Most likely intent for each text.

        Args:
            texts: messages.

        Returns:
            One label per text.
        """
        probabilities = self.predict_proba(texts)
        return [self.labels[i] for i in probabilities.argmax(axis=1)]

    def save(self, directory: Path | str) -> Path:
        """Write the adapter, head, tokenizer, labels, temperature and config.

        Args:
            directory: target folder; created if missing, files overwritten.

        Returns:
            The folder written.
        """
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in self._adapter_files.items():
            (folder / name).write_bytes(content)
        self.tokenizer.save_pretrained(str(folder))
        write_model_files(
            folder,
            labels=self.labels,
            temperature=self.temperature,
            config=self.config,
            info=self.info,
        )
        if self.neighbour_index is not None:
            self.neighbour_index.save(folder / NEIGHBOURS_FILE)
        logger.info(
            "Saved intent model (%d intents) to '%s'.", len(self.labels), folder
        )
        return folder

    @classmethod
    def load(cls, directory: Path | str, device: str = "auto") -> IntentModel:
        """Load a model folder written by :meth:`save`.

        Args:
            directory: the model folder.
            device: ``"auto"`` (CUDA when available), ``"cpu"`` or ``"cuda"``.

        Returns:
            The model, LoRA merged into the base weights, in eval mode.

        Raises:
            ModelFileMissingError: the folder or one of its files is missing.
            ModelCorruptError: a file is unreadable or inconsistent.
            BaseModelNotFoundError: the recorded base model is not available.
            ConfigError: ``device`` is invalid or CUDA is not available.
        """
        folder = Path(directory)
        hint = FIX_HINT.format(path=folder)
        if not folder.is_dir():
            raise ModelFileMissingError(
                f"intent model folder '{folder}' does not exist; {hint}."
            )
        for name in REQUIRED_FILES:
            if not (folder / name).is_file():
                raise ModelFileMissingError(
                    f"intent model folder '{folder}' lacks '{name}'; {hint}."
                )
        labels = _read_labels(folder / LABELS_FILE, hint)
        temperature = _read_temperature(folder / CALIBRATION_FILE, hint)
        try:
            config = TrainConfig.load(folder / CONFIG_FILE)
        except ConfigError as err:
            raise ModelCorruptError(
                f"'{folder / CONFIG_FILE}' is invalid ({err}); {hint}."
            ) from err
        info = (
            _read_json(folder / INFO_FILE, hint)
            if (folder / INFO_FILE).is_file()
            else {}
        )
        if not isinstance(info, dict):
            raise ModelCorruptError(
                f"'{folder / INFO_FILE}' must hold an object; {hint}."
            )
        torch_device = resolve_device(device)
        tokenizer = _load_tokenizer(folder, hint)
        model = build_inference_model(config, folder, labels, torch_device, hint)
        adapter_files = {name: (folder / name).read_bytes() for name in ADAPTER_FILES}
        encoder, index = _load_neighbours(
            folder, config, tokenizer, labels, torch_device, hint
        )
        return cls(
            tokenizer=tokenizer,
            model=model,
            labels=labels,
            temperature=temperature,
            config=config,
            adapter_files=adapter_files,
            info=info,
            device=torch_device,
            sentence_encoder=encoder,
            neighbour_index=index,
        )


def text_preparer(
    config: TrainConfig, tokenizer: PreTrainedTokenizerBase
) -> Callable[[str], str]:
    """The preprocessing applied to every message before tokenising.

    Args:
        config: the training configuration (``mask_numbers``).
        tokenizer: supplies the mask token.

    Returns:
        A function mapping a message to the text the networks see.
    """
    if not config.mask_numbers:
        return str
    token = str(tokenizer.mask_token or tokenizer.unk_token)
    return lambda text: mask_numbers(text, token)


def _load_neighbours(
    folder: Path,
    config: TrainConfig,
    tokenizer: PreTrainedTokenizerBase,
    labels: Sequence[str],
    device: torch.device,
    hint: str,
) -> tuple[SentenceEncoder | None, NeighbourIndex | None]:
    """The frozen encoder and neighbour index when ``knn_weight`` > 0."""
    if config.knn_weight <= 0:
        return None, None
    path = folder / NEIGHBOURS_FILE
    if not path.is_file():
        raise ModelFileMissingError(
            f"intent model folder '{folder}' lacks '{NEIGHBOURS_FILE}', which "
            f"knn_weight {config.knn_weight} needs; {hint}."
        )
    index = NeighbourIndex.load(path, len(labels), hint)
    encoder = SentenceEncoder.load(
        config.base_model,
        tokenizer,
        max_length=config.max_length,
        device=device,
    )
    if encoder.dim != index.dim:
        raise ModelCorruptError(
            f"neighbour index '{path}' holds {index.dim}-wide embeddings, but "
            f"base model '{config.base_model}' makes {encoder.dim}-wide ones; "
            f"{hint}."
        )
    return encoder, index


def resolve_device(name: str) -> torch.device:
    """Map a device setting to a torch device.

    Args:
        name: ``"auto"`` (CUDA when torch sees a GPU, else CPU), ``"cpu"``,
            ``"cuda"`` or ``"cuda:N"``.

    Returns:
        The torch device.

    Raises:
        ConfigError: the name is invalid, or CUDA is asked for but unavailable.
    """
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ConfigError(
                f"device '{name}' was requested but torch sees no CUDA GPU; use "
                "device 'auto' or 'cpu'."
            )
        try:
            return torch.device(name)
        except RuntimeError as err:
            raise ConfigError(f"invalid device '{name}': {err}") from err
    raise ConfigError(f"device must be 'auto', 'cpu' or 'cuda', got {name!r}.")


def load_base_classifier(
    base_model: str, labels: Sequence[str], pooling: str = "mean"
) -> tuple[torch.nn.Module, list[str]]:
    """Load the base checkpoint with a fresh classification head.

    Args:
        base_model: the configured base model name or folder.
        labels: intent names; the head gets one output per label.
        pooling: ``"mean"`` (masked mean of token states) or ``"cls"``
            (``AutoModelForSequenceClassification``); see
            :mod:`finetune.architecture`.

    Returns:
        The float32 model and the names of weights missing from the checkpoint
        (the new head, and the pooler when the checkpoint has none).

    Raises:
        BaseModelNotFoundError: the base model cannot be found.
        ModelCorruptError: the checkpoint cannot be loaded.
    """
    from finetune.architecture import build_classifier

    path = resolve_base_model(base_model)
    try:
        return build_classifier(path, labels, pooling)
    except (OSError, ValueError, RuntimeError) as err:
        raise ModelCorruptError(
            f"base model '{base_model}' at '{path}' could not be loaded: {err}"
        ) from err


def build_inference_model(
    config: TrainConfig,
    adapter_dir: Path,
    labels: Sequence[str],
    device: torch.device,
    hint: str = "",
) -> torch.nn.Module:
    """Load the base model, apply the saved adapter and merge it in.

    Args:
        config: the training configuration (base model name, pooling).
        adapter_dir: folder with ``adapter_config.json`` and the weights.
        labels: intent names (sizes the head).
        device: where the model runs.
        hint: how to fix a broken adapter, appended to error messages.

    Returns:
        The merged model in eval mode on ``device``.

    Raises:
        BaseModelNotFoundError: the base model cannot be found.
        ModelCorruptError: the adapter does not fit the base model or is
            unreadable.
    """
    from peft import PeftModel

    base, _ = load_base_classifier(config.base_model, labels, config.pooling)
    try:
        with _quiet_transformers():
            peft_model = PeftModel.from_pretrained(base, str(adapter_dir))
    except Exception as err:  # noqa: BLE001 - safetensors/peft raise many types
        raise ModelCorruptError(
            f"adapter in '{adapter_dir}' could not be applied to base model "
            f"'{config.base_model}' ({type(err).__name__}: {err}); "
            f"{hint or 'retrain it'}."
        ) from err
    model: torch.nn.Module = peft_model.merge_and_unload()
    model.eval()
    model.to(device)
    return model


def _load_tokenizer(folder: Path, hint: str) -> PreTrainedTokenizerBase:
    from transformers import AutoTokenizer

    try:
        tokenizer: PreTrainedTokenizerBase = AutoTokenizer.from_pretrained(  # type: ignore[no-untyped-call]
            str(folder), local_files_only=True
        )
    except Exception as err:  # noqa: BLE001 - tokenizers raise many types
        raise ModelCorruptError(
            f"tokenizer files in '{folder}' could not be loaded "
            f"({type(err).__name__}: {err}); {hint}."
        ) from err
    return tokenizer


@contextmanager
def _quiet_transformers() -> Iterator[None]:
    from transformers.utils import logging as hf_logging

    previous = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        hf_logging.set_verbosity(previous)


def _read_json(path: Path, hint: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelCorruptError(f"'{path}' is not valid JSON ({err}); {hint}.") from err


def _read_labels(path: Path, hint: str) -> list[str]:
    labels = _read_json(path, hint)
    if (
        not isinstance(labels, list)
        or len(labels) < 2
        or not all(isinstance(label, str) and label for label in labels)
        or len(set(labels)) != len(labels)
    ):
        raise ModelCorruptError(
            f"'{path}' must hold a list of at least two distinct intent names, got "
            f"{labels!r:.100}; {hint}."
        )
    return labels


def _read_temperature(path: Path, hint: str) -> float:
    data = _read_json(path, hint)
    value = data.get("temperature") if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ModelCorruptError(
            f"'{path}' must hold {{\"temperature\": <positive number>}}, got "
            f"{data!r:.100}; {hint}."
        )
    return float(value)


def _write_json(path: Path, data: Any) -> None:
    path.write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def write_model_files(
    folder: Path,
    *,
    labels: Sequence[str],
    temperature: float,
    config: TrainConfig,
    info: dict[str, Any],
) -> None:
    """Write the JSON side files of a model folder (used by training).

    Args:
        folder: the model folder, already holding adapter and tokenizer files.
        labels: intent names in head order.
        temperature: calibration temperature.
        config: training configuration.
        info: training record.
    """
    _write_json(folder / LABELS_FILE, list(labels))
    _write_json(folder / CALIBRATION_FILE, {"temperature": float(temperature)})
    config.save(folder / CONFIG_FILE)
    _write_json(folder / INFO_FILE, info)
