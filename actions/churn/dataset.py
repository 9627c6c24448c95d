"""Churn CSV files -> encoded matrices, and the fixed stratified held-out split.

The CSV has the data set's columns (see data/churn/SOURCE.md) in any order:
``CustomerID`` and every name in :data:`~actions.churn.features.FEATURES` are
required, ``Churn`` (0/1) only for training and evaluation; other columns are
ignored. Empty cells are missing values.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from actions.churn.errors import ChurnDataError, ChurnDataNotFoundError
from actions.churn.features import (
    CATEGORIES,
    FEATURES,
    FloatArray,
    IntArray,
    encode_row,
)
from actions.errors import ActionsError

logger = logging.getLogger(__name__)

ID_COLUMN = "CustomerID"
LABEL_COLUMN = "Churn"
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "data/churn/ecommerce_churn.csv"
TEST_FRACTION = 0.2
SPLIT_SEED = 20240604


@dataclass(frozen=True)
class ChurnTable:
    """Customers read from a CSV file.

    Attributes:
        customer_ids: the ``CustomerID`` of each row, in file order.
        features: float64 array ``(rows, len(FEATURES))`` (see features.py).
        labels: int array of 0/1 when the file was read with labels, else None.
    """

    customer_ids: tuple[str, ...]
    features: FloatArray
    labels: IntArray | None


def _parse_number(text: str, where: str, column: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ChurnDataError(
            f"{where}: column {column} has {text!r}, which is not a number; "
            f"use a plain number or leave the cell empty for a missing value."
        )
    return number


def _check_header(header: list[str], path: Path, required: Sequence[str]) -> None:
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ChurnDataError(
            f"{path}: duplicate column(s) {', '.join(duplicates)}; keep one of each."
        )
    missing = [name for name in required if name not in header]
    if missing:
        raise ChurnDataError(
            f"{path}: missing required column(s) {', '.join(missing)}; the file "
            f"needs {', '.join(required)} (any order)."
        )


def read_churn_csv(path: Path, *, require_label: bool = False) -> ChurnTable:
    """Read and encode a churn CSV file.

    Args:
        path: the CSV file (UTF-8, with or without BOM, header row first).
        require_label: require a ``Churn`` column of 0/1 and return it.

    Returns:
        The customers, encoded.

    Raises:
        ChurnDataNotFoundError: the file does not exist.
        ChurnDataError: empty file, missing or duplicate column, a row with the
            wrong number of cells, an empty CustomerID, a non-numeric value in a
            numeric column, an unknown category or a bad label; the message
            names the line and the column.
    """
    if not path.is_file():
        raise ChurnDataNotFoundError(f"Churn CSV {path} does not exist; check --csv.")
    required = (ID_COLUMN, *((LABEL_COLUMN,) if require_label else ()), *FEATURES)
    ids: list[str] = []
    rows: list[list[float]] = []
    labels: list[int] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise ChurnDataError(f"{path} is empty; it needs a header row.")
        header = [name.strip() for name in header]
        _check_header(header, path, required)
        position = {name: header.index(name) for name in required}
        for cells in reader:
            where = f"{path}, line {reader.line_num}"
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                raise ChurnDataError(
                    f"{where}: {len(cells)} cells but the header has "
                    f"{len(header)} columns."
                )
            customer_id = cells[position[ID_COLUMN]].strip()
            if not customer_id:
                raise ChurnDataError(f"{where}: column {ID_COLUMN} is empty.")
            values: dict[str, object] = {}
            for feature in FEATURES:
                cell = cells[position[feature]]
                values[feature] = (
                    cell
                    if feature in CATEGORIES
                    else _parse_number(cell, where, feature)
                )
            try:
                rows.append(encode_row(values))
            except ActionsError as err:
                raise ChurnDataError(f"{where}: {err}") from err
            if require_label:
                label = cells[position[LABEL_COLUMN]].strip()
                if label not in ("0", "1"):
                    raise ChurnDataError(
                        f"{where}: column {LABEL_COLUMN} has {label!r}; it must be "
                        f"0 or 1."
                    )
                labels.append(int(label))
            ids.append(customer_id)
    logger.info("Read %d customers from %s", len(ids), path)
    return ChurnTable(
        customer_ids=tuple(ids),
        features=np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURES)),
        labels=np.array(labels, dtype=np.int64) if require_label else None,
    )


def split_holdout(
    labels: IntArray, *, test_fraction: float = TEST_FRACTION, seed: int = SPLIT_SEED
) -> tuple[IntArray, IntArray]:
    """The fixed stratified train / held-out split.

    Args:
        labels: 0/1 labels of every row.
        test_fraction: share of rows held out.
        seed: random seed (fixed: the shipped model is evaluated on this split).

    Returns:
        ``(train_indices, test_indices)``, each sorted.

    Raises:
        ChurnDataError: too few rows of a class to stratify.
    """
    from sklearn.model_selection import train_test_split

    counts = np.bincount(labels, minlength=2)
    if len(labels) < 10 or counts.min() < 2:
        raise ChurnDataError(
            f"Cannot make a stratified split of {len(labels)} rows with class "
            f"counts {counts.tolist()}; each class needs at least 2 rows."
        )
    train, test = train_test_split(
        np.arange(len(labels)),
        test_size=test_fraction,
        stratify=labels,
        random_state=seed,
    )
    return np.sort(train), np.sort(test)


def ids_fingerprint(customer_ids: Sequence[str]) -> str:
    """A short SHA-256 of a list of customer ids (to recognise the same split)."""
    digest = hashlib.sha256("\n".join(customer_ids).encode("utf-8"))
    return digest.hexdigest()[:16]
