"""Write functions: guarded cancellation (also under a race), address and
complaint validation that writes nothing on bad input."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from actions.store import queries, writes
from actions.store.db import session_scope
from actions.store.errors import CustomerNotFoundError, StoreInputError
from actions.store.features import churn_features
from actions.store.records import CancelResult
from actions.store.schema import (
    CANCELLABLE_STATUSES,
    Address,
    Order,
    OrderStatusEvent,
    Ticket,
)


def _order_in(engine: Engine, statuses: tuple[str, ...]) -> tuple[int, str, str]:
    """(customer id, number, status) of the first order in one of ``statuses``."""
    with session_scope(engine) as session:
        row = session.execute(
            select(Order.customer_id, Order.number, Order.status)
            .where(Order.status.in_(statuses))
            .order_by(Order.id)
            .limit(1)
        ).one()
    return row.customer_id, row.number, row.status


def _events(engine: Engine, number: str) -> list[str]:
    with session_scope(engine) as session:
        return list(
            session.execute(
                select(OrderStatusEvent.status)
                .join(Order, Order.id == OrderStatusEvent.order_id)
                .where(Order.number == number)
                .order_by(OrderStatusEvent.at, OrderStatusEvent.id)
            ).scalars()
        )


def test_cancel_a_cancellable_order(seeded_engine: Engine, as_of: datetime) -> None:
    customer_id, number, _ = _order_in(seeded_engine, CANCELLABLE_STATUSES)
    before = _events(seeded_engine, number)
    with session_scope(seeded_engine) as session:
        outcome = writes.cancel_order(customer_id, number, as_of, session=session)
    assert outcome.result is CancelResult.CANCELLED
    assert outcome.status == "cancelled"
    assert outcome.order is not None and outcome.order.status == "cancelled"
    assert outcome.order.events[-1].status == "cancelled"
    assert _events(seeded_engine, number) == [*before, "cancelled"]
    with session_scope(seeded_engine) as session:
        again = writes.cancel_order(customer_id, number, as_of, session=session)
    assert again.result is CancelResult.NOT_CANCELLABLE
    assert again.status == "cancelled"


def test_shipped_order_is_not_cancellable(
    seeded_engine: Engine, as_of: datetime
) -> None:
    customer_id, number, status = _order_in(seeded_engine, ("shipped", "delivered"))
    with session_scope(seeded_engine) as session:
        outcome = writes.cancel_order(customer_id, number, as_of, session=session)
        order = queries.order_for_customer(customer_id, number, session=session)
    assert outcome.result is CancelResult.NOT_CANCELLABLE
    assert outcome.status == status
    assert order is not None and order.status == status


def test_cancel_someone_elses_order_is_not_found(
    seeded_engine: Engine, as_of: datetime
) -> None:
    owner, number, status = _order_in(seeded_engine, CANCELLABLE_STATUSES)
    with session_scope(seeded_engine) as session:
        outcome = writes.cancel_order(owner + 1, number, as_of, session=session)
        unknown = writes.cancel_order(owner + 1, "0000001", as_of, session=session)
        sqlish = writes.cancel_order(owner, "1' OR '1'='1", as_of, session=session)
    assert outcome == unknown == sqlish
    assert outcome.result is CancelResult.NOT_FOUND and outcome.order is None
    assert _order_in(seeded_engine, (status,))[1] == number  # untouched


def test_two_racing_cancels_exactly_one_wins(
    seeded_engine: Engine, as_of: datetime
) -> None:
    customer_id, number, _ = _order_in(seeded_engine, CANCELLABLE_STATUSES)
    barrier = threading.Barrier(2)
    results: list[CancelResult] = []
    errors: list[BaseException] = []

    def cancel() -> None:
        try:
            with session_scope(seeded_engine) as session:
                barrier.wait(timeout=5)
                outcome = writes.cancel_order(
                    customer_id, number, as_of, session=session
                )
            results.append(outcome.result)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=cancel) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not errors
    assert sorted(results) == [CancelResult.CANCELLED, CancelResult.NOT_CANCELLABLE]
    assert _events(seeded_engine, number).count("cancelled") == 1


def test_update_default_address(seeded_engine: Engine, as_of: datetime) -> None:
    customer_id, _, _ = _order_in(seeded_engine, ("delivered",))
    with session_scope(seeded_engine) as session:
        count = len(queries.addresses(customer_id, session=session))
        saved = writes.update_default_address(
            customer_id, " 7 New Road ", "Leipzig", "04109", "Germany", as_of,
            session=session,
        )  # fmt: skip
    with session_scope(seeded_engine) as session:
        every = queries.addresses(customer_id, session=session)
        default = queries.default_address(customer_id, session=session)
        features = churn_features(session=session, customer_id=customer_id, as_of=as_of)
    assert saved.line1 == "7 New Road" and saved.is_default
    assert default == saved
    assert len(every) == count + 1
    assert sum(address.is_default for address in every) == 1
    assert features["NumberOfAddress"] == count + 1
    assert features["CityTier"] is None  # not geocoded


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (("", "Leipzig", "04109", "Germany"), "line1 is empty"),
        (("7 New Road", "   ", "04109", "Germany"), "city is empty"),
        (("7 New Road", "Leipzig", "0" * 21, "Germany"), "postcode is 21 characters"),
        (("x" * 201, "Leipzig", "04109", "Germany"), "maximum is 200"),
        (("7 New Road\nDROP", "Leipzig", "04109", "Germany"), "control characters"),
    ],
)
def test_bad_address_is_refused_and_writes_nothing(
    seeded_engine: Engine,
    as_of: datetime,
    fields: tuple[str, str, str, str],
    message: str,
) -> None:
    customer_id, _, _ = _order_in(seeded_engine, ("delivered",))
    with session_scope(seeded_engine) as session:
        before = queries.addresses(customer_id, session=session)
    with pytest.raises(StoreInputError, match=message) as caught:
        with session_scope(seeded_engine) as session:
            writes.update_default_address(customer_id, *fields, as_of, session=session)
    assert isinstance(caught.value, ValueError)
    with session_scope(seeded_engine) as session:
        assert queries.addresses(customer_id, session=session) == before


def test_address_for_unknown_customer(seeded_engine: Engine, as_of: datetime) -> None:
    with pytest.raises(CustomerNotFoundError, match="No customer has id"):
        with session_scope(seeded_engine) as session:
            writes.update_default_address(
                10**9, "1 Road", "City", "123", "Country", as_of, session=session
            )
    with session_scope(seeded_engine) as session:
        assert (
            session.execute(
                select(func.count()).where(Address.customer_id == 10**9)
            ).scalar_one()
            == 0
        )


def test_record_complaint(seeded_engine: Engine, as_of: datetime) -> None:
    with session_scope(seeded_engine) as session:
        customer_id, order_id = session.execute(
            select(Order.customer_id, Order.id).order_by(Order.id).limit(1)
        ).one()
    at = as_of - timedelta(hours=1)
    with session_scope(seeded_engine) as session:
        ticket = writes.record_complaint(
            customer_id,
            "conv-1",
            "  Parcel was wet  ",
            order_id,
            at=at,
            session=session,
        )
    assert ticket.kind == "complaint" and ticket.status == "open"
    assert ticket.subject == "Parcel was wet" and ticket.order_id == order_id
    assert ticket.conversation_id == "conv-1" and ticket.created_at == at
    with session_scope(seeded_engine) as session:
        features = churn_features(session=session, customer_id=customer_id, as_of=as_of)
        tickets = queries.open_tickets(customer_id, session=session)
    assert features["Complain"] == 1
    assert ticket in tickets


@pytest.mark.parametrize(
    ("subject", "conversation", "message"),
    [
        ("", "c", "subject is empty"),
        ("x" * 201, "c", "maximum is 200"),
        ("ok", "c" * 256, "conversation_id is 256"),
    ],
)
def test_bad_complaint_writes_nothing(
    seeded_engine: Engine,
    as_of: datetime,
    subject: str,
    conversation: str,
    message: str,
) -> None:
    with session_scope(seeded_engine) as session:
        before = session.execute(select(func.count(Ticket.id))).scalar_one()
    with pytest.raises(StoreInputError, match=message):
        with session_scope(seeded_engine) as session:
            writes.record_complaint(1, conversation, subject, at=as_of, session=session)
    with session_scope(seeded_engine) as session:
        assert session.execute(select(func.count(Ticket.id))).scalar_one() == before


def test_complaint_about_someone_elses_order(
    seeded_engine: Engine, as_of: datetime
) -> None:
    with session_scope(seeded_engine) as session:
        customer_id, order_id = session.execute(
            select(Order.customer_id, Order.id).order_by(Order.id).limit(1)
        ).one()
        before = session.execute(select(func.count(Ticket.id))).scalar_one()
    with pytest.raises(StoreInputError, match="not one of customer"):
        with session_scope(seeded_engine) as session:
            writes.record_complaint(
                customer_id + 1, None, "Late", order_id, at=as_of, session=session
            )
    with session_scope(seeded_engine) as session:
        assert session.execute(select(func.count(Ticket.id))).scalar_one() == before
