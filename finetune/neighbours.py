"""Nearest-neighbour intent votes over sentence embeddings, and their blend.

The fine-tuned classifier learns the phrasings of its training data; a frozen
sentence encoder keeps the pretrained notion of paraphrase. Letting the training
utterances nearest to a message (cosine similarity in the frozen space) vote on
its intent, and mixing that vote into the classifier's probabilities, makes the
prediction more robust to phrasings the training data never showed.

Pure numpy: the embeddings come from :mod:`finetune.sentence_encoder`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from finetune.errors import ModelCorruptError

# Softmax temperature over the neighbours' cosine similarities: a neighbour 0.05
# less similar than the nearest counts e^-1 as much.
VOTE_TEMPERATURE = 0.05
FEATURES_KEY = "features"
LABELS_KEY = "label_ids"
FloatArray = npt.NDArray[np.float64]


def normalise(features: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """Scale each row to unit length; all-zero rows stay zero.

    Args:
        features: array of shape (n, dim).

    Returns:
        float32 array of the same shape.
    """
    rows = np.asarray(features, dtype=np.float32)
    if rows.ndim != 2:
        raise ValueError(f"features must be a 2-D array, got shape {rows.shape}.")
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


@dataclass(frozen=True)
class NeighbourIndex:
    """Embeddings of labelled utterances that vote on new messages' intents.

    Attributes:
        features: unit-length embeddings, shape (n, dim), float16 to halve the
            saved size (cosine similarities change by < 1e-3).
        label_ids: intent index of each row, shape (n,).
        num_labels: number of intents (the width of :meth:`vote`'s output).
    """

    features: npt.NDArray[np.float16]
    label_ids: npt.NDArray[np.int64]
    num_labels: int
    _rows: npt.NDArray[np.float32] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Check shapes and label range."""
        if self.features.ndim != 2 or len(self.features) == 0:
            raise ValueError(
                f"features must be a non-empty 2-D array, got shape "
                f"{self.features.shape}."
            )
        if self.label_ids.shape != (len(self.features),):
            raise ValueError(
                f"label_ids must hold one label per feature row "
                f"({len(self.features)}), got shape {self.label_ids.shape}."
            )
        if self.num_labels < 1:
            raise ValueError(f"num_labels must be >= 1, got {self.num_labels}.")
        # float32 copy for the similarity product (converting per call costs
        # more than the product itself).
        object.__setattr__(self, "_rows", self.features.astype(np.float32))
        if self.label_ids.min() < 0 or self.label_ids.max() >= self.num_labels:
            raise ValueError(
                f"label_ids must lie in [0, {self.num_labels}), got "
                f"{int(self.label_ids.min())}..{int(self.label_ids.max())}."
            )

    @classmethod
    def build(
        cls, features: npt.ArrayLike, label_ids: npt.ArrayLike, num_labels: int
    ) -> NeighbourIndex:
        """Index raw embeddings (normalised here).

        Args:
            features: embeddings, shape (n, dim).
            label_ids: intent index per row.
            num_labels: number of intents.

        Returns:
            The index.
        """
        return cls(
            normalise(features).astype(np.float16),
            np.asarray(label_ids, dtype=np.int64),
            int(num_labels),
        )

    @property
    def dim(self) -> int:
        """Embedding width."""
        return int(self.features.shape[1])

    def vote(
        self,
        queries: npt.ArrayLike,
        k: int,
        temperature: float = VOTE_TEMPERATURE,
    ) -> FloatArray:
        """Intent distribution from each query's k most similar rows.

        Each neighbour's weight is ``exp((cos - cos_max) / temperature)``; the
        weights are summed per intent and normalised. An all-zero query (a blank
        message) gets the uniform distribution.

        Args:
            queries: embeddings, shape (m, dim); normalised here.
            k: neighbours per query (capped at the index size).
            temperature: softmax temperature over similarities (> 0).

        Returns:
            Array of shape (m, num_labels); rows sum to 1.

        Raises:
            ValueError: wrong query width, k < 1 or temperature <= 0.
        """
        rows = normalise(queries)
        if rows.shape[1] != self.dim:
            raise ValueError(
                f"queries have width {rows.shape[1]}, the index {self.dim}."
            )
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}.")
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature}.")
        out = np.full((len(rows), self.num_labels), 1.0 / self.num_labels)
        live = np.flatnonzero(np.abs(rows).sum(axis=1) > 0)
        if len(live) == 0:
            return out
        k = min(k, len(self.features))
        similarities = rows[live] @ self._rows.T
        top = np.argpartition(-similarities, k - 1, axis=1)[:, :k]
        nearest = np.take_along_axis(similarities, top, axis=1).astype(np.float64)
        weights = np.exp((nearest - nearest.max(axis=1, keepdims=True)) / temperature)
        votes = np.zeros((len(live), self.num_labels))
        np.add.at(votes, (np.arange(len(live))[:, None], self.label_ids[top]), weights)
        out[live] = votes / votes.sum(axis=1, keepdims=True)
        return out

    def save(self, path: Path) -> None:
        """Write the index as an uncompressed ``.npz`` file.

        Args:
            path: destination file.
        """
        with path.open("wb") as handle:
            arrays: dict[str, npt.NDArray[np.generic]] = {
                FEATURES_KEY: self.features,
                LABELS_KEY: self.label_ids,
            }
            np.savez(handle, **arrays)

    @classmethod
    def load(cls, path: Path, num_labels: int, hint: str) -> NeighbourIndex:
        """Read an index written by :meth:`save`.

        Args:
            path: the ``.npz`` file.
            num_labels: the model's number of intents.
            hint: how to fix a broken file, appended to the error message.

        Returns:
            The index.

        Raises:
            ModelCorruptError: the file is unreadable or inconsistent.
        """
        try:
            with np.load(path, allow_pickle=False) as data:
                features = np.asarray(data[FEATURES_KEY], dtype=np.float16)
                label_ids = np.asarray(data[LABELS_KEY], dtype=np.int64)
            return cls(features, label_ids, num_labels)
        except (OSError, KeyError, ValueError, TypeError) as err:
            raise ModelCorruptError(
                f"neighbour index '{path}' is unreadable or inconsistent ({err}); "
                f"{hint}."
            ) from err


def blend(classifier: FloatArray, neighbours: FloatArray, weight: float) -> FloatArray:
    """Mix two probability tables: ``(1 - weight) * classifier + weight * neighbours``.

    Args:
        classifier: calibrated classifier probabilities, shape (m, labels).
        neighbours: :meth:`NeighbourIndex.vote` output of the same shape.
        weight: share of the neighbour vote, in [0, 1].

    Returns:
        The mixture; rows still sum to 1.

    Raises:
        ValueError: shapes differ or weight is outside [0, 1].
    """
    if classifier.shape != neighbours.shape:
        raise ValueError(
            f"cannot blend shapes {classifier.shape} and {neighbours.shape}."
        )
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight must lie in [0, 1], got {weight}.")
    return (1.0 - weight) * classifier + weight * neighbours
