"""Per-customer churn reasons: which feature values push the probability up.

Pure: works on any ``predict`` function and encoded rows (see features.py).
For one customer, each feature in turn is replaced by a reference value (the
training median for numbers, the most common category otherwise) and the
customer is scored again; the drop in churn probability is that feature's
contribution. Features whose replacement lowers the probability by at least
``min_contribution`` are the reasons, largest first. Features are replaced one
at a time, so interactions are attributed to each feature they involve.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from actions.churn.features import CATEGORIES, FEATURES, FloatArray, decode_value

logger = logging.getLogger(__name__)

DEFAULT_MIN_CONTRIBUTION = 0.005


@dataclass(frozen=True)
class Reason:
    """One reason why a customer may churn.

    Attributes:
        feature: the feature name (see features.FEATURES).
        text: a short human-readable phrase, e.g. "complained in the last month".
        contribution: how much higher the churn probability is with the
            customer's value than with the reference value (0-1 scale).
    """

    feature: str
    text: str
    contribution: float


_LABELS: dict[str, str] = {
    "Tenure": "tenure",
    "CityTier": "city tier",
    "WarehouseToHome": "warehouse distance",
    "HourSpendOnApp": "time on the app",
    "NumberOfDeviceRegistered": "number of devices",
    "SatisfactionScore": "satisfaction score",
    "NumberOfAddress": "number of addresses",
    "Complain": "complaint status",
    "OrderAmountHikeFromlastYear": "order amount change",
    "CouponUsed": "coupon use",
    "OrderCount": "order count",
    "DaySinceLastOrder": "days since last order",
    "CashbackAmount": "cashback",
    "PreferredLoginDevice": "login device",
    "PreferredPaymentMode": "payment mode",
    "Gender": "gender",
    "PreferedOrderCat": "order category",
    "MaritalStatus": "marital status",
}


def _count(number: float, singular: str, plural: str | None = None) -> str:
    word = singular if number == 1 else (plural or singular + "s")
    return f"{number:g} {word}"


def _describe_number(feature: str, value: float, low: bool) -> str:
    texts: dict[str, Callable[[], str]] = {
        "Tenure": lambda: (
            "new customer (tenure under 1 month)"
            if value == 0
            else f"short tenure ({_count(value, 'month')})"
            if low
            else f"tenure of {_count(value, 'month')}"
        ),
        "CityTier": lambda: f"lives in a tier-{value:g} city",
        "WarehouseToHome": lambda: (
            f"lives {'close to' if low else 'far from'} the warehouse "
            f"(distance {value:g})"
        ),
        "HourSpendOnApp": lambda: (
            f"{'little' if low else 'much'} time on the app "
            f"({_count(value, 'hour')})"
        ),
        "NumberOfDeviceRegistered": lambda: f"{_count(value, 'device')} registered",
        "SatisfactionScore": lambda: f"satisfaction score {value:g} of 5",
        "NumberOfAddress": lambda: (f"{_count(value, 'address', 'addresses')} on file"),
        "Complain": lambda: (
            "complained in the last month"
            if value >= 1
            else "no complaint in the last month"
        ),
        "OrderAmountHikeFromlastYear": lambda: (
            f"order amount {'up' if value >= 0 else 'down'} {abs(value):g}% "
            f"on last year"
        ),
        "CouponUsed": lambda: f"{_count(value, 'coupon')} used",
        "OrderCount": lambda: f"{'few' if low else 'many'} orders ({value:g})",
        "DaySinceLastOrder": lambda: (
            "ordered today"
            if value == 0
            else f"{_count(value, 'day')} since last order"
        ),
        "CashbackAmount": lambda: f"{'low' if low else 'high'} cashback ({value:.0f})",
    }
    return texts[feature]()


def _describe_category(feature: str, value: str) -> str:
    texts = {
        "PreferredLoginDevice": (
            f"usually logs in on {'a computer' if value == 'Computer' else 'a phone'}"
        ),
        "PreferredPaymentMode": f"prefers to pay by {value}",
        "Gender": f"gender: {value.lower()}",
        "PreferedOrderCat": f"mostly orders {value}",
        "MaritalStatus": f"marital status: {value.lower()}",
    }
    return texts[feature]


def describe(feature: str, value: float, reference: float) -> str:
    """A human-readable phrase for a customer's (encoded) feature value.

    Args:
        feature: a name in :data:`~actions.churn.features.FEATURES`.
        value: the customer's encoded value (NaN when missing).
        reference: the reference value it is compared with ("short" or "long").

    Returns:
        e.g. "short tenure (1 month)", "8 days since last order",
        "no tenure on record".
    """
    decoded = decode_value(feature, value)
    if decoded is None:
        return f"no {_LABELS[feature]} on record"
    if feature in CATEGORIES:
        return _describe_category(feature, str(decoded))
    return _describe_number(feature, float(value), low=value < reference)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def top_reasons(
    predict: Callable[[FloatArray], FloatArray],
    row: FloatArray,
    reference: FloatArray,
    *,
    k: int = 3,
    min_contribution: float = DEFAULT_MIN_CONTRIBUTION,
) -> list[Reason]:
    """The ``k`` feature values that raise one customer's churn probability most.

    Args:
        predict: encoded matrix ``(n, len(FEATURES))`` -> churn probabilities ``(n,)``.
        row: the customer's encoded features, shape ``(len(FEATURES),)``.
        reference: the reference value of each feature, same shape.
        k: at most this many reasons.
        min_contribution: ignore features that raise the probability by less.

    Returns:
        Up to ``k`` reasons, largest contribution first (ties in feature order);
        fewer (possibly none) when fewer features raise the probability.

    Raises:
        ValueError: shapes do not match FEATURES or k is negative.
    """
    width = len(FEATURES)
    if row.shape != (width,) or reference.shape != (width,):
        raise ValueError(
            f"row and reference must have shape ({width},), got {row.shape} and "
            f"{reference.shape}."
        )
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}.")
    changed = [j for j in range(width) if not _same(row[j], reference[j])]
    batch = np.repeat(row[np.newaxis, :], len(changed) + 1, axis=0)
    for i, j in enumerate(changed, start=1):
        batch[i, j] = reference[j]
    probabilities = np.asarray(predict(batch), dtype=np.float64)
    base = probabilities[0]
    scored = [
        (float(base - probabilities[i]), j) for i, j in enumerate(changed, start=1)
    ]
    scored = [item for item in scored if item[0] >= min_contribution]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [
        Reason(
            feature=FEATURES[j],
            text=describe(FEATURES[j], row[j], reference[j]),
            contribution=contribution,
        )
        for contribution, j in scored[:k]
    ]
