"""Queries on API keys."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.models.api_key import ApiKey
from llm_gateway.models.user import User
from llm_gateway.repositories.admin import contains_pattern


async def add(session: AsyncSession, key: ApiKey) -> ApiKey:
    session.add(key)
    await session.flush()
    return key


async def list_for_user(
    session: AsyncSession, user_id: uuid.UUID, *, include_revoked: bool
) -> Sequence[ApiKey]:
    query = select(ApiKey).where(ApiKey.user_id == user_id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    result = await session.execute(query.order_by(ApiKey.created_at.desc(), ApiKey.id))
    return result.scalars().all()


async def get_for_user(
    session: AsyncSession, user_id: uuid.UUID, key_id: uuid.UUID
) -> ApiKey | None:
    """The key only if ``user_id`` owns it: ownership is part of the query, not a later check."""
    result = await session.execute(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def count_live_for_user(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(ApiKey)
        .where(
            ApiKey.user_id == user_id,
            ApiKey.revoked_at.is_(None),
            or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
        )
    )
    return int(result.scalar_one())


async def get_with_user_by_hash(session: AsyncSession, key_hash: str) -> tuple[ApiKey, User] | None:
    """The key with this hash and its owner, in one indexed query (the cache-miss path)."""
    result = await session.execute(
        select(ApiKey, User)
        .join(User, User.id == ApiKey.user_id)
        .where(ApiKey.key_hash == key_hash)
    )
    row = result.first()
    return (row[0], row[1]) if row is not None else None


async def revoke_all_for_user(
    session: AsyncSession, user_id: uuid.UUID, now: datetime
) -> list[str]:
    """Revoke every live key of ``user_id``; returns their hashes (for cache invalidation)."""
    result = await session.execute(
        select(ApiKey.key_hash).where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
    )
    hashes = list(result.scalars().all())
    if hashes:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
            .values(revoked_at=now, updated_at=now)
        )
    return hashes


async def record_last_used(session: AsyncSession, stamps: Mapping[uuid.UUID, datetime]) -> None:
    """Set ``last_used_at`` for many keys in one executemany; never moves a stamp backwards."""
    if not stamps:
        return
    table = cast(Table, ApiKey.__table__)
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("key_id"),
            or_(table.c.last_used_at.is_(None), table.c.last_used_at < bindparam("used_at")),
        )
        # Keep updated_at for changes people make; usage is not one.
        .values(last_used_at=bindparam("used_at"), updated_at=table.c.updated_at)
    )
    await session.execute(
        statement, [{"key_id": key_id, "used_at": at} for key_id, at in stamps.items()]
    )


async def page_all(
    session: AsyncSession, *, query: str | None, limit: int, offset: int
) -> tuple[Sequence[tuple[ApiKey, str]], int]:
    """Every user's keys with the owner's e-mail, newest first (``query``: part of e-mail/name)."""
    where = []
    if query:
        pattern = contains_pattern(query)
        where.append(
            or_(
                User.email_normalized.like(pattern, escape="\\"),
                func.lower(ApiKey.name).like(pattern, escape="\\"),
            )
        )
    base = select(ApiKey, User.email).join(User, User.id == ApiKey.user_id).where(*where)
    total = await session.execute(select(func.count()).select_from(base.subquery()))
    result = await session.execute(
        base.order_by(ApiKey.created_at.desc(), ApiKey.id).limit(limit).offset(offset)
    )
    return [(key, email) for key, email in result.all()], int(total.scalar_one())
