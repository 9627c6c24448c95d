"""Reading churn CSV files and the fixed held-out split."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from actions.churn.dataset import (
    DEFAULT_DATA,
    ids_fingerprint,
    read_churn_csv,
    split_holdout,
)
from actions.churn.errors import ChurnDataError, ChurnDataNotFoundError
from actions.churn.features import FEATURES
from tests.actions.churn.conftest import write_csv

Rows = tuple[list[str], list[list[str]]]


def test_real_data_set() -> None:
    table = read_churn_csv(DEFAULT_DATA, require_label=True)
    assert table.features.shape == (4505, len(FEATURES))
    assert table.labels is not None
    assert int(table.labels.sum()) == 759
    assert len(set(table.customer_ids)) == 4505
    tenure = table.features[:, FEATURES.index("Tenure")]
    assert int(np.isnan(tenure).sum()) == 212  # empty cells are missing


def test_column_order_does_not_matter(tmp_path: Path, data_rows: Rows) -> None:
    header, rows = data_rows
    order = list(reversed(range(len(header))))
    shuffled = write_csv(
        tmp_path / "shuffled.csv",
        [header[i] for i in order],
        [[row[i] for i in order] for row in rows[:50]],
    )
    straight = write_csv(tmp_path / "straight.csv", header, rows[:50])
    a = read_churn_csv(shuffled, require_label=True)
    b = read_churn_csv(straight, require_label=True)
    assert a.customer_ids == b.customer_ids
    np.testing.assert_array_equal(a.features, b.features)
    assert a.labels is not None and b.labels is not None
    np.testing.assert_array_equal(a.labels, b.labels)


def test_no_churn_column_for_scoring(tmp_path: Path, data_rows: Rows) -> None:
    header, rows = data_rows
    keep = [i for i, name in enumerate(header) if name != "Churn"]
    path = write_csv(
        tmp_path / "unlabelled.csv",
        [header[i] for i in keep] + ["Notes"],
        [[row[i] for i in keep] + ["extra"] for row in rows[:5]],
    )
    table = read_churn_csv(path)
    assert table.labels is None
    assert table.features.shape == (5, len(FEATURES))
    with pytest.raises(ChurnDataError, match="missing required column.*Churn"):
        read_churn_csv(path, require_label=True)


def test_missing_feature_column_is_named(tmp_path: Path, data_rows: Rows) -> None:
    header, rows = data_rows
    drop = header.index("CashbackAmount")
    path = write_csv(
        tmp_path / "short.csv",
        [h for i, h in enumerate(header) if i != drop],
        [[c for i, c in enumerate(row) if i != drop] for row in rows[:3]],
    )
    with pytest.raises(ChurnDataError, match="missing required column.*Cashback"):
        read_churn_csv(path)


def _with_cell(tmp_path: Path, data_rows: Rows, column: str, value: str) -> Path:
    header, rows = data_rows
    bad = [list(row) for row in rows[:4]]
    bad[2][header.index(column)] = value
    return write_csv(tmp_path / "bad.csv", header, bad)


def test_bad_number_names_line_column_and_value(
    tmp_path: Path, data_rows: Rows
) -> None:
    path = _with_cell(tmp_path, data_rows, "OrderCount", "seven")
    with pytest.raises(ChurnDataError) as caught:
        read_churn_csv(path)
    message = str(caught.value)
    assert "line 4" in message  # header is line 1, third data row is line 4
    assert "OrderCount" in message and "'seven'" in message


@pytest.mark.parametrize("value", ["nan", "inf", "1e999"])
def test_non_finite_numbers_are_rejected(
    tmp_path: Path, data_rows: Rows, value: str
) -> None:
    path = _with_cell(tmp_path, data_rows, "Tenure", value)
    with pytest.raises(ChurnDataError, match="line 4: column Tenure"):
        read_churn_csv(path)


def test_unknown_category_names_the_line(tmp_path: Path, data_rows: Rows) -> None:
    path = _with_cell(tmp_path, data_rows, "MaritalStatus", "Widowed")
    with pytest.raises(ChurnDataError, match="line 4: MaritalStatus has unknown"):
        read_churn_csv(path)


def test_bad_label_and_empty_id(tmp_path: Path, data_rows: Rows) -> None:
    with pytest.raises(ChurnDataError, match="line 4: column Churn has 'yes'"):
        read_churn_csv(
            _with_cell(tmp_path, data_rows, "Churn", "yes"), require_label=True
        )
    with pytest.raises(ChurnDataError, match="line 4: column CustomerID is empty"):
        read_churn_csv(_with_cell(tmp_path, data_rows, "CustomerID", " "))


def test_ragged_row_empty_file_duplicates_and_missing_file(
    tmp_path: Path, data_rows: Rows
) -> None:
    header, rows = data_rows
    ragged = write_csv(tmp_path / "ragged.csv", header, [rows[0], rows[1][:-1]])
    with pytest.raises(ChurnDataError, match="line 3: 19 cells"):
        read_churn_csv(ragged)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ChurnDataError, match="is empty"):
        read_churn_csv(empty)
    twice = write_csv(tmp_path / "twice.csv", [*header, "Tenure"], [])
    with pytest.raises(ChurnDataError, match="duplicate column.*Tenure"):
        read_churn_csv(twice)
    with pytest.raises(ChurnDataNotFoundError):
        read_churn_csv(tmp_path / "absent.csv")


def test_bom_blank_lines_and_empty_cells(tmp_path: Path, data_rows: Rows) -> None:
    header, rows = data_rows
    path = write_csv(tmp_path / "plain.csv", header, rows[:2])
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    lines = text.splitlines()
    missing = lines[2].split(",")
    missing[header.index("CashbackAmount")] = ""
    lines[2] = ",".join(missing)
    bom = tmp_path / "bom.csv"
    bom.write_text("\ufeff" + "\n\n".join(lines) + "\n\n", encoding="utf-8")
    table = read_churn_csv(bom, require_label=True)
    assert table.features.shape == (2, len(FEATURES))
    assert math.isnan(table.features[1, FEATURES.index("CashbackAmount")])


def test_split_is_stratified_fixed_and_disjoint() -> None:
    labels = np.array([1] * 50 + [0] * 250)
    train, test = split_holdout(labels)
    assert len(test) == 60 and len(train) == 240
    assert set(train).isdisjoint(test)
    assert int(labels[test].sum()) == 10  # 20 % of the churners
    again_train, again_test = split_holdout(labels)
    np.testing.assert_array_equal(test, again_test)
    np.testing.assert_array_equal(train, again_train)
    other = split_holdout(labels, seed=1)[1]
    assert not np.array_equal(test, other)
    assert ids_fingerprint(["a", "b"]) != ids_fingerprint(["a", "c"])


def test_split_needs_both_classes() -> None:
    with pytest.raises(ChurnDataError, match="class counts"):
        split_holdout(np.array([0] * 20 + [1]))
