"""Agent console: agent accounts and end-of-chat ratings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "agent_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username", name="uq_agent_accounts_username"),
    )
    op.create_table(
        "chat_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("handoff_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("score >= 1 AND score <= 5", name="ck_chat_ratings_score"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_chat_ratings_conversation_id",
        "chat_ratings",
        ["conversation_id"],
        unique=False,
    )
    op.create_index(
        "ix_chat_ratings_created", "chat_ratings", ["created_at"], unique=False
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_chat_ratings_created", table_name="chat_ratings")
    op.drop_index("ix_chat_ratings_conversation_id", table_name="chat_ratings")
    op.drop_table("chat_ratings")
    op.drop_table("agent_accounts")
