"""The churn model's features: names, categories and the row -> matrix encoding.

The single source of truth for everything that hands customers to the model (the
profile store, the CSV reader, the CLI). A customer is a mapping with every name
in :data:`FEATURES` as a key (other keys are ignored) and, as values, numbers for
the numeric features, category strings for the categorical ones, and ``None``
for an unknown value.

Decisions:

* Missing values (``None``, NaN, a blank category string) become NaN; the
  gradient-boosted model handles them natively.
* A category outside :data:`CATEGORIES` (after the aliases of :data:`ALIASES`
  and case/whitespace normalisation) raises :class:`FeatureValueError` naming
  the column, the value and the allowed values. It is not treated as missing:
  an unknown category means the profile store and the model disagree, and
  silently scoring such a customer as "unknown" would hide that.
* A missing key, a non-number in a numeric feature, infinity or a value outside
  :data:`BOUNDS` also raise :class:`FeatureValueError`.

Categories are encoded as their index in the :data:`CATEGORIES` tuple.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from actions.churn.errors import FeatureValueError

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

FEATURES: tuple[str, ...] = (
    "Tenure",
    "PreferredLoginDevice",
    "CityTier",
    "WarehouseToHome",
    "PreferredPaymentMode",
    "Gender",
    "HourSpendOnApp",
    "NumberOfDeviceRegistered",
    "PreferedOrderCat",
    "SatisfactionScore",
    "MaritalStatus",
    "NumberOfAddress",
    "Complain",
    "OrderAmountHikeFromlastYear",
    "CouponUsed",
    "OrderCount",
    "DaySinceLastOrder",
    "CashbackAmount",
)
"""Feature columns in model order (the data set's column order)."""

CATEGORIES: dict[str, tuple[str, ...]] = {
    "PreferredLoginDevice": ("Computer", "Mobile Phone"),
    "PreferredPaymentMode": (
        "Cash on Delivery",
        "Credit Card",
        "Debit Card",
        "E wallet",
        "UPI",
    ),
    "Gender": ("Female", "Male"),
    "PreferedOrderCat": (
        "Fashion",
        "Grocery",
        "Laptop & Accessory",
        "Mobile Phone",
        "Others",
    ),
    "MaritalStatus": ("Divorced", "Married", "Single"),
}
"""Canonical values of each categorical feature; the index is the encoding."""

ALIASES: dict[str, dict[str, str]] = {
    "PreferredLoginDevice": {"Phone": "Mobile Phone", "Mobile": "Mobile Phone"},
    "PreferredPaymentMode": {"CC": "Credit Card", "COD": "Cash on Delivery"},
    "PreferedOrderCat": {"Mobile": "Mobile Phone"},
}
"""Spellings in the source data (see data/churn/SOURCE.md) -> canonical value."""

NUMERIC_FEATURES: tuple[str, ...] = tuple(f for f in FEATURES if f not in CATEGORIES)
CATEGORICAL_MASK: tuple[bool, ...] = tuple(f in CATEGORIES for f in FEATURES)

_INF = math.inf
BOUNDS: dict[str, tuple[float, float]] = {
    "Tenure": (0, _INF),
    "CityTier": (1, 3),
    "WarehouseToHome": (0, _INF),
    "HourSpendOnApp": (0, 24),
    "NumberOfDeviceRegistered": (0, _INF),
    "SatisfactionScore": (1, 5),
    "NumberOfAddress": (0, _INF),
    "Complain": (0, 1),
    "OrderAmountHikeFromlastYear": (-_INF, _INF),
    "CouponUsed": (0, _INF),
    "OrderCount": (0, _INF),
    "DaySinceLastOrder": (0, _INF),
    "CashbackAmount": (0, _INF),
}
"""Inclusive range of each numeric feature; values outside are rejected."""


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip()).casefold()


_LOOKUP: dict[str, dict[str, str]] = {
    feature: {
        **{_key(value): value for value in values},
        **{_key(alias): value for alias, value in ALIASES.get(feature, {}).items()},
    }
    for feature, values in CATEGORIES.items()
}


def normalise_category(feature: str, value: str) -> str | None:
    """Map a category spelling to its canonical value.

    Args:
        feature: a name in :data:`CATEGORIES`.
        value: the raw value; case and runs of whitespace do not matter.

    Returns:
        The canonical value, or None for a blank string (missing).

    Raises:
        FeatureValueError: ``feature`` is not categorical or ``value`` is unknown.
    """
    if feature not in CATEGORIES:
        raise FeatureValueError(
            f"{feature!r} is not a categorical feature; categorical features are "
            f"{', '.join(CATEGORIES)}."
        )
    if not value.strip():
        return None
    canonical = _LOOKUP[feature].get(_key(value))
    if canonical is None:
        allowed = list(CATEGORIES[feature]) + list(ALIASES.get(feature, {}))
        raise FeatureValueError(
            f"{feature} has unknown value {value!r}; allowed values: "
            f"{', '.join(allowed)}. Map it to one of these in the profile store "
            f"(or add it to features.ALIASES) before scoring."
        )
    return canonical


def encode_value(feature: str, value: object) -> float:
    """Encode one feature value as the model's float.

    Args:
        feature: a name in :data:`FEATURES`.
        value: a number (bool counts as 0/1) for a numeric feature, a category
            string for a categorical one, or None / NaN for missing.

    Returns:
        The number, the category's index in :data:`CATEGORIES`, or NaN.

    Raises:
        FeatureValueError: wrong type, unknown category, infinity or out of range.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    if feature in CATEGORIES:
        if not isinstance(value, str):
            raise FeatureValueError(
                f"{feature} must be a category string or None, got "
                f"{type(value).__name__} {value!r}; allowed values: "
                f"{', '.join(CATEGORIES[feature])}."
            )
        canonical = normalise_category(feature, value)
        return (
            math.nan
            if canonical is None
            else float(CATEGORIES[feature].index(canonical))
        )
    if feature not in BOUNDS:
        raise FeatureValueError(f"Unknown feature {feature!r}; features: {FEATURES}.")
    if not isinstance(value, int | float | np.integer | np.floating):
        raise FeatureValueError(
            f"{feature} must be a number or None, got {type(value).__name__} "
            f"{value!r}; convert it before scoring."
        )
    number = float(value)
    low, high = BOUNDS[feature]
    if not math.isfinite(number) or not low <= number <= high:
        raise FeatureValueError(
            f"{feature} value {number!r} is outside the allowed range "
            f"[{low}, {high}]; fix the profile value or pass None if unknown."
        )
    return number


def encode_row(row: Mapping[str, object]) -> list[float]:
    """Encode one customer as a list of floats in :data:`FEATURES` order.

    Args:
        row: a mapping with every name in :data:`FEATURES` (extra keys ignored).

    Returns:
        One float per feature (NaN for missing).

    Raises:
        FeatureValueError: a key is missing or a value is not allowed.
    """
    missing = [feature for feature in FEATURES if feature not in row]
    if missing:
        raise FeatureValueError(
            f"Customer features lack the key(s) {', '.join(missing)}; pass every "
            f"name in FEATURES, with None for an unknown value."
        )
    return [encode_value(feature, row[feature]) for feature in FEATURES]


def rows_to_matrix(rows: Sequence[Mapping[str, object]]) -> FloatArray:
    """Encode customers as the model's input matrix.

    Args:
        rows: customers as described in the module docstring.

    Returns:
        A float64 array of shape ``(len(rows), len(FEATURES))``.

    Raises:
        FeatureValueError: naming the row index, the column and the bad value.
    """
    matrix = np.full((len(rows), len(FEATURES)), np.nan, dtype=np.float64)
    for index, row in enumerate(rows):
        try:
            matrix[index] = encode_row(row)
        except FeatureValueError as err:
            raise FeatureValueError(f"Customer at index {index}: {err}") from err
    return matrix


def decode_value(feature: str, encoded: float) -> str | float | None:
    """Invert :func:`encode_value`: the category string, the number, or None."""
    if math.isnan(encoded):
        return None
    if feature in CATEGORIES:
        return CATEGORIES[feature][int(encoded)]
    return encoded
