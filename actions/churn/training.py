"""Fit the churn model on the training 80 % and evaluate it on the held-out 20 %.

The model: the soft-voting average of a histogram gradient-boosting classifier
(missing values and categories handled natively) and an extra-trees forest
(missing values as -1: every observed feature value is >= 0), wrapped in
isotonic calibration cross-fitted with 5 stratified folds on the training rows
(``ensemble=False``: the calibrator learns from out-of-fold predictions, the
ensemble is then refitted on all training rows). The settings were chosen by
5-fold cross-validation on the training rows only; the held-out rows are never
used to fit or tune anything. Every random seed is fixed, so training twice
gives the same model.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from actions.churn.dataset import (
    SPLIT_SEED,
    TEST_FRACTION,
    ChurnTable,
    ids_fingerprint,
    read_churn_csv,
    split_holdout,
)
from actions.churn.errors import ChurnDataError, ChurnModelError
from actions.churn.features import (
    CATEGORICAL_MASK,
    CATEGORIES,
    FEATURES,
    FloatArray,
    IntArray,
)
from actions.churn.metrics import (
    CalibrationBin,
    Metrics,
    calibration_bins,
    compute_metrics,
)
from actions.churn.model import FORMAT_VERSION, ChurnMetadata, ChurnModel

logger = logging.getLogger(__name__)

SEED = 7
HGB_PARAMS: dict[str, Any] = {
    "learning_rate": 0.1,
    "max_iter": 200,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 5,
}
EXTRA_TREES_PARAMS: dict[str, Any] = {"n_estimators": 200, "max_features": 0.5}
MISSING_FILL = -1.0
CALIBRATION_METHOD = "sigmoid"
CALIBRATION_FOLDS = 5


def build_gradient_boosting(seed: int = SEED) -> Any:
    """The histogram gradient-boosting member (NaN and categories native)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        categorical_features=np.array(CATEGORICAL_MASK),
        random_state=seed,
        **HGB_PARAMS,
    )


def build_ensemble(seed: int = SEED) -> Any:
    """Uncalibrated soft-voting average of gradient boosting and extra trees."""
    from sklearn.ensemble import ExtraTreesClassifier, VotingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    extra_trees = make_pipeline(
        SimpleImputer(strategy="constant", fill_value=MISSING_FILL),
        ExtraTreesClassifier(random_state=seed, **EXTRA_TREES_PARAMS),
    )
    return VotingClassifier(
        [
            ("gradient_boosting", build_gradient_boosting(seed)),
            ("extra_trees", extra_trees),
        ],
        voting="soft",
    )


def build_churn_estimator(seed: int = SEED) -> Any:
    """The shipped estimator: the ensemble with cross-fitted isotonic calibration."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import StratifiedKFold

    return CalibratedClassifierCV(
        build_ensemble(seed),
        method=CALIBRATION_METHOD,
        cv=StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=seed),
        ensemble=False,
    )


def build_logistic_baseline(seed: int = SEED) -> Any:
    """Baseline: logistic regression on scaled numbers and one-hot categories."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [i for i, categorical in enumerate(CATEGORICAL_MASK) if not categorical]
    categorical = [i for i, is_cat in enumerate(CATEGORICAL_MASK) if is_cat]
    columns = ColumnTransformer(
        [
            (
                "numeric",
                make_pipeline(
                    SimpleImputer(strategy="median", add_indicator=True),
                    StandardScaler(),
                ),
                numeric,
            ),
            (
                "categorical",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                categorical,
            ),
        ]
    )
    return make_pipeline(columns, LogisticRegression(max_iter=2000, random_state=seed))


def _one_thread() -> Any:
    """A context in which fits use one OpenMP thread.

    On a busy machine gradient boosting's OpenMP threads spin-wait and training
    takes ten times longer; one thread also makes the cost predictable.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def reference_values(matrix: FloatArray) -> FloatArray:
    """Per-feature reference for reasons: median of numbers, mode of categories.

    Args:
        matrix: encoded training rows.

    Returns:
        One value per feature; NaN where a column has no values.
    """
    reference = np.full(len(FEATURES), np.nan)
    for j, categorical in enumerate(CATEGORICAL_MASK):
        column = matrix[:, j][~np.isnan(matrix[:, j])]
        if len(column) == 0:
            continue
        if categorical:
            reference[j] = float(np.bincount(column.astype(int)).argmax())
        else:
            reference[j] = float(np.median(column))
    return reference


def table_fingerprint(table: ChurnTable) -> str:
    """SHA-256 of a labelled table's ids, encoded features and labels."""
    digest = hashlib.sha256()
    digest.update("\n".join(table.customer_ids).encode("utf-8"))
    digest.update(np.ascontiguousarray(table.features).tobytes())
    if table.labels is not None:
        digest.update(np.ascontiguousarray(table.labels).tobytes())
    return digest.hexdigest()


def _split(table: ChurnTable) -> tuple[IntArray, IntArray, IntArray]:
    if table.labels is None:
        raise ChurnDataError(
            "Training needs labels: read the CSV with its Churn column."
        )
    train, test = split_holdout(table.labels)
    return train, test, table.labels


def fit_churn_model(table: ChurnTable, *, seed: int = SEED) -> ChurnModel:
    """Fit the churn model on the training rows and measure it on the held-out.

    Args:
        table: labelled customers (the whole data set).
        seed: seed of the estimators and the calibration folds.

    Returns:
        The fitted model; its metadata holds the held-out metrics.

    Raises:
        ChurnDataError: no labels, or too few rows of a class to split.
    """
    import sklearn

    train, test, labels = _split(table)
    x_train, y_train = table.features[train], labels[train]
    logger.info(
        "Fitting churn model on %d rows (%d churners)", len(train), y_train.sum()
    )
    with _one_thread():
        estimator = build_churn_estimator(seed).fit(x_train, y_train)
    probabilities = estimator.predict_proba(table.features[test])[:, 1]
    metrics = compute_metrics(labels[test], probabilities)
    params = {
        "seed": seed,
        "gradient_boosting": HGB_PARAMS,
        "extra_trees": EXTRA_TREES_PARAMS,
        "missing_fill_extra_trees": MISSING_FILL,
        "calibration": {"method": CALIBRATION_METHOD, "folds": CALIBRATION_FOLDS},
    }
    data_sha = table_fingerprint(table)
    version_key = json.dumps([data_sha, params, sklearn.__version__], sort_keys=True)
    version = hashlib.sha256(version_key.encode("utf-8")).hexdigest()[:10]
    metadata = ChurnMetadata(
        model_version=f"churn-v{FORMAT_VERSION}-{version}",
        features=list(FEATURES),
        categories={name: list(values) for name, values in CATEGORIES.items()},
        reference=[
            None if np.isnan(value) else float(value)
            for value in reference_values(x_train)
        ],
        training_rows=int(len(train)),
        training_positives=int(y_train.sum()),
        metrics=metrics.as_dict(),
        sklearn_version=sklearn.__version__,
        params=params,
        split={
            "seed": SPLIT_SEED,
            "test_fraction": TEST_FRACTION,
            "test_rows": int(len(test)),
            "test_ids_sha": ids_fingerprint([table.customer_ids[i] for i in test]),
        },
        data_sha256=data_sha,
    )
    return ChurnModel(estimator, metadata)


def train_and_save(data_path: Path, model_dir: Path) -> ChurnModel:
    """Read the data, fit the model and save it to ``model_dir``.

    Args:
        data_path: the labelled churn CSV.
        model_dir: where to write the model (replaced atomically).

    Returns:
        The saved model.
    """
    model = fit_churn_model(read_churn_csv(data_path, require_label=True))
    model.save(model_dir)
    return model


@dataclass(frozen=True)
class Evaluation:
    """The shipped model and the baselines on the held-out rows.

    Attributes:
        model_version: the evaluated model's version.
        metrics: the shipped model's held-out metrics.
        bins: its reliability-diagram bins.
        baselines: name -> held-out metrics of each baseline fitted in this run.
        labels: held-out labels.
        probabilities: name -> held-out probabilities ("model" and baselines).
        training_rows: rows the model and baselines were fitted on.
    """

    model_version: str
    metrics: Metrics
    bins: list[CalibrationBin]
    baselines: dict[str, Metrics]
    labels: IntArray
    probabilities: dict[str, FloatArray]
    training_rows: int


def evaluate_saved_model(data_path: Path, model_dir: Path) -> Evaluation:
    """Evaluate the saved model on its held-out rows, with baselines.

    Baselines are fitted on the same training rows in this run: logistic
    regression, gradient boosting alone and the uncalibrated ensemble.

    Args:
        data_path: the labelled churn CSV the model was trained on.
        model_dir: the saved model.

    Returns:
        The evaluation.

    Raises:
        ChurnModelError: the model was trained on other data or another split.
        ChurnModelNotFoundError: no model in ``model_dir``.
    """
    table = read_churn_csv(data_path, require_label=True)
    train, test, labels = _split(table)
    model = ChurnModel.load(model_dir)
    if model.metadata.data_sha256 != table_fingerprint(table):
        raise ChurnModelError(
            f"Churn model {model.version} in {model_dir} was trained on other data "
            f"than {data_path}; retrain with `python -m actions.churn train "
            f"--data {data_path}` before evaluating."
        )
    x_test, y_test = table.features[test], labels[test]
    probabilities = {"model": model.predict_matrix(x_test)}
    builders = {
        "logistic_regression": build_logistic_baseline,
        "gradient_boosting_uncalibrated": build_gradient_boosting,
        "ensemble_uncalibrated": build_ensemble,
    }
    for name, build in builders.items():
        with _one_thread():
            fitted = build(SEED).fit(table.features[train], labels[train])
        probabilities[name] = fitted.predict_proba(x_test)[:, 1]
    return Evaluation(
        model_version=model.version,
        metrics=compute_metrics(y_test, probabilities["model"]),
        bins=calibration_bins(y_test, probabilities["model"]),
        baselines={
            name: compute_metrics(y_test, probabilities[name]) for name in builders
        },
        labels=y_test,
        probabilities=probabilities,
        training_rows=int(len(train)),
    )
