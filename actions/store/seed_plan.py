"""The demo shop while it is planned: row dicts per table and the seeded generator.

Pure. A :class:`ShopPlan` is shared by :mod:`actions.store.seed_people`,
:mod:`actions.store.seed_orders` and :mod:`actions.store.seed_aftersales`, which
append rows to its :class:`PlannedTables`. Every random draw comes from the one
generator, so the plan (and the database :mod:`actions.store.seed_write` makes of
it) depends only on the rows, ``as_of``, the seed and the order of the calls.
Foreign keys are still local keys (customer ref, address label, order number).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from actions.store import demo_data

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WINDOW = timedelta(days=365)
"""The window of the churn features' order figures."""
RECENT = timedelta(days=30)
"""The window of CouponUsed and Complain."""


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A whole-second moment in [start, end] (start when the span is empty).

    Args:
        rng: the seeded generator.
        start: the earliest moment.
        end: the latest moment.

    Returns:
        The drawn moment.
    """
    span = int((end - start).total_seconds())
    return start if span <= 0 else start + timedelta(seconds=rng.randint(0, span))


def duration(rng: random.Random, low: timedelta, high: timedelta) -> timedelta:
    """A whole-second duration in [low, high].

    Args:
        rng: the seeded generator.
        low: the shortest duration.
        high: the longest duration.

    Returns:
        The drawn duration.
    """
    return timedelta(
        seconds=rng.randint(int(low.total_seconds()), int(high.total_seconds()))
    )


@dataclass
class PlannedOrder:
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
class PlannedTables:
    """Row dicts per table; foreign keys still local keys (ref, label, number)."""

    customers: list[dict[str, Any]] = field(default_factory=list)
    addresses: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    coupons: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ShopPlan:
    """The shop planned so far, the generator it draws from and its moment.

    Attributes:
        rng: the seeded generator every draw comes from.
        as_of: the moment the shop describes (naive UTC).
        currency: the currency of every order.
        tables: the rows planned so far.
    """

    rng: random.Random
    as_of: datetime
    currency: str
    tables: PlannedTables = field(default_factory=PlannedTables)
    _numbers: set[str] = field(default_factory=set, init=False, repr=False)

    def order_number(self) -> str:
        """A new seven-digit order number, unique in this shop.

        Returns:
            The number.
        """
        while True:
            number = str(self.rng.randrange(1_000_000, 10_000_000))
            if number not in self._numbers:
                self._numbers.add(number)
                return number

    def tracking(self) -> tuple[str, str]:
        """A carrier and a tracking number in that carrier's format.

        Returns:
            (carrier, tracking number).
        """
        carrier, prefix, digits = self.rng.choice(demo_data.CARRIERS)
        body = "".join(str(self.rng.randrange(10)) for _ in range(digits))
        return carrier, prefix + body
