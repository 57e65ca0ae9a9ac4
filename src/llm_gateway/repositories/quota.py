"""Quota override queries: read them all (for the in-memory cache), read one, upsert one."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.models.quota import QuotaOverride

SubjectType = Literal["user", "key"]


async def all_overrides(session: AsyncSession) -> Sequence[QuotaOverride]:
    return (await session.execute(select(QuotaOverride))).scalars().all()


async def get_override(
    session: AsyncSession, subject_type: SubjectType, subject_id: uuid.UUID
) -> QuotaOverride | None:
    result = await session.execute(
        select(QuotaOverride).where(
            QuotaOverride.subject_type == subject_type, QuotaOverride.subject_id == subject_id
        )
    )
    return result.scalar_one_or_none()


async def overrides_for(
    session: AsyncSession, subject_type: SubjectType, subject_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, QuotaOverride]:
    if not subject_ids:
        return {}
    result = await session.execute(
        select(QuotaOverride).where(
            QuotaOverride.subject_type == subject_type,
            QuotaOverride.subject_id.in_(subject_ids),
        )
    )
    return {row.subject_id: row for row in result.scalars()}


async def upsert_override(
    session: AsyncSession,
    subject_type: SubjectType,
    subject_id: uuid.UUID,
    changes: Mapping[str, Any],
) -> QuotaOverride | None:
    """Apply ``changes`` (None clears a field); delete the row when nothing is left set."""
    row = await get_override(session, subject_type, subject_id)
    created = row is None
    if row is None:
        row = QuotaOverride(subject_type=subject_type, subject_id=subject_id)
    for name, value in changes.items():
        setattr(row, name, value)
    if all(getattr(row, name) is None for name in OVERRIDE_FIELDS):
        if not created:
            await session.delete(row)
            await session.flush()
        return None
    if created:
        session.add(row)
    await session.flush()
    return row


OVERRIDE_FIELDS = (
    "requests_per_minute",
    "tokens_per_minute",
    "tokens_per_day",
    "monthly_budget_usd",
    "max_concurrent",
    "allowed_model_tiers",
    "allowed_aliases",
    "guardrails",
)
