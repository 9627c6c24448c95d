"""Demo shop after-sales: refunds, coupon redemptions and support tickets.

Pure (draws from the plan's generator). Returned and cancelled (unless paid
cash on delivery) orders, and a few delivered ones, get a refund whose status
follows its age; a return also opens a return ticket. CouponUsed redemptions
fall in the last 30 days (on orders of that period first, then stand-alone
vouchers), with a few on older orders. Complain=1 gives one complaint ticket in
the last 30 days, Complain=0 none (older complaints may exist); some customers
also asked a question.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from actions.store import demo_data
from actions.store.churn_rows import ChurnRow
from actions.store.seed_plan import DAY, HOUR, RECENT, PlannedOrder, ShopPlan, between

_PARTIAL_REFUND_SHARE = 0.04


def plan_refund(
    plan: ShopPlan,
    ref: str,
    order: PlannedOrder,
    status: str,
    events: list[tuple[str, datetime, str | None]],
    total: int,
) -> None:
    """Plan the refund of one order, if it gets one (and a return's ticket).

    Args:
        plan: the shop being planned; the rows are appended to its tables.
        ref: the customer's churn row id.
        order: the planned order.
        status: the order's status at ``as_of``.
        events: the order's status events, oldest first.
        total: the order's total in cents.
    """
    rng, as_of = plan.rng, plan.as_of
    last_at = events[-1][1]
    if status == "returned":
        kind, amount = "returned", total
    elif status == "cancelled" and order.payment_method != "Cash on Delivery":
        kind, amount = "cancelled", total
    elif status == "delivered" and rng.random() < _PARTIAL_REFUND_SHARE:
        kind, amount = "partial", max(100, total // rng.randint(2, 5))
    else:
        return
    requested = between(rng, last_at, min(as_of, last_at + 2 * DAY))
    age = as_of - requested
    if kind == "cancelled":
        refund_status = "approved" if age < 3 * DAY else "processed"
    elif age < 2 * DAY:
        refund_status = "requested"
    elif age < 7 * DAY:
        refund_status = rng.choice(("approved", "approved", "rejected"))
    else:
        refund_status = rng.choice(("processed",) * 5 + ("rejected",))
    updated = (
        requested
        if refund_status == "requested"
        else between(rng, requested, min(as_of, requested + 5 * DAY))
    )
    expected = (
        (requested + 10 * DAY).date()
        if refund_status in ("requested", "approved")
        else None
    )
    plan.tables.refunds.append(
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
        plan.tables.tickets.append(
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


def plan_coupons(
    plan: ShopPlan, row: ChurnRow, orders: list[PlannedOrder], created: datetime
) -> None:
    """Plan a customer's coupon redemptions and mark its orders' coupon codes.

    Args:
        plan: the shop being planned; its last ``len(orders)`` order rows are
            this customer's.
        row: the customer's churn row (CouponUsed).
        orders: the customer's planned orders, oldest first.
        created: the account's creation time.
    """
    rng, as_of = plan.rng, plan.as_of
    month_ago = as_of - RECENT
    recent = [
        order
        for order in reversed(orders)
        if order.in_window and order.placed_at >= month_ago + HOUR
    ]
    wanted = row.coupons_used or 0
    redemptions: list[tuple[str | None, datetime]] = []
    for order in recent[:wanted]:
        redemptions.append((order.number, order.placed_at))
    start = max(created, month_ago) + HOUR
    while len(redemptions) < wanted:
        redemptions.append((None, between(rng, start, as_of - timedelta(minutes=1))))
    older = [o for o in orders if o.placed_at < month_ago - HOUR]
    for order in older:
        if rng.random() < 0.1:
            redemptions.append((order.number, order.placed_at))
    codes: dict[str, str] = {}
    for number, at in sorted(redemptions, key=lambda item: (item[1], item[0] or "")):
        code = rng.choice(demo_data.COUPON_CODES)
        if number is not None:
            codes[number] = code
        plan.tables.coupons.append(
            {
                "customer_ref": row.customer_ref,
                "order_number": number,
                "code": code,
                "used_at": at,
            }
        )
    for planned in plan.tables.orders[len(plan.tables.orders) - len(orders) :]:
        planned["coupon_code"] = codes.get(planned["number"])


def plan_tickets(
    plan: ShopPlan,
    row: ChurnRow,
    role: str | None,
    created: datetime,
    mine: list[dict[str, Any]],
) -> None:
    """Plan a customer's complaint and question tickets.

    Args:
        plan: the shop being planned; the rows are appended to its tables.
        row: the customer's churn row (Complain).
        role: its walkthrough role; ``high_risk`` complains, unresolved, after
            its last delivery.
        created: the account's creation time.
        mine: the customer's planned order rows, oldest first.
    """
    rng, as_of, ref = plan.rng, plan.as_of, row.customer_ref
    month_ago = as_of - RECENT
    if row.complain:
        delivered = [o for o in mine if o["delivered_at"] is not None]
        after = created
        if role == "high_risk" and delivered:
            after = delivered[-1]["delivered_at"]
        # Within the last 30 days, after `after`, an hour later when possible.
        start = max(after, month_ago)
        end = as_of - timedelta(minutes=1)
        at = between(rng, min(start + HOUR, max(start, end)), end)
        at = max(at, start)
        earlier = [o for o in mine if o["placed_at"] < at]
        about_order = earlier[-1]["number"] if earlier else None
        resolved = role != "high_risk" and rng.random() < 0.4
        resolved_at = between(rng, at, min(as_of, at + 3 * DAY))
        _ticket(plan, ref, about_order, "complaint", at, resolved, resolved_at)
    elif created < month_ago - 2 * DAY and rng.random() < 0.15:
        at = between(rng, created, month_ago - DAY)
        _ticket(plan, ref, None, "complaint", at, True, at + 2 * DAY)
    if rng.random() < 0.3:
        at = between(rng, created, as_of - HOUR)
        resolved = rng.random() < 0.8
        _ticket(plan, ref, None, "question", at, resolved, min(as_of, at + DAY))


def _ticket(
    plan: ShopPlan,
    ref: str,
    order_number: str | None,
    kind: str,
    at: datetime,
    resolved: bool,
    resolved_at: datetime,
) -> None:
    """Append one complaint or question ticket with a drawn subject."""
    subjects = (
        demo_data.COMPLAINT_SUBJECTS
        if kind == "complaint"
        else demo_data.QUESTION_SUBJECTS
    )
    plan.tables.tickets.append(
        {
            "customer_ref": ref,
            "order_number": order_number,
            "kind": kind,
            "subject": plan.rng.choice(subjects),
            "status": "resolved" if resolved else "open",
            "conversation_id": None,
            "created_at": at,
            "resolved_at": resolved_at if resolved else None,
        }
    )
