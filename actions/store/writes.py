"""Write functions of the profile store: cancel an order, change the default
address, record a complaint.

Each takes the session keyword-only and only adds to its transaction: the
caller's :func:`actions.store.db.session_scope` commits everything or nothing.
Inputs are validated before anything is written, and travel as bound
parameters.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from actions.store import queries
from actions.store.clock import naive_utc
from actions.store.errors import CustomerNotFoundError, StoreInputError
from actions.store.records import (
    AddressRecord,
    CancelOutcome,
    CancelResult,
    TicketRecord,
)
from actions.store.schema import (
    CANCELLABLE_STATUSES,
    Address,
    Customer,
    Order,
    OrderStatusEvent,
    Ticket,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Field:
    """A text field to validate: its name (for messages), value and maximum."""

    name: str
    value: str
    max_length: int


def _column_length(column: object) -> int:
    return int(column.type.length)  # type: ignore[attr-defined]


def _clean(field: _Field) -> str:
    """The field stripped, or a StoreInputError saying what is wrong with it."""
    if not isinstance(field.value, str):
        raise StoreInputError(
            f"{field.name} must be text, got {type(field.value).__name__}."
        )
    value = field.value.strip()
    if not value:
        raise StoreInputError(f"{field.name} is empty; give a value.")
    if len(value) > field.max_length:
        raise StoreInputError(
            f"{field.name} is {len(value)} characters long; the maximum is "
            f"{field.max_length}. Shorten it."
        )
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise StoreInputError(
            f"{field.name} contains control characters (such as a line break); "
            "write it on one line."
        )
    return value


def _require_customer(session: Session, customer_id: int) -> None:
    found = session.execute(select(Customer.id).where(Customer.id == customer_id))
    if found.scalar() is None:
        raise CustomerNotFoundError(
            f"No customer has id {customer_id!r}; check the signed-in customer."
        )


def cancel_order(
    customer_id: int, number: str, at: datetime, *, session: Session
) -> CancelOutcome:
    """Cancel one of the customer's orders if it has not left the warehouse.

    A single guarded ``UPDATE ... WHERE status IN CANCELLABLE_STATUSES`` decides,
    so of two racing cancellations exactly one sees its row updated; the status
    event is added in the same transaction.

    Args:
        customer_id: the signed-in customer's id.
        number: the order number as typed (outer spaces and "#" ignored).
        at: when the cancellation happens.
        session: an open session; the caller commits.

    Returns:
        ``CANCELLED`` with the updated order; ``NOT_CANCELLABLE`` with its current
        status; or ``NOT_FOUND`` when the number is unknown or another
        customer's (indistinguishable on purpose).
    """
    at = naive_utc(at)
    clean_number = number.strip().lstrip("#").replace("\x00", "\ufffd")
    mine = (Order.number == clean_number, Order.customer_id == customer_id)
    updated = session.execute(
        update(Order)
        .where(*mine, Order.status.in_(CANCELLABLE_STATUSES))
        .values(status="cancelled", updated_at=at)
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount == 1:
        order_id = session.execute(select(Order.id).where(*mine)).scalar_one()
        session.execute(
            insert(OrderStatusEvent).values(
                order_id=order_id,
                status="cancelled",
                at=at,
                note="Cancelled by the customer in chat.",
            )
        )
        session.expire_all()
        logger.info("Cancelled order id %s for customer %s.", order_id, customer_id)
        order = queries.order_for_customer(customer_id, clean_number, session=session)
        return CancelOutcome(CancelResult.CANCELLED, "cancelled", order)
    order = queries.order_for_customer(customer_id, clean_number, session=session)
    if order is None:
        return CancelOutcome(CancelResult.NOT_FOUND, None, None)
    return CancelOutcome(CancelResult.NOT_CANCELLABLE, order.status, order)


def update_default_address(
    customer_id: int,
    line1: str,
    city: str,
    postcode: str,
    country: str,
    at: datetime,
    *,
    session: Session,
    label: str = "home",
) -> AddressRecord:
    """Make a new address the customer's default delivery address.

    The old default stays (orders already placed keep pointing at it) but is no
    longer the default. City tier and warehouse distance come from geocoding,
    which this store does not do: they stay unknown for the new address.

    Args:
        customer_id: the signed-in customer's id.
        line1: street and number.
        city: the city.
        postcode: the postal code.
        country: the country.
        at: when the change happens.
        session: an open session; the caller commits.
        label: a name for the address ("home", "work" ...).

    Returns:
        The new default address.

    Raises:
        StoreInputError: a field is empty, too long or holds control characters
            (nothing is written).
        CustomerNotFoundError: no customer has that id.
    """
    values = {
        "line1": _clean(_Field("line1", line1, _column_length(Address.line1))),
        "city": _clean(_Field("city", city, _column_length(Address.city))),
        "postcode": _clean(
            _Field("postcode", postcode, _column_length(Address.postcode))
        ),
        "country": _clean(_Field("country", country, _column_length(Address.country))),
        "label": _clean(_Field("label", label, _column_length(Address.label))),
    }
    _require_customer(session, customer_id)
    session.execute(
        update(Address)
        .where(Address.customer_id == customer_id, Address.is_default.is_(True))
        .values(is_default=False)
        .execution_options(synchronize_session=False)
    )
    address = Address(
        customer_id=customer_id,
        is_default=True,
        created_at=naive_utc(at),
        city_tier=None,
        warehouse_distance_km=None,
        **values,
    )
    session.add(address)
    session.flush()
    logger.info("Customer %s has a new default address id %s.", customer_id, address.id)
    return queries.address_record(address)


def record_complaint(
    customer_id: int,
    conversation_id: str | None,
    subject: str,
    order_id: int | None = None,
    *,
    at: datetime,
    session: Session,
) -> TicketRecord:
    """Open a complaint ticket for the customer.

    Args:
        customer_id: the signed-in customer's id.
        conversation_id: the conversation that raised it (sender id), if any.
        subject: what the complaint is about, in a line.
        order_id: the order it is about; it must be one of the customer's.
        at: when it was made.
        session: an open session; the caller commits.

    Returns:
        The new open ticket.

    Raises:
        StoreInputError: the subject or conversation id is empty or too long, or
            ``order_id`` is not one of the customer's orders (nothing is written).
        CustomerNotFoundError: no customer has that id.
    """
    clean_subject = _clean(_Field("subject", subject, _column_length(Ticket.subject)))
    if conversation_id is not None:
        conversation_id = _clean(
            _Field(
                "conversation_id",
                conversation_id,
                _column_length(Ticket.conversation_id),
            )
        )
    _require_customer(session, customer_id)
    if order_id is not None:
        owned = session.execute(
            select(func.count(Order.id)).where(
                Order.id == order_id, Order.customer_id == customer_id
            )
        ).scalar_one()
        if not owned:
            raise StoreInputError(
                f"Order id {order_id!r} is not one of customer {customer_id}'s "
                "orders; pass one of their order ids or None."
            )
    ticket = Ticket(
        customer_id=customer_id,
        order_id=order_id,
        kind="complaint",
        subject=clean_subject,
        status="open",
        conversation_id=conversation_id,
        created_at=naive_utc(at),
    )
    session.add(ticket)
    session.flush()
    logger.info(
        "Opened complaint ticket %s for customer %s (conversation %s).",
        ticket.id,
        customer_id,
        conversation_id,
    )
    return queries.ticket_record(ticket)
