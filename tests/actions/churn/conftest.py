"""Fixtures for the churn tests: CSV writers, a small sample and trained models.

``small_model_dir`` is trained (through the CLI) on every 10th row of the
repository's copy of the data set, once per session; ``real_model`` is the real
model, trained on the real training split once per session (about 20 s).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from actions.churn import model as churn_model
from actions.churn.dataset import DEFAULT_DATA
from actions.churn.model import ENV_CHURN_MODEL, ChurnModel

WriteCsv = Callable[[Path, Sequence[str], Sequence[Sequence[str]]], Path]


def read_rows(path: Path = DEFAULT_DATA) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file, as strings."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(reader)


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    """Write a CSV file and return its path."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="session")
def data_rows() -> tuple[list[str], list[list[str]]]:
    """The real data set's header and rows (the repository's copy)."""
    return read_rows()


@pytest.fixture(scope="session")
def sample_csv(
    tmp_path_factory: pytest.TempPathFactory,
    data_rows: tuple[list[str], list[list[str]]],
) -> Path:
    """Every 10th customer of the data set (451 rows, about 75 churners)."""
    header, rows = data_rows
    folder = tmp_path_factory.mktemp("churn_sample")
    return write_csv(folder / "sample.csv", header, rows[::10])


@pytest.fixture(scope="session")
def small_model_dir(tmp_path_factory: pytest.TempPathFactory, sample_csv: Path) -> Path:
    """A model trained on the sample through ``python -m actions.churn train``."""
    from actions.churn.cli import main

    folder = tmp_path_factory.mktemp("churn_small") / "model"
    assert main(["train", "--data", str(sample_csv), "--model-dir", str(folder)]) == 0
    return folder


@pytest.fixture(scope="session")
def small_model(small_model_dir: Path) -> ChurnModel:
    """The sample-trained model, loaded."""
    return ChurnModel.load(small_model_dir)


@pytest.fixture(scope="session")
def real_model() -> ChurnModel:
    """The real model: trained on the real training 80 %, in memory."""
    from actions.churn.dataset import read_churn_csv
    from actions.churn.training import fit_churn_model

    return fit_churn_model(read_churn_csv(DEFAULT_DATA, require_label=True))


@pytest.fixture(autouse=True)
def _no_model_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the caller's $SHOPBOT_CHURN_MODEL or a stale cached model."""
    monkeypatch.delenv(ENV_CHURN_MODEL, raising=False)
    churn_model._load_cached.cache_clear()
    yield
    churn_model._load_cached.cache_clear()
