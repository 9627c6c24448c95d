"""The frozen base encoder as a sentence embedder (masked mean of token states).

all-MiniLM-L6-v2 was trained for exactly this: mean-pooled embeddings whose
cosine similarity measures paraphrase. :mod:`finetune.neighbours` votes with it.
It sees the raw text: the classifier's number masking would put a [MASK] token
the frozen encoder was never trained on into the sentence (cosine to the
unmasked sentence as low as 0.4 for "cancelling order 00123842").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from finetune.base_model import resolve_base_model
from finetune.batching import inference_batches
from finetune.errors import ModelCorruptError

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedTokenizerBase

BATCH_SIZE = 64


class SentenceEncoder:
    """Embeds messages with a frozen encoder (no adapter, no head)."""

    def __init__(
        self,
        encoder: torch.nn.Module,
        tokenizer: PreTrainedTokenizerBase,
        *,
        max_length: int,
        device: torch.device,
        prepare: Callable[[str], str] = str,
    ) -> None:
        """Wrap a loaded encoder; use :meth:`load` to build one from a name.

        Args:
            encoder: a transformers encoder returning ``last_hidden_state``.
            tokenizer: its tokenizer.
            max_length: token limit per message (longer ones are truncated).
            device: where ``encoder`` runs.
            prepare: text preprocessing shared with the classifier (number
                masking), applied before tokenising.
        """
        self.encoder = encoder
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.device = device
        self.prepare = prepare

    @classmethod
    def load(
        cls,
        base_model: str,
        tokenizer: PreTrainedTokenizerBase,
        *,
        max_length: int,
        device: torch.device,
        prepare: Callable[[str], str] = str,
    ) -> SentenceEncoder:
        """Load the base checkpoint's encoder, frozen and in eval mode.

        Args:
            base_model: the configured base model name or folder.
            tokenizer: the tokenizer (the fine-tuned model's is the base's).
            max_length: token limit per message.
            device: where to run.
            prepare: text preprocessing applied before tokenising.

        Returns:
            The encoder.

        Raises:
            BaseModelNotFoundError: the base model cannot be found.
            ModelCorruptError: the checkpoint cannot be loaded.
        """
        from transformers.utils import logging as hf_logging

        from finetune.architecture import load_encoder

        path = resolve_base_model(base_model)
        previous = hf_logging.get_verbosity()
        # The unused pretrained pooler is expected; transformers warns about it.
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        try:
            loaded, _ = load_encoder(path)
        except (OSError, ValueError, RuntimeError) as err:
            raise ModelCorruptError(
                f"base model '{base_model}' at '{path}' could not be loaded: {err}"
            ) from err
        finally:
            hf_logging.set_verbosity(previous)
        encoder: torch.nn.Module = loaded
        encoder.requires_grad_(False)
        encoder.eval()
        encoder.to(device)
        return cls(
            encoder, tokenizer, max_length=max_length, device=device, prepare=prepare
        )

    def with_encoder(self, encoder: torch.nn.Module) -> SentenceEncoder:
        """A copy running ``encoder`` (e.g. an int8 copy) with the same settings."""
        return SentenceEncoder(
            encoder,
            self.tokenizer,
            max_length=self.max_length,
            device=self.device,
            prepare=self.prepare,
        )

    def encode(
        self, texts: Sequence[str], *, batch_size: int = BATCH_SIZE
    ) -> npt.NDArray[np.float32]:
        """Mean-pooled embeddings; blank texts get all-zero rows.

        Args:
            texts: messages.
            batch_size: messages per forward pass.

        Returns:
            Array of shape (len(texts), hidden size), not normalised.
        """
        import torch

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        batches = inference_batches(
            self.tokenizer,
            texts,
            prepare=self.prepare,
            max_length=self.max_length,
            batch_size=batch_size,
            device=self.device,
        )
        with torch.inference_mode():
            for chunk, encoded in batches:
                states = self.encoder(**encoded).last_hidden_state
                mask = encoded["attention_mask"].unsqueeze(-1).to(states.dtype)
                pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
                out[chunk] = pooled.float().cpu().numpy()
        return out

    @property
    def dim(self) -> int:
        """Embedding width (the encoder's hidden size)."""
        config: Any = self.encoder.config
        return int(config.hidden_size)
