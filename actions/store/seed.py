"""A deterministic demo shop whose customers behave like churn data rows.

:func:`seed_demo_shop` picks ``count`` usable rows of the churn CSV (see
:func:`actions.store.churn_rows.inconsistency`) with a seeded
:class:`random.Random`, keeping the data set's churn rate, and writes per row a
customer, addresses, orders with lines and status histories, refunds, tickets
and coupon redemptions such that :func:`actions.store.features.churn_features`
of the customer, as of ``as_of``, returns the row's values (``verify`` checks
every customer). Same rows, ``as_of``, ``count``, ``seed`` and currency give an
identical database.

This module runs the steps; each lives in its own module (how the rows are
reproduced is in their docstrings, the definitions in
:mod:`actions.store.features`):

* :mod:`actions.store.seed_selection`: the rows and the walkthrough customers;
* :mod:`actions.store.seed_plan`: the plan the next three fill, one generator;
* :mod:`actions.store.seed_people`: customers (Tenure) and addresses;
* :mod:`actions.store.seed_orders`: orders, lines, cashback, status histories;
* :mod:`actions.store.seed_aftersales`: refunds, coupon redemptions, tickets;
* :mod:`actions.store.seed_write`: the plan into the database.

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
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from actions.settings import REPO_ROOT
from actions.store.churn_rows import ChurnRow, read_churn_rows
from actions.store.clock import naive_utc
from actions.store.errors import SeedDataError
from actions.store.features import churn_features
from actions.store.schema import Base, Customer, DemoCustomer
from actions.store.seed_aftersales import plan_coupons, plan_tickets
from actions.store.seed_orders import add_orders, plan_orders
from actions.store.seed_people import plan_customer
from actions.store.seed_plan import ShopPlan
from actions.store.seed_selection import DEMO_ROLES, loyalty_tier, select_rows
from actions.store.seed_write import insert_rows, write_tables

__all__ = [
    "DEFAULT_COUNT",
    "DEFAULT_DATA_PATH",
    "DEFAULT_SEED",
    "DEMO_ROLES",
    "SeedSummary",
    "demo_customers",
    "load_rows",
    "loyalty_tier",
    "reset_store",
    "seed_demo_shop",
    "select_rows",
]

logger = logging.getLogger(__name__)

DEFAULT_DATA_PATH = REPO_ROOT / "data" / "churn" / "ecommerce_churn.csv"
DEFAULT_COUNT = 300
DEFAULT_SEED = 4242


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


def load_rows(path: Path = DEFAULT_DATA_PATH) -> list[ChurnRow]:
    """The churn CSV's rows (the repository copy by default)."""
    return read_churn_rows(path)


def _plan_customer(plan: ShopPlan, row: ChurnRow, index: int, role: str | None) -> None:
    """Plan everything of one customer (the order of the draws is the seed's)."""
    created, newest = plan_customer(plan, row, index, role)
    orders = plan_orders(plan, row, role, created, newest)
    add_orders(plan, row, orders)
    plan_coupons(plan, row, orders, created)
    mine = plan.tables.orders[len(plan.tables.orders) - len(orders) :]
    plan_tickets(plan, row, role, created, mine)


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
    plan = ShopPlan(rng, as_of, currency)
    for index, row in enumerate(chosen, start=1):
        _plan_customer(plan, row, index, role_of.get(row.customer_ref))
    tables = plan.tables
    ids = write_tables(session, tables)
    insert_rows(
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
