"""Queries for stored responses; every read and delete is scoped to the owner."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.models.response import StoredResponse


def _owned(response_id: str, owner_id: uuid.UUID | None) -> list[ColumnElement[bool]]:
    owner = (
        StoredResponse.owner_id.is_(None)
        if owner_id is None
        else StoredResponse.owner_id == owner_id
    )
    return [StoredResponse.id == response_id, owner]


async def add(session: AsyncSession, response: StoredResponse) -> None:
    session.add(response)
    await session.flush()


async def get_owned(
    session: AsyncSession, response_id: str, owner_id: uuid.UUID | None
) -> StoredResponse | None:
    """The response if ``owner_id`` owns it; None for unknown and foreign ids alike."""
    result = await session.execute(select(StoredResponse).where(*_owned(response_id, owner_id)))
    return result.scalar_one_or_none()


async def delete_owned(session: AsyncSession, response_id: str, owner_id: uuid.UUID | None) -> bool:
    """Delete the response if ``owner_id`` owns it; False when there was none to delete."""
    result = await session.execute(delete(StoredResponse).where(*_owned(response_id, owner_id)))
    return bool(getattr(result, "rowcount", 0))
