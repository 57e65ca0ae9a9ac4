"""Queries for conversations and messages; every read of a conversation is scoped to its owner."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.models.base import utcnow
from llm_gateway.models.conversation import Conversation, Message


async def create_conversation(
    session: AsyncSession, *, owner_id: uuid.UUID, title: str | None, model: str | None
) -> Conversation:
    conversation = Conversation(owner_id=owner_id, title=title, model=model)
    session.add(conversation)
    await session.flush()
    return conversation


async def get_owned(
    session: AsyncSession, conversation_id: uuid.UUID, owner_id: uuid.UUID
) -> Conversation | None:
    """The conversation if ``owner_id`` owns it; None for unknown and foreign ids alike."""
    result = await session.execute(
        select(Conversation).where(
            Conversation.id == conversation_id, Conversation.owner_id == owner_id
        )
    )
    return result.scalar_one_or_none()


async def get_by_id(session: AsyncSession, conversation_id: uuid.UUID) -> Conversation | None:
    """Unscoped lookup for background jobs that already hold a checked id."""
    return await session.get(Conversation, conversation_id)


async def list_owned(
    session: AsyncSession,
    owner_id: uuid.UUID,
    *,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None = None,
    search: str | None = None,
    archived: bool | None = False,
) -> list[Conversation]:
    """Newest activity first, keyset-paginated on (last_activity_at, id) after ``after``."""
    query = select(Conversation).where(Conversation.owner_id == owner_id)
    if archived is not None:
        query = query.where(Conversation.archived == archived)
    if search:
        query = query.where(Conversation.title.icontains(search, autoescape=True))
    if after is not None:
        at, last_id = after
        query = query.where(
            or_(
                Conversation.last_activity_at < at,
                and_(Conversation.last_activity_at == at, Conversation.id < last_id),
            )
        )
    query = query.order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
    result = await session.execute(query.limit(limit))
    return list(result.scalars())


async def delete_conversation(session: AsyncSession, conversation: Conversation) -> None:
    """Hard delete; messages go with it (explicitly, so SQLite without FK pragmas agrees)."""
    await session.execute(delete(Message).where(Message.conversation_id == conversation.id))
    await session.delete(conversation)
    await session.flush()


async def append_message(
    session: AsyncSession, conversation_id: uuid.UUID, **fields: Any
) -> Message:
    """Store a message at the conversation's next ``seq`` and bump its activity time.

    The counter is incremented in the database (``UPDATE ... RETURNING``), so two writers to the
    same conversation serialize on its row instead of reusing a position.
    """
    now = utcnow()
    result = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(message_count=Conversation.message_count + 1, last_activity_at=now)
        .returning(Conversation.message_count)
        .execution_options(synchronize_session=False)
    )
    seq = result.scalar_one()
    message = Message(conversation_id=conversation_id, seq=seq, created_at=now, **fields)
    session.add(message)
    await session.flush()
    return message


async def list_messages(
    session: AsyncSession, conversation_id: uuid.UUID, *, after_seq: int, limit: int
) -> list[Message]:
    """Messages in order, starting after position ``after_seq``."""
    result = await session.execute(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
        .order_by(Message.seq)
        .limit(limit)
    )
    return list(result.scalars())


async def recent_messages(
    session: AsyncSession, conversation_id: uuid.UUID, *, after_seq: int, limit: int
) -> list[Message]:
    """The newest ``limit`` messages after ``after_seq``, returned oldest first."""
    result = await session.execute(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
        .order_by(Message.seq.desc())
        .limit(limit)
    )
    return list(reversed(list(result.scalars())))


async def first_messages(
    session: AsyncSession, conversation_id: uuid.UUID, *, limit: int
) -> list[Message]:
    return await list_messages(session, conversation_id, after_seq=0, limit=limit)


async def set_title_if_empty(session: AsyncSession, conversation_id: uuid.UUID, title: str) -> bool:
    """Set a generated title unless the conversation has one (a user's rename always wins)."""
    result = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.title.is_(None))
        .values(title=title)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def set_summary(
    session: AsyncSession,
    conversation_id: uuid.UUID,
    *,
    summary: str,
    through_seq: int,
    expected_through_seq: int,
) -> bool:
    """Replace the summary only if nobody moved it since it was read (optimistic check)."""
    result = await session.execute(
        update(Conversation)
        .where(
            Conversation.id == conversation_id,
            Conversation.summary_through_seq == expected_through_seq,
        )
        .values(summary=summary, summary_through_seq=through_seq)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
