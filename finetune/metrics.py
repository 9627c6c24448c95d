"""Classification metrics over label strings (pure; no model code).

Accuracy, macro-F1, per-intent precision/recall/F1, confusion matrix, and
(re-exported from :mod:`finetune.calibration`) the expected calibration error.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TypedDict

import numpy as np
import numpy.typing as npt

from finetune.calibration import ECE_BINS, expected_calibration_error

logger = logging.getLogger(__name__)

__all__ = [
    "ECE_BINS",
    "ClassReport",
    "accuracy",
    "classification_report",
    "confusion_matrix",
    "expected_calibration_error",
    "macro_f1",
]


class ClassReport(TypedDict):
    """Precision, recall, F1 and support of one label."""

    precision: float
    recall: float
    f1: float
    support: int


def accuracy(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Share of predictions equal to the true label.

    Args:
        y_true: true labels.
        y_pred: predicted labels, same length.

    Returns:
        Accuracy in [0, 1]; 0.0 for empty input.

    Raises:
        ValueError: the sequences differ in length.
    """
    _check_lengths(y_true, y_pred)
    if not y_true:
        return 0.0
    return sum(t == p for t, p in zip(y_true, y_pred, strict=False)) / len(y_true)


def classification_report(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    labels: Sequence[str] | None = None,
) -> dict[str, ClassReport]:
    """Per-label precision, recall, F1 and support.

    A label never predicted has precision 0; one never true has recall 0 (the
    scikit-learn ``zero_division=0`` convention).

    Args:
        y_true: true labels.
        y_pred: predicted labels, same length.
        labels: labels to report, in order; default: every label seen, sorted.

    Returns:
        Label to its :class:`ClassReport`.

    Raises:
        ValueError: the sequences differ in length.
    """
    _check_lengths(y_true, y_pred)
    names = list(labels) if labels is not None else sorted(set(y_true) | set(y_pred))
    report: dict[str, ClassReport] = {}
    for name in names:
        tp = sum(t == name and p == name for t, p in zip(y_true, y_pred, strict=False))
        predicted = sum(p == name for p in y_pred)
        support = sum(t == name for t in y_true)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = (
            2 * precision * recall / (precision + recall) if precision + recall else 0.0
        )
        report[name] = ClassReport(
            precision=precision, recall=recall, f1=f1, support=support
        )
    return report


def macro_f1(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    labels: Sequence[str] | None = None,
) -> float:
    """Unweighted mean of the per-label F1 scores.

    Args:
        y_true: true labels.
        y_pred: predicted labels, same length.
        labels: labels to average over; default: every label seen.

    Returns:
        Macro-F1 in [0, 1]; 0.0 when there are no labels.

    Raises:
        ValueError: the sequences differ in length.
    """
    report = classification_report(y_true, y_pred, labels)
    if not report:
        return 0.0
    return sum(r["f1"] for r in report.values()) / len(report)


def confusion_matrix(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]
) -> npt.NDArray[np.int64]:
    """Count matrix with true labels as rows and predictions as columns.

    Args:
        y_true: true labels.
        y_pred: predicted labels, same length.
        labels: row/column order; pairs with a label outside it are not counted.

    Returns:
        Integer array of shape (len(labels), len(labels)).

    Raises:
        ValueError: the sequences differ in length or ``labels`` repeats a name.
    """
    _check_lengths(y_true, y_pred)
    index = {name: i for i, name in enumerate(labels)}
    if len(index) != len(labels):
        raise ValueError(f"labels must be unique, got {list(labels)!r}.")
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(y_true, y_pred, strict=False):
        if t in index and p in index:
            matrix[index[t], index[p]] += 1
    return matrix


def _check_lengths(y_true: Sequence[str], y_pred: Sequence[str]) -> None:
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)}."
        )
