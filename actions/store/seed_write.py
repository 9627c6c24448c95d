"""Insert a planned demo shop, turning its local keys into database ids.

The plan (:class:`actions.store.seed_plan.PlannedTables`) refers to customers by
churn row id, to addresses by label and to orders by number; each table is
inserted in one statement after the ones it refers to, and the ids those got are
read back to resolve the next.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.store.schema import (
    Address,
    CouponRedemption,
    Customer,
    Order,
    OrderItem,
    OrderStatusEvent,
    Refund,
    Ticket,
)
from actions.store.seed_plan import PlannedTables


def insert_rows(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert row dicts into a mapped table in one statement (none: nothing).

    Args:
        session: an open session; the caller commits.
        table: the mapped class, e.g. :class:`actions.store.schema.Customer`.
        rows: column name -> value per row.
    """
    if rows:
        session.execute(table.__table__.insert(), rows)


def _without(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in keys}


def write_tables(session: Session, tables: PlannedTables) -> dict[str, int]:
    """Insert the planned rows, resolving local keys to ids.

    Args:
        session: an open session on an empty, migrated store; the caller commits.
        tables: the planned shop.

    Returns:
        Churn row id (``source_ref``) -> customer id.
    """
    insert_rows(session, Customer, tables.customers)
    customer_ids = dict(session.execute(select(Customer.source_ref, Customer.id)).all())
    insert_rows(
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
    insert_rows(
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

    insert_rows(session, OrderItem, [resolved(row) for row in tables.items])
    insert_rows(session, OrderStatusEvent, [resolved(row) for row in tables.events])
    insert_rows(session, Refund, [resolved(row) for row in tables.refunds])
    insert_rows(session, Ticket, [resolved(row) for row in tables.tickets])
    insert_rows(session, CouponRedemption, [resolved(row) for row in tables.coupons])
    return customer_ids
