"""The demo shop: reproduces its churn rows, is deterministic, never seeds twice,
and has the walkthrough customers it promises."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from actions.store import migrate, queries, writes
from actions.store.churn_rows import (
    ChurnRow,
    earliest_creation,
    inconsistency,
    latest_creation,
    read_churn_rows,
)
from actions.store.clock import whole_months_between
from actions.store.db import engine_for, session_scope
from actions.store.errors import SeedDataError, SeedDataNotFoundError
from actions.store.features import churn_features
from actions.store.records import CancelResult
from actions.store.schema import (
    ORDER_STATUSES,
    REFUND_STATUSES,
    Base,
    CouponRedemption,
    Customer,
    Order,
    Refund,
    Ticket,
)
from actions.store.seed import (
    DEMO_ROLES,
    demo_customers,
    reset_store,
    seed_demo_shop,
    select_rows,
)

HEADER = (
    "CustomerID,Churn,Tenure,PreferredLoginDevice,CityTier,WarehouseToHome,"
    "PreferredPaymentMode,Gender,HourSpendOnApp,NumberOfDeviceRegistered,"
    "PreferedOrderCat,SatisfactionScore,MaritalStatus,NumberOfAddress,Complain,"
    "OrderAmountHikeFromlastYear,CouponUsed,OrderCount,DaySinceLastOrder,"
    "CashbackAmount"
)
# Invented rows in the data set's format (aliases, blanks, float noise included).
TINY_ROWS = (
    "9001,1,1,Phone,3,12,COD,Female,3,4,Mobile,2,Single,3,1,15,1,2,4,120.28",
    "9002,0,30,Computer,1,,CC,Male,,5,Laptop & Accessory,4,Married,6,0,,3,6,2,"
    "173.50000000000003",
    "9003,0,14,Mobile Phone,2,25,Debit Card,Male,2,3,Grocery,5,Married,2,0,12,0,3,"
    "3,250.1",
    "9004,0,5,Computer,1,9,E wallet,Female,4,2,Fashion,1,Divorced,1,0,20,2,4,1,"
    "99.99",
    "9005,1,0,Phone,1,30,UPI,Male,3,4,Others,3,Single,2,1,11,0,1,40,130",
    "9006,0,,Phone,1,30,UPI,Male,3,4,Others,3,Single,2,0,11,0,1,3,130",
)
AS_OF = datetime(2025, 6, 1)


def _write_csv(path: Path, lines: tuple[str, ...], header: str = HEADER) -> Path:
    path.write_text("\n".join((header, *lines)) + "\n", encoding="utf-8")
    return path


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns)
                )
            ]
            for table in Base.metadata.sorted_tables
        }


def _seed(
    url: str, rows: list[ChurnRow], count: int, seed: int = 7, as_of: datetime = AS_OF
) -> Engine:
    migrate.upgrade(url)
    engine = engine_for(url)
    with session_scope(engine) as session:
        summary = seed_demo_shop(
            session=session, rows=rows, as_of=as_of, count=count, seed=seed
        )
    assert summary.seeded and summary.customers == count
    return engine


# -- the CSV ------------------------------------------------------------------


def test_tiny_csv_is_parsed_with_canonical_spellings(tmp_path: Path) -> None:
    rows = read_churn_rows(_write_csv(tmp_path / "c.csv", TINY_ROWS))
    first, second = rows[0], rows[1]
    assert (first.login_device, first.payment_mode, first.order_category) == (
        "Mobile Phone",
        "Cash on Delivery",
        "Mobile Phone",
    )
    assert second.payment_mode == "Credit Card"
    assert second.warehouse_to_home is None and second.hours_on_app is None
    assert second.cashback_cents == 17350
    assert rows[5].tenure is None


def test_inconsistent_rows_are_recognised(tmp_path: Path) -> None:
    rows = read_churn_rows(_write_csv(tmp_path / "c.csv", TINY_ROWS))
    reasons = [inconsistency(row, AS_OF) for row in rows]
    assert reasons[:4] == [None] * 4
    assert reasons[4] == "account too young for its newest order"
    assert reasons[5] == "tenure is missing"


@pytest.mark.parametrize(
    ("lines", "header", "message"),
    [
        (TINY_ROWS[:1], HEADER.replace(",Complain", ""), "lacks the column"),
        ((TINY_ROWS[0].replace(",120.28", ",lots"),), HEADER, "Line 2: Cashback"),
        ((TINY_ROWS[0].replace("COD", "Cheque"),), HEADER, "unknown value 'Cheque'"),
        ((TINY_ROWS[0].replace("9001,1,", "9001,2,"),), HEADER, "use 0 or 1"),
        ((TINY_ROWS[0], TINY_ROWS[0]), HEADER, "appears twice"),
    ],
)
def test_bad_csv_is_a_clear_error(
    tmp_path: Path, lines: tuple[str, ...], header: str, message: str
) -> None:
    with pytest.raises(SeedDataError, match=message):
        read_churn_rows(_write_csv(tmp_path / "c.csv", lines, header))


def test_missing_csv(tmp_path: Path) -> None:
    with pytest.raises(SeedDataNotFoundError, match="does not exist"):
        read_churn_rows(tmp_path / "nope.csv")


@pytest.mark.parametrize("as_of", [datetime(2025, 3, 31), datetime(2024, 2, 29, 13)])
def test_creation_window_gives_the_tenure(as_of: datetime) -> None:
    for tenure in range(0, 40):
        low, high = earliest_creation(tenure, as_of), latest_creation(tenure, as_of)
        assert low <= high
        assert whole_months_between(low, as_of) == tenure
        assert whole_months_between(high, as_of) == tenure


# -- seeding ------------------------------------------------------------------


def test_tiny_csv_seeds_and_reproduces(tmp_path: Path) -> None:
    rows = read_churn_rows(_write_csv(tmp_path / "c.csv", TINY_ROWS))
    engine = _seed(f"sqlite:///{tmp_path / 'tiny.db'}", rows, count=4)
    with session_scope(engine) as session:
        customers = session.execute(select(Customer)).scalars().all()
        by_ref = {row.customer_ref: row for row in rows}
        for customer in customers:
            features = churn_features(
                session=session, customer_id=customer.id, as_of=AS_OF
            )
            assert features == by_ref[customer.source_ref].expected_features()
    assert {c.source_ref for c in customers} == {"9001", "9002", "9003", "9004"}
    with pytest.raises(SeedDataError, match="ask for at most 4"):
        select_rows(rows, count=5, as_of=AS_OF, rng=random.Random(1))


def test_small_shop_reproduces_every_row(
    seeded_engine: Engine, churn_rows: list[ChurnRow], as_of: datetime
) -> None:
    by_ref = {row.customer_ref: row for row in churn_rows}
    with session_scope(seeded_engine) as session:
        customers = session.execute(select(Customer.id, Customer.source_ref)).all()
        assert len(customers) == 20
        for customer_id, ref in customers:
            features = churn_features(
                session=session, customer_id=customer_id, as_of=as_of
            )
            expected = by_ref[ref].expected_features()
            assert features == expected, ref
            assert inconsistency(by_ref[ref], as_of) is None


def test_same_inputs_same_database(tmp_path: Path, churn_rows: list[ChurnRow]) -> None:
    first = _seed(f"sqlite:///{tmp_path / 'a.db'}", churn_rows, count=15)
    second = _seed(f"sqlite:///{tmp_path / 'b.db'}", churn_rows, count=15)
    other = _seed(f"sqlite:///{tmp_path / 'c.db'}", churn_rows, count=15, seed=8)
    dump = _dump(first)
    assert dump == _dump(second)
    assert dump["orders"] and dump["order_status_events"] and dump["addresses"]
    assert dump != _dump(other)


def test_seeding_twice_is_a_no_op_and_reset_starts_again(
    seeded_engine: Engine, churn_rows: list[ChurnRow], as_of: datetime
) -> None:
    before = _dump(seeded_engine)
    with session_scope(seeded_engine) as session:
        again = seed_demo_shop(session=session, rows=churn_rows, as_of=as_of, count=5)
    assert not again.seeded and again.customers == 0
    assert again.demo == _demo_of(before)
    assert _dump(seeded_engine) == before
    with session_scope(seeded_engine) as session:
        reset_store(session)
    with session_scope(seeded_engine) as session:
        assert session.execute(select(func.count(Customer.id))).scalar_one() == 0
        summary = seed_demo_shop(session=session, rows=churn_rows, as_of=as_of, count=5)
    assert summary.seeded and summary.customers == 5


def _demo_of(dump: dict[str, list[tuple[Any, ...]]]) -> dict[str, int]:
    """role -> customer id from a dump's demo_customers rows."""
    return {role: customer_id for role, customer_id, _ in dump["demo_customers"]}


def _check_demo_roles(engine: Engine, rows: list[ChurnRow], as_of: datetime) -> None:
    by_ref = {row.customer_ref: row for row in rows}
    with session_scope(engine) as session:
        demo = demo_customers(session)
        assert set(demo) == set(DEMO_ROLES)
        assert len(set(demo.values())) == len(demo)

        def customer(role: str) -> Customer:
            found: Customer | None = session.get(Customer, demo[role])
            assert found is not None
            return found

        high = customer("high_risk")
        assert by_ref[high.source_ref].churn
        assert high.personalisation_consent
        assert (
            session.execute(
                select(func.count(Ticket.id)).where(
                    Ticket.customer_id == high.id,
                    Ticket.kind == "complaint",
                    Ticket.created_at >= as_of - timedelta(days=30),
                )
            ).scalar_one()
            == 1
        )
        high_orders = queries.recent_orders(high.id, 50, session=session)
        assert any(o.status in ("shipped", "delivered") for o in high_orders)

        loyal = customer("loyal")
        assert not by_ref[loyal.source_ref].churn
        assert loyal.loyalty_tier in ("gold", "platinum")
        assert (by_ref[loyal.source_ref].tenure or 0) >= 12
        shipped = [
            o
            for o in queries.open_orders(loyal.id, session=session)
            if o.status == "shipped" and o.carrier and o.tracking_number
        ]
        assert shipped
        assert len(queries.recent_orders(loyal.id, 50, session=session)) >= 2

        multi = customer("multi_open")
        multi_open = queries.open_orders(multi.id, session=session)
        assert len(multi_open) >= 2
        assert multi_open[0].is_cancellable

        assert not customer("no_consent").personalisation_consent


def test_small_shop_demo_customers(
    seeded_engine: Engine, churn_rows: list[ChurnRow], as_of: datetime
) -> None:
    _check_demo_roles(seeded_engine, churn_rows, as_of)


def test_default_shop(tmp_path: Path, churn_rows: list[ChurnRow]) -> None:
    """The 300-customer shop of `make run`: rates, statuses, invariants."""
    engine = _seed(f"sqlite:///{tmp_path / 'full.db'}", churn_rows, count=300)
    _check_demo_roles(engine, churn_rows, AS_OF)
    by_ref = {row.customer_ref: row for row in churn_rows}
    data_rate = sum(row.churn for row in churn_rows) / len(churn_rows)
    with session_scope(engine) as session:
        customers = session.execute(select(Customer)).scalars().all()
        statuses = set(session.execute(select(Order.status)).scalars())
        refund_statuses = set(session.execute(select(Refund.status)).scalars())
        numbers = list(session.execute(select(Order.number)).scalars())
        shipped_untracked = session.execute(
            select(func.count(Order.id)).where(
                Order.status.in_(("shipped", "out_for_delivery")),
                (Order.carrier.is_(None)) | (Order.tracking_number.is_(None)),
            )
        ).scalar_one()
        coupons = session.execute(select(func.count(CouponRedemption.id))).scalar_one()
        complaints = dict(
            session.execute(
                select(Ticket.customer_id, func.count(Ticket.id))
                .where(
                    Ticket.kind == "complaint",
                    Ticket.created_at >= AS_OF - timedelta(days=30),
                )
                .group_by(Ticket.customer_id)
            ).all()
        )
    churned = sum(by_ref[c.source_ref].churn for c in customers)
    assert abs(churned - 300 * data_rate) <= 1
    assert statuses == set(ORDER_STATUSES)
    assert refund_statuses == set(REFUND_STATUSES)
    assert len(numbers) == len(set(numbers))
    assert all(re.fullmatch(r"[1-9]\d{6}", number) for number in numbers)
    assert shipped_untracked == 0
    assert coupons > 0
    assert all(c.email.endswith("@example.com") for c in customers)
    assert len({c.email for c in customers}) == 300
    for c in customers:
        assert complaints.get(c.id, 0) == int(by_ref[c.source_ref].complain)
    assert 0.6 < sum(c.personalisation_consent for c in customers) / 300 < 1


def test_postgresql_runs_the_same_code(
    postgres_url: str, churn_rows: list[ChurnRow]
) -> None:
    engine = _seed(postgres_url, churn_rows, count=12)  # verify=True: features on PG
    _check_demo_roles(engine, churn_rows, AS_OF)
    with session_scope(engine) as session:
        demo = demo_customers(session)
        multi = queries.open_orders(demo["multi_open"], session=session)
        profile = queries.get_customer(demo["loyal"], session=session, now=AS_OF)
        email_match = queries.find_customer_by_email(
            profile.email.upper() if profile else "", session=session
        )
        assert (
            queries.order_for_customer(demo["loyal"], multi[0].number, session=session)
            is None
        )
        assert (
            queries.order_by_number_and_email(
                "'; DROP TABLE orders; --", "\x00", session=session
            )
            is None
        )
    assert profile is not None and email_match is not None
    assert email_match.id == profile.id
    with session_scope(engine) as session:
        outcome = writes.cancel_order(
            demo["multi_open"], multi[0].number, AS_OF, session=session
        )
    assert outcome.result is CancelResult.CANCELLED
