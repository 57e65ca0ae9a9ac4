"""Usage records the database refused on their own: stored for an admin, listed newest first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.models.usage import UsageDeadLetter


async def insert(session: AsyncSession, letters: Sequence[dict[str, Any]]) -> None:
    """Store dead letters (dicts with created_at, request_id, error, payload)."""
    session.add_all(UsageDeadLetter(**letter) for letter in letters)
    await session.flush()


async def page(
    session: AsyncSession, *, limit: int, offset: int
) -> tuple[int, list[UsageDeadLetter]]:
    """The total count and one page of dead letters, newest first."""
    total = (await session.execute(select(func.count()).select_from(UsageDeadLetter))).scalar_one()
    rows = await session.execute(
        select(UsageDeadLetter)
        .order_by(UsageDeadLetter.created_at.desc(), UsageDeadLetter.id)
        .limit(limit)
        .offset(offset)
    )
    return int(total), list(rows.scalars().all())
