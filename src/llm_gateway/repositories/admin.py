"""Admin queries: usage aggregates (rollups for whole days, raw rows for the edges), user search."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.models.usage import (
    UsageDaily,
    UsageDailyModel,
    UsageDailyUser,
    UsageLatencyDaily,
    UsageRecord,
    UsageSums,
)
from llm_gateway.models.user import User
from llm_gateway.repositories.usage import sum_columns, use_custom_plans

# Group-by names of the admin API → column names on the rollups.
GROUP_COLUMNS = {"day": "day", "model": "alias", "user": "user_id", "key": "api_key_id"}
RAW_GROUPS: dict[str, Any] = {"user": UsageRecord.user_id, "model": UsageRecord.alias}


def rollup_for(dims: Iterable[str]) -> type[UsageSums]:
    """The smallest rollup table holding every dimension in ``dims``."""
    wanted = set(dims)
    if wanted <= {"day", "model"}:
        return UsageDailyModel
    if wanted <= {"day", "user"}:
        return UsageDailyUser
    return UsageDaily


def _column(model: type[UsageSums], group: str) -> Any:
    return getattr(model, GROUP_COLUMNS[group])


def raw_sums() -> list[ColumnElement[Any]]:
    """The same eight sums as ``repositories.usage.sum_columns``, over raw rows."""
    is_error = (UsageRecord.status_code >= 400) | UsageRecord.error_code.is_not(None)
    return [
        func.count(),
        func.coalesce(func.sum(case((is_error, 1), else_=0)), 0),
        func.coalesce(func.sum(UsageRecord.prompt_tokens), 0),
        func.coalesce(func.sum(UsageRecord.completion_tokens), 0),
        func.coalesce(func.sum(UsageRecord.cached_tokens), 0),
        func.coalesce(func.sum(UsageRecord.cost_usd), 0.0),
        func.coalesce(func.sum(UsageRecord.latency_ms), 0.0),
        func.coalesce(func.sum(UsageRecord.cache_write_tokens), 0),
    ]


def _rollup_where(model: type[UsageSums], start: date, end: date) -> list[ColumnElement[bool]]:
    day = _column(model, "day")
    return [day >= start, day <= end]


def _raw_where(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [UsageRecord.created_at >= start, UsageRecord.created_at < end]


async def usage_groups(
    session: AsyncSession,
    *,
    start: date,
    end: date,
    group_by: Sequence[str],
    filters: dict[str, Any],
    limit: int | None,
    offset: int,
) -> tuple[list[Sequence[Any]], int]:
    """Rollup aggregates for days ``start``..``end`` grouped by ``group_by``; rows and group count.

    ``filters`` maps a group name (user, key, model) to the value it must equal.
    """
    await use_custom_plans(session)
    model = rollup_for([*group_by, *filters])
    columns = [_column(model, g) for g in group_by]
    where = _rollup_where(model, start, end) + [_column(model, k) == v for k, v in filters.items()]
    if not columns:
        row = (await session.execute(select(*sum_columns(model)).where(*where))).one()
        return [tuple(row)], 1
    # The group count rides along as a window over the groups: one aggregation, not two.
    stmt: Select[Any] = (
        select(*columns, *sum_columns(model), func.count().over())
        .where(*where)
        .group_by(*columns)
        .order_by(*columns)
    )
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    rows = (await session.execute(stmt)).all()
    if rows:
        return [tuple(r)[:-1] for r in rows], int(rows[0][-1])
    total_stmt = select(func.count()).select_from(
        select(*columns).where(*where).group_by(*columns).subquery()
    )
    return [], int((await session.execute(total_stmt)).scalar_one())


async def rollup_by(
    session: AsyncSession, start: date, end: date, group: str | None
) -> list[Sequence[Any]]:
    """Rollup sums for whole days, overall (``group`` None) or per user / per model."""
    model = rollup_for([] if group is None else [group])
    cols = [] if group is None else [_column(model, group)]
    stmt = select(*cols, *sum_columns(model)).where(*_rollup_where(model, start, end))
    if cols:
        stmt = stmt.group_by(*cols)
    return [tuple(r) for r in (await session.execute(stmt)).all()]


async def raw_by(
    session: AsyncSession, start: datetime, end: datetime, group: str | None
) -> list[Sequence[Any]]:
    """Raw-row sums for a time range, overall or per user / per model."""
    cols = [] if group is None else [RAW_GROUPS[group]]
    stmt = select(*cols, *raw_sums()).where(*_raw_where(start, end))
    if cols:
        stmt = stmt.group_by(*cols)
    return [tuple(r) for r in (await session.execute(stmt)).all()]


async def rollup_histogram(
    session: AsyncSession, start: date, end: date, metric: int
) -> dict[int, int]:
    stmt = (
        select(UsageLatencyDaily.bucket, func.sum(UsageLatencyDaily.count))
        .where(
            UsageLatencyDaily.day >= start,
            UsageLatencyDaily.day <= end,
            UsageLatencyDaily.metric == metric,
        )
        .group_by(UsageLatencyDaily.bucket)
    )
    return {int(b): int(c) for b, c in (await session.execute(stmt)).all()}


async def raw_histogram(
    session: AsyncSession, start: datetime, end: datetime, ttft: bool
) -> dict[int, int]:
    column: Any = UsageRecord.ttft_bucket if ttft else UsageRecord.latency_bucket
    stmt = (
        select(column, func.count())
        .where(*_raw_where(start, end), column.is_not(None))
        .group_by(column)
    )
    return {int(b): int(c) for b, c in (await session.execute(stmt)).all()}


async def raw_percentiles(
    session: AsyncSession, start: datetime, end: datetime, ttft: bool, fractions: Sequence[float]
) -> list[float | None]:
    """Exact continuous percentiles: ``percentile_cont`` on PostgreSQL, in Python on SQLite."""
    column: Any = UsageRecord.ttft_ms if ttft else UsageRecord.latency_ms
    where = [*_raw_where(start, end), column.is_not(None)]
    if session.get_bind().dialect.name == "postgresql":
        stmt = select(
            *(func.percentile_cont(f).within_group(column.asc()) for f in fractions)
        ).where(*where)
        row = (await session.execute(stmt)).one()
        return [None if v is None else float(v) for v in row]
    values = [float(v) for v in (await session.scalars(select(column).where(*where))).all()]
    return [interpolate(sorted(values), f) for f in fractions]


def interpolate(values: Sequence[float], fraction: float) -> float | None:
    """``percentile_cont`` over sorted ``values``: linear between the two nearest ranks."""
    if not values:
        return None
    position = fraction * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


async def user_emails(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.email).where(User.id.in_(ids)))
    return {r[0]: r[1] for r in rows.all()}


def contains_pattern(query: str) -> str:
    """A case-folded LIKE pattern matching ``query`` anywhere (use with ``escape="\\"``)."""
    escaped = query.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_users(
    session: AsyncSession,
    *,
    query: str | None,
    role: str | None,
    tier: str | None,
    is_active: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[User], int]:
    """Users matching every given filter (``query`` in e-mail or name), newest first."""
    where: list[ColumnElement[bool]] = []
    if query:
        pattern = contains_pattern(query)
        where.append(
            or_(
                User.email_normalized.like(pattern, escape="\\"),
                func.lower(func.coalesce(User.display_name, "")).like(pattern, escape="\\"),
            )
        )
    if role is not None:
        where.append(User.role == role)
    if tier is not None:
        where.append(User.tier == tier)
    if is_active is not None:
        where.append(User.is_active.is_(is_active))
    total = int(
        (await session.execute(select(func.count()).select_from(User).where(*where))).scalar_one()
    )
    stmt = (
        select(User)
        .where(*where)
        .order_by(User.created_at.desc(), User.id)
        .limit(limit)
        .offset(offset)
    )
    return list((await session.scalars(stmt)).all()), total
