"""Opt-in int8 dynamic quantisation of a loaded intent model for CPU inference.

``quantize: "int8"`` replaces every ``torch.nn.Linear`` of the LoRA-merged model
(attention, feed-forward and the classification head) by a dynamically quantised
one: weights are stored as int8 with one scale per output channel (row), activations
are quantised on the fly per call. Per-channel scales matter: with one scale per
weight matrix, Banking77 accuracy fell from 93.18 % (fp32) to 91.62 %; per channel
it is 92.73 %, at about the same speed (one model trained with the shipped
settings by ``python -m finetune train``, compared on the 3,080 test messages).
It only changes inference; training and the saved model folder stay fp32, so any
trained model can be switched either way. Activation scales are computed per call
over the whole padded batch, so an int8 prediction can differ slightly between a
message parsed alone (as Rasa does) and the same message in a batch.

Dynamic quantisation runs on CPU only. The choice made here: an explicit CUDA
device together with ``"int8"`` is a configuration error (raised, never silently
ignored), and ``device: "auto"`` resolves to the CPU when ``"int8"`` is asked for
(see :func:`inference_device`).

It uses ``torch.ao.quantization.quantize_dynamic``, which recent torch releases
mark as deprecated in favour of torchao; should it go, quantising raises
:class:`~finetune.errors.QuantizationError` and ``"none"`` keeps working.
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING

from finetune.errors import ConfigError, QuantizationError

if TYPE_CHECKING:
    import torch

    from finetune.model import IntentModel

logger = logging.getLogger(__name__)

QUANTIZE_KEY = "quantize"
NO_QUANTIZATION = "none"
INT8 = "int8"
QUANTIZE_MODES = (NO_QUANTIZATION, INT8)


def check_quantize(value: object, *, device: object = "auto") -> str:
    """Validate the ``quantize`` option against the allowed modes and the device.

    Args:
        value: the configured mode, ``"none"`` or ``"int8"``.
        device: the configured device (``"auto"``, ``"cpu"``, ``"cuda"``,
            ``"cuda:N"``); ``"int8"`` is refused with an explicit CUDA device.

    Returns:
        The validated mode.

    Raises:
        ConfigError: the mode is not allowed, or ``"int8"`` is combined with a
            CUDA device.
    """
    if not isinstance(value, str) or value not in QUANTIZE_MODES:
        raise ConfigError(
            f"{QUANTIZE_KEY} must be one of {list(QUANTIZE_MODES)}, got {value!r}."
        )
    if value == INT8 and isinstance(device, str) and device.startswith("cuda"):
        raise ConfigError(
            f"{QUANTIZE_KEY} {INT8!r} runs on CPU only, but device is {device!r}; "
            f"use device 'cpu' or 'auto', or {QUANTIZE_KEY} {NO_QUANTIZATION!r}."
        )
    return value


def inference_device(device: str, quantize: str) -> str:
    """The device to load a model on for inference with ``quantize``.

    Args:
        device: the configured device.
        quantize: a mode validated by :func:`check_quantize`.

    Returns:
        ``"cpu"`` when ``device`` is ``"auto"`` and ``quantize`` is ``"int8"``
        (the int8 kernels exist on CPU only); otherwise ``device`` unchanged.
    """
    if quantize == INT8 and device == "auto":
        return "cpu"
    return device


def quantize_module_int8(model: torch.nn.Module) -> torch.nn.Module:
    """Return a copy of ``model`` with every ``nn.Linear`` dynamically int8
    (weights quantised per output channel).

    The input model is left untouched (fp32, same weights).

    Args:
        model: a float model on the CPU, in eval mode (e.g. LoRA already merged).

    Returns:
        The quantised copy, in eval mode.

    Raises:
        ConfigError: a parameter of ``model`` is not on the CPU.
        QuantizationError: torch has no usable quantisation engine here.
    """
    import torch

    devices = sorted({str(p.device) for p in model.parameters()})
    if devices and devices != ["cpu"]:
        raise ConfigError(
            f"int8 dynamic quantisation runs on CPU only, but the model is on "
            f"{devices}; load it with device 'cpu', or use {QUANTIZE_KEY} "
            f"{NO_QUANTIZATION!r}."
        )
    try:
        with warnings.catch_warnings():
            # Recent torch flags torch.ao.quantization and quantised tensors as
            # deprecated in favour of torchao (not a dependency here) on every
            # load; the API still works, and its removal surfaces below.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            warnings.filterwarnings("ignore", r".*deprecated", UserWarning)
            from torch.ao.quantization import (
                per_channel_dynamic_qconfig,
                quantize_dynamic,
            )

            quantized: torch.nn.Module = quantize_dynamic(  # type: ignore[no-untyped-call]
                model,
                {torch.nn.Linear: per_channel_dynamic_qconfig},
                dtype=torch.qint8,
                inplace=False,
            )
    except (ImportError, RuntimeError, AssertionError) as err:
        raise QuantizationError(
            f"int8 dynamic quantisation failed with torch {torch.__version__} "
            f"(engine {torch.backends.quantized.engine!r}: {err}); use "
            f"{QUANTIZE_KEY} {NO_QUANTIZATION!r}."
        ) from err
    quantized.eval()
    return quantized


def quantize_intent_model(model: IntentModel, quantize: str) -> IntentModel:
    """Apply the ``quantize`` mode to a loaded intent model.

    Args:
        model: a loaded model (LoRA merged into the base weights, as
            :meth:`IntentModel.load` and training return it).
        quantize: ``"none"`` or ``"int8"``.

    Returns:
        ``model`` itself for ``"none"``; for ``"int8"`` a new
        :class:`IntentModel` sharing tokenizer, labels, temperature and adapter
        files with ``model`` (so saving it writes the same fp32 adapter) whose
        network (and frozen sentence encoder, if any) is an int8 copy.
        ``model`` is not modified.

    Raises:
        ConfigError: ``quantize`` is invalid, or ``"int8"`` for a model on CUDA.
        QuantizationError: torch cannot quantise on this machine.
    """
    mode = check_quantize(quantize)
    if mode == NO_QUANTIZATION:
        return model
    encoder = model.sentence_encoder
    quantized = model.with_network(
        quantize_module_int8(model.model),
        mode,
        None
        if encoder is None
        else encoder.with_encoder(quantize_module_int8(encoder.encoder)),
    )
    logger.info(
        "Quantised the intent model (%d intents) to int8 for CPU inference.",
        len(model.labels),
    )
    return quantized
