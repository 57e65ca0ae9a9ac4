"""Conversations belong to users: foreign key with ON DELETE CASCADE.

The accounts and conversations migrations were written in parallel; this joins them.

Revision ID: 0005_conversation_owner_fk
Revises: 0004_conversations
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_conversation_owner_fk"
down_revision: str | None = "0004_conversations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK_NAME = "fk_conversations_owner_id_users"


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.create_foreign_key(FK_NAME, "users", ["owner_id"], ["id"], ondelete="CASCADE")


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_constraint(FK_NAME, type_="foreignkey")
