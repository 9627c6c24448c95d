"""Evaluate a saved intent model on labelled data: metrics and a confusion plot."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from finetune.calibration import ECE_BINS, probabilities_ece
from finetune.data import Example
from finetune.errors import DataError
from finetune.metrics import (
    ClassReport,
    accuracy,
    classification_report,
    confusion_matrix,
    macro_f1,
)
from finetune.model import IntentModel

logger = logging.getLogger(__name__)

METRICS_FILE = "metrics.json"
CONFUSION_FILE = "confusion_matrix.png"


@dataclass
class Evaluation:
    """Metrics of one model on one data set."""

    n_examples: int
    accuracy: float
    macro_f1: float
    ece: float
    per_intent: dict[str, ClassReport]
    labels: list[str]
    confusion: npt.NDArray[np.int64]
    unknown_labels: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict of every metric.

        Returns:
            Metrics, per-intent report, label order and confusion counts.
        """
        return {
            "n_examples": self.n_examples,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            f"ece_{ECE_BINS}_bins": self.ece,
            "unknown_labels": self.unknown_labels,
            "seconds": self.seconds,
            "per_intent": self.per_intent,
            "labels": self.labels,
            "confusion_matrix": self.confusion.tolist(),
        }


def evaluate_model(model: IntentModel, examples: Sequence[Example]) -> Evaluation:
    """Predict every example and compute accuracy, macro-F1, ECE and more.

    Examples whose label the model does not know count as errors (and are
    listed in ``unknown_labels``); ECE is computed over the known ones.

    Args:
        model: the trained model.
        examples: labelled test examples.

    Returns:
        The :class:`Evaluation`.

    Raises:
        DataError: ``examples`` is empty.
    """
    if not examples:
        raise DataError("no examples to evaluate; pass a non-empty data file.")
    started = time.perf_counter()
    probabilities = model.predict_proba([e.text for e in examples])
    seconds = time.perf_counter() - started
    predicted = [model.labels[i] for i in probabilities.argmax(axis=1)]
    truth = [e.label for e in examples]
    index = {label: i for i, label in enumerate(model.labels)}
    known = [i for i, label in enumerate(truth) if label in index]
    unknown = sorted(set(truth) - set(index))
    if unknown:
        logger.warning(
            "%d test examples have intents the model does not know: %s.",
            len(truth) - len(known),
            unknown,
        )
    ece = (
        probabilities_ece(
            probabilities[known],
            np.array([index[truth[i]] for i in known], dtype=np.int64),
        )
        if known
        else 0.0
    )
    labels = list(model.labels) + unknown
    return Evaluation(
        n_examples=len(examples),
        accuracy=accuracy(truth, predicted),
        macro_f1=macro_f1(truth, predicted, labels=sorted(set(truth))),
        ece=ece,
        per_intent=classification_report(truth, predicted, labels=labels),
        labels=labels,
        confusion=confusion_matrix(truth, predicted, labels),
        unknown_labels=unknown,
        seconds=round(seconds, 3),
    )


def format_report(evaluation: Evaluation) -> str:
    """Render the headline metrics and the per-intent table as text.

    Args:
        evaluation: the metrics to render.

    Returns:
        A multi-line report ending in a newline.
    """
    width = max([len("intent"), *(len(name) for name in evaluation.per_intent)])
    lines = [
        f"examples  {evaluation.n_examples}",
        f"accuracy  {evaluation.accuracy:.4f}",
        f"macro-F1  {evaluation.macro_f1:.4f}",
        f"ECE       {evaluation.ece:.4f} ({ECE_BINS} bins)",
        "",
        f"{'intent':<{width}}  precision  recall  f1      support",
    ]
    for name, row in evaluation.per_intent.items():
        lines.append(
            f"{name:<{width}}  {row['precision']:.4f}     {row['recall']:.4f}  "
            f"{row['f1']:.4f}  {row['support']}"
        )
    return "\n".join(lines) + "\n"


def write_report(evaluation: Evaluation, report_dir: Path | str) -> tuple[Path, Path]:
    """Write ``metrics.json`` and ``confusion_matrix.png`` into a folder.

    Args:
        evaluation: the metrics to write.
        report_dir: destination folder; created if missing.

    Returns:
        Paths of the metrics file and the confusion-matrix image.
    """
    folder = Path(report_dir)
    folder.mkdir(parents=True, exist_ok=True)
    metrics_path = folder / METRICS_FILE
    metrics_path.write_text(
        json.dumps(evaluation.to_dict(), indent=2) + "\n", encoding="utf-8"
    )
    image_path = folder / CONFUSION_FILE
    plot_confusion_matrix(evaluation.confusion, evaluation.labels, image_path)
    logger.info("Wrote '%s' and '%s'.", metrics_path, image_path)
    return metrics_path, image_path


def plot_confusion_matrix(
    matrix: npt.NDArray[np.int64], labels: Sequence[str], path: Path
) -> None:
    """Save a row-normalised confusion-matrix heat map as PNG.

    Args:
        matrix: counts, true labels as rows.
        labels: names of the rows/columns.
        path: destination PNG file.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = matrix.sum(axis=1, keepdims=True)
    normalised = np.divide(matrix, rows, out=np.zeros(matrix.shape), where=rows > 0)
    size = max(6.0, 0.28 * len(labels) + 2.0)
    fig, ax = plt.subplots(figsize=(size, size))
    try:
        image = ax.imshow(normalised, cmap="Blues", vmin=0.0, vmax=1.0)
        ax.set_xticks(range(len(labels)))
        ax.set_yticks(range(len(labels)))
        font = 8 if len(labels) <= 40 else 5
        ax.set_xticklabels(labels, rotation=90, fontsize=font)
        ax.set_yticklabels(labels, fontsize=font)
        ax.set_xlabel("predicted intent")
        ax.set_ylabel("true intent")
        ax.set_title("Confusion matrix (row-normalised)")
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)
