"""Guardrail refusals as the usage records show them: counted per day, endpoint and code."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.models.usage import UsageRecord

BLOCK_CODES = ("guardrail_blocked", "guardrail_output_blocked")


async def blocked_by_day(
    session: AsyncSession, since: datetime
) -> list[tuple[date | str, str, str, int]]:
    """(day, endpoint, error code, count) for guardrail refusals since ``since``, oldest first."""
    day = func.date(UsageRecord.created_at)
    rows = await session.execute(
        select(day, UsageRecord.endpoint, UsageRecord.error_code, func.count())
        .where(UsageRecord.created_at >= since, UsageRecord.error_code.in_(BLOCK_CODES))
        .group_by(day, UsageRecord.endpoint, UsageRecord.error_code)
        .order_by(day, UsageRecord.endpoint, UsageRecord.error_code)
    )
    return [(d, str(e), str(c), int(n)) for d, e, c, n in rows.all()]
