"""Which churn rows the demo shop seeds, and which of them are walkthrough customers.

Pure: :func:`select_rows` draws from the seeded generator it is given. It keeps
only rows the store can reproduce (:func:`actions.store.churn_rows.inconsistency`),
casts one row per :data:`DEMO_ROLES` role (drawn among the five best fits), and
fills the rest so that the seeded shop keeps the data set's churn rate.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from actions.store.churn_rows import ChurnRow, inconsistency
from actions.store.errors import SeedDataError

logger = logging.getLogger(__name__)

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


def row_tier(row: ChurnRow) -> str:
    """The loyalty tier of a row's customer (missing figures count as 0).

    Args:
        row: the churn row.

    Returns:
        The tier, as :func:`loyalty_tier` gives it.
    """
    return loyalty_tier(row.tenure or 0, row.order_count or 0)


def _ref_key(ref: str) -> tuple[int, str]:
    return (int(ref), "") if ref.isdigit() else (1 << 62, ref)


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
            and row_tier(row) in ("gold", "platinum")
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
