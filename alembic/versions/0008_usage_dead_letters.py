"""Usage dead letters: records the database refused on their own, kept for an admin to inspect.

Revision ID: 0008_usage_dead_letters
Revises: 0007_responses
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_usage_dead_letters"
down_revision: str | None = "0007_responses"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "usage_dead_letters",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_dead_letters")),
    )
    op.create_index(op.f("ix_usage_dead_letters_created_at"), "usage_dead_letters", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_usage_dead_letters_created_at"), table_name="usage_dead_letters")
    op.drop_table("usage_dead_letters")
