"""Classifier architectures on top of a BERT encoder (imports torch: load lazily).

``pooling="cls"`` is transformers' ``AutoModelForSequenceClassification`` (the
``[CLS]`` token through the pretrained pooler). ``pooling="mean"`` averages the
token embeddings under the attention mask, as sentence-transformers checkpoints
such as all-MiniLM-L6-v2 were trained to do, so the head starts from good
sentence features and needs fewer epochs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from transformers import (
    AutoModel,
    AutoModelForSequenceClassification,
    PreTrainedModel,
)
from transformers.modeling_outputs import SequenceClassifierOutput
from transformers.utils import logging as hf_logging

logger = logging.getLogger(__name__)

POOLINGS = ("mean", "cls")


class MeanPoolingClassifier(torch.nn.Module):
    """Encoder -> masked mean of token states -> dropout -> linear head."""

    def __init__(self, encoder: PreTrainedModel, num_labels: int) -> None:
        """Wrap ``encoder`` with a freshly initialised linear head.

        Args:
            encoder: a transformers encoder returning ``last_hidden_state``.
            num_labels: number of intents.
        """
        super().__init__()
        self.encoder = encoder
        hidden = int(encoder.config.hidden_size)
        self.dropout = torch.nn.Dropout(float(encoder.config.hidden_dropout_prob))
        self.classifier = torch.nn.Linear(hidden, num_labels)
        torch.nn.init.normal_(self.classifier.weight, std=0.02)
        torch.nn.init.zeros_(self.classifier.bias)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        **kwargs: Any,
    ) -> SequenceClassifierOutput:
        """Classify a padded batch.

        Args:
            input_ids: token ids, shape (batch, length).
            attention_mask: 1 for real tokens, 0 for padding.
            **kwargs: passed to the encoder (e.g. ``token_type_ids``).

        Returns:
            Output whose ``logits`` have shape (batch, num_labels).
        """
        states = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, **kwargs
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return SequenceClassifierOutput(logits=self.classifier(self.dropout(pooled)))


def load_encoder(path: Path) -> tuple[PreTrainedModel, dict[str, Any]]:
    """Load the bare encoder at ``path`` without its pretrained pooler.

    Mean pooling never uses the pooler; architectures without a pooler option
    load whole.

    Args:
        path: local checkpoint folder.

    Returns:
        The encoder (float32) and transformers' loading info.

    Raises:
        OSError: the checkpoint cannot be read.
    """
    try:
        encoder, info = AutoModel.from_pretrained(
            str(path),
            local_files_only=True,
            output_loading_info=True,
            add_pooling_layer=False,
        )
    except TypeError:  # architectures without a pooler option
        encoder, info = AutoModel.from_pretrained(
            str(path), local_files_only=True, output_loading_info=True
        )
    return encoder.float(), dict(info)


def build_classifier(
    path: Path, labels: Sequence[str], pooling: str
) -> tuple[torch.nn.Module, list[str]]:
    """Load the checkpoint at ``path`` under a new classification head.

    Args:
        path: local checkpoint folder.
        labels: intent names; the head gets one output per label.
        pooling: ``"mean"`` or ``"cls"`` (see module docstring).

    Returns:
        The float32 model and the weight names missing from the checkpoint.

    Raises:
        ValueError: unknown pooling.
        OSError: the checkpoint cannot be read.
    """
    previous = hf_logging.get_verbosity()
    # "Newly initialized weights" warnings are expected: the head is new.
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    try:
        if pooling == "cls":
            model, info = AutoModelForSequenceClassification.from_pretrained(
                str(path),
                num_labels=len(labels),
                id2label=dict(enumerate(labels)),
                label2id={label: i for i, label in enumerate(labels)},
                local_files_only=True,
                output_loading_info=True,
            )
        elif pooling == "mean":
            encoder, info = load_encoder(path)
            model = MeanPoolingClassifier(encoder, len(labels))
        else:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}.")
    finally:
        hf_logging.set_verbosity(previous)
    # Train and infer in float32 whatever dtype the checkpoint was stored in.
    model.float()
    return model, list(info.get("missing_keys", []))
