"""Read-only query functions of the profile store.

Each takes the session as a keyword-only argument (open one with
:func:`actions.store.db.session_scope`) and returns a frozen record from
:mod:`actions.store.records`, None, or a list. Every value a caller passes
travels as a bound parameter, never as SQL text.

Ownership: :func:`order_for_customer` and the refund queries return None / an
empty list for another customer's order exactly as for an unknown one, so a
caller cannot learn that an order number exists.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import DateTime, Integer, and_, bindparam, func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import Select

from actions.store.clock import naive_utc, utcnow
from actions.store.records import (
    AddressRecord,
    CustomerProfile,
    OrderItemRecord,
    OrderRecord,
    RefundRecord,
    StatusEventRecord,
    TicketRecord,
)
from actions.store.schema import (
    OPEN_STATUSES,
    Address,
    Customer,
    Order,
    Refund,
    Ticket,
)

logger = logging.getLogger(__name__)

RECENT_COMPLAINT_DAYS = 30
_CLOSED_FOR_VALUE: tuple[str, ...] = ("cancelled", "returned")


def address_record(address: Address) -> AddressRecord:
    """The record of an address row."""
    return AddressRecord(
        id=address.id,
        label=address.label,
        line1=address.line1,
        city=address.city,
        postcode=address.postcode,
        country=address.country,
        is_default=bool(address.is_default),
    )


def order_record(order: Order, address: Address | None) -> OrderRecord:
    """The record of an order row (items and events must be loaded)."""
    return OrderRecord(
        id=order.id,
        number=order.number,
        status=order.status,
        placed_at=order.placed_at,
        payment_method=order.payment_method,
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        estimated_delivery=order.estimated_delivery,
        delivered_at=order.delivered_at,
        total_cents=order.total_cents,
        currency=order.currency,
        cashback_cents=order.cashback_cents,
        coupon_code=order.coupon_code,
        items=tuple(
            OrderItemRecord(
                sku=item.sku,
                name=item.name,
                category=item.category,
                quantity=item.quantity,
                unit_price_cents=item.unit_price_cents,
            )
            for item in sorted(order.items, key=lambda item: item.id)
        ),
        events=tuple(
            StatusEventRecord(status=event.status, at=event.at, note=event.note)
            for event in sorted(order.events, key=lambda event: (event.at, event.id))
        ),
        shipping_address=address_record(address) if address is not None else None,
    )


def ticket_record(ticket: Ticket) -> TicketRecord:
    """The record of a ticket row."""
    return TicketRecord(
        id=ticket.id,
        customer_id=ticket.customer_id,
        kind=ticket.kind,
        subject=ticket.subject,
        status=ticket.status,
        order_id=ticket.order_id,
        conversation_id=ticket.conversation_id,
        created_at=ticket.created_at,
        resolved_at=ticket.resolved_at,
    )


def _normalise_email(email: str) -> str:
    # NUL matches no stored value, and PostgreSQL refuses it in a parameter.
    return email.strip().lower().replace("\x00", "\ufffd")


def _normalise_number(number: str) -> str:
    return number.strip().lstrip("#").replace("\x00", "\ufffd")


@lru_cache(maxsize=1)
def _profile_statement() -> Select:
    """The customer with their figures; built once, with bound parameters."""
    mine = Order.customer_id == Customer.id
    return select(
        Customer,
        select(func.count(Order.id)).where(mine).scalar_subquery(),
        select(func.count(Order.id))
        .where(mine, Order.status.in_(OPEN_STATUSES))
        .scalar_subquery(),
        select(func.coalesce(func.sum(Order.total_cents), 0))
        .where(mine, Order.status.not_in(_CLOSED_FOR_VALUE))
        .scalar_subquery(),
        select(func.max(Order.placed_at)).where(mine).scalar_subquery(),
        select(func.count(Ticket.id))
        .where(Ticket.customer_id == Customer.id, Ticket.status == "open")
        .scalar_subquery(),
        select(func.count(Ticket.id))
        .where(
            Ticket.customer_id == Customer.id,
            Ticket.kind == "complaint",
            Ticket.created_at >= bindparam("complaints_since", type_=DateTime()),
        )
        .scalar_subquery(),
    ).where(Customer.id == bindparam("customer_id", type_=Integer()))


def get_customer(
    customer_id: int, *, session: Session, now: datetime | None = None
) -> CustomerProfile | None:
    """A customer's profile with order and ticket figures, in one query.

    Args:
        customer_id: the customer's id.
        session: an open session.
        now: the moment "recent" complaints are counted back from; the current
            time when None.

    Returns:
        The profile, or None when no customer has that id.
    """
    now = naive_utc(now) if now is not None else utcnow()
    params = {
        "customer_id": customer_id,
        "complaints_since": now - timedelta(days=RECENT_COMPLAINT_DAYS),
    }
    row = session.execute(_profile_statement(), params).first()
    if row is None:
        return None
    customer, n_orders, n_open, value, last_order, n_tickets, n_complaints = row
    return CustomerProfile(
        id=customer.id,
        name=customer.name,
        first_name=customer.name.split()[0] if customer.name.strip() else "",
        email=customer.email,
        loyalty_tier=customer.loyalty_tier,
        personalisation_consent=bool(customer.personalisation_consent),
        created_at=customer.created_at,
        order_count=int(n_orders),
        open_order_count=int(n_open),
        lifetime_value_cents=int(value),
        last_order_at=last_order,
        open_ticket_count=int(n_tickets),
        recent_complaint_count=int(n_complaints),
        default_address=default_address(customer.id, session=session),
    )


def find_customer_by_email(
    email: str, *, session: Session, now: datetime | None = None
) -> CustomerProfile | None:
    """The customer with this email address (case and outer spaces ignored).

    Args:
        email: the address as typed.
        session: an open session.
        now: as for :func:`get_customer`.

    Returns:
        The profile, or None when no customer has that address.
    """
    customer_id = session.execute(
        select(Customer.id).where(func.lower(Customer.email) == _normalise_email(email))
    ).scalar()
    if customer_id is None:
        return None
    return get_customer(customer_id, session=session, now=now)


def addresses(customer_id: int, *, session: Session) -> list[AddressRecord]:
    """A customer's addresses, the default first, then oldest first."""
    rows = session.execute(
        select(Address)
        .where(Address.customer_id == customer_id)
        .order_by(Address.is_default.desc(), Address.created_at, Address.id)
    ).scalars()
    return [address_record(address) for address in rows]


def default_address(customer_id: int, *, session: Session) -> AddressRecord | None:
    """A customer's default delivery address, or None when there is none."""
    address = session.execute(
        select(Address)
        .where(Address.customer_id == customer_id, Address.is_default.is_(True))
        .order_by(Address.id.desc())
        .limit(1)
    ).scalar()
    return address_record(address) if address is not None else None


def _orders(
    session: Session, *conditions: object, limit: int | None = None
) -> list[OrderRecord]:
    """Orders matching ``conditions``, newest first, with lines, events, address."""
    query = (
        select(Order, Address)
        .outerjoin(Address, Address.id == Order.shipping_address_id)
        .where(*conditions)
        .options(selectinload(Order.items), selectinload(Order.events))
        .order_by(Order.placed_at.desc(), Order.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return [order_record(order, address) for order, address in session.execute(query)]


def open_orders(customer_id: int, *, session: Session) -> list[OrderRecord]:
    """A customer's orders in ``OPEN_STATUSES``, newest first.

    Args:
        customer_id: the customer's id.
        session: an open session.

    Returns:
        The open orders (empty when none or the customer is unknown).
    """
    return _orders(
        session, Order.customer_id == customer_id, Order.status.in_(OPEN_STATUSES)
    )


def recent_orders(
    customer_id: int, limit: int = 5, *, session: Session
) -> list[OrderRecord]:
    """A customer's newest orders, any status.

    Args:
        customer_id: the customer's id.
        limit: at most this many (1 or more).
        session: an open session.

    Returns:
        Up to ``limit`` orders, newest first.

    Raises:
        ValueError: ``limit`` is below 1.
    """
    if limit < 1:
        raise ValueError(f"limit is {limit}; ask for at least 1 order.")
    return _orders(session, Order.customer_id == customer_id, limit=limit)


def order_for_customer(
    customer_id: int, number: str, *, session: Session
) -> OrderRecord | None:
    """One of the customer's orders by its number.

    Args:
        customer_id: the signed-in customer's id.
        number: the order number as typed (outer spaces and a leading "#" ignored).
        session: an open session.

    Returns:
        The order, or None when no order has that number or it belongs to
        another customer (the two cases are indistinguishable on purpose).
    """
    found = _orders(
        session,
        Order.number == _normalise_number(number),
        Order.customer_id == customer_id,
    )
    return found[0] if found else None


def order_by_number_and_email(
    number: str, email: str, *, session: Session
) -> OrderRecord | None:
    """An order, for a shopper who is not signed in, proven by number and email.

    Args:
        number: the order number as typed.
        email: the email address the order was placed with (case ignored).
        session: an open session.

    Returns:
        The order when both match the same customer, else None (which of the
        two was wrong is not revealed).
    """
    owner = select(Customer.id).where(
        func.lower(Customer.email) == _normalise_email(email)
    )
    found = _orders(
        session,
        Order.number == _normalise_number(number),
        Order.customer_id.in_(owner.scalar_subquery()),
    )
    return found[0] if found else None


def _refunds(session: Session, *conditions: object) -> list[RefundRecord]:
    rows = session.execute(
        select(Refund, Order.number, Order.currency)
        .join(Order, and_(Order.id == Refund.order_id))
        .where(*conditions)
        .order_by(Refund.requested_at.desc(), Refund.id.desc())
    )
    return [
        RefundRecord(
            id=refund.id,
            order_id=refund.order_id,
            order_number=number,
            amount_cents=refund.amount_cents,
            currency=currency,
            status=refund.status,
            reason=refund.reason,
            requested_at=refund.requested_at,
            updated_at=refund.updated_at,
            expected_by=refund.expected_by,
        )
        for refund, number, currency in rows
    ]


def refunds_for_customer(customer_id: int, *, session: Session) -> list[RefundRecord]:
    """A customer's refunds, newest request first."""
    return _refunds(session, Refund.customer_id == customer_id)


def refund_for_order(
    order_id: int, *, session: Session, customer_id: int | None = None
) -> RefundRecord | None:
    """The newest refund of an order.

    Args:
        order_id: the order's id (from an :class:`OrderRecord`).
        session: an open session.
        customer_id: when given, only a refund of this customer's order is
            returned (None for anyone else's, as for an order without refund).

    Returns:
        The newest refund, or None.
    """
    conditions: list[object] = [Refund.order_id == order_id]
    if customer_id is not None:
        conditions.append(Refund.customer_id == customer_id)
    found = _refunds(session, *conditions)
    return found[0] if found else None


def open_tickets(customer_id: int, *, session: Session) -> list[TicketRecord]:
    """A customer's open support tickets, newest first."""
    rows = session.execute(
        select(Ticket)
        .where(Ticket.customer_id == customer_id, Ticket.status == "open")
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    ).scalars()
    return [ticket_record(ticket) for ticket in rows]


def tickets(
    customer_id: int, *, session: Session, kinds: Sequence[str] | None = None
) -> list[TicketRecord]:
    """A customer's tickets of any status, newest first, optionally of some kinds."""
    conditions: list[object] = [Ticket.customer_id == customer_id]
    if kinds is not None:
        conditions.append(Ticket.kind.in_(tuple(kinds)))
    rows = session.execute(
        select(Ticket)
        .where(*conditions)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    ).scalars()
    return [ticket_record(ticket) for ticket in rows]
