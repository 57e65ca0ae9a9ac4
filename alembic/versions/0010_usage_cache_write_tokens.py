"""Usage: prompt tokens written to the provider's prompt cache, in records and rollups.

``cached_tokens`` already held cache reads; Anthropic's ``cache_creation_input_tokens`` were
priced (at the alias's ``cache_write`` rate) but not stored on their own. Existing rows get 0.

Revision ID: 0010_usage_cache_write_tokens
Revises: 0009_guardrail_overrides
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_usage_cache_write_tokens"
down_revision: str | None = "0009_guardrail_overrides"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLLUPS = ("usage_daily", "usage_daily_model", "usage_daily_user")


def upgrade() -> None:
    op.add_column(
        "usage_records",
        sa.Column("cache_write_tokens", sa.Integer(), nullable=False, server_default="0"),
    )
    for table in _ROLLUPS:
        op.add_column(
            table,
            sa.Column("cache_write_tokens", sa.BigInteger(), nullable=False, server_default="0"),
        )


def downgrade() -> None:
    for table in (*_ROLLUPS, "usage_records"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("cache_write_tokens")
