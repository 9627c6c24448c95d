"""Evaluation report pieces that need no trained model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from finetune.errors import DataError
from finetune.evaluate import Evaluation, evaluate_model, format_report, write_report
from finetune.metrics import classification_report


def _evaluation() -> Evaluation:
    truth, pred = ["a", "a", "b"], ["a", "b", "b"]
    return Evaluation(
        n_examples=3,
        accuracy=2 / 3,
        macro_f1=2 / 3,
        ece=0.1,
        per_intent=classification_report(truth, pred),
        labels=["a", "b"],
        confusion=np.array([[1, 1], [0, 1]], dtype=np.int64),
    )


def test_format_report_lists_headline_and_each_intent() -> None:
    text = format_report(_evaluation())
    assert "accuracy  0.6667" in text and "ECE       0.1000 (15 bins)" in text
    assert [line.split()[0] for line in text.splitlines()[-2:]] == ["a", "b"]


def test_write_report_writes_json_and_png(tmp_path: Path) -> None:
    metrics_path, image_path = write_report(_evaluation(), tmp_path / "report")
    metrics = json.loads(metrics_path.read_text())
    assert metrics["confusion_matrix"] == [[1, 1], [0, 1]]
    assert metrics["ece_15_bins"] == 0.1
    assert image_path.read_bytes().startswith(b"\x89PNG")


def test_evaluate_rejects_empty_data() -> None:
    with pytest.raises(DataError, match="no examples"):
        evaluate_model(object(), [])  # type: ignore[arg-type]
