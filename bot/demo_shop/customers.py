"""Who the demo shop lets you chat as: the seeded walkthrough customers.

Small query functions over the profile store (session keyword-only, as in
:mod:`actions.store.queries`). They return names and tiers only: the shop's page
never shows an email address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.store.schema import Customer, DemoCustomer


@dataclass(frozen=True)
class ShopCustomer:
    """A customer the page can sign in as.

    Attributes:
        customer_id: the id in the profile store.
        name: the customer's name.
        tier: loyalty tier (bronze, silver, gold, platinum).
        role: the walkthrough role (``high_risk`` ...), None for other customers.
        purpose: what the role demonstrates, None for other customers.
    """

    customer_id: int
    name: str
    tier: str
    role: str | None = None
    purpose: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON the page receives."""
        return {
            "id": self.customer_id,
            "name": self.name,
            "tier": self.tier,
            "role": self.role,
            "purpose": self.purpose,
        }


def _statement() -> Any:
    return select(
        Customer.id,
        Customer.name,
        Customer.loyalty_tier,
        DemoCustomer.role,
        DemoCustomer.purpose,
    ).outerjoin(DemoCustomer, DemoCustomer.customer_id == Customer.id)


def demo_customers(*, session: Session) -> list[ShopCustomer]:
    """The walkthrough customers, ordered by role (empty before seeding).

    Args:
        session: an open profile-store session.

    Returns:
        One record per role.
    """
    rows = session.execute(
        _statement().where(DemoCustomer.role.is_not(None)).order_by(DemoCustomer.role)
    )
    return [ShopCustomer(*row) for row in rows]


def customer_by_id(customer_id: int, *, session: Session) -> ShopCustomer | None:
    """Any customer of the store, with their walkthrough role when they have one.

    Args:
        customer_id: the id to look up.
        session: an open profile-store session.

    Returns:
        The customer, or None when no customer has that id.
    """
    row = session.execute(_statement().where(Customer.id == customer_id)).first()
    return ShopCustomer(*row) if row else None
