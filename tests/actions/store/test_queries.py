"""Query functions: records, ordering, ownership and SQL-ish input."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from actions.store import queries
from actions.store.db import session_scope
from actions.store.records import CustomerProfile, OrderRecord
from actions.store.schema import (
    OPEN_STATUSES,
    Base,
    Customer,
    Order,
    Refund,
    Ticket,
)

SQL_ISH = (
    "1' OR '1'='1",
    "'; DROP TABLE orders; --",
    "1; DELETE FROM customers",
    "' UNION SELECT email FROM customers --",
    "%",
    "_",
    "\x00",
)


def _counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            table.name: session.execute(
                select(func.count()).select_from(table)
            ).scalar_one()
            for table in Base.metadata.sorted_tables
        }


def _two_customers_with_orders(engine: Engine) -> tuple[int, str, int, str]:
    """(customer a, one of a's order numbers, customer b, one of b's numbers)."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(Order.customer_id, func.min(Order.number))
            .group_by(Order.customer_id)
            .order_by(Order.customer_id)
            .limit(2)
        ).all()
    (a, a_number), (b, b_number) = rows
    return a, a_number, b, b_number


def test_get_customer_profile(seeded_engine: Engine, as_of: datetime) -> None:
    with session_scope(seeded_engine) as session:
        customer = session.execute(select(Customer).limit(1)).scalar_one()
        orders = (
            session.execute(select(Order).where(Order.customer_id == customer.id))
            .scalars()
            .all()
        )
        profile = queries.get_customer(customer.id, session=session, now=as_of)
    assert isinstance(profile, CustomerProfile)
    assert profile.name == customer.name
    assert profile.first_name == customer.name.split()[0]
    assert profile.order_count == len(orders)
    assert profile.open_order_count == sum(o.status in OPEN_STATUSES for o in orders)
    assert profile.lifetime_value_cents == sum(
        o.total_cents for o in orders if o.status not in ("cancelled", "returned")
    )
    assert profile.last_order_at == max(o.placed_at for o in orders)
    assert profile.default_address is not None and profile.default_address.is_default
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.name = "x"  # type: ignore[misc]


def test_unknown_customer_is_none(seeded_engine: Engine) -> None:
    with session_scope(seeded_engine) as session:
        assert queries.get_customer(10**9, session=session) is None
        assert queries.open_orders(10**9, session=session) == []
        assert queries.refunds_for_customer(10**9, session=session) == []


def test_find_customer_by_email_ignores_case_and_spaces(seeded_engine: Engine) -> None:
    with session_scope(seeded_engine) as session:
        customer = session.execute(select(Customer).limit(1)).scalar_one()
        found = queries.find_customer_by_email(
            f"  {customer.email.upper()} ", session=session
        )
        missing = queries.find_customer_by_email("nobody@example.com", session=session)
    assert found is not None and found.id == customer.id
    assert missing is None


def test_open_orders_newest_first_with_items_and_events(seeded_engine: Engine) -> None:
    with session_scope(seeded_engine) as session:
        customer_id = session.execute(
            select(Order.customer_id)
            .where(Order.status.in_(OPEN_STATUSES))
            .group_by(Order.customer_id)
            .order_by(func.count().desc(), Order.customer_id)
            .limit(1)
        ).scalar_one()
        found = queries.open_orders(customer_id, session=session)
        every = queries.recent_orders(customer_id, 100, session=session)
    assert found and all(order.is_open for order in found)
    assert [o.placed_at for o in found] == sorted(
        (o.placed_at for o in found), reverse=True
    )
    assert {o.number for o in found} == {o.number for o in every if o.is_open}
    for order in found:
        assert order.items and order.events
        assert order.events[0].status == "pending"
        assert order.events[-1].status == order.status
        assert order.total_cents == sum(item.line_total_cents for item in order.items)
        assert order.shipping_address is not None


def test_recent_orders_limit(seeded_engine: Engine) -> None:
    a, _, _, _ = _two_customers_with_orders(seeded_engine)
    with session_scope(seeded_engine) as session:
        one = queries.recent_orders(a, 1, session=session)
        every = queries.recent_orders(a, 1000, session=session)
        with pytest.raises(ValueError, match="at least 1"):
            queries.recent_orders(a, 0, session=session)
    assert len(one) == 1 and one[0] == every[0]
    assert one[0].placed_at == max(order.placed_at for order in every)


def test_someone_elses_order_looks_unknown(seeded_engine: Engine) -> None:
    a, a_number, b, b_number = _two_customers_with_orders(seeded_engine)
    with session_scope(seeded_engine) as session:
        own = queries.order_for_customer(a, a_number, session=session)
        own_hash = queries.order_for_customer(a, f" #{a_number} ", session=session)
        others = queries.order_for_customer(a, b_number, session=session)
        unknown = queries.order_for_customer(a, "0000001", session=session)
    assert isinstance(own, OrderRecord) and own.number == a_number
    assert own_hash == own
    assert others is None and unknown is None


def test_order_by_number_and_email(seeded_engine: Engine) -> None:
    a, a_number, b, b_number = _two_customers_with_orders(seeded_engine)
    with session_scope(seeded_engine) as session:
        a_email = session.get(Customer, a).email
        b_email = session.get(Customer, b).email
        found = queries.order_by_number_and_email(
            a_number, a_email.title(), session=session
        )
        wrong_email = queries.order_by_number_and_email(
            a_number, b_email, session=session
        )
        wrong_number = queries.order_by_number_and_email(
            b_number, a_email, session=session
        )
    assert found is not None and found.number == a_number
    assert wrong_email is None and wrong_number is None


def test_refund_queries_respect_ownership(seeded_engine: Engine) -> None:
    with session_scope(seeded_engine) as session:
        refund = session.execute(select(Refund).limit(1)).scalar_one()
        other_customer = session.execute(
            select(Customer.id).where(Customer.id != refund.customer_id).limit(1)
        ).scalar_one()
        mine = queries.refunds_for_customer(refund.customer_id, session=session)
        of_order = queries.refund_for_order(
            refund.order_id, session=session, customer_id=refund.customer_id
        )
        not_mine = queries.refund_for_order(
            refund.order_id, session=session, customer_id=other_customer
        )
    assert refund.id in {r.id for r in mine}
    assert of_order is not None and of_order.order_id == refund.order_id
    assert of_order.order_number and of_order.currency
    assert not_mine is None


def test_open_tickets(seeded_engine: Engine) -> None:
    with session_scope(seeded_engine) as session:
        ticket = session.execute(
            select(Ticket).where(Ticket.status == "open").limit(1)
        ).scalar_one()
        found = queries.open_tickets(ticket.customer_id, session=session)
        profile = queries.get_customer(ticket.customer_id, session=session)
    assert ticket.id in {t.id for t in found}
    assert all(t.status == "open" for t in found)
    assert profile is not None and profile.open_ticket_count == len(found)


@pytest.mark.parametrize("text", SQL_ISH)
def test_sql_ish_input_finds_nothing_and_changes_nothing(
    seeded_engine: Engine, text: str
) -> None:
    before = _counts(seeded_engine)
    a, _, _, _ = _two_customers_with_orders(seeded_engine)
    with session_scope(seeded_engine) as session:
        assert queries.order_for_customer(a, text, session=session) is None
        assert queries.order_by_number_and_email(text, text, session=session) is None
        assert queries.find_customer_by_email(text, session=session) is None
    assert _counts(seeded_engine) == before
