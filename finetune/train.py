"""LoRA fine-tuning of a BERT sequence classifier for intents.

AutoModelForSequenceClassification + a peft LoRA adapter (task SEQ_CLS) on the
configured linear layers, with the classification head trained fully. AdamW with
decoupled weight decay, linear warm-up then linear decay, label smoothing,
gradient clipping, early stopping on a validation split, then temperature
scaling fitted on that split. With ``head_init: "probe"`` the output layer is
first fitted alone on the frozen encoder's features (LP-FT, see
:mod:`finetune.probe`).
"""

from __future__ import annotations

import logging
import math
import os
import platform
import random
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from finetune.calibration import (
    fit_temperature,
    negative_log_likelihood,
    probabilities_ece,
    softmax,
)
from finetune.config import ALL_LINEAR, TrainConfig
from finetune.data import Example, stratified_split
from finetune.errors import ConfigError, DataError
from finetune.model import (
    NEIGHBOURS_FILE,
    IntentModel,
    load_base_classifier,
    resolve_device,
    text_preparer,
    write_model_files,
)
from finetune.neighbours import FloatArray, NeighbourIndex, blend
from finetune.probe import fit_linear_probe
from finetune.sentence_encoder import SentenceEncoder

if TYPE_CHECKING:
    import torch
    from peft import PeftModel

logger = logging.getLogger(__name__)

OUTPUT_LAYER_NAMES = ("classifier", "score")
HEAD_LAYER_NAMES = ("pooler", "pre_classifier")
MAX_GRAD_NORM = 1.0
# Temperature search range after training. A validation split the model already
# classifies perfectly drives the NLL-optimal temperature towards 0 (certainty on
# everything); 0.5 bounds that sharpening to what label smoothing took away.
MIN_FIT_TEMPERATURE = 0.5
MAX_FIT_TEMPERATURE = 10.0
# Batches are formed from length-sorted chunks of this many batches, which cuts
# padding while keeping the batch order random.
_BUCKET_BATCHES = 50


@dataclass(frozen=True)
class EpochStats:
    """What one training epoch achieved (passed to the progress callback)."""

    epoch: int
    epochs: int
    train_loss: float
    val_loss: float | None
    val_accuracy: float | None
    seconds: float
    improved: bool


ProgressCallback = Callable[[EpochStats], None]


def train_intent_model(
    texts: Sequence[str],
    labels: Sequence[str],
    config: TrainConfig | None = None,
    *,
    validation: tuple[Sequence[str], Sequence[str]] | None = None,
    progress: ProgressCallback | None = None,
    show_progress_bar: bool = False,
) -> IntentModel:
    """Fine-tune the base model with LoRA on labelled utterances.

    Args:
        texts: training utterances.
        labels: their intents (at least two distinct ones).
        config: hyper-parameters; defaults to ``TrainConfig()``.
        validation: explicit ``(texts, labels)`` for early stopping and
            calibration; default: ``config.validation_fraction`` of each intent
            is held out of the training data.
        progress: called after every epoch with its :class:`EpochStats`.
        show_progress_bar: draw a tqdm progress bar on stderr.

    Returns:
        The trained, calibrated model (LoRA merged, eval mode).

    Raises:
        DataError: inputs differ in length, hold blank texts, fewer than two
            intents, or validation intents unknown to the training data.
        ConfigError: a target module matches no layer, or the device is
            unavailable.
        BaseModelNotFoundError: the base model cannot be found.
    """

    config = config or TrainConfig()
    started = time.perf_counter()
    train_set = _examples(texts, labels, "training")
    label_names = sorted({example.label for example in train_set})
    if len(label_names) < 2:
        raise DataError(
            f"training needs at least two intents, got {label_names}; add "
            "examples of another intent."
        )
    if validation is not None:
        val_set = _examples(validation[0], validation[1], "validation")
        unknown = sorted({e.label for e in val_set} - set(label_names))
        if unknown:
            raise DataError(
                f"validation intents {unknown} do not occur in the training data; "
                "remove them or add training examples."
            )
    else:
        train_set, val_set = stratified_split(
            train_set, config.validation_fraction, seed=config.seed
        )
    device = resolve_device(config.device)
    index = {label: i for i, label in enumerate(label_names)}
    logger.info(
        "Fine-tuning '%s' with LoRA r=%d on %d examples of %d intents "
        "(%d held out) on %s.",
        config.base_model,
        config.rank,
        len(train_set),
        len(label_names),
        len(val_set),
        device,
    )
    with _seeded(config.seed, device), _cpu_threads(config.cpu_threads, device):
        from transformers import AutoTokenizer

        from finetune.base_model import resolve_base_model

        tokenizer = AutoTokenizer.from_pretrained(  # type: ignore[no-untyped-call]
            str(resolve_base_model(config.base_model)), local_files_only=True
        )
        base, missing = load_base_classifier(
            config.base_model, label_names, config.pooling
        )
        model = _attach_lora(base, config, missing)
        model.to(device)
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        total = sum(p.numel() for p in model.parameters())
        logger.info("Training %d of %d parameters.", trainable, total)

        train_ids = _encode(tokenizer, [e.text for e in train_set], config)
        train_y = [index[e.label] for e in train_set]
        val_ids = _encode(tokenizer, [e.text for e in val_set], config)
        val_y = np.array([index[e.label] for e in val_set], dtype=np.int64)
        pad_id = int(tokenizer.pad_token_id or 0)
        mask_id = tokenizer.mask_token_id
        mask_id = int(tokenizer.unk_token_id if mask_id is None else mask_id)

        if config.head_init == "probe":
            _probe_head(model, train_ids, train_y, len(label_names), pad_id, device)
        loop = _TrainingLoop(model, config, device, pad_id, len(train_ids))
        history: list[EpochStats] = []
        best_score: tuple[float, float] | None = None
        best_state: dict[str, torch.Tensor] | None = None
        best_epoch = 0
        stale = 0
        rng = random.Random(config.seed)
        for epoch in range(1, config.epochs + 1):
            epoch_start = time.perf_counter()
            batches = make_batches(
                [len(ids) for ids in train_ids], config.batch_size, rng
            )
            epoch_ids = mask_tokens(train_ids, config.token_dropout, mask_id, rng)
            train_loss = loop.run_epoch(
                batches, epoch_ids, train_y, epoch, show_progress_bar
            )
            val_loss: float | None = None
            val_acc: float | None = None
            improved = True
            if val_ids:
                val_logits = _logits(model, val_ids, pad_id, device)
                val_loss = negative_log_likelihood(val_logits, val_y)
                val_acc = float(np.mean(val_logits.argmax(axis=1) == val_y))
                score = (val_acc, -val_loss)
                improved = best_score is None or score > best_score
                if improved:
                    best_score, best_epoch, stale = score, epoch, 0
                    best_state = _trainable_state(model)
                else:
                    stale += 1
            else:
                best_epoch = epoch
            stats = EpochStats(
                epoch=epoch,
                epochs=config.epochs,
                train_loss=train_loss,
                val_loss=val_loss,
                val_accuracy=val_acc,
                seconds=time.perf_counter() - epoch_start,
                improved=improved,
            )
            history.append(stats)
            _log_epoch(stats)
            if progress is not None:
                progress(stats)
            patience = config.early_stopping_patience
            if val_ids and patience and stale >= patience:
                logger.info(
                    "Early stopping after epoch %d: no better validation score "
                    "for %d epochs (best epoch %d).",
                    epoch,
                    patience,
                    best_epoch,
                )
                break
        if best_state is not None:
            _restore_state(model, best_state)

        temperature = 1.0
        calibration: dict[str, Any] = {}
        if val_ids:
            val_logits = _logits(model, val_ids, pad_id, device)
            temperature = fit_temperature(
                val_logits, val_y, low=MIN_FIT_TEMPERATURE, high=MAX_FIT_TEMPERATURE
            )
            calibration = {
                "validation_nll_raw": negative_log_likelihood(val_logits, val_y),
                "validation_nll_calibrated": negative_log_likelihood(
                    val_logits, val_y, temperature
                ),
                "validation_ece_raw": probabilities_ece(softmax(val_logits), val_y),
                "validation_ece_calibrated": probabilities_ece(
                    softmax(val_logits, temperature), val_y
                ),
                "validation_accuracy": float(
                    np.mean(val_logits.argmax(axis=1) == val_y)
                ),
            }
            logger.info(
                "Temperature %.3f: validation NLL %.4f -> %.4f, ECE %.4f -> %.4f.",
                temperature,
                calibration["validation_nll_raw"],
                calibration["validation_nll_calibrated"],
                calibration["validation_ece_raw"],
                calibration["validation_ece_calibrated"],
            )
        neighbours = None
        if config.knn_weight > 0:
            neighbours, blended = _neighbour_index(
                config,
                tokenizer,
                device,
                train_set,
                train_y,
                len(label_names),
                (val_set, val_y, softmax(val_logits, temperature)) if val_ids else None,
            )
            calibration.update(blended)
    info: dict[str, Any] = {
        "trainable_parameters": trainable,
        "total_parameters": total,
        "train_examples": len(train_set),
        "validation_examples": len(val_set),
        "epochs_run": len(history),
        "best_epoch": best_epoch,
        "train_seconds": round(time.perf_counter() - started, 2),
        "device": str(device),
        "history": [asdict(stats) for stats in history],
        **calibration,
        "versions": _versions(),
    }
    with tempfile.TemporaryDirectory(prefix="intent-model-") as tmp:
        folder = Path(tmp)
        # Record the configured name, not this machine's path to the checkpoint.
        model.peft_config["default"].base_model_name_or_path = config.base_model
        model.save_pretrained(str(folder), save_embedding_layers=False)
        tokenizer.save_pretrained(str(folder))
        write_model_files(
            folder,
            labels=label_names,
            temperature=temperature,
            config=config,
            info=info,
        )
        if neighbours is not None:
            neighbours.save(folder / NEIGHBOURS_FILE)
        del model
        # Loading what was just saved guarantees that the returned model predicts
        # exactly like every later load of the saved folder.
        return IntentModel.load(folder, device=config.device)


def resolve_target_modules(
    model: torch.nn.Module, wanted: Sequence[str], exclude: Sequence[str] = ()
) -> list[str]:
    """Expand configured target-module names into full linear-layer names.

    Args:
        model: the base classifier.
        wanted: name suffixes such as ``"query"`` or ``"attention.output.dense"``,
            or ``["all-linear"]``.
        exclude: full names of modules (and their children) to leave out, i.e.
            the fully-trained head.

    Returns:
        Sorted full names of the matching ``torch.nn.Linear`` layers.

    Raises:
        ConfigError: a wanted name matches no linear layer; the message lists the
            available names.
    """
    import torch

    def excluded(name: str) -> bool:
        return any(name == e or name.startswith(e + ".") for e in exclude)

    linear = [
        name
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and not excluded(name)
    ]
    if list(wanted) == [ALL_LINEAR]:
        return sorted(linear)
    chosen: set[str] = set()
    for suffix in wanted:
        matches = [n for n in linear if n == suffix or n.endswith("." + suffix)]
        if not matches:
            available = sorted({n.rsplit(".", 1)[-1] for n in linear})
            raise ConfigError(
                f"target_modules entry '{suffix}' matches no linear layer of the "
                f"base model; available names: {available} or 'all-linear'."
            )
        chosen.update(matches)
    return sorted(chosen)


def head_modules(
    model: torch.nn.Module, train_head: bool, missing_keys: Sequence[str] = ()
) -> list[str]:
    """Full names of the head modules to train fully (peft ``modules_to_save``).

    The output layer is always included. The pooler / pre-classifier is included
    when ``train_head`` is set, or when the checkpoint lacks its weights (they
    would otherwise be random and differ between training and loading).

    Args:
        model: the base classifier.
        train_head: whether to train the pooler / pre-classifier too.
        missing_keys: weight names missing from the checkpoint.

    Returns:
        Module names, output layer first.

    Raises:
        ConfigError: the model has no recognisable output layer.
    """
    names = [name for name, _ in model.named_modules() if name]
    output = [n for n in names if n.rsplit(".", 1)[-1] in OUTPUT_LAYER_NAMES]
    if not output:
        raise ConfigError(
            f"base model {type(model).__name__} has no 'classifier' or 'score' "
            "layer; use a BERT-style checkpoint for sequence classification."
        )
    extra = []
    for name in names:
        if name.rsplit(".", 1)[-1] not in HEAD_LAYER_NAMES:
            continue
        lacks_weights = any(key.startswith(name + ".") for key in missing_keys)
        if train_head or lacks_weights:
            extra.append(name)
    return [output[0], *extra]


def make_batches(
    lengths: Sequence[int], batch_size: int, rng: random.Random
) -> list[list[int]]:
    """Shuffle example indices into batches of similar length.

    Args:
        lengths: token count of each example.
        batch_size: examples per batch (the last batch of a chunk may be smaller).
        rng: source of randomness (seeded by the caller for determinism).

    Returns:
        Batches of indices; every index appears exactly once.
    """
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * _BUCKET_BATCHES
    batches: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: lengths[i])
        batches.extend(
            part[i : i + batch_size] for i in range(0, len(part), batch_size)
        )
    rng.shuffle(batches)
    return batches


def mask_tokens(
    rows: list[list[int]], probability: float, mask_id: int, rng: random.Random
) -> list[list[int]]:
    """Replace inner tokens by ``mask_id`` with the given probability.

    The first and last token of each row (``[CLS]`` and ``[SEP]``) are kept.

    Args:
        rows: token ids per example.
        probability: chance of masking each inner token, in [0, 1).
        mask_id: id of the mask (or unknown) token.
        rng: source of randomness (seeded by the caller).

    Returns:
        New rows; the input is returned unchanged when ``probability`` is 0.
    """
    if probability <= 0.0:
        return rows
    masked = []
    for row in rows:
        inner = [mask_id if rng.random() < probability else t for t in row[1:-1]]
        masked.append([*row[:1], *inner, *row[-1:]] if len(row) > 1 else list(row))
    return masked


def linear_schedule(step: int, *, warmup_steps: int, total_steps: int) -> float:
    """Learning-rate multiplier: linear warm-up from 0 to 1, then linear decay to 0.

    Args:
        step: optimiser steps taken so far.
        warmup_steps: length of the warm-up.
        total_steps: total planned steps.

    Returns:
        Multiplier in [0, 1].
    """
    if step < warmup_steps:
        return (step + 1) / (warmup_steps + 1)
    remaining = total_steps - step
    return max(0.0, remaining / max(1, total_steps - warmup_steps))


class _TrainingLoop:
    """Optimiser, schedule and the per-epoch pass over the batches."""

    def __init__(
        self,
        model: PeftModel,
        config: TrainConfig,
        device: torch.device,
        pad_id: int,
        n_examples: int,
    ) -> None:
        import torch

        self.model = model
        self.config = config
        self.device = device
        self.pad_id = pad_id
        decay: list[torch.nn.Parameter] = []
        no_decay: list[torch.nn.Parameter] = []
        for param in model.parameters():
            if param.requires_grad:
                (decay if param.ndim >= 2 else no_decay).append(param)
        self.optimizer = torch.optim.AdamW(
            [
                {"params": decay, "weight_decay": config.weight_decay},
                {"params": no_decay, "weight_decay": 0.0},
            ],
            lr=config.learning_rate,
        )
        steps_per_epoch = math.ceil(n_examples / config.batch_size)
        total = steps_per_epoch * config.epochs
        warmup = int(total * config.warmup_ratio)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer,
            lambda step: linear_schedule(step, warmup_steps=warmup, total_steps=total),
        )

    def run_epoch(
        self,
        batches: list[list[int]],
        ids: list[list[int]],
        targets: list[int],
        epoch: int,
        show_progress_bar: bool,
    ) -> float:
        import torch
        from tqdm import tqdm

        self.model.train()
        total_loss = 0.0
        seen = 0
        bar = tqdm(
            batches,
            desc=f"LoRA epoch {epoch}/{self.config.epochs}",
            disable=not show_progress_bar,
            leave=False,
            unit="batch",
        )
        for batch in bar:
            input_ids, mask = _pad([ids[i] for i in batch], self.pad_id, self.device)
            y = torch.tensor([targets[i] for i in batch], device=self.device)
            logits = self.model(input_ids=input_ids, attention_mask=mask).logits
            loss = torch.nn.functional.cross_entropy(
                logits, y, label_smoothing=self.config.label_smoothing
            )
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            torch.nn.utils.clip_grad_norm_(
                [p for p in self.model.parameters() if p.requires_grad], MAX_GRAD_NORM
            )
            self.optimizer.step()
            self.scheduler.step()
            total_loss += float(loss.detach()) * len(batch)
            seen += len(batch)
            bar.set_postfix(loss=f"{total_loss / seen:.4f}")
        bar.close()
        return total_loss / max(1, seen)


def _examples(texts: Sequence[str], labels: Sequence[str], role: str) -> list[Example]:
    if isinstance(texts, str) or isinstance(labels, str):
        raise DataError(f"{role} texts and labels must be sequences, not strings.")
    if len(texts) != len(labels):
        raise DataError(
            f"{role} data has {len(texts)} texts but {len(labels)} labels; they must "
            "pair up one to one."
        )
    examples = []
    for i, (text, label) in enumerate(zip(texts, labels, strict=False)):
        if not isinstance(text, str) or not text.strip():
            raise DataError(f"{role} text #{i} is blank or not a string: {text!r}.")
        if not isinstance(label, str) or not label.strip():
            raise DataError(f"{role} label #{i} is blank or not a string: {label!r}.")
        examples.append(Example(text=text, label=label))
    if not examples:
        raise DataError(f"{role} data is empty; provide labelled examples.")
    return examples


def _attach_lora(
    base: torch.nn.Module, config: TrainConfig, missing_keys: Sequence[str]
) -> PeftModel:
    from peft import LoraConfig, TaskType, get_peft_model

    if config.pooling == "cls":
        head = head_modules(base, config.train_head, missing_keys)
        exclude = head
    else:
        # Mean pooling uses no pooler: leave any leftover one alone.
        head = head_modules(base, False)
        exclude = [*head, *_unused_poolers(base)]
    targets = resolve_target_modules(base, config.target_modules, exclude=exclude)
    lora = LoraConfig(
        # SEQ_CLS wraps transformers' sequence classifiers; the mean-pooling
        # model is a plain torch module.
        task_type=TaskType.SEQ_CLS if config.pooling == "cls" else None,
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules=targets,
        modules_to_save=head,
        bias="none",
    )
    return get_peft_model(base, lora)


def _unused_poolers(model: torch.nn.Module) -> list[str]:
    return [n for n, _ in model.named_modules() if n.rsplit(".", 1)[-1] == "pooler"]


def _encode(tokenizer: Any, texts: list[str], config: TrainConfig) -> list[list[int]]:
    if not texts:
        return []
    prepare = text_preparer(config, tokenizer)
    encoded = tokenizer(
        [prepare(text) for text in texts], truncation=True, max_length=config.max_length
    )
    return [list(ids) for ids in encoded["input_ids"]]


def _pad(
    rows: list[list[int]], pad_id: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    import torch

    width = max(len(row) for row in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        input_ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
        mask[i, : len(row)] = 1
    return input_ids.to(device), mask.to(device)


def _logits(
    model: torch.nn.Module,
    ids: list[list[int]],
    pad_id: int,
    device: torch.device,
    batch_size: int = 128,
) -> npt.NDArray[np.float64]:
    import torch

    was_training = model.training
    model.eval()
    order = _length_order(ids)
    out: npt.NDArray[np.float64] | None = None
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            input_ids, mask = _pad([ids[i] for i in chunk], pad_id, device)
            logits = model(input_ids=input_ids, attention_mask=mask).logits
            values = logits.float().cpu().numpy().astype(np.float64)
            if out is None:
                out = np.zeros((len(ids), values.shape[1]), dtype=np.float64)
            out[chunk] = values
    if was_training:
        model.train()
    assert out is not None
    return out


def _probe_head(
    model: PeftModel,
    ids: list[list[int]],
    targets: list[int],
    num_labels: int,
    pad_id: int,
    device: torch.device,
) -> None:
    """LP step of LP-FT: fit the output layer on the frozen features, load it.

    Runs before any optimiser step, while LoRA's zero-initialised B matrices
    leave the encoder exactly as pretrained.
    """
    import torch

    started = time.perf_counter()
    network = model.get_base_model()
    name = head_modules(network, False)[0]
    head = network.get_submodule(name)
    features: list[torch.Tensor] = []

    def record(_module: torch.nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
        features.append(inputs[0].detach().float().cpu())

    handle = head.register_forward_pre_hook(record)
    try:
        _logits(model, ids, pad_id, device)
    finally:
        handle.remove()
    rows = torch.empty((len(ids), features[0].shape[1]))
    rows[torch.tensor(_length_order(ids))] = torch.cat(features)
    weight, bias = fit_linear_probe(rows, torch.tensor(targets), num_labels)
    # peft trains a copy of the head (modules_to_save); the original stays frozen.
    copies = getattr(head, "modules_to_save", None)
    trained: torch.nn.Module = head if copies is None else copies["default"]
    if not isinstance(trained, torch.nn.Linear):
        raise ConfigError(
            f"head_init 'probe' needs a linear output layer, but '{name}' is "
            f"{type(trained).__name__}; use head_init 'random'."
        )
    with torch.no_grad():
        trained.weight.copy_(weight.to(trained.weight.device))
        trained.bias.copy_(bias.to(trained.bias.device))
    logger.info(
        "Linear probe on frozen features: head '%s' fitted on %d examples in %.1f s.",
        name,
        len(ids),
        time.perf_counter() - started,
    )


def _neighbour_index(
    config: TrainConfig,
    tokenizer: Any,
    device: torch.device,
    train_set: list[Example],
    train_y: list[int],
    num_labels: int,
    validation: tuple[list[Example], npt.NDArray[np.int64], FloatArray] | None,
) -> tuple[NeighbourIndex, dict[str, float]]:
    """Embed the training utterances with the frozen encoder (kNN blend).

    Returns the index and, given the validation set with its calibrated
    classifier probabilities, the blend's validation accuracy and ECE.
    """
    started = time.perf_counter()
    encoder = SentenceEncoder.load(
        config.base_model,
        tokenizer,
        max_length=config.max_length,
        device=device,
    )
    index = NeighbourIndex.build(
        encoder.encode([e.text for e in train_set]), train_y, num_labels
    )
    record: dict[str, float] = {}
    if validation is not None:
        val_set, val_y, probabilities = validation
        votes = index.vote(
            encoder.encode([e.text for e in val_set]), config.knn_neighbours
        )
        mixed = blend(probabilities, votes, config.knn_weight)
        accuracy = float(np.mean(mixed.argmax(axis=1) == val_y))
        record = {
            "validation_accuracy_blended": accuracy,
            "validation_ece_blended": probabilities_ece(mixed, val_y),
        }
    logger.info(
        "Neighbour index: %d training utterances embedded by the frozen encoder "
        "in %.1f s (knn_weight %.2f, k=%d)%s.",
        len(train_set),
        time.perf_counter() - started,
        config.knn_weight,
        config.knn_neighbours,
        f"; validation accuracy blended {record['validation_accuracy_blended']:.4f}"
        if record
        else "",
    )
    return index, record


def _length_order(ids: list[list[int]]) -> list[int]:
    """Indices of ``ids`` shortest first (the order :func:`_logits` batches in)."""
    return sorted(range(len(ids)), key=lambda i: len(ids[i]))


def _trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {
        name: param.detach().clone()
        for name, param in model.named_parameters()
        if param.requires_grad
    }


def _restore_state(model: torch.nn.Module, state: dict[str, torch.Tensor]) -> None:
    import torch

    with torch.no_grad():
        for name, param in model.named_parameters():
            if name in state:
                param.copy_(state[name])


@contextmanager
def _seeded(seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch and enable deterministic kernels, restoring both afterwards."""
    import torch

    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True, warn_only=True)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)


def idle_threads(available: int, cpus: int, load: float) -> int:
    """Number of threads that fit on the idle cores.

    Args:
        available: torch's current thread count (the upper bound).
        cpus: CPU cores usable by this process.
        load: 1-minute load average (runnable processes).

    Returns:
        ``cpus - round(load)`` clamped to ``[1, available]``.
    """
    return max(1, min(available, cpus - round(load)))


@contextmanager
def _cpu_threads(requested: int, device: torch.device) -> Iterator[None]:
    """Limit torch's CPU threads during training, restoring them afterwards."""
    import torch

    previous = torch.get_num_threads()
    if device.type != "cpu":
        yield
        return
    threads = requested
    if threads == 0:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        threads = idle_threads(previous, cpus, os.getloadavg()[0])
    logger.info("Training with %d CPU thread(s).", threads)
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _log_epoch(stats: EpochStats) -> None:
    if stats.val_accuracy is None:
        logger.info(
            "Epoch %d/%d: train loss %.4f (%.1f s).",
            stats.epoch,
            stats.epochs,
            stats.train_loss,
            stats.seconds,
        )
    else:
        logger.info(
            "Epoch %d/%d: train loss %.4f, val loss %.4f, val acc %.4f%s (%.1f s).",
            stats.epoch,
            stats.epochs,
            stats.train_loss,
            stats.val_loss,
            stats.val_accuracy,
            " *" if stats.improved else "",
            stats.seconds,
        )


def _versions() -> dict[str, str]:
    import peft
    import torch
    import transformers

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
    }
