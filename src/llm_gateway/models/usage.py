"""Usage accounting tables: one row per call, plus daily rollups that keep reports fast.

``usage_records`` is append-only and written in batches by the background writer; the same
transaction folds each batch into three daily rollups of decreasing detail (day × user × key ×
alias, day × alias, day × user) and a per-day latency histogram, so reports over months read
the smallest rollup that has the columns they need and never scan raw rows.
User and key ids are plain indexed UUIDs (no foreign keys): usage outlives deleted accounts.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Double, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from llm_gateway.models.base import Base, UUIDPrimaryKeyMixin

# Rollup rows use this id for "no user" / "no key" (NULL cannot be part of a primary key).
NO_ID = uuid.UUID(int=0)
METRIC_LATENCY = 0
METRIC_TTFT = 1


class UsageRecord(UUIDPrimaryKeyMixin, Base):
    """One upstream call (or agent run, or /chat turn) as billed and observed."""

    __tablename__ = "usage_records"
    __table_args__ = (
        Index("ix_usage_records_created_at", "created_at"),
        Index("ix_usage_records_user_id_created_at", "user_id", "created_at"),
        Index("ix_usage_records_api_key_id_created_at", "api_key_id", "created_at"),
        Index("ix_usage_records_request_id", "request_id"),
    )

    created_at: Mapped[datetime] = mapped_column(nullable=False)
    request_id: Mapped[str] = mapped_column(String(128), nullable=False)
    user_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    source: Mapped[str] = mapped_column(String(16), nullable=False)  # proxy | agent | chat
    endpoint: Mapped[str] = mapped_column(String(128), nullable=False)
    alias: Mapped[str] = mapped_column(String(128), nullable=False)
    deployment: Mapped[str | None] = mapped_column(String(255), nullable=True)
    provider: Mapped[str | None] = mapped_column(String(32), nullable=True)
    intent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prompt_tokens: Mapped[int] = mapped_column(nullable=False, default=0)
    completion_tokens: Mapped[int] = mapped_column(nullable=False, default=0)
    cached_tokens: Mapped[int] = mapped_column(nullable=False, default=0)  # prompt-cache reads
    # Prompt tokens written to the provider's prompt cache (Anthropic), part of prompt_tokens.
    cache_write_tokens: Mapped[int] = mapped_column(nullable=False, default=0, server_default="0")
    tokens_estimated: Mapped[bool] = mapped_column(nullable=False, default=False)
    cost_usd: Mapped[float] = mapped_column(Double, nullable=False, default=0.0)
    latency_ms: Mapped[float] = mapped_column(Double, nullable=False)
    ttft_ms: Mapped[float | None] = mapped_column(Double, nullable=True)
    latency_bucket: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    ttft_bucket: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    status_code: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cache_hit: Mapped[bool] = mapped_column(nullable=False, default=False)
    stream: Mapped[bool] = mapped_column(nullable=False, default=False)


class UsageSums:
    """The summed columns every rollup table carries."""

    requests: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    errors: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    cache_hits: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    prompt_tokens: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    completion_tokens: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    cached_tokens: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    cache_write_tokens: Mapped[int] = mapped_column(
        BigInteger, nullable=False, default=0, server_default="0"
    )
    cost_usd: Mapped[float] = mapped_column(Double, nullable=False, default=0.0)
    latency_ms_sum: Mapped[float] = mapped_column(Double, nullable=False, default=0.0)


class UsageDaily(UsageSums, Base):
    """Per UTC day, user, key and alias: the finest rollup (per-key and per-user reports)."""

    __tablename__ = "usage_daily"
    __table_args__ = (Index("ix_usage_daily_user_id_day", "user_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    api_key_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    alias: Mapped[str] = mapped_column(String(128), primary_key=True)


class UsageDailyModel(UsageSums, Base):
    """Per UTC day and alias: totals, per-model and per-day reports in a few hundred rows."""

    __tablename__ = "usage_daily_model"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    alias: Mapped[str] = mapped_column(String(128), primary_key=True)


class UsageDailyUser(UsageSums, Base):
    """Per UTC day and user: top users and per-user totals without the key/alias fan-out."""

    __tablename__ = "usage_daily_user"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


# The summed columns, and each rollup table with the columns it is keyed by: shared by the
# Python fold (repositories/usage.py) and PostgreSQL's one-statement batch (usage_pg.py).
SUMMED = (
    "requests",
    "errors",
    "cache_hits",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "cost_usd",
    "latency_ms_sum",
    "cache_write_tokens",
)
ROLLUPS: tuple[tuple[type[UsageSums], tuple[str, ...]], ...] = (
    (UsageDaily, ("day", "user_id", "api_key_id", "alias")),
    (UsageDailyModel, ("day", "alias")),
    (UsageDailyUser, ("day", "user_id")),
)


class UsageLatencyDaily(Base):
    """Per UTC day: how many calls fell in each latency (or TTFT) histogram bucket."""

    __tablename__ = "usage_latency_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    metric: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # METRIC_*
    bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class UsageDeadLetter(UUIDPrimaryKeyMixin, Base):
    """A usage record the database refused on its own (a "poison" record), kept for an admin.

    ``payload`` is the record as JSON text (not JSONB: PostgreSQL's JSONB refuses ``\\u0000``),
    so whatever made the row unstorable survives here for inspection.
    """

    __tablename__ = "usage_dead_letters"
    __table_args__ = (Index("ix_usage_dead_letters_created_at", "created_at"),)

    created_at: Mapped[datetime] = mapped_column(nullable=False)
    request_id: Mapped[str] = mapped_column(String(128), nullable=False)
    error: Mapped[str] = mapped_column(String(500), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
