"""Feature names, category normalisation and the row -> matrix encoding."""

from __future__ import annotations

import math

import numpy as np
import pytest

from actions.churn.errors import FeatureValueError
from actions.churn.features import (
    ALIASES,
    CATEGORICAL_MASK,
    CATEGORIES,
    FEATURES,
    NUMERIC_FEATURES,
    decode_value,
    encode_row,
    encode_value,
    normalise_category,
    rows_to_matrix,
)
from actions.errors import ActionsError


def profile(**overrides: object) -> dict[str, object]:
    """A plausible customer as the profile store hands it over."""
    row: dict[str, object] = {
        "Tenure": 4,
        "PreferredLoginDevice": "Mobile Phone",
        "CityTier": 3,
        "WarehouseToHome": 15.0,
        "PreferredPaymentMode": "Debit Card",
        "Gender": "Female",
        "HourSpendOnApp": 3.0,
        "NumberOfDeviceRegistered": 4,
        "PreferedOrderCat": "Fashion",
        "SatisfactionScore": 2,
        "MaritalStatus": "Single",
        "NumberOfAddress": 3,
        "Complain": 1,
        "OrderAmountHikeFromlastYear": 14.0,
        "CouponUsed": 1,
        "OrderCount": 2,
        "DaySinceLastOrder": 8,
        "CashbackAmount": 150.5,
    }
    row.update(overrides)
    return row


def test_features_are_the_data_set_columns(
    data_rows: tuple[list[str], list[list[str]]],
) -> None:
    header, _ = data_rows
    assert FEATURES == tuple(c for c in header if c not in ("CustomerID", "Churn"))
    assert len(FEATURES) == 18
    assert set(CATEGORIES) | set(NUMERIC_FEATURES) == set(FEATURES)
    assert sum(CATEGORICAL_MASK) == len(CATEGORIES) == 5


def test_every_category_spelling_in_the_data_normalises(
    data_rows: tuple[list[str], list[list[str]]],
) -> None:
    header, rows = data_rows
    for feature, values in CATEGORIES.items():
        column = header.index(feature)
        seen = {normalise_category(feature, row[column]) for row in rows}
        assert seen == set(values), feature


@pytest.mark.parametrize(
    ("feature", "raw", "canonical"),
    [
        ("PreferredLoginDevice", "Phone", "Mobile Phone"),
        ("PreferredLoginDevice", "Mobile", "Mobile Phone"),
        ("PreferredLoginDevice", "Mobile Phone", "Mobile Phone"),
        ("PreferredPaymentMode", "CC", "Credit Card"),
        ("PreferredPaymentMode", "COD", "Cash on Delivery"),
        ("PreferredPaymentMode", "  credit   CARD ", "Credit Card"),
        ("PreferredPaymentMode", "e wallet", "E wallet"),
        ("PreferedOrderCat", "Mobile", "Mobile Phone"),
        ("PreferedOrderCat", "Laptop & Accessory", "Laptop & Accessory"),
        ("Gender", "male", "Male"),
        ("MaritalStatus", "Divorced", "Divorced"),
    ],
)
def test_aliases_and_spellings(feature: str, raw: str, canonical: str) -> None:
    assert normalise_category(feature, raw) == canonical


def test_aliases_point_at_canonical_values() -> None:
    for feature, aliases in ALIASES.items():
        assert set(aliases.values()) <= set(CATEGORIES[feature])


def test_unknown_category_names_column_value_and_allowed_values() -> None:
    with pytest.raises(FeatureValueError) as caught:
        encode_row(profile(PreferredPaymentMode="Bitcoin"))
    message = str(caught.value)
    assert "PreferredPaymentMode" in message
    assert "'Bitcoin'" in message
    assert "Credit Card" in message and "UPI" in message
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, ActionsError)


def test_encoding_numbers_categories_and_missing() -> None:
    encoded = encode_row(profile(Tenure=None, Gender="", HourSpendOnApp=math.nan))
    by_name = dict(zip(FEATURES, encoded, strict=True))
    assert math.isnan(by_name["Tenure"])
    assert math.isnan(by_name["Gender"])
    assert math.isnan(by_name["HourSpendOnApp"])
    assert by_name["PreferredLoginDevice"] == 1.0  # ("Computer", "Mobile Phone")
    assert by_name["PreferedOrderCat"] == 0.0  # "Fashion"
    assert by_name["CashbackAmount"] == 150.5
    assert by_name["Complain"] == 1.0


def test_bool_numpy_numbers_and_extra_keys_are_accepted() -> None:
    row = profile(Complain=True, OrderCount=np.int64(5), CustomerID="50001")
    encoded = encode_row(row)
    assert encoded[FEATURES.index("Complain")] == 1.0
    assert encoded[FEATURES.index("OrderCount")] == 5.0


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"Tenure": "12"}, "Tenure must be a number"),
        ({"CashbackAmount": math.inf}, "CashbackAmount value inf"),
        ({"SatisfactionScore": 7}, "SatisfactionScore value 7.0 is outside"),
        ({"Complain": 2}, "Complain value 2.0"),
        ({"OrderCount": -1}, "OrderCount value -1.0"),
        ({"Gender": 1}, "Gender must be a category string"),
    ],
)
def test_bad_values_are_rejected(overrides: dict[str, object], fragment: str) -> None:
    with pytest.raises(FeatureValueError, match=fragment):
        encode_row(profile(**overrides))


def test_missing_key_is_named() -> None:
    row = profile()
    del row["DaySinceLastOrder"]
    with pytest.raises(FeatureValueError, match="DaySinceLastOrder"):
        encode_row(row)


def test_rows_to_matrix_shape_and_failing_index() -> None:
    matrix = rows_to_matrix([profile(), profile(Tenure=None)])
    assert matrix.shape == (2, len(FEATURES))
    assert matrix.dtype == np.float64
    assert rows_to_matrix([]).shape == (0, len(FEATURES))
    with pytest.raises(FeatureValueError, match="index 1: Gender has unknown value"):
        rows_to_matrix([profile(), profile(Gender="robot")])


def test_decode_inverts_encode() -> None:
    row = profile(Tenure=None)
    for feature, encoded in zip(FEATURES, encode_row(row), strict=True):
        assert decode_value(feature, encoded) == row[feature]
    assert encode_value("PreferredPaymentMode", "COD") == 0.0
