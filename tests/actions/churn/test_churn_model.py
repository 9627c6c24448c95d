"""Training on a small sample, saving, loading, predicting and explaining."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from actions.churn import load_churn_model
from actions.churn.dataset import read_churn_csv, split_holdout
from actions.churn.errors import (
    ChurnModelError,
    ChurnModelNotFoundError,
    FeatureValueError,
)
from actions.churn.features import FEATURES
from actions.churn.model import (
    ENV_CHURN_MODEL,
    METADATA_FILE,
    MODEL_FILE,
    ChurnModel,
)
from actions.churn.reasons import Reason
from actions.churn.training import reference_values
from tests.actions.churn.test_churn_features import profile


def test_saved_model_and_metadata(
    small_model_dir: Path, small_model: ChurnModel
) -> None:
    assert sorted(p.name for p in small_model_dir.iterdir()) == [
        METADATA_FILE,
        MODEL_FILE,
    ]
    metadata = json.loads((small_model_dir / METADATA_FILE).read_text())
    assert metadata["features"] == list(FEATURES)
    assert metadata["training_rows"] == 360  # 80 % of the 451-row sample
    assert set(metadata["metrics"]) >= {"roc_auc", "pr_auc", "brier"}
    assert metadata["sklearn_version"] == "1.1.3"
    assert metadata["model_version"] == small_model.version
    # no temporary directories left next to the model
    assert [p.name for p in small_model_dir.parent.iterdir()] == ["model"]


def test_predict_mappings_matches_matrix(small_model: ChurnModel) -> None:
    rows = [profile(), profile(Tenure=0, Complain=1), profile(Tenure=None)]
    probabilities = small_model.predict(rows)
    assert len(probabilities) == 3
    assert all(isinstance(p, float) and 0.0 <= p <= 1.0 for p in probabilities)
    assert probabilities[1] > probabilities[0]  # new and complaining
    assert small_model.predict([]) == []
    with pytest.raises(FeatureValueError, match="index 0: Gender"):
        small_model.predict([profile(Gender="robot")])


def test_explain_returns_reasons(small_model: ChurnModel) -> None:
    reasons = small_model.explain(profile(Tenure=0, Complain=1), k=2)
    assert 1 <= len(reasons) <= 2
    assert all(isinstance(r, Reason) and r.contribution > 0 for r in reasons)
    assert reasons[0].feature in {"Tenure", "Complain"}


def test_reference_is_training_median_and_mode(sample_csv: Path) -> None:
    table = read_churn_csv(sample_csv, require_label=True)
    assert table.labels is not None
    train, _ = split_holdout(table.labels)
    reference = reference_values(table.features[train])
    tenure = table.features[train, FEATURES.index("Tenure")]
    assert reference[FEATURES.index("Tenure")] == np.nanmedian(tenure)
    gender = table.features[train, FEATURES.index("Gender")]
    mode = np.bincount(gender.astype(int)).argmax()
    assert reference[FEATURES.index("Gender")] == mode


def test_resave_replaces_atomically(small_model: ChurnModel, tmp_path: Path) -> None:
    target = tmp_path / "churn"
    small_model.save(target)
    small_model.save(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["churn"]
    assert ChurnModel.load(target).version == small_model.version


def _copy(small_model_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(small_model_dir, target)
    return target


def test_load_errors(small_model_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ChurnModelNotFoundError, match="actions.churn train"):
        ChurnModel.load(tmp_path / "absent")
    copy = _copy(small_model_dir, tmp_path)
    (copy / MODEL_FILE).unlink()
    with pytest.raises(ChurnModelNotFoundError, match="lacks model.joblib"):
        ChurnModel.load(copy)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda m: m.update(features=m["features"][::-1]), "lists features"),
        (lambda m: m["categories"]["Gender"].append("Other"), "has categories"),
        (lambda m: m.update(format_version=99), "format_version 99"),
        (lambda m: m.pop("reference"), "Cannot read churn metadata"),
        (lambda m: m.update(reference=[0.0]), "1 reference values"),
    ],
)
def test_metadata_must_match(
    small_model_dir: Path, tmp_path: Path, change: object, fragment: str
) -> None:
    copy = _copy(small_model_dir, tmp_path)
    metadata = json.loads((copy / METADATA_FILE).read_text())
    change(metadata)  # type: ignore[operator]
    (copy / METADATA_FILE).write_text(json.dumps(metadata))
    with pytest.raises(ChurnModelError, match=fragment):
        ChurnModel.load(copy)


def test_corrupt_files(small_model_dir: Path, tmp_path: Path) -> None:
    copy = _copy(small_model_dir, tmp_path)
    (copy / METADATA_FILE).write_text("{not json")
    with pytest.raises(ChurnModelError, match="Cannot read churn metadata"):
        ChurnModel.load(copy)
    copy = _copy(small_model_dir, tmp_path / "b")
    (copy / MODEL_FILE).write_bytes(b"garbage")
    with pytest.raises(ChurnModelError, match="Cannot read"):
        ChurnModel.load(copy)


def test_cached_loader_env_and_reload(
    small_model: ChurnModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "env_model"
    small_model.save(target)
    monkeypatch.setenv(ENV_CHURN_MODEL, str(target))
    first = load_churn_model()
    assert load_churn_model() is first
    assert load_churn_model(target) is first
    small_model.save(target)  # retrained: a new metadata file
    assert load_churn_model() is not first
    monkeypatch.setenv(ENV_CHURN_MODEL, str(tmp_path / "nowhere"))
    with pytest.raises(ChurnModelNotFoundError):
        load_churn_model()


def test_score_is_predict_and_explain_in_one_pass(small_model: ChurnModel) -> None:
    row = profile(Tenure=0, Complain=1)
    probability, reasons = small_model.score(row, k=3)
    assert probability == pytest.approx(small_model.predict([row])[0])
    assert reasons == small_model.explain(row, k=3)
