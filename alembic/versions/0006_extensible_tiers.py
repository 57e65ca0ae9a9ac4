"""Extensible user tiers: drop the check constraint that fixed users.tier to three names.

Tiers are now whatever the quota settings configure; the services validate tier names on write.
The downgrade restores the constraint and therefore refuses to run while any user is on a
tier outside the original three (reassign those users first).

Revision ID: 0006_extensible_tiers
Revises: 0005_conversation_owner_fk
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_extensible_tiers"
down_revision: str | None = "0005_conversation_owner_fk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_users_tier"
LEGACY_TIERS = "tier IN ('free', 'pro', 'enterprise')"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f(CONSTRAINT), type_="check")


def downgrade() -> None:
    others = (
        op.get_bind()
        .execute(sa.text(f"SELECT COUNT(*) FROM users WHERE NOT ({LEGACY_TIERS})"))  # noqa: S608
        .scalar_one()
    )
    if others:
        raise RuntimeError(
            f"{others} user(s) are on tiers other than free/pro/enterprise; "
            "reassign them before downgrading below 0006_extensible_tiers"
        )
    with op.batch_alter_table("users") as batch:
        batch.create_check_constraint(op.f(CONSTRAINT), LEGACY_TIERS)
