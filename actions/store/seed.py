"""A deterministic demo shop whose customers behave like churn data rows.

:func:`seed_demo_shop` picks ``count`` usable rows of the churn CSV (see
:func:`actions.store.churn_rows.inconsistency`) with a seeded
:class:`random.Random`, keeping the data set's churn rate, and writes per row a
customer, addresses, orders with lines and status histories, refunds, tickets
and coupon redemptions such that :func:`actions.store.features.churn_features`
of the customer, as of ``as_of``, returns the row's values (``verify`` checks
every customer). Same rows, ``as_of``, ``count``, ``seed`` and currency give an
identical database.

How the rows are reproduced (the definitions are in :mod:`actions.store.features`):

* the account is created inside the calendar window that gives exactly Tenure
  months, and at least a day before the newest order;
* OrderCount orders fall in the 365 days before ``as_of``, the newest
  DaySinceLastOrder days (plus 2-20 hours) back; long-standing customers also get
  a few older orders, outside the window;
* every order line of the window has the row's category except fewer than half,
  and the row's payment method pays all window orders but at most one;
* window orders earn cashback averaging exactly CashbackAmount (to the cent);
* CouponUsed redemptions in the last 30 days (on orders of that period first,
  then stand-alone vouchers); Complain=1 gives one complaint ticket in the last
  30 days, Complain=0 none (older complaints may exist);
* NumberOfAddress addresses, the default carrying CityTier and WarehouseToHome;
* the other figures are customer columns.

Order statuses follow from a simulated timeline (placed, packed, shipped, out
for delivery, delivered; some cancelled or returned) cut at ``as_of``, so recent
orders are open and old ones delivered; carriers, tracking numbers and
estimated delivery dates come with shipping. Returned and cancelled orders, and
a few delivered ones, have refunds, whose status follows their age.

Names, emails (@example.com), streets and products are invented
(:mod:`actions.store.demo_data`); only behaviour figures come from the rows.
Named walkthrough customers are kept in the ``demo_customers`` table.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from actions.settings import REPO_ROOT
from actions.store import demo_data
from actions.store.churn_rows import (
    ChurnRow,
    earliest_creation,
    inconsistency,
    latest_creation,
    read_churn_rows,
)
from actions.store.clock import naive_utc, whole_months_between
from actions.store.errors import SeedDataError
from actions.store.features import churn_features
from actions.store.schema import (
    Address,
    Base,
    CouponRedemption,
    Customer,
    DemoCustomer,
    Order,
    OrderItem,
    OrderStatusEvent,
    Refund,
    Ticket,
)
from actions.store.vocab import ITEM_CATEGORIES, PAYMENT_METHODS

logger = logging.getLogger(__name__)

DEFAULT_DATA_PATH = REPO_ROOT / "data" / "churn" / "ecommerce_churn.csv"
DEFAULT_COUNT = 300
DEFAULT_SEED = 4242
DEMO_ROLES: dict[str, str] = {
    "high_risk": (
        "churned-behaviour customer who complained this month and has a "
        "delivered order: churn risk, retention offer, hand-off"
    ),
    "loyal": (
        "long-standing gold/platinum customer with a shipped, trackable order "
        "and earlier orders: order tracking"
    ),
    "multi_open": "two open orders, the newest cancellable: 'which order?', cancel",
    "no_consent": "no personalisation consent: must get no personalised offers",
}
"""Walkthrough roles and what each customer is for."""

_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
_WINDOW = timedelta(days=365)
_RECENT = timedelta(days=30)
# Hours each step takes after the previous one: (status, min, max).
_STEPS: tuple[tuple[str, int, int], ...] = (
    ("processing", 1, 8),
    ("shipped", 12, 36),
    ("out_for_delivery", 12, 48),
    ("delivered", 2, 10),
)
_CANCEL_SHARE = 0.06
_RETURN_SHARE = 0.05
_PARTIAL_REFUND_SHARE = 0.04
_CONSENT_SHARE = 0.85


@dataclass(frozen=True)
class SeedSummary:
    """What :func:`seed_demo_shop` wrote (all zero when it did nothing)."""

    seeded: bool
    customers: int = 0
    churned: int = 0
    addresses: int = 0
    orders: int = 0
    order_items: int = 0
    status_events: int = 0
    refunds: int = 0
    tickets: int = 0
    coupon_redemptions: int = 0
    orders_by_status: dict[str, int] = field(default_factory=dict)
    refunds_by_status: dict[str, int] = field(default_factory=dict)
    demo: dict[str, int] = field(default_factory=dict)


def loyalty_tier(tenure_months: int, orders_last_year: int) -> str:
    """The loyalty tier the demo shop gives for tenure and yearly orders.

    Args:
        tenure_months: whole months as a customer.
        orders_last_year: orders placed in the last 365 days.

    Returns:
        ``platinum`` (2+ years, 5+ orders), ``gold`` (1+ year, 3+ orders),
        ``silver`` (6+ months or 3+ orders) or ``bronze``.
    """
    if tenure_months >= 24 and orders_last_year >= 5:
        return "platinum"
    if tenure_months >= 12 and orders_last_year >= 3:
        return "gold"
    if tenure_months >= 6 or orders_last_year >= 3:
        return "silver"
    return "bronze"


def load_rows(path: Path = DEFAULT_DATA_PATH) -> list[ChurnRow]:
    """The churn CSV's rows (the repository copy by default)."""
    return read_churn_rows(path)


def _ref_key(ref: str) -> tuple[int, str]:
    return (int(ref), "") if ref.isdigit() else (1 << 62, ref)


def _tier(row: ChurnRow) -> str:
    return loyalty_tier(row.tenure or 0, row.order_count or 0)


def _days(row: ChurnRow) -> int:
    return row.days_since_last_order if row.days_since_last_order is not None else -1


def _role_candidates(role: str, row: ChurnRow) -> bool:
    """Whether ``row`` can play ``role`` (see :data:`DEMO_ROLES`)."""
    orders = row.order_count or 0
    days = _days(row)
    if role == "high_risk":
        return row.churn and row.complain and orders >= 1 and 3 <= days <= 20
    if role == "loyal":
        return (
            not row.churn
            and not row.complain
            and _tier(row) in ("gold", "platinum")
            and (row.tenure or 0) >= 12
            and orders >= 2
            and 1 <= days <= 5
        )
    if role == "multi_open":
        return not row.churn and orders >= 2 and 1 <= days <= 3
    return not row.churn and not row.complain and orders >= 1


def _role_order(role: str, row: ChurnRow) -> tuple[Any, ...]:
    if role == "high_risk":
        return (row.tenure, _ref_key(row.customer_ref))
    if role == "loyal":
        return (-(row.tenure or 0), _ref_key(row.customer_ref))
    if role == "multi_open":
        return (-(row.order_count or 0), _ref_key(row.customer_ref))
    return (_days(row), _ref_key(row.customer_ref))


def select_rows(
    rows: Sequence[ChurnRow], *, count: int, as_of: datetime, rng: random.Random
) -> tuple[list[ChurnRow], dict[str, ChurnRow]]:
    """Pick the rows to seed and the walkthrough customers among them.

    Args:
        rows: every row of the churn data (its churn rate is kept).
        count: how many customers to seed (1 or more).
        as_of: the moment the shop describes.
        rng: the seeded random generator.

    Returns:
        The chosen rows ordered by CustomerID, and role -> row.

    Raises:
        SeedDataError: fewer usable rows than ``count``.
    """
    if count < 1:
        raise SeedDataError(f"count is {count}; seed at least 1 customer.")
    usable = sorted(
        (row for row in rows if inconsistency(row, as_of) is None),
        key=lambda row: _ref_key(row.customer_ref),
    )
    if len(usable) < count:
        raise SeedDataError(
            f"Only {len(usable)} of {len(rows)} churn rows can be reproduced by the "
            f"store; ask for at most {len(usable)} customers (got {count})."
        )
    roles: dict[str, ChurnRow] = {}
    taken: set[str] = set()
    for role in list(DEMO_ROLES)[:count]:
        candidates = sorted(
            (
                row
                for row in usable
                if row.customer_ref not in taken and _role_candidates(role, row)
            ),
            key=lambda row, role=role: _role_order(role, row),  # type: ignore[misc]
        )
        if not candidates:
            logger.warning("No churn row fits the demo role '%s'; skipped.", role)
            continue
        chosen = rng.choice(candidates[:5])
        roles[role] = chosen
        taken.add(chosen.customer_ref)
    churn_rate = sum(row.churn for row in rows) / len(rows)
    churned_target = round(count * churn_rate)
    churned_taken = sum(row.churn for row in roles.values())
    rest = [row for row in usable if row.customer_ref not in taken]
    churned_pool = [row for row in rest if row.churn]
    stayed_pool = [row for row in rest if not row.churn]
    n_churned = min(max(churned_target - churned_taken, 0), len(churned_pool))
    n_stayed = count - len(roles) - n_churned
    if n_stayed > len(stayed_pool):
        n_stayed = len(stayed_pool)
        n_churned = count - len(roles) - n_stayed
    picked = rng.sample(churned_pool, n_churned) + rng.sample(stayed_pool, n_stayed)
    chosen_rows = sorted(
        [*roles.values(), *picked], key=lambda row: _ref_key(row.customer_ref)
    )
    return chosen_rows, roles


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A whole-second moment in [start, end] (start when the span is empty)."""
    span = int((end - start).total_seconds())
    return start if span <= 0 else start + timedelta(seconds=rng.randint(0, span))


def _duration(rng: random.Random, low: timedelta, high: timedelta) -> timedelta:
    return timedelta(
        seconds=rng.randint(int(low.total_seconds()), int(high.total_seconds()))
    )


@dataclass
class _PlannedOrder:
    """An order being planned, before it has a database id."""

    number: str
    placed_at: datetime
    payment_method: str
    categories: list[str]
    cashback_cents: int = 0
    fate: str = "normal"
    force: str | None = None
    in_window: bool = True


@dataclass
class _Tables:
    """Row dicts per table; foreign keys still local keys (ref, label, number)."""

    customers: list[dict[str, Any]] = field(default_factory=list)
    addresses: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    coupons: list[dict[str, Any]] = field(default_factory=list)


class _ShopPlanner:
    """Turns churn rows into table rows, drawing from one seeded generator."""

    def __init__(self, rng: random.Random, as_of: datetime, currency: str) -> None:
        self.rng = rng
        self.as_of = as_of
        self.currency = currency
        self.tables = _Tables()
        self._numbers: set[str] = set()

    # -- helpers -----------------------------------------------------------
    def _order_number(self) -> str:
        while True:
            number = str(self.rng.randrange(1_000_000, 10_000_000))
            if number not in self._numbers:
                self._numbers.add(number)
                return number

    def _tracking(self) -> tuple[str, str]:
        carrier, prefix, digits = self.rng.choice(demo_data.CARRIERS)
        body = "".join(str(self.rng.randrange(10)) for _ in range(digits))
        return carrier, prefix + body

    # -- customer and addresses ------------------------------------------------
    def add_customer(self, row: ChurnRow, index: int, role: str | None) -> None:
        """Plan everything of one customer."""
        assert row.tenure is not None and row.order_count is not None
        assert row.days_since_last_order is not None and row.coupons_used is not None
        rng, as_of = self.rng, self.as_of
        newest_latest = as_of - timedelta(days=row.days_since_last_order)
        created_earliest = earliest_creation(row.tenure, as_of)
        room = newest_latest - _DAY - created_earliest
        short = min(2 * _HOUR, room)
        newest = newest_latest - _duration(rng, short, min(20 * _HOUR, room))
        created = _between(
            rng,
            created_earliest,
            min(latest_creation(row.tenure, as_of), newest - _DAY),
        )
        if whole_months_between(created, as_of) != row.tenure:
            raise SeedDataError(
                f"Row {row.customer_ref}: no creation time gives Tenure "
                f"{row.tenure} (a bug in actions.store.seed)."
            )
        first = rng.choice(demo_data.FIRST_NAMES[row.gender])
        last = rng.choice(demo_data.LAST_NAMES)
        if role is None:
            consent = rng.random() < _CONSENT_SHARE
        else:
            consent = role != "no_consent"
        self.tables.customers.append(
            {
                "source_ref": row.customer_ref,
                "name": f"{first} {last}",
                "email": f"{first}.{last}.{index:04d}@example.com".lower(),
                "loyalty_tier": _tier(row),
                "personalisation_consent": consent,
                "created_at": created,
                "gender": row.gender,
                "marital_status": row.marital_status,
                "preferred_login_device": row.login_device,
                "hours_on_app": row.hours_on_app,
                "devices_registered": row.devices_registered,
                "satisfaction_score": row.satisfaction,
                "order_amount_hike_pct": row.order_amount_hike,
            }
        )
        self._add_addresses(row, created)
        orders = self._plan_orders(row, role, created, newest)
        self._write_orders(row, orders)
        self._add_coupons(row, orders, created)
        mine = self.tables.orders[len(self.tables.orders) - len(orders) :]
        self._add_tickets(row, role, created, mine)

    def _add_addresses(self, row: ChurnRow, created: datetime) -> None:
        rng = self.rng
        labels = list(demo_data.ADDRESS_LABELS)
        labels += [
            f"address {n}" for n in range(len(labels) + 1, row.address_count + 1)
        ]
        for position in range(row.address_count):
            tier = row.city_tier if position == 0 else rng.randint(1, 3)
            city, country = rng.choice(demo_data.CITIES[tier])
            if position == 0:
                distance = row.warehouse_to_home
            else:
                distance = float(rng.randint(5, 36))
            self.tables.addresses.append(
                {
                    "customer_ref": row.customer_ref,
                    "label": labels[position],
                    "line1": f"{rng.randint(1, 199)} {rng.choice(demo_data.STREETS)}",
                    "city": city,
                    "postcode": f"{rng.randint(1000, 99999):05d}",
                    "country": country,
                    "city_tier": tier,
                    "warehouse_distance_km": distance,
                    "is_default": position == 0,
                    "created_at": created
                    if position == 0
                    else _between(rng, created, self.as_of),
                }
            )

    # -- orders ----------------------------------------------------------------
    def _plan_orders(
        self, row: ChurnRow, role: str | None, created: datetime, newest: datetime
    ) -> list[_PlannedOrder]:
        rng, as_of = self.rng, self.as_of
        count = row.order_count or 0
        low = max(created + _HOUR, as_of - _WINDOW + _HOUR)
        times = [newest]
        if role == "multi_open":
            times.append(_between(rng, max(low, newest - 20 * _HOUR), newest - _HOUR))
        while len(times) < count:
            times.append(_between(rng, low, newest))
        times.sort()
        planned = [
            _PlannedOrder(self._order_number(), at, row.payment_mode, [])
            for at in times
        ]
        self._assign_lines(row, planned)
        if count >= 3 and rng.random() < 0.3:
            other = [m for m in PAYMENT_METHODS if m != row.payment_mode]
            planned[rng.randrange(count - 1)].payment_method = rng.choice(other)
        self._assign_cashback(row, planned)
        for order in planned:
            order.fate = self._fate()
        newest_order = planned[-1]
        if role == "high_risk":
            newest_order.fate, newest_order.force = "normal", "delivered"
        elif role == "loyal":
            newest_order.fate, newest_order.force = "normal", "shipped"
        elif role == "multi_open":
            newest_order.fate, newest_order.force = "normal", "processing"
            planned[-2].fate, planned[-2].force = "normal", "shipped"
        return self._older_orders(row, created) + planned

    def _fate(self) -> str:
        draw = self.rng.random()
        if draw < _CANCEL_SHARE:
            return "cancel"
        if draw < _CANCEL_SHARE + _RETURN_SHARE:
            return "return"
        return "normal"

    def _assign_lines(self, row: ChurnRow, planned: list[_PlannedOrder]) -> None:
        """Give each order lines so that the row's category is the strict mode."""
        rng = self.rng
        for order in planned:
            order.categories = [row.order_category]
            if rng.random() < 0.2:
                order.categories.append(row.order_category)
        budget = sum(len(order.categories) for order in planned) - 1
        others = [c for c in ITEM_CATEGORIES if c != row.order_category]
        for order in planned:
            if budget > 0 and rng.random() < 0.35:
                order.categories.append(rng.choice(others))
                budget -= 1

    def _assign_cashback(self, row: ChurnRow, planned: list[_PlannedOrder]) -> None:
        """Cashback per order averaging exactly the row's CashbackAmount."""
        rng = self.rng
        cents = row.cashback_cents
        for order in planned:
            order.cashback_cents = cents
        for first, second in zip(planned[0::2], planned[1::2], strict=False):
            shift = rng.randint(0, min(cents, 2000))
            first.cashback_cents += shift
            second.cashback_cents -= shift

    def _older_orders(self, row: ChurnRow, created: datetime) -> list[_PlannedOrder]:
        """A few orders before the 365-day window, for long-standing customers."""
        rng = self.rng
        window_start = self.as_of - _WINDOW - _DAY
        if created + _DAY >= window_start:
            return []
        months = whole_months_between(created, window_start)
        count = rng.randint(0, min(4, months // 3))
        older = []
        for at in sorted(
            _between(rng, created + _DAY, window_start) for _ in range(count)
        ):
            category = (
                row.order_category
                if rng.random() < 0.6
                else rng.choice(ITEM_CATEGORIES)
            )
            cashback = max(0, row.cashback_cents + rng.randint(-3000, 3000))
            older.append(
                _PlannedOrder(
                    self._order_number(),
                    at,
                    row.payment_mode
                    if rng.random() < 0.7
                    else rng.choice(PAYMENT_METHODS),
                    [category],
                    cashback_cents=cashback,
                    fate=self._fate(),
                    in_window=False,
                )
            )
        return older

    def _timeline(
        self, order: _PlannedOrder, carrier: str
    ) -> list[tuple[str, datetime, str | None]]:
        """The order's status events up to ``as_of``."""
        rng, as_of = self.rng, self.as_of
        events: list[tuple[str, datetime, str | None]] = [
            ("pending", order.placed_at, "Order placed.")
        ]
        at = order.placed_at
        notes = {
            "processing": "Payment confirmed; being packed.",
            "shipped": f"Handed to {carrier}.",
            "out_for_delivery": "Out for delivery.",
            "delivered": "Delivered.",
        }
        if order.fate == "cancel":
            if rng.random() < 0.5:
                at += _duration(rng, _HOUR, 4 * _HOUR)
                events.append(("processing", at, notes["processing"]))
            at += _duration(rng, _HOUR, 6 * _HOUR)
            events.append(("cancelled", at, "Cancelled at the customer's request."))
        else:
            for status, low, high in _STEPS:
                at += _duration(rng, low * _HOUR, high * _HOUR)
                events.append((status, at, notes[status]))
                if status == order.force:
                    break
            if order.fate == "return":
                at += _duration(rng, 3 * _DAY, 14 * _DAY)
                events.append(("returned", at, "Parcel returned to the warehouse."))
        if order.force is not None and events[-1][1] > as_of:
            # Squeeze the steps into the time the order has had, so it has
            # reached the forced status by as_of.
            span = (as_of - timedelta(minutes=30) - order.placed_at).total_seconds()
            steps = len(events) - 1
            events = [events[0]] + [
                (
                    status,
                    order.placed_at
                    + timedelta(seconds=int(span * (position + 1) / (steps + 1))),
                    note,
                )
                for position, (status, _, note) in enumerate(events[1:])
            ]
        return [event for event in events if event[1] <= as_of]

    def _write_orders(self, row: ChurnRow, orders: list[_PlannedOrder]) -> None:
        rng, ref = self.rng, row.customer_ref
        for order in orders:
            carrier, tracking = self._tracking()
            events = self._timeline(order, carrier)
            status = events[-1][0]
            shipped = any(event[0] == "shipped" for event in events)
            delivered = [event[1] for event in events if event[0] == "delivered"]
            lines = []
            for category in order.categories:
                sku, name, price = rng.choice(demo_data.PRODUCTS[category])
                quantity = rng.randint(1, 4) if category == "Grocery" else 1
                lines.append((sku, name, category, quantity, price))
            total = sum(quantity * price for *_, quantity, price in lines)
            self.tables.orders.append(
                {
                    "number": order.number,
                    "customer_ref": ref,
                    "address_label": "home",
                    "placed_at": order.placed_at,
                    "status": status,
                    "payment_method": order.payment_method,
                    "total_cents": total,
                    "currency": self.currency,
                    "coupon_code": None,
                    "cashback_cents": order.cashback_cents,
                    "carrier": carrier if shipped else None,
                    "tracking_number": tracking if shipped else None,
                    "estimated_delivery": None
                    if status == "cancelled"
                    else (order.placed_at + 4 * _DAY).date(),
                    "delivered_at": delivered[0] if delivered else None,
                    "updated_at": events[-1][1],
                }
            )
            for sku, name, category, quantity, price in lines:
                self.tables.items.append(
                    {
                        "order_number": order.number,
                        "sku": sku,
                        "name": name,
                        "category": category,
                        "quantity": quantity,
                        "unit_price_cents": price,
                    }
                )
            for event_status, at, note in events:
                self.tables.events.append(
                    {
                        "order_number": order.number,
                        "status": event_status,
                        "at": at,
                        "note": note,
                    }
                )
            self._add_refund(ref, order, status, events, total)

    # -- refunds, coupons, tickets ---------------------------------------------
    def _add_refund(
        self,
        ref: str,
        order: _PlannedOrder,
        status: str,
        events: list[tuple[str, datetime, str | None]],
        total: int,
    ) -> None:
        rng, as_of = self.rng, self.as_of
        last_at = events[-1][1]
        if status == "returned":
            kind, amount = "returned", total
        elif status == "cancelled" and order.payment_method != "Cash on Delivery":
            kind, amount = "cancelled", total
        elif status == "delivered" and rng.random() < _PARTIAL_REFUND_SHARE:
            kind, amount = "partial", max(100, total // rng.randint(2, 5))
        else:
            return
        requested = _between(rng, last_at, min(as_of, last_at + 2 * _DAY))
        age = as_of - requested
        if kind == "cancelled":
            refund_status = "approved" if age < 3 * _DAY else "processed"
        elif age < 2 * _DAY:
            refund_status = "requested"
        elif age < 7 * _DAY:
            refund_status = rng.choice(("approved", "approved", "rejected"))
        else:
            refund_status = rng.choice(("processed",) * 5 + ("rejected",))
        updated = (
            requested
            if refund_status == "requested"
            else _between(rng, requested, min(as_of, requested + 5 * _DAY))
        )
        expected = (
            (requested + 10 * _DAY).date()
            if refund_status in ("requested", "approved")
            else None
        )
        self.tables.refunds.append(
            {
                "order_number": order.number,
                "customer_ref": ref,
                "amount_cents": amount,
                "status": refund_status,
                "reason": rng.choice(demo_data.REFUND_REASONS[kind]),
                "requested_at": requested,
                "updated_at": updated,
                "expected_by": expected,
            }
        )
        if kind == "returned":
            self.tables.tickets.append(
                {
                    "customer_ref": ref,
                    "order_number": order.number,
                    "kind": "return",
                    "subject": f"Return of order {order.number}",
                    "status": "open"
                    if refund_status in ("requested", "approved")
                    else "resolved",
                    "conversation_id": None,
                    "created_at": requested,
                    "resolved_at": None
                    if refund_status in ("requested", "approved")
                    else updated,
                }
            )

    def _add_coupons(
        self, row: ChurnRow, orders: list[_PlannedOrder], created: datetime
    ) -> None:
        rng, as_of = self.rng, self.as_of
        month_ago = as_of - _RECENT
        recent = [
            order
            for order in reversed(orders)
            if order.in_window and order.placed_at >= month_ago + _HOUR
        ]
        wanted = row.coupons_used or 0
        redemptions: list[tuple[str | None, datetime]] = []
        for order in recent[:wanted]:
            redemptions.append((order.number, order.placed_at))
        start = max(created, month_ago) + _HOUR
        while len(redemptions) < wanted:
            redemptions.append(
                (None, _between(rng, start, as_of - timedelta(minutes=1)))
            )
        older = [o for o in orders if o.placed_at < month_ago - _HOUR]
        for order in older:
            if rng.random() < 0.1:
                redemptions.append((order.number, order.placed_at))
        codes: dict[str, str] = {}
        for number, at in sorted(
            redemptions, key=lambda item: (item[1], item[0] or "")
        ):
            code = rng.choice(demo_data.COUPON_CODES)
            if number is not None:
                codes[number] = code
            self.tables.coupons.append(
                {
                    "customer_ref": row.customer_ref,
                    "order_number": number,
                    "code": code,
                    "used_at": at,
                }
            )
        for planned in self.tables.orders[len(self.tables.orders) - len(orders) :]:
            planned["coupon_code"] = codes.get(planned["number"])

    def _add_tickets(
        self,
        row: ChurnRow,
        role: str | None,
        created: datetime,
        mine: list[dict[str, Any]],
    ) -> None:
        rng, as_of, ref = self.rng, self.as_of, row.customer_ref
        month_ago = as_of - _RECENT
        if row.complain:
            delivered = [o for o in mine if o["delivered_at"] is not None]
            after = created
            if role == "high_risk" and delivered:
                after = delivered[-1]["delivered_at"]
            # Within the last 30 days, after `after`, an hour later when possible.
            start = max(after, month_ago)
            end = as_of - timedelta(minutes=1)
            at = _between(rng, min(start + _HOUR, max(start, end)), end)
            at = max(at, start)
            earlier = [o for o in mine if o["placed_at"] < at]
            about_order = earlier[-1]["number"] if earlier else None
            resolved = role != "high_risk" and rng.random() < 0.4
            resolved_at = _between(rng, at, min(as_of, at + 3 * _DAY))
            self._ticket(ref, about_order, "complaint", at, resolved, resolved_at)
        elif created < month_ago - 2 * _DAY and rng.random() < 0.15:
            at = _between(rng, created, month_ago - _DAY)
            self._ticket(ref, None, "complaint", at, True, at + 2 * _DAY)
        if rng.random() < 0.3:
            at = _between(rng, created, as_of - _HOUR)
            resolved = rng.random() < 0.8
            self._ticket(ref, None, "question", at, resolved, min(as_of, at + _DAY))

    def _ticket(
        self,
        ref: str,
        order_number: str | None,
        kind: str,
        at: datetime,
        resolved: bool,
        resolved_at: datetime,
    ) -> None:
        subjects = (
            demo_data.COMPLAINT_SUBJECTS
            if kind == "complaint"
            else demo_data.QUESTION_SUBJECTS
        )
        self.tables.tickets.append(
            {
                "customer_ref": ref,
                "order_number": order_number,
                "kind": kind,
                "subject": self.rng.choice(subjects),
                "status": "resolved" if resolved else "open",
                "conversation_id": None,
                "created_at": at,
                "resolved_at": resolved_at if resolved else None,
            }
        )


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(table.__table__.insert(), rows)


def _without(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in keys}


def _write(session: Session, tables: _Tables) -> dict[str, int]:
    """Insert the planned rows, resolving local keys to ids; ref -> customer id."""
    _insert(session, Customer, tables.customers)
    customer_ids = dict(session.execute(select(Customer.source_ref, Customer.id)).all())
    _insert(
        session,
        Address,
        [
            {
                **_without(a, "customer_ref"),
                "customer_id": customer_ids[a["customer_ref"]],
            }
            for a in tables.addresses
        ],
    )
    address_ids = {
        (customer_id, label): address_id
        for customer_id, label, address_id in session.execute(
            select(Address.customer_id, Address.label, Address.id)
        )
    }
    _insert(
        session,
        Order,
        [
            {
                **_without(o, "customer_ref", "address_label"),
                "customer_id": customer_ids[o["customer_ref"]],
                "shipping_address_id": address_ids[
                    (customer_ids[o["customer_ref"]], o["address_label"])
                ],
            }
            for o in tables.orders
        ],
    )
    order_ids = dict(session.execute(select(Order.number, Order.id)).all())

    def resolved(row: dict[str, Any]) -> dict[str, Any]:
        out = _without(row, "customer_ref", "order_number")
        if "order_number" in row:
            number = row["order_number"]
            out["order_id"] = order_ids[number] if number is not None else None
        if "customer_ref" in row:
            out["customer_id"] = customer_ids[row["customer_ref"]]
        return out

    _insert(session, OrderItem, [resolved(row) for row in tables.items])
    _insert(session, OrderStatusEvent, [resolved(row) for row in tables.events])
    _insert(session, Refund, [resolved(row) for row in tables.refunds])
    _insert(session, Ticket, [resolved(row) for row in tables.tickets])
    _insert(session, CouponRedemption, [resolved(row) for row in tables.coupons])
    return customer_ids


def _verify(
    session: Session, rows: Sequence[ChurnRow], ids: dict[str, int], as_of: datetime
) -> None:
    """Check that every seeded customer's churn features equal its row's."""
    for row in rows:
        features = churn_features(
            session=session, customer_id=ids[row.customer_ref], as_of=as_of
        )
        for column, expected in row.expected_features().items():
            if features[column] != expected:
                raise SeedDataError(
                    f"Seeded customer of row {row.customer_ref} has {column} "
                    f"{features[column]!r}, the row {expected!r}; this is a bug in "
                    "actions.store.seed."
                )


def seed_demo_shop(
    *,
    session: Session,
    rows: Sequence[ChurnRow],
    as_of: datetime,
    count: int = DEFAULT_COUNT,
    seed: int = DEFAULT_SEED,
    currency: str = "EUR",
    verify: bool = True,
) -> SeedSummary:
    """Seed the demo shop into an empty store; do nothing if it has customers.

    Args:
        session: an open session on a migrated database; the caller commits.
        rows: the churn data rows (e.g. from :func:`load_rows`).
        as_of: the moment the shop describes ("now" of the demo).
        count: how many customers to create.
        seed: the random seed; same inputs give an identical database.
        currency: the currency of every order.
        verify: check that each customer reproduces its row's churn features.

    Returns:
        What was written; ``seeded`` is False when the store already had
        customers (nothing is written then).

    Raises:
        SeedDataError: not enough usable rows, or verification failed.
    """
    if session.execute(select(func.count(Customer.id))).scalar_one():
        logger.info("The profile store already has customers; seeding skipped.")
        return SeedSummary(seeded=False, demo=demo_customers(session))
    if not rows:
        raise SeedDataError("No churn rows given; the demo shop needs some.")
    as_of = naive_utc(as_of).replace(microsecond=0)
    rng = random.Random(seed)
    chosen, roles = select_rows(rows, count=count, as_of=as_of, rng=rng)
    role_of = {row.customer_ref: role for role, row in roles.items()}
    planner = _ShopPlanner(rng, as_of, currency)
    for index, row in enumerate(chosen, start=1):
        planner.add_customer(row, index, role_of.get(row.customer_ref))
    tables = planner.tables
    ids = _write(session, tables)
    _insert(
        session,
        DemoCustomer,
        [
            {
                "role": role,
                "customer_id": ids[row.customer_ref],
                "purpose": DEMO_ROLES[role],
            }
            for role, row in roles.items()
        ],
    )
    if verify:
        _verify(session, chosen, ids, as_of)
    summary = SeedSummary(
        seeded=True,
        customers=len(tables.customers),
        churned=sum(row.churn for row in chosen),
        addresses=len(tables.addresses),
        orders=len(tables.orders),
        order_items=len(tables.items),
        status_events=len(tables.events),
        refunds=len(tables.refunds),
        tickets=len(tables.tickets),
        coupon_redemptions=len(tables.coupons),
        orders_by_status=dict(
            sorted(Counter(o["status"] for o in tables.orders).items())
        ),
        refunds_by_status=dict(
            sorted(Counter(r["status"] for r in tables.refunds).items())
        ),
        demo={role: ids[row.customer_ref] for role, row in roles.items()},
    )
    logger.info(
        "Seeded the demo shop: %d customers (%d churned rows), %d orders.",
        summary.customers,
        summary.churned,
        summary.orders,
    )
    return summary


def demo_customers(session: Session) -> dict[str, int]:
    """The walkthrough customers: role -> customer id (empty before seeding)."""
    rows = session.execute(
        select(DemoCustomer.role, DemoCustomer.customer_id).order_by(DemoCustomer.role)
    )
    return {role: customer_id for role, customer_id in rows}


def reset_store(session: Session) -> None:
    """Delete every row of every table (children first); the schema stays."""
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(delete(table))
    logger.info("Emptied every table of the profile store.")
