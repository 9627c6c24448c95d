"""Table mappings of the profile store (SQLAlchemy 1.4 declarative).

Money is stored in integer cents, times as naive UTC datetimes. Code outside
:mod:`actions.store` never sees these classes: query functions return the frozen
records of :mod:`actions.store.records`.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

LOYALTY_TIERS: tuple[str, ...] = ("bronze", "silver", "gold", "platinum")
ORDER_STATUSES: tuple[str, ...] = (
    "pending",
    "processing",
    "shipped",
    "out_for_delivery",
    "delivered",
    "cancelled",
    "returned",
)
# Orders in these states have not left the warehouse: they can still be cancelled
# or changed. Later states get a return instead.
CANCELLABLE_STATUSES: tuple[str, ...] = ("pending", "processing")
OPEN_STATUSES: tuple[str, ...] = (
    "pending",
    "processing",
    "shipped",
    "out_for_delivery",
)
REFUND_STATUSES: tuple[str, ...] = ("requested", "approved", "processed", "rejected")
TICKET_KINDS: tuple[str, ...] = ("complaint", "question", "return")
TICKET_STATUSES: tuple[str, ...] = ("open", "resolved")
OFFER_KINDS: tuple[str, ...] = (
    "percent_discount",
    "free_shipping",
    "cashback",
    "voucher",
)
ASSIGNMENT_ARMS: tuple[str, ...] = ("offer", "holdout")
HANDOFF_STATUSES: tuple[str, ...] = ("waiting", "assigned", "returned", "closed")
RATING_SCORES: tuple[int, ...] = (1, 2, 3, 4, 5)


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """A CHECK constraint keeping ``column`` inside ``values``."""
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"ck_{column}_allowed")


class Customer(Base):  # type: ignore[misc,valid-type]
    """A shopper's account, with the behaviour the shop's analytics know about."""

    __tablename__ = "customers"
    __table_args__ = (_one_of("loyalty_tier", LOYALTY_TIERS),)

    id = Column(Integer, primary_key=True)
    # CustomerID of the churn data row the seeded customer follows (None otherwise).
    source_ref = Column(String(32), unique=True, nullable=True)
    name = Column(String(120), nullable=False)
    email = Column(String(254), nullable=False, unique=True)
    loyalty_tier = Column(String(16), nullable=False, default="bronze")
    personalisation_consent = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False)
    gender = Column(String(16), nullable=True)
    marital_status = Column(String(16), nullable=True)
    preferred_login_device = Column(String(32), nullable=True)
    # App analytics: average hours a day in the app, devices signed in.
    hours_on_app = Column(Float, nullable=True)
    devices_registered = Column(Integer, nullable=True)
    # Latest satisfaction survey answer, 1 (worst) to 5.
    satisfaction_score = Column(Integer, nullable=True)
    # Analytics: order amount increase from last year, in percent.
    order_amount_hike_pct = Column(Float, nullable=True)

    addresses = relationship("Address", back_populates="customer")
    orders = relationship("Order", back_populates="customer")


class Address(Base):  # type: ignore[misc,valid-type]
    """A delivery address; ``city_tier`` and warehouse distance come from geocoding."""

    __tablename__ = "addresses"

    id = Column(Integer, primary_key=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False, index=True)
    label = Column(String(40), nullable=False, default="home")
    line1 = Column(String(200), nullable=False)
    city = Column(String(100), nullable=False)
    postcode = Column(String(20), nullable=False)
    country = Column(String(60), nullable=False)
    city_tier = Column(Integer, nullable=True)
    warehouse_distance_km = Column(Float, nullable=True)
    is_default = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False)

    customer = relationship("Customer", back_populates="addresses")


class Order(Base):  # type: ignore[misc,valid-type]
    """An order with its current status, payment, carrier and tracking."""

    __tablename__ = "orders"
    __table_args__ = (
        _one_of("status", ORDER_STATUSES),
        Index("ix_orders_customer_placed", "customer_id", "placed_at"),
    )

    id = Column(Integer, primary_key=True)
    number = Column(String(16), nullable=False, unique=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False)
    placed_at = Column(DateTime, nullable=False)
    status = Column(String(20), nullable=False)
    payment_method = Column(String(32), nullable=False)
    total_cents = Column(Integer, nullable=False)
    currency = Column(String(3), nullable=False, default="USD")
    coupon_code = Column(String(32), nullable=True)
    cashback_cents = Column(Integer, nullable=False, default=0)
    shipping_address_id = Column(ForeignKey("addresses.id"), nullable=True)
    carrier = Column(String(40), nullable=True)
    tracking_number = Column(String(40), nullable=True)
    estimated_delivery = Column(Date, nullable=True)
    delivered_at = Column(DateTime, nullable=True)
    updated_at = Column(DateTime, nullable=False)

    customer = relationship("Customer", back_populates="orders")
    items = relationship("OrderItem", back_populates="order")
    events = relationship(
        "OrderStatusEvent", back_populates="order", order_by="OrderStatusEvent.at"
    )


class OrderItem(Base):  # type: ignore[misc,valid-type]
    """One line of an order."""

    __tablename__ = "order_items"

    id = Column(Integer, primary_key=True)
    order_id = Column(ForeignKey("orders.id"), nullable=False, index=True)
    sku = Column(String(32), nullable=False)
    name = Column(String(120), nullable=False)
    category = Column(String(40), nullable=False)
    quantity = Column(Integer, nullable=False)
    unit_price_cents = Column(Integer, nullable=False)

    order = relationship("Order", back_populates="items")


class OrderStatusEvent(Base):  # type: ignore[misc,valid-type]
    """One step of an order's status history."""

    __tablename__ = "order_status_events"
    __table_args__ = (_one_of("status", ORDER_STATUSES),)

    id = Column(Integer, primary_key=True)
    order_id = Column(ForeignKey("orders.id"), nullable=False, index=True)
    status = Column(String(20), nullable=False)
    at = Column(DateTime, nullable=False)
    note = Column(String(200), nullable=True)

    order = relationship("Order", back_populates="events")


class Refund(Base):  # type: ignore[misc,valid-type]
    """A refund of (part of) an order."""

    __tablename__ = "refunds"
    __table_args__ = (_one_of("status", REFUND_STATUSES),)

    id = Column(Integer, primary_key=True)
    order_id = Column(ForeignKey("orders.id"), nullable=False, index=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False, index=True)
    amount_cents = Column(Integer, nullable=False)
    status = Column(String(16), nullable=False)
    reason = Column(String(200), nullable=True)
    requested_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)
    expected_by = Column(Date, nullable=True)


class Ticket(Base):  # type: ignore[misc,valid-type]
    """A support ticket: a complaint, a question or a return request."""

    __tablename__ = "tickets"
    __table_args__ = (
        _one_of("kind", TICKET_KINDS),
        CheckConstraint("status IN ('open', 'resolved')", name="ck_ticket_status"),
        Index("ix_tickets_customer_created", "customer_id", "created_at"),
    )

    id = Column(Integer, primary_key=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False)
    order_id = Column(ForeignKey("orders.id"), nullable=True)
    kind = Column(String(16), nullable=False)
    subject = Column(String(200), nullable=False)
    status = Column(String(16), nullable=False, default="open")
    # Set by the conversation that opened it, when a conversation did.
    conversation_id = Column(String(255), nullable=True)
    created_at = Column(DateTime, nullable=False)
    resolved_at = Column(DateTime, nullable=True)


class CouponRedemption(Base):  # type: ignore[misc,valid-type]
    """A coupon used by a customer (at checkout, or on its own voucher)."""

    __tablename__ = "coupon_redemptions"
    __table_args__ = (Index("ix_coupons_customer_used", "customer_id", "used_at"),)

    id = Column(Integer, primary_key=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False)
    order_id = Column(ForeignKey("orders.id"), nullable=True)
    code = Column(String(32), nullable=False)
    used_at = Column(DateTime, nullable=False)


class Offer(Base):  # type: ignore[misc,valid-type]
    """An offer in the catalogue: what it gives, who may get it, and its budget.

    ``total_budget`` is the number of grants the shop will pay for;
    ``granted_count`` only ever grows inside the granting transaction, guarded by
    ``granted_count < total_budget``, so concurrent grants cannot overspend.
    """

    __tablename__ = "offers"
    __table_args__ = (
        _one_of("kind", OFFER_KINDS),
        CheckConstraint("granted_count <= total_budget", name="ck_offer_budget"),
        CheckConstraint("per_customer_limit >= 1", name="ck_offer_per_customer"),
    )

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    title = Column(String(120), nullable=False)
    description = Column(String(400), nullable=False)
    kind = Column(String(20), nullable=False)
    # Percent for percent_discount, cents for cashback/voucher, 0 for free_shipping.
    value = Column(Float, nullable=False)
    # Eligibility: all conditions that are set must hold.
    category = Column(String(40), nullable=True)
    min_tier = Column(String(16), nullable=True)
    min_churn_risk = Column(Float, nullable=True)
    max_churn_risk = Column(Float, nullable=True)
    min_orders = Column(Integer, nullable=False, default=0)
    # Goodwill offers: only for a customer who complained recently.
    requires_complaint = Column(Boolean, nullable=False, default=False)
    per_customer_limit = Column(Integer, nullable=False, default=1)
    total_budget = Column(Integer, nullable=False)
    granted_count = Column(Integer, nullable=False, default=0)
    active = Column(Boolean, nullable=False, default=True)
    valid_until = Column(Date, nullable=True)


class OfferGrant(Base):  # type: ignore[misc,valid-type]
    """An offer given to a customer in a conversation."""

    __tablename__ = "offer_grants"
    __table_args__ = (Index("ix_grants_offer_customer", "offer_id", "customer_id"),)

    id = Column(Integer, primary_key=True)
    offer_id = Column(ForeignKey("offers.id"), nullable=False)
    customer_id = Column(ForeignKey("customers.id"), nullable=False)
    conversation_id = Column(String(255), nullable=True)
    reason = Column(String(200), nullable=False)
    granted_at = Column(DateTime, nullable=False)


class OfferAssignment(Base):  # type: ignore[misc,valid-type]
    """Which arm (offer or hold-out) an eligible customer fell in, for uplift."""

    __tablename__ = "offer_assignments"
    __table_args__ = (
        _one_of("arm", ASSIGNMENT_ARMS),
        Index("ix_assignments_customer", "customer_id"),
    )

    id = Column(Integer, primary_key=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False)
    conversation_id = Column(String(255), nullable=True)
    arm = Column(String(8), nullable=False)
    # The offer granted (offer arm) or that would have been (hold-out arm).
    offer_id = Column(ForeignKey("offers.id"), nullable=True)
    churn_probability = Column(Float, nullable=True)
    assigned_at = Column(DateTime, nullable=False)


class Handoff(Base):  # type: ignore[misc,valid-type]
    """A conversation handed to a person, with the packet the agent reads."""

    __tablename__ = "handoffs"
    __table_args__ = (
        _one_of("status", HANDOFF_STATUSES),
        UniqueConstraint("key", name="uq_handoffs_key"),
        Index("ix_handoffs_status_created", "status", "created_at"),
    )

    id = Column(Integer, primary_key=True)
    # Idempotency key (conversation id + the event that triggered it): replaying
    # a spooled handoff after an outage never creates it twice.
    key = Column(String(300), nullable=False)
    conversation_id = Column(String(255), nullable=False, index=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=True)
    reason = Column(String(200), nullable=False)
    risk_score = Column(Float, nullable=True)
    status = Column(String(16), nullable=False, default="waiting")
    agent = Column(String(120), nullable=True)
    packet = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)


class AgentAccount(Base):  # type: ignore[misc,valid-type]
    """A person who signs in to the agent console.

    Written only through :mod:`actions.agents.accounts`, which checks the
    username's form (lowercase letters, digits, ``.``, ``_``, ``-``) and keeps
    only a scrypt hash of the password (:mod:`actions.agents.passwords`).
    ``handoffs.agent`` holds the username of the agent who took a handoff.
    """

    __tablename__ = "agent_accounts"
    __table_args__ = (UniqueConstraint("username", name="uq_agent_accounts_username"),)

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False)
    display_name = Column(String(120), nullable=False)
    password_hash = Column(Text, nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime, nullable=False)
    last_login_at = Column(DateTime, nullable=True)


class ChatRating(Base):  # type: ignore[misc,valid-type]
    """A shopper's end-of-chat satisfaction score (1 worst to 5), with a comment.

    Written through :func:`actions.store.ratings.save_rating`, which keeps the
    comment to 1,000 characters.
    """

    __tablename__ = "chat_ratings"
    __table_args__ = (
        CheckConstraint("score >= 1 AND score <= 5", name="ck_chat_ratings_score"),
        Index("ix_chat_ratings_created", "created_at"),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    # None for an anonymous shopper.
    customer_id = Column(ForeignKey("customers.id"), nullable=True)
    # The handoff the chat went through, None when the bot alone served it.
    handoff_id = Column(ForeignKey("handoffs.id"), nullable=True)
    score = Column(Integer, nullable=False)
    comment = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False)


class DemoCustomer(Base):  # type: ignore[misc,valid-type]
    """A seeded customer picked for a walkthrough role (``high_risk``, ``loyal`` ...).

    Written only by :mod:`actions.store.seed`; the roles depend on the churn data
    row behind each customer, which the shop's own tables do not keep.
    """

    __tablename__ = "demo_customers"

    role = Column(String(32), primary_key=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False)
    purpose = Column(String(200), nullable=False)
