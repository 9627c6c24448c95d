"""Length-sorted, tokenised inference batches shared by the encoder passes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedTokenizerBase


def inference_batches(
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    *,
    prepare: Callable[[str], str],
    max_length: int,
    batch_size: int,
    device: torch.device,
) -> Iterator[tuple[list[int], Any]]:
    """Tokenised batches of the non-blank ``texts``, shortest first.

    Length-sorted batches waste less compute on padding; blank texts are left
    out (callers give them a neutral result).

    Args:
        tokenizer: the model's tokenizer.
        texts: messages.
        prepare: preprocessing applied to each text before tokenising.
        max_length: token limit; longer messages are truncated.
        batch_size: messages per batch.
        device: where the tensors go.

    Yields:
        The indices into ``texts`` of a batch, and its encoding on ``device``.
    """
    todo = sorted(
        (i for i, text in enumerate(texts) if text.strip()),
        key=lambda i: len(texts[i]),
    )
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        encoded = tokenizer(
            [prepare(texts[i]) for i in chunk],
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        ).to(device)
        yield chunk, encoded
