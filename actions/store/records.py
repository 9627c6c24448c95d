"""Frozen records returned by the store's query and write functions.

Code outside :mod:`actions.store` only ever sees these, never ORM objects, so a
record stays valid after its session closes and cannot write to the database.
Money is in integer cents of ``currency``; times are naive UTC datetimes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from actions.store.schema import CANCELLABLE_STATUSES, OPEN_STATUSES


@dataclass(frozen=True)
class AddressRecord:
    """A delivery address of a customer."""

    id: int
    label: str
    line1: str
    city: str
    postcode: str
    country: str
    is_default: bool

    def one_line(self) -> str:
        """The address on one line, e.g. ``"12 Elm Street, 10115 Berlin, Germany"``."""
        return f"{self.line1}, {self.postcode} {self.city}, {self.country}"


@dataclass(frozen=True)
class CustomerProfile:
    """A customer with the figures an agent (human or bot) needs at a glance.

    Attributes:
        order_count: all orders ever placed, any status.
        open_order_count: orders in ``OPEN_STATUSES``.
        lifetime_value_cents: total of the orders neither cancelled nor returned.
        last_order_at: when the newest order was placed (None without orders).
        open_ticket_count: support tickets still open.
        recent_complaint_count: complaints opened in the last 30 days.
    """

    id: int
    name: str
    first_name: str
    email: str
    loyalty_tier: str
    personalisation_consent: bool
    created_at: datetime
    order_count: int
    open_order_count: int
    lifetime_value_cents: int
    last_order_at: datetime | None
    open_ticket_count: int
    recent_complaint_count: int
    default_address: AddressRecord | None


@dataclass(frozen=True)
class OrderItemRecord:
    """One line of an order."""

    sku: str
    name: str
    category: str
    quantity: int
    unit_price_cents: int

    @property
    def line_total_cents(self) -> int:
        """Quantity times unit price."""
        return self.quantity * self.unit_price_cents


@dataclass(frozen=True)
class StatusEventRecord:
    """One step of an order's status history."""

    status: str
    at: datetime
    note: str | None


@dataclass(frozen=True)
class OrderRecord:
    """An order with its lines, status history and shipping address."""

    id: int
    number: str
    status: str
    placed_at: datetime
    payment_method: str
    carrier: str | None
    tracking_number: str | None
    estimated_delivery: date | None
    delivered_at: datetime | None
    total_cents: int
    currency: str
    cashback_cents: int
    coupon_code: str | None
    items: tuple[OrderItemRecord, ...]
    events: tuple[StatusEventRecord, ...]
    shipping_address: AddressRecord | None

    @property
    def is_open(self) -> bool:
        """Not yet delivered, cancelled or returned."""
        return self.status in OPEN_STATUSES

    @property
    def is_cancellable(self) -> bool:
        """Still in the warehouse, so it can be cancelled."""
        return self.status in CANCELLABLE_STATUSES


@dataclass(frozen=True)
class RefundRecord:
    """A refund of (part of) an order."""

    id: int
    order_id: int
    order_number: str
    amount_cents: int
    currency: str
    status: str
    reason: str | None
    requested_at: datetime
    updated_at: datetime
    expected_by: date | None


@dataclass(frozen=True)
class TicketRecord:
    """A support ticket: complaint, question or return request."""

    id: int
    customer_id: int
    kind: str
    subject: str
    status: str
    order_id: int | None
    conversation_id: str | None
    created_at: datetime
    resolved_at: datetime | None


class CancelResult(str, enum.Enum):
    """What became of a cancellation request."""

    CANCELLED = "cancelled"
    NOT_CANCELLABLE = "not_cancellable"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class CancelOutcome:
    """The result of :func:`actions.store.writes.cancel_order`.

    Attributes:
        result: cancelled, not cancellable (already shipped ...) or not found
            (unknown number, or another customer's order: callers cannot tell).
        status: the order's status after the call (None when not found).
        order: the order after the call (None when not found).
    """

    result: CancelResult
    status: str | None
    order: OrderRecord | None
