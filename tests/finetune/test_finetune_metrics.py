"""Metrics on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from finetune.metrics import (
    accuracy,
    classification_report,
    confusion_matrix,
    expected_calibration_error,
    macro_f1,
)

TRUE = ["a", "a", "a", "b", "b", "c"]
PRED = ["a", "a", "b", "b", "c", "c"]


def test_accuracy() -> None:
    assert accuracy(TRUE, PRED) == pytest.approx(4 / 6)
    assert accuracy([], []) == 0.0


def test_per_intent_report_and_macro_f1() -> None:
    report = classification_report(TRUE, PRED)
    # a: tp=2, predicted 2, support 3 -> P=1, R=2/3, F1=0.8
    assert report["a"] == pytest.approx(
        {"precision": 1.0, "recall": 2 / 3, "f1": 0.8, "support": 3}
    )
    # b: tp=1, predicted 2, support 2 -> P=R=F1=0.5
    assert report["b"] == pytest.approx(
        {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    )
    # c: tp=1, predicted 2, support 1 -> P=0.5, R=1, F1=2/3
    assert report["c"] == pytest.approx(
        {"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1}
    )
    assert macro_f1(TRUE, PRED) == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)


def test_labels_never_predicted_or_absent_score_zero() -> None:
    report = classification_report(["a", "b"], ["a", "a"], labels=["a", "b", "z"])
    assert report["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert report["z"]["support"] == 0
    assert macro_f1([], []) == 0.0


def test_confusion_matrix_rows_are_truth() -> None:
    matrix = confusion_matrix(TRUE, PRED, ["a", "b", "c"])
    assert matrix.tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert matrix.sum() == len(TRUE)
    with pytest.raises(ValueError, match="unique"):
        confusion_matrix(TRUE, PRED, ["a", "a"])


def test_length_mismatch_is_rejected() -> None:
    with pytest.raises(ValueError, match="y_true has 2 labels but y_pred has 1"):
        accuracy(["a", "b"], ["a"])


def test_ece_hand_computed() -> None:
    # Bins of width 1/15: 0.95 and 0.97 share the last bin (acc 0.5, conf 0.96);
    # 0.5 sits alone in bin 8 (acc 1, conf 0.5); 0.2 alone in bin 3 (acc 0).
    conf = [0.95, 0.97, 0.5, 0.2]
    correct = [True, False, True, False]
    expected = 0.5 * abs(0.5 - 0.96) + 0.25 * abs(1 - 0.5) + 0.25 * abs(0 - 0.2)
    assert expected_calibration_error(conf, correct) == pytest.approx(expected)


def test_ece_perfect_and_empty_and_bad_input() -> None:
    assert expected_calibration_error([1.0, 1.0], [1, 1]) == 0.0
    assert expected_calibration_error([], []) == 0.0
    with pytest.raises(ValueError, match="2 confidences but 1"):
        expected_calibration_error([0.5, 0.5], [1])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        expected_calibration_error(np.array([1.5]), [1])
    with pytest.raises(ValueError, match="n_bins"):
        expected_calibration_error([0.5], [1], n_bins=0)
