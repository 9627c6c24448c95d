"""The real model on the real held-out split meets the issue's targets.

Trains the real model once per session (about 20 s, single-threaded).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from actions.churn.dataset import DEFAULT_DATA, read_churn_csv, split_holdout
from actions.churn.model import DEFAULT_MODEL_DIR, METADATA_FILE, ChurnModel

REPORT = Path(__file__).resolve().parents[3] / "reports" / "churn.json"


def test_held_out_metrics_meet_targets(real_model: ChurnModel) -> None:
    metrics = real_model.metadata.metrics
    assert metrics["n"] == 901 and metrics["positives"] == 152
    assert metrics["roc_auc"] >= 0.98
    assert metrics["brier"] <= 0.05
    assert metrics["pr_auc"] >= 0.9
    assert real_model.metadata.training_rows == 3604


def test_real_churners_get_reasons(real_model: ChurnModel) -> None:
    table = read_churn_csv(DEFAULT_DATA, require_label=True)
    assert table.labels is not None
    _, test = split_holdout(table.labels)
    probabilities = real_model.predict_matrix(table.features[test])
    flagged = [i for i, p in zip(test, probabilities, strict=True) if p >= 0.5]
    assert len(flagged) > 100
    from actions.churn.reasons import top_reasons

    for i in flagged[:10]:
        reasons = top_reasons(
            real_model.predict_matrix, table.features[i], real_model.reference
        )
        assert reasons, f"no reasons for held-out row {i}"


def test_shipped_model_and_report_are_this_model(real_model: ChurnModel) -> None:
    """models/churn (`make churn`) and reports/churn.json come from this code."""
    metadata_path = DEFAULT_MODEL_DIR / METADATA_FILE
    if not metadata_path.is_file():
        pytest.skip(f"{metadata_path} not built; run `make churn` to check it")
    shipped = json.loads(metadata_path.read_text(encoding="utf-8"))
    assert shipped["model_version"] == real_model.version, "retrain: make churn"
    for key, value in real_model.metadata.metrics.items():
        assert shipped["metrics"][key] == pytest.approx(value, abs=1e-4), key
    report = json.loads(REPORT.read_text(encoding="utf-8"))
    assert (
        report["model_version"] == real_model.version
    ), "reports/churn.json is stale: run `python -m actions.churn evaluate`"
    for key in ("roc_auc", "pr_auc", "brier"):
        assert report[key] == pytest.approx(shipped["metrics"][key], abs=1e-6)
