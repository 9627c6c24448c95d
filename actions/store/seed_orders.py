"""Demo shop orders: times, lines, payment, cashback and status histories.

Pure (draws from the plan's generator). For a churn row:

* OrderCount orders fall in the 365 days before ``as_of``, the newest at the
  time :func:`actions.store.seed_people.plan_customer` chose; long-standing
  customers also get a few older orders, outside the window;
* every order line of the window has the row's category except fewer than half,
  and the row's payment method pays all window orders but at most one;
* window orders earn cashback averaging exactly CashbackAmount (to the cent).

Statuses follow from a simulated timeline (placed, packed, shipped, out for
delivery, delivered; some cancelled or returned) cut at ``as_of``, so recent
orders are open and old ones delivered; carriers, tracking numbers and
estimated delivery dates come with shipping. Walkthrough roles force the status
of their newest orders. Each order's refund, if any, is planned right after it
(:func:`actions.store.seed_aftersales.plan_refund`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from actions.store import demo_data
from actions.store.churn_rows import ChurnRow
from actions.store.clock import whole_months_between
from actions.store.seed_aftersales import plan_refund
from actions.store.seed_plan import (
    DAY,
    HOUR,
    WINDOW,
    PlannedOrder,
    ShopPlan,
    between,
    duration,
)
from actions.store.vocab import ITEM_CATEGORIES, PAYMENT_METHODS

# Hours each step takes after the previous one: (status, min, max).
_STEPS: tuple[tuple[str, int, int], ...] = (
    ("processing", 1, 8),
    ("shipped", 12, 36),
    ("out_for_delivery", 12, 48),
    ("delivered", 2, 10),
)
_CANCEL_SHARE = 0.06
_RETURN_SHARE = 0.05

Event = tuple[str, datetime, str | None]
"""A status event: (status, time, note)."""


def plan_orders(
    plan: ShopPlan, row: ChurnRow, role: str | None, created: datetime, newest: datetime
) -> list[PlannedOrder]:
    """Plan a customer's orders, oldest first.

    Args:
        plan: the shop being planned (its generator and ``as_of``).
        row: the customer's churn row.
        role: its walkthrough role, None for an ordinary customer.
        created: the account's creation time.
        newest: the time of the newest order.

    Returns:
        The older orders (outside the window), then the window's OrderCount
        orders.
    """
    rng, as_of = plan.rng, plan.as_of
    count = row.order_count or 0
    low = max(created + HOUR, as_of - WINDOW + HOUR)
    times = [newest]
    if role == "multi_open":
        times.append(between(rng, max(low, newest - 20 * HOUR), newest - HOUR))
    while len(times) < count:
        times.append(between(rng, low, newest))
    times.sort()
    planned = [
        PlannedOrder(plan.order_number(), at, row.payment_mode, []) for at in times
    ]
    _assign_lines(plan, row, planned)
    if count >= 3 and rng.random() < 0.3:
        other = [m for m in PAYMENT_METHODS if m != row.payment_mode]
        planned[rng.randrange(count - 1)].payment_method = rng.choice(other)
    _assign_cashback(plan, row, planned)
    for order in planned:
        order.fate = _fate(plan)
    newest_order = planned[-1]
    if role == "high_risk":
        newest_order.fate, newest_order.force = "normal", "delivered"
    elif role == "loyal":
        newest_order.fate, newest_order.force = "normal", "shipped"
    elif role == "multi_open":
        newest_order.fate, newest_order.force = "normal", "processing"
        planned[-2].fate, planned[-2].force = "normal", "shipped"
    return _older_orders(plan, row, created) + planned


def _fate(plan: ShopPlan) -> str:
    """Whether an order will be cancelled, returned or run its normal course."""
    draw = plan.rng.random()
    if draw < _CANCEL_SHARE:
        return "cancel"
    if draw < _CANCEL_SHARE + _RETURN_SHARE:
        return "return"
    return "normal"


def _assign_lines(plan: ShopPlan, row: ChurnRow, planned: list[PlannedOrder]) -> None:
    """Give each order lines so that the row's category is the strict mode."""
    rng = plan.rng
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


def _assign_cashback(
    plan: ShopPlan, row: ChurnRow, planned: list[PlannedOrder]
) -> None:
    """Cashback per order averaging exactly the row's CashbackAmount."""
    rng = plan.rng
    cents = row.cashback_cents
    for order in planned:
        order.cashback_cents = cents
    for first, second in zip(planned[0::2], planned[1::2], strict=False):
        shift = rng.randint(0, min(cents, 2000))
        first.cashback_cents += shift
        second.cashback_cents -= shift


def _older_orders(
    plan: ShopPlan, row: ChurnRow, created: datetime
) -> list[PlannedOrder]:
    """A few orders before the 365-day window, for long-standing customers."""
    rng = plan.rng
    window_start = plan.as_of - WINDOW - DAY
    if created + DAY >= window_start:
        return []
    months = whole_months_between(created, window_start)
    count = rng.randint(0, min(4, months // 3))
    older = []
    for at in sorted(between(rng, created + DAY, window_start) for _ in range(count)):
        category = (
            row.order_category if rng.random() < 0.6 else rng.choice(ITEM_CATEGORIES)
        )
        cashback = max(0, row.cashback_cents + rng.randint(-3000, 3000))
        older.append(
            PlannedOrder(
                plan.order_number(),
                at,
                row.payment_mode if rng.random() < 0.7 else rng.choice(PAYMENT_METHODS),
                [category],
                cashback_cents=cashback,
                fate=_fate(plan),
                in_window=False,
            )
        )
    return older


def _timeline(plan: ShopPlan, order: PlannedOrder, carrier: str) -> list[Event]:
    """The order's status events up to ``as_of``."""
    rng, as_of = plan.rng, plan.as_of
    events: list[Event] = [("pending", order.placed_at, "Order placed.")]
    at = order.placed_at
    notes = {
        "processing": "Payment confirmed; being packed.",
        "shipped": f"Handed to {carrier}.",
        "out_for_delivery": "Out for delivery.",
        "delivered": "Delivered.",
    }
    if order.fate == "cancel":
        if rng.random() < 0.5:
            at += duration(rng, HOUR, 4 * HOUR)
            events.append(("processing", at, notes["processing"]))
        at += duration(rng, HOUR, 6 * HOUR)
        events.append(("cancelled", at, "Cancelled at the customer's request."))
    else:
        for status, low, high in _STEPS:
            at += duration(rng, low * HOUR, high * HOUR)
            events.append((status, at, notes[status]))
            if status == order.force:
                break
        if order.fate == "return":
            at += duration(rng, 3 * DAY, 14 * DAY)
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


def add_orders(plan: ShopPlan, row: ChurnRow, orders: list[PlannedOrder]) -> None:
    """Turn planned orders into order, line, status-event and refund rows.

    Args:
        plan: the shop being planned; the rows are appended to its tables.
        row: the customer's churn row.
        orders: the customer's planned orders, oldest first.
    """
    rng, ref = plan.rng, row.customer_ref
    for order in orders:
        carrier, tracking = plan.tracking()
        events = _timeline(plan, order, carrier)
        status = events[-1][0]
        shipped = any(event[0] == "shipped" for event in events)
        delivered = [event[1] for event in events if event[0] == "delivered"]
        lines = []
        for category in order.categories:
            sku, name, price = rng.choice(demo_data.PRODUCTS[category])
            quantity = rng.randint(1, 4) if category == "Grocery" else 1
            lines.append((sku, name, category, quantity, price))
        total = sum(quantity * price for *_, quantity, price in lines)
        plan.tables.orders.append(
            {
                "number": order.number,
                "customer_ref": ref,
                "address_label": "home",
                "placed_at": order.placed_at,
                "status": status,
                "payment_method": order.payment_method,
                "total_cents": total,
                "currency": plan.currency,
                "coupon_code": None,
                "cashback_cents": order.cashback_cents,
                "carrier": carrier if shipped else None,
                "tracking_number": tracking if shipped else None,
                "estimated_delivery": None
                if status == "cancelled"
                else (order.placed_at + 4 * DAY).date(),
                "delivered_at": delivered[0] if delivered else None,
                "updated_at": events[-1][1],
            }
        )
        for sku, name, category, quantity, price in lines:
            plan.tables.items.append(
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
            plan.tables.events.append(
                {
                    "order_number": order.number,
                    "status": event_status,
                    "at": at,
                    "note": note,
                }
            )
        plan_refund(plan, ref, order, status, events, total)
