"""Initial schema: every table, index and constraint of actions.store.schema.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ORDER_STATUS_CHECK = (
    "status IN ('pending', 'processing', 'shipped', 'out_for_delivery', "
    "'delivered', 'cancelled', 'returned')"
)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_ref", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("loyalty_tier", sa.String(length=16), nullable=False),
        sa.Column("personalisation_consent", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("marital_status", sa.String(length=16), nullable=True),
        sa.Column("preferred_login_device", sa.String(length=32), nullable=True),
        sa.Column("hours_on_app", sa.Float(), nullable=True),
        sa.Column("devices_registered", sa.Integer(), nullable=True),
        sa.Column("satisfaction_score", sa.Integer(), nullable=True),
        sa.Column("order_amount_hike_pct", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "loyalty_tier IN ('bronze', 'silver', 'gold', 'platinum')",
            name="ck_loyalty_tier_allowed",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
        sa.UniqueConstraint("source_ref"),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=400), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("min_tier", sa.String(length=16), nullable=True),
        sa.Column("min_churn_risk", sa.Float(), nullable=True),
        sa.Column("max_churn_risk", sa.Float(), nullable=True),
        sa.Column("min_orders", sa.Integer(), nullable=False),
        sa.Column("requires_complaint", sa.Boolean(), nullable=False),
        sa.Column("per_customer_limit", sa.Integer(), nullable=False),
        sa.Column("total_budget", sa.Integer(), nullable=False),
        sa.Column("granted_count", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('percent_discount', 'free_shipping', 'cashback', 'voucher')",
            name="ck_kind_allowed",
        ),
        sa.CheckConstraint("granted_count <= total_budget", name="ck_offer_budget"),
        sa.CheckConstraint("per_customer_limit >= 1", name="ck_offer_per_customer"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("line1", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("postcode", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=60), nullable=False),
        sa.Column("city_tier", sa.Integer(), nullable=True),
        sa.Column("warehouse_distance_km", sa.Float(), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_addresses_customer_id", "addresses", ["customer_id"], unique=False
    )

    op.create_table(
        "demo_customers",
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("role"),
    )
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("risk_score", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("agent", sa.String(length=120), nullable=True),
        sa.Column("packet", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('waiting', 'assigned', 'returned', 'closed')",
            name="ck_status_allowed",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_handoffs_key"),
    )
    op.create_index(
        "ix_handoffs_conversation_id", "handoffs", ["conversation_id"], unique=False
    )
    op.create_index(
        "ix_handoffs_status_created", "handoffs", ["status", "created_at"], unique=False
    )

    op.create_table(
        "offer_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=True),
        sa.Column("arm", sa.String(length=8), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("churn_probability", sa.Float(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("arm IN ('offer', 'holdout')", name="ck_arm_allowed"),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_assignments_customer", "offer_assignments", ["customer_id"], unique=False
    )

    op.create_table(
        "offer_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_grants_offer_customer",
        "offer_grants",
        ["offer_id", "customer_id"],
        unique=False,
    )

    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("payment_method", sa.String(length=32), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("coupon_code", sa.String(length=32), nullable=True),
        sa.Column("cashback_cents", sa.Integer(), nullable=False),
        sa.Column("shipping_address_id", sa.Integer(), nullable=True),
        sa.Column("carrier", sa.String(length=40), nullable=True),
        sa.Column("tracking_number", sa.String(length=40), nullable=True),
        sa.Column("estimated_delivery", sa.Date(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            ORDER_STATUS_CHECK,
            name="ck_status_allowed",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["shipping_address_id"],
            ["addresses.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index(
        "ix_orders_customer_placed",
        "orders",
        ["customer_id", "placed_at"],
        unique=False,
    )

    op.create_table(
        "coupon_redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_coupons_customer_used",
        "coupon_redemptions",
        ["customer_id", "used_at"],
        unique=False,
    )

    op.create_table(
        "order_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_order_items_order_id", "order_items", ["order_id"], unique=False
    )

    op.create_table(
        "order_status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            ORDER_STATUS_CHECK,
            name="ck_status_allowed",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_order_status_events_order_id",
        "order_status_events",
        ["order_id"],
        unique=False,
    )

    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("expected_by", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "status IN ('requested', 'approved', 'processed', 'rejected')",
            name="ck_status_allowed",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_refunds_customer_id", "refunds", ["customer_id"], unique=False)
    op.create_index("ix_refunds_order_id", "refunds", ["order_id"], unique=False)

    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('complaint', 'question', 'return')", name="ck_kind_allowed"
        ),
        sa.CheckConstraint("status IN ('open', 'resolved')", name="ck_ticket_status"),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_tickets_customer_created",
        "tickets",
        ["customer_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_tickets_customer_created", table_name="tickets")

    op.drop_table("tickets")
    op.drop_index("ix_refunds_order_id", table_name="refunds")
    op.drop_index("ix_refunds_customer_id", table_name="refunds")

    op.drop_table("refunds")
    op.drop_index("ix_order_status_events_order_id", table_name="order_status_events")

    op.drop_table("order_status_events")
    op.drop_index("ix_order_items_order_id", table_name="order_items")

    op.drop_table("order_items")
    op.drop_index("ix_coupons_customer_used", table_name="coupon_redemptions")

    op.drop_table("coupon_redemptions")
    op.drop_index("ix_orders_customer_placed", table_name="orders")

    op.drop_table("orders")
    op.drop_index("ix_grants_offer_customer", table_name="offer_grants")

    op.drop_table("offer_grants")
    op.drop_index("ix_assignments_customer", table_name="offer_assignments")

    op.drop_table("offer_assignments")
    op.drop_index("ix_handoffs_status_created", table_name="handoffs")
    op.drop_index("ix_handoffs_conversation_id", table_name="handoffs")

    op.drop_table("handoffs")
    op.drop_table("demo_customers")
    op.drop_index("ix_addresses_customer_id", table_name="addresses")

    op.drop_table("addresses")
    op.drop_table("offers")
    op.drop_table("customers")
