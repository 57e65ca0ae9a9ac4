"""Quotas and usage: per-user/key quota overrides, usage records and their daily rollups.

Revision ID: 0003_usage
Revises: 0002_accounts
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_usage"
down_revision: str | None = "0002_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            name,
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        )
        for name in ("created_at", "updated_at")
    ]


def _sums() -> list[sa.Column[object]]:
    counts = ("requests", "errors", "cache_hits", "prompt_tokens", "completion_tokens")
    columns: list[sa.Column[object]] = [
        sa.Column(name, sa.BigInteger(), nullable=False) for name in (*counts, "cached_tokens")
    ]
    columns += [
        sa.Column(name, sa.Double(), nullable=False) for name in ("cost_usd", "latency_ms_sum")
    ]
    return columns


def upgrade() -> None:
    op.create_table(
        "quota_overrides",
        sa.Column("subject_type", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("requests_per_minute", sa.Integer(), nullable=True),
        sa.Column("tokens_per_minute", sa.Integer(), nullable=True),
        sa.Column("tokens_per_day", sa.Integer(), nullable=True),
        sa.Column("monthly_budget_usd", sa.Double(), nullable=True),
        sa.Column("max_concurrent", sa.Integer(), nullable=True),
        sa.Column("allowed_model_tiers", sa.JSON(), nullable=True),
        sa.Column("allowed_aliases", sa.JSON(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "subject_type IN ('user', 'key')", name=op.f("ck_quota_overrides_subject_type")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quota_overrides")),
        sa.UniqueConstraint("subject_type", "subject_id", name="uq_quota_overrides_subject"),
    )
    op.create_table(
        "usage_records",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("api_key_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("endpoint", sa.String(length=128), nullable=False),
        sa.Column("alias", sa.String(length=128), nullable=False),
        sa.Column("deployment", sa.String(length=255), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cached_tokens", sa.Integer(), nullable=False),
        sa.Column("tokens_estimated", sa.Boolean(), nullable=False),
        sa.Column("cost_usd", sa.Double(), nullable=False),
        sa.Column("latency_ms", sa.Double(), nullable=False),
        sa.Column("ttft_ms", sa.Double(), nullable=True),
        sa.Column("latency_bucket", sa.SmallInteger(), nullable=False),
        sa.Column("ttft_bucket", sa.SmallInteger(), nullable=True),
        sa.Column("status_code", sa.SmallInteger(), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("cache_hit", sa.Boolean(), nullable=False),
        sa.Column("stream", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_records")),
    )
    op.create_index("ix_usage_records_created_at", "usage_records", ["created_at"])
    op.create_index(
        "ix_usage_records_user_id_created_at", "usage_records", ["user_id", "created_at"]
    )
    op.create_index(
        "ix_usage_records_api_key_id_created_at", "usage_records", ["api_key_id", "created_at"]
    )
    op.create_index("ix_usage_records_request_id", "usage_records", ["request_id"])
    op.create_table(
        "usage_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("api_key_id", sa.Uuid(), nullable=False),
        sa.Column("alias", sa.String(length=128), nullable=False),
        *_sums(),
        sa.PrimaryKeyConstraint(
            "day", "user_id", "api_key_id", "alias", name=op.f("pk_usage_daily")
        ),
    )
    op.create_table(
        "usage_daily_model",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("alias", sa.String(length=128), nullable=False),
        *_sums(),
        sa.PrimaryKeyConstraint("day", "alias", name=op.f("pk_usage_daily_model")),
    )
    op.create_table(
        "usage_daily_user",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        *_sums(),
        sa.PrimaryKeyConstraint("day", "user_id", name=op.f("pk_usage_daily_user")),
    )
    op.create_index("ix_usage_daily_user_id_day", "usage_daily", ["user_id", "day"])
    op.create_table(
        "usage_latency_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.SmallInteger(), nullable=False),
        sa.Column("bucket", sa.SmallInteger(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "metric", "bucket", name=op.f("pk_usage_latency_daily")),
    )


def downgrade() -> None:
    op.drop_table("usage_latency_daily")
    op.drop_table("usage_daily_user")
    op.drop_table("usage_daily_model")
    op.drop_index("ix_usage_daily_user_id_day", table_name="usage_daily")
    op.drop_table("usage_daily")
    op.drop_index("ix_usage_records_request_id", table_name="usage_records")
    op.drop_index("ix_usage_records_api_key_id_created_at", table_name="usage_records")
    op.drop_index("ix_usage_records_user_id_created_at", table_name="usage_records")
    op.drop_index("ix_usage_records_created_at", table_name="usage_records")
    op.drop_table("usage_records")
    op.drop_table("quota_overrides")
