"""Held-out metrics of churn probabilities (pure: arrays in, numbers out)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np

from actions.churn.features import FloatArray, IntArray

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Metrics:
    """Quality of churn probabilities on a labelled set.

    Attributes:
        roc_auc: area under the ROC curve.
        pr_auc: area under the precision-recall curve (average precision).
        brier: mean squared error of the probabilities (lower is better).
        log_loss: mean negative log-likelihood (lower is better).
        precision: precision when flagging probability >= 0.5.
        recall: recall when flagging probability >= 0.5.
        n: number of customers.
        positives: number of churners among them.
    """

    roc_auc: float
    pr_auc: float
    brier: float
    log_loss: float
    precision: float
    recall: float
    n: int
    positives: int

    def as_dict(self) -> dict[str, float | int]:
        """The metrics as a JSON-ready dict, floats rounded to 6 places."""
        return {
            key: round(value, 6) if isinstance(value, float) else value
            for key, value in asdict(self).items()
        }


@dataclass(frozen=True)
class CalibrationBin:
    """One bin of a reliability diagram.

    Attributes:
        low: lower edge of the predicted-probability bin.
        high: upper edge.
        mean_predicted: mean predicted probability in the bin.
        observed: observed churn rate in the bin.
        count: customers in the bin.
    """

    low: float
    high: float
    mean_predicted: float
    observed: float
    count: int


def compute_metrics(labels: IntArray, probabilities: FloatArray) -> Metrics:
    """ROC-AUC, PR-AUC, Brier score and friends.

    Args:
        labels: 0/1 array.
        probabilities: churn probabilities, same length.

    Returns:
        The metrics.

    Raises:
        ValueError: lengths differ or only one class is present.
    """
    from sklearn.metrics import (
        average_precision_score,
        brier_score_loss,
        log_loss,
        precision_score,
        recall_score,
        roc_auc_score,
    )

    if labels.shape != probabilities.shape:
        raise ValueError(
            f"labels {labels.shape} and probabilities {probabilities.shape} differ."
        )
    if len(np.unique(labels)) != 2:
        raise ValueError("Metrics need both churners and non-churners in the labels.")
    flagged = (probabilities >= 0.5).astype(int)
    return Metrics(
        roc_auc=float(roc_auc_score(labels, probabilities)),
        pr_auc=float(average_precision_score(labels, probabilities)),
        brier=float(brier_score_loss(labels, probabilities)),
        log_loss=float(log_loss(labels, np.clip(probabilities, 1e-6, 1 - 1e-6))),
        precision=float(precision_score(labels, flagged, zero_division=0)),
        recall=float(recall_score(labels, flagged, zero_division=0)),
        n=int(len(labels)),
        positives=int(labels.sum()),
    )


def calibration_bins(
    labels: IntArray, probabilities: FloatArray, n_bins: int = 10
) -> list[CalibrationBin]:
    """Equal-width reliability bins over [0, 1]; empty bins are left out.

    Args:
        labels: 0/1 array.
        probabilities: churn probabilities, same length.
        n_bins: number of equal-width bins.

    Returns:
        One entry per non-empty bin, in increasing probability.
    """
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(probabilities, edges[1:-1]), 0, n_bins - 1)
    bins = []
    for index in range(n_bins):
        members = which == index
        if members.any():
            bins.append(
                CalibrationBin(
                    low=float(edges[index]),
                    high=float(edges[index + 1]),
                    mean_predicted=float(probabilities[members].mean()),
                    observed=float(labels[members].mean()),
                    count=int(members.sum()),
                )
            )
    return bins
