"""The trained churn model: predict, explain, save and load.

A model directory holds ``model.joblib`` (the fitted scikit-learn estimator)
and ``metadata.json`` (:class:`ChurnMetadata`). It is written to a temporary
directory and renamed into place, so readers never see half a model. Loading
checks that both files are there and that the metadata's feature list and
categories match :mod:`actions.churn.features`.

Other code calls :func:`load_churn_model` (cached; the directory comes from the
argument, ``$SHOPBOT_CHURN_MODEL`` or ``models/churn`` in the repository).
Nothing is loaded at import time.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from actions.churn.errors import ChurnModelError, ChurnModelNotFoundError
from actions.churn.features import (
    CATEGORIES,
    FEATURES,
    FloatArray,
    encode_row,
    rows_to_matrix,
)
from actions.churn.reasons import DEFAULT_MIN_CONTRIBUTION, Reason, top_reasons

logger = logging.getLogger(__name__)

ENV_CHURN_MODEL = "SHOPBOT_CHURN_MODEL"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models/churn"
MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ChurnMetadata:
    """What is saved next to the estimator.

    Attributes:
        model_version: identifies the training run's inputs (data, parameters).
        features: the feature names, in model order.
        categories: the categorical features' values, in encoding order.
        reference: per-feature reference values for reasons (None = missing).
        training_rows: rows the model was fitted on.
        training_positives: churners among them.
        metrics: held-out metrics measured right after training.
        sklearn_version: scikit-learn version that pickled the estimator.
        params: the estimator's settings, for the record.
        split: how the held-out rows were chosen (seed, fraction, id hash).
        data_sha256: SHA-256 of the training CSV.
        format_version: layout of this directory.
    """

    model_version: str
    features: list[str]
    categories: dict[str, list[str]]
    reference: list[float | None]
    training_rows: int
    training_positives: int
    metrics: dict[str, float | int]
    sklearn_version: str
    params: dict[str, Any] = field(default_factory=dict)
    split: dict[str, Any] = field(default_factory=dict)
    data_sha256: str = ""
    format_version: int = FORMAT_VERSION


class ChurnModel:
    """A fitted churn estimator with its metadata.

    Args:
        estimator: a fitted classifier with ``predict_proba`` on encoded rows.
        metadata: its metadata (see :class:`ChurnMetadata`).
    """

    def __init__(self, estimator: Any, metadata: ChurnMetadata) -> None:
        self.estimator = estimator
        self.metadata = metadata
        self.reference = np.array(
            [np.nan if value is None else value for value in metadata.reference],
            dtype=np.float64,
        )

    @property
    def version(self) -> str:
        """The model version from the metadata."""
        return self.metadata.model_version

    def predict_matrix(self, matrix: FloatArray) -> FloatArray:
        """Churn probabilities of encoded rows ``(n, len(FEATURES))``."""
        if matrix.ndim != 2 or matrix.shape[1] != len(FEATURES):
            raise ValueError(
                f"Expected a matrix with {len(FEATURES)} columns, got {matrix.shape}."
            )
        if len(matrix) == 0:
            return np.zeros(0, dtype=np.float64)
        return np.asarray(self.estimator.predict_proba(matrix)[:, 1], dtype=float)

    def predict(self, rows: Sequence[Mapping[str, object]]) -> list[float]:
        """Churn probabilities of customers.

        Args:
            rows: one mapping per customer with every name in FEATURES.

        Returns:
            One probability (0-1) per customer.

        Raises:
            FeatureValueError: a missing key or a value that is not allowed.
        """
        return [float(p) for p in self.predict_matrix(rows_to_matrix(rows))]

    def explain(
        self,
        row: Mapping[str, object],
        k: int = 3,
        min_contribution: float = DEFAULT_MIN_CONTRIBUTION,
    ) -> list[Reason]:
        """The top reasons raising one customer's churn probability.

        Args:
            row: the customer's features (see :meth:`predict`).
            k: at most this many reasons.
            min_contribution: ignore smaller probability increases.

        Returns:
            Up to ``k`` reasons, largest first (see :mod:`actions.churn.reasons`).

        Raises:
            FeatureValueError: a missing key or a value that is not allowed.
        """
        encoded = np.array(encode_row(row), dtype=np.float64)
        return top_reasons(
            self.predict_matrix,
            encoded,
            self.reference,
            k=k,
            min_contribution=min_contribution,
        )

    def score(
        self,
        row: Mapping[str, object],
        k: int = 3,
        min_contribution: float = DEFAULT_MIN_CONTRIBUTION,
    ) -> tuple[float, list[Reason]]:
        """Probability and top reasons from one pass over the ensemble.

        The reasons' batch starts with the row itself, so its probability comes
        for free (see :meth:`predict` and :meth:`explain`).

        Raises:
            FeatureValueError: a missing key or a value that is not allowed.
        """
        encoded = np.array(encode_row(row), dtype=np.float64)
        first: list[float] = []

        def predict(batch: FloatArray) -> FloatArray:
            probabilities = self.predict_matrix(batch)
            first.append(float(probabilities[0]))
            return probabilities

        reasons = top_reasons(
            predict, encoded, self.reference, k=k, min_contribution=min_contribution
        )
        return first[0], reasons

    def save(self, directory: Path) -> None:
        """Write the model to ``directory`` atomically (replacing an old one).

        Args:
            directory: the model directory to create or replace.
        """
        import joblib

        directory = directory.resolve()
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent)
        )
        try:
            staging.chmod(0o755)  # mkdtemp makes it private; readers may be others
            joblib.dump(self.estimator, staging / MODEL_FILE, compress=3)
            (staging / METADATA_FILE).write_text(
                json.dumps(asdict(self.metadata), indent=2) + "\n", encoding="utf-8"
            )
            old = None
            if directory.exists():
                old = directory.with_name(f".{directory.name}.old-{os.getpid()}")
                directory.rename(old)
            staging.rename(directory)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        logger.info("Saved churn model %s to %s", self.version, directory)

    @classmethod
    def load(cls, directory: Path) -> ChurnModel:
        """Read a model directory written by :meth:`save`.

        Args:
            directory: the model directory.

        Returns:
            The model.

        Raises:
            ChurnModelNotFoundError: the directory or one of its files is missing.
            ChurnModelError: unreadable files or metadata that does not match
                this code's features.
        """
        import joblib
        import sklearn

        hint = "run `python -m actions.churn train` to create it"
        if not directory.is_dir():
            raise ChurnModelNotFoundError(
                f"No churn model directory at {directory}; {hint}."
            )
        for name in (METADATA_FILE, MODEL_FILE):
            if not (directory / name).is_file():
                raise ChurnModelNotFoundError(
                    f"Churn model {directory} lacks {name}; {hint}."
                )
        metadata = _read_metadata(directory / METADATA_FILE)
        if metadata.sklearn_version != sklearn.__version__:
            logger.warning(
                "Churn model %s was saved with scikit-learn %s, running %s; "
                "retrain it if predictions look wrong",
                metadata.model_version,
                metadata.sklearn_version,
                sklearn.__version__,
            )
        try:
            estimator = joblib.load(directory / MODEL_FILE)
        except Exception as err:
            raise ChurnModelError(
                f"Cannot read {directory / MODEL_FILE}: {err}; {hint}."
            ) from err
        if not hasattr(estimator, "predict_proba"):
            raise ChurnModelError(
                f"{directory / MODEL_FILE} holds a {type(estimator).__name__}, "
                f"not a classifier; {hint}."
            )
        logger.info("Loaded churn model %s from %s", metadata.model_version, directory)
        return cls(estimator, metadata)


def _read_metadata(path: Path) -> ChurnMetadata:
    retrain = "retrain with `python -m actions.churn train`"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        metadata = ChurnMetadata(**raw)
    except (ValueError, TypeError) as err:
        raise ChurnModelError(
            f"Cannot read churn metadata {path}: {err}; {retrain}."
        ) from err
    if metadata.format_version != FORMAT_VERSION:
        raise ChurnModelError(
            f"{path} has format_version {metadata.format_version}, this code reads "
            f"{FORMAT_VERSION}; {retrain}."
        )
    if tuple(metadata.features) != FEATURES:
        raise ChurnModelError(
            f"{path} lists features {metadata.features}, but actions.churn.features "
            f"has {list(FEATURES)}; {retrain}."
        )
    expected = {name: list(values) for name, values in CATEGORIES.items()}
    if metadata.categories != expected:
        raise ChurnModelError(
            f"{path} has categories {metadata.categories}, but "
            f"actions.churn.features has {expected}; {retrain}."
        )
    if len(metadata.reference) != len(FEATURES):
        raise ChurnModelError(
            f"{path} has {len(metadata.reference)} reference values for "
            f"{len(FEATURES)} features; {retrain}."
        )
    return metadata


def default_model_dir() -> Path:
    """``$SHOPBOT_CHURN_MODEL`` if set, else ``models/churn`` in the repository."""
    configured = os.environ.get(ENV_CHURN_MODEL, "").strip()
    return Path(configured) if configured else DEFAULT_MODEL_DIR


@lru_cache(maxsize=4)
def _load_cached(directory: str, stamp: int) -> ChurnModel:
    del stamp  # part of the cache key only: a retrained model is reloaded
    return ChurnModel.load(Path(directory))


def load_churn_model(path: Path | None = None) -> ChurnModel:
    """The churn model, loaded once and reloaded when it is retrained.

    Args:
        path: the model directory; default :func:`default_model_dir`.

    Returns:
        The model.

    Raises:
        ChurnModelNotFoundError: no model there.
        ChurnModelError: the model does not fit this code.
    """
    directory = (path or default_model_dir()).resolve()
    try:
        stamp = (directory / METADATA_FILE).stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _load_cached(str(directory), stamp)
