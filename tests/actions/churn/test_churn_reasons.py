"""Top reasons on a synthetic model whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from actions.churn.features import FEATURES, FloatArray, encode_row
from actions.churn.reasons import Reason, describe, top_reasons
from tests.actions.churn.test_churn_features import profile

TENURE = FEATURES.index("Tenure")
COMPLAIN = FEATURES.index("Complain")
CASHBACK = FEATURES.index("CashbackAmount")


def synthetic(matrix: FloatArray) -> FloatArray:
    """Churn log-odds: -2 + 3 * complained - 0.25 * tenure + 0.01 * cashback.

    Missing tenure counts as 0 months; nothing else matters.
    """
    tenure = np.nan_to_num(matrix[:, TENURE], nan=0.0)
    logit = (
        -2.0 + 3.0 * matrix[:, COMPLAIN] - 0.25 * tenure + 0.01 * matrix[:, CASHBACK]
    )
    return 1.0 / (1.0 + np.exp(-logit))


REFERENCE = np.array(encode_row(profile(Tenure=10, Complain=0, CashbackAmount=150.0)))


def expected(row: FloatArray, j: int) -> float:
    """The contribution computed by hand: p(row) - p(row with j = reference)."""
    replaced = row.copy()
    replaced[j] = REFERENCE[j]
    return float(synthetic(row[None])[0] - synthetic(replaced[None])[0])


def test_known_answer_order_values_and_texts() -> None:
    row = np.array(encode_row(profile(Tenure=1, Complain=1, CashbackAmount=150.0)))
    # logit 2.25 (p 0.905); no complaint: logit -0.75 (p 0.321); tenure 10:
    # logit 0 (p 0.5); cashback equals the reference: no contribution.
    reasons = top_reasons(synthetic, row, REFERENCE, k=3)
    assert [r.feature for r in reasons] == ["Complain", "Tenure"]
    assert reasons[0].contribution == pytest.approx(0.9047 - 0.3208, abs=1e-3)
    assert reasons[1].contribution == pytest.approx(0.9047 - 0.5, abs=1e-3)
    assert reasons[0].contribution == pytest.approx(expected(row, COMPLAIN))
    assert reasons[1].contribution == pytest.approx(expected(row, TENURE))
    assert reasons[0].text == "complained in the last month"
    assert reasons[1].text == "short tenure (1 month)"
    assert all(isinstance(r, Reason) for r in reasons)


def test_values_lowering_the_risk_are_not_reasons() -> None:
    # Long tenure and low cashback both lower the probability; no complaint.
    row = np.array(encode_row(profile(Tenure=30, Complain=0, CashbackAmount=100.0)))
    assert top_reasons(synthetic, row, REFERENCE, k=3) == []


def test_k_and_min_contribution() -> None:
    row = np.array(encode_row(profile(Tenure=2, Complain=1, CashbackAmount=400.0)))
    # logit 4.5; without the complaint 1.5, cashback 150: 2.0, tenure 10: 2.5.
    everything = top_reasons(synthetic, row, REFERENCE, k=10)
    assert [r.feature for r in everything] == ["Complain", "CashbackAmount", "Tenure"]
    assert everything[1].text == "high cashback (400)"
    assert top_reasons(synthetic, row, REFERENCE, k=1) == everything[:1]
    assert top_reasons(synthetic, row, REFERENCE, k=0) == []
    threshold = everything[1].contribution + 1e-9
    kept = top_reasons(synthetic, row, REFERENCE, k=10, min_contribution=threshold)
    assert kept == everything[:1]


def test_missing_value_is_described() -> None:
    row = np.array(encode_row(profile(Tenure=None, Complain=0, CashbackAmount=150.0)))
    reasons = top_reasons(synthetic, row, REFERENCE, k=3)
    assert [(r.feature, r.text) for r in reasons] == [("Tenure", "no tenure on record")]


@pytest.mark.parametrize(
    ("feature", "value", "reference", "text"),
    [
        ("Tenure", 0.0, 8.0, "new customer (tenure under 1 month)"),
        ("Tenure", 20.0, 8.0, "tenure of 20 months"),
        ("DaySinceLastOrder", 8.0, 3.0, "8 days since last order"),
        ("DaySinceLastOrder", 1.0, 3.0, "1 day since last order"),
        ("DaySinceLastOrder", 0.0, 3.0, "ordered today"),
        ("Complain", 0.0, 1.0, "no complaint in the last month"),
        ("CashbackAmount", 120.4, 160.0, "low cashback (120)"),
        ("SatisfactionScore", 5.0, 3.0, "satisfaction score 5 of 5"),
        ("NumberOfAddress", 1.0, 3.0, "1 address on file"),
        ("NumberOfAddress", 7.0, 3.0, "7 addresses on file"),
        ("CityTier", 3.0, 1.0, "lives in a tier-3 city"),
        ("WarehouseToHome", 30.0, 14.0, "lives far from the warehouse (distance 30)"),
        ("OrderAmountHikeFromlastYear", 12.0, 15.0, "order amount up 12% on last year"),
        ("PreferredPaymentMode", 0.0, 2.0, "prefers to pay by Cash on Delivery"),
        ("PreferredLoginDevice", 0.0, 1.0, "usually logs in on a computer"),
        ("MaritalStatus", 2.0, 1.0, "marital status: single"),
        ("PreferedOrderCat", math.nan, 2.0, "no order category on record"),
    ],
)
def test_describe(feature: str, value: float, reference: float, text: str) -> None:
    assert describe(feature, value, reference) == text


def test_every_feature_has_a_description() -> None:
    for j, feature in enumerate(FEATURES):
        assert describe(feature, REFERENCE[j], REFERENCE[j])
        assert describe(feature, math.nan, REFERENCE[j]).startswith("no ")


def test_shape_is_checked() -> None:
    with pytest.raises(ValueError, match="shape"):
        top_reasons(synthetic, REFERENCE[:5], REFERENCE)
