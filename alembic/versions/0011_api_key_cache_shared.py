"""API keys: ``cache_shared``, the admin's opt-in of one key into the shared cache namespace.

Existing keys get false (their answers stay in the owner's namespace).

Revision ID: 0011_api_key_cache_shared
Revises: 0010_usage_cache_write_tokens
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_api_key_cache_shared"
down_revision: str | None = "0010_usage_cache_write_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "api_keys",
        sa.Column("cache_shared", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("cache_shared")
