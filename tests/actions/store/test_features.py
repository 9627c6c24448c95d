"""churn_features: the documented definitions, on a hand-built customer, in one
query."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from actions.store.clock import whole_months_between
from actions.store.db import engine_for, session_scope
from actions.store.errors import CustomerNotFoundError
from actions.store.features import FEATURE_NAMES, churn_features
from actions.store.schema import (
    Address,
    CouponRedemption,
    Customer,
    Order,
    OrderItem,
    Ticket,
)

AS_OF = datetime(2025, 6, 15, 12, 0, 0)


def _order(
    customer: Customer,
    number: str,
    days_ago: float,
    payment: str,
    categories: list[str],
    cashback: int,
) -> Order:
    placed = AS_OF - timedelta(days=days_ago)
    order = Order(
        number=number,
        customer=customer,
        placed_at=placed,
        status="delivered",
        payment_method=payment,
        total_cents=1000,
        currency="EUR",
        cashback_cents=cashback,
        updated_at=placed,
    )
    order.items = [
        OrderItem(sku="S", name="n", category=c, quantity=1, unit_price_cents=1000)
        for c in categories
    ]
    return order


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    """A store with one hand-built customer (id 1) and one bare customer (id 2)."""
    engine = engine_for(migrated_url)
    with session_scope(engine) as session:
        customer = Customer(
            id=1,
            name="Test Person",
            email="t@example.com",
            loyalty_tier="silver",
            personalisation_consent=True,
            created_at=datetime(2024, 3, 20, 8, 0),  # 14 whole months before AS_OF
            gender="Female",
            marital_status="Single",
            preferred_login_device="Computer",
            hours_on_app=2.0,
            devices_registered=3,
            satisfaction_score=4,
            order_amount_hike_pct=17.0,
        )
        bare = Customer(
            id=2,
            name="Bare",
            email="b@example.com",
            loyalty_tier="bronze",
            personalisation_consent=False,
            created_at=AS_OF - timedelta(days=3),
        )
        session.add_all([customer, bare])
        session.flush()
        session.add_all(
            [
                Address(
                    customer=customer,
                    line1="1 A",
                    city="C",
                    postcode="1",
                    country="X",
                    city_tier=2,
                    warehouse_distance_km=17.0,
                    is_default=True,
                    created_at=AS_OF,
                ),
                Address(
                    customer=customer,
                    line1="2 B",
                    city="D",
                    postcode="2",
                    country="X",
                    city_tier=1,
                    warehouse_distance_km=5.0,
                    is_default=False,
                    created_at=AS_OF,
                ),
            ]
        )
        orders = [
            _order(customer, "1000001", 2.5, "UPI", ["Grocery"], 100),
            _order(customer, "1000002", 40, "E wallet", ["Fashion", "Fashion"], 200),
            _order(customer, "1000003", 300, "E wallet", ["Grocery"], 301),
            _order(customer, "1000004", 364, "UPI", ["Others"], 0),
            # outside the 365-day window: only DaySinceLastOrder could see it
            _order(customer, "1000005", 400, "E wallet", ["Others"] * 3, 9999),
            # after as_of: ignored by everything
            _order(customer, "1000006", -1, "Credit Card", ["Others"] * 3, 9999),
        ]
        session.add_all(orders)
        session.add_all(
            [
                Ticket(
                    customer_id=1,
                    kind="complaint",
                    subject="old",
                    status="resolved",
                    created_at=AS_OF - timedelta(days=31),
                ),
                Ticket(
                    customer_id=1,
                    kind="question",
                    subject="recent question",
                    status="open",
                    created_at=AS_OF - timedelta(days=1),
                ),
                CouponRedemption(
                    customer_id=1, code="A", used_at=AS_OF - timedelta(days=29)
                ),
                CouponRedemption(
                    customer_id=1, code="B", used_at=AS_OF - timedelta(days=1)
                ),
                CouponRedemption(
                    customer_id=1, code="C", used_at=AS_OF - timedelta(days=31)
                ),
            ]
        )
    yield engine


def test_definitions(engine: Engine) -> None:
    with session_scope(engine) as session:
        features = churn_features(session=session, customer_id=1, as_of=AS_OF)
    assert tuple(features) == FEATURE_NAMES
    assert features == {
        "Tenure": 14,
        "PreferredLoginDevice": "Computer",
        "CityTier": 2,
        "WarehouseToHome": 17.0,
        # UPI and E wallet both pay 2 window orders: the most recent use wins.
        "PreferredPaymentMode": "UPI",
        "Gender": "Female",
        "HourSpendOnApp": 2.0,
        "NumberOfDeviceRegistered": 3,
        # Grocery and Fashion both have 2 lines: Grocery was ordered last (tie).
        "PreferedOrderCat": "Grocery",
        "SatisfactionScore": 4,
        "MaritalStatus": "Single",
        "NumberOfAddress": 2,
        "Complain": 0,  # the complaint is 31 days old
        "OrderAmountHikeFromlastYear": 17.0,
        "CouponUsed": 2,
        "OrderCount": 4,
        "DaySinceLastOrder": 2,
        "CashbackAmount": (100 + 200 + 301 + 0) / 400,
    }


def test_recent_complaint_counts(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(
            Ticket(
                customer_id=1,
                kind="complaint",
                subject="new",
                status="open",
                created_at=AS_OF - timedelta(days=30),
            )
        )
    with session_scope(engine) as session:
        assert churn_features(session=session, customer_id=1, as_of=AS_OF)["Complain"]


def test_customer_without_anything(engine: Engine) -> None:
    aware = AS_OF.replace(tzinfo=timezone.utc)
    with session_scope(engine) as session:
        features = churn_features(session=session, customer_id=2, as_of=aware)
    assert features["Tenure"] == 0
    assert features["OrderCount"] == 0 and features["CouponUsed"] == 0
    assert features["NumberOfAddress"] == 0 and features["Complain"] == 0
    for name in (
        "CityTier",
        "WarehouseToHome",
        "PreferredPaymentMode",
        "PreferedOrderCat",
        "DaySinceLastOrder",
        "CashbackAmount",
        "Gender",
        "HourSpendOnApp",
    ):
        assert features[name] is None, name


def test_unknown_customer(engine: Engine) -> None:
    with pytest.raises(CustomerNotFoundError, match="No customer has id 99"):
        with session_scope(engine) as session:
            churn_features(session=session, customer_id=99, as_of=AS_OF)


def test_one_query_and_fast(engine: Engine) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    with session_scope(engine) as session:
        churn_features(session=session, customer_id=1, as_of=AS_OF)  # warm caches
        event.listen(engine, "before_cursor_execute", count)
        try:
            churn_features(session=session, customer_id=1, as_of=AS_OF)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        timings = []
        for _ in range(30):
            started = time.perf_counter()
            churn_features(session=session, customer_id=1, as_of=AS_OF)
            timings.append(time.perf_counter() - started)
    assert len(statements) == 1
    # Well under 5 ms on an idle machine; the bound leaves room for a busy one.
    assert sorted(timings)[len(timings) // 2] < 0.010


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (datetime(2025, 1, 31), datetime(2025, 2, 28), 0),
        (datetime(2025, 1, 31), datetime(2025, 3, 1), 1),
        (datetime(2025, 1, 15, 12), datetime(2025, 2, 15, 11), 0),
        (datetime(2025, 1, 15, 12), datetime(2025, 2, 15, 12), 1),
        (datetime(2020, 6, 1), datetime(2025, 6, 1), 60),
        (datetime(2025, 6, 2), datetime(2025, 6, 1), 0),
    ],
)
def test_whole_months(start: datetime, end: datetime, months: int) -> None:
    assert whole_months_between(start, end) == months


def test_names_and_values_fit_the_churn_model(
    seeded_engine: Engine, as_of: datetime
) -> None:
    churn = pytest.importorskip("actions.churn.features")
    assert FEATURE_NAMES == churn.FEATURES
    with session_scope(seeded_engine) as session:
        rows = [
            churn_features(session=session, customer_id=customer_id, as_of=as_of)
            for customer_id in range(1, 21)
        ]
    matrix = churn.rows_to_matrix(rows)  # raises on an unknown category
    assert matrix.shape == (20, len(FEATURE_NAMES))
