"""Per-user and per-key guardrail policy overrides (a JSON column on quota_overrides).

Revision ID: 0009_guardrail_overrides
Revises: 0008_usage_dead_letters
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_guardrail_overrides"
down_revision: str | None = "0008_usage_dead_letters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("quota_overrides") as batch:
        batch.add_column(sa.Column("guardrails", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quota_overrides") as batch:
        batch.drop_column("guardrails")
