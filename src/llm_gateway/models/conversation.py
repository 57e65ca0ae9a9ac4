"""Conversations and their messages: the persistent multi-turn history behind /chat."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from llm_gateway.models.base import Base, TimestampMixin, UUIDPrimaryKeyMixin, utcnow

MESSAGE_ROLES = ("system", "user", "assistant", "tool")
MESSAGE_STATUSES = ("complete", "partial", "error")


class Conversation(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """One user's thread of messages.

    ``owner_id`` is the owning user (deleting the user deletes their conversations); every query
    filters on it. ``summary`` condenses the messages with
    ``seq <= summary_through_seq``, which later context windows no longer load verbatim.
    ``message_count`` doubles as the last assigned ``Message.seq``.
    """

    __tablename__ = "conversations"
    __table_args__ = (
        # "My conversations, most recent activity first" (keyset pagination on the same columns).
        Index("ix_conversations_owner_activity", "owner_id", "last_activity_at", "id"),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(128))  # preferred alias or "auto"
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    summary: Mapped[str | None] = mapped_column(Text)
    summary_through_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    message_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_activity_at: Mapped[datetime] = mapped_column(
        default=utcnow, server_default=func.current_timestamp(), nullable=False
    )


class Message(UUIDPrimaryKeyMixin, Base):
    """One turn's message; ``seq`` orders a conversation's messages (1, 2, 3, ...).

    Assistant messages that called tools carry OpenAI-shaped ``tool_calls``; each result is a
    ``tool`` message naming its ``tool_call_id``. ``token_count`` is the content's size in the
    tokenizer of the model it was counted for, so trimming does not re-tokenize history.
    """

    __tablename__ = "messages"
    __table_args__ = (
        # "Messages of a conversation in order": the unique key is also the ordered index.
        UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
        CheckConstraint(f"role IN {MESSAGE_ROLES!r}", name="role"),
        CheckConstraint(f"status IN {MESSAGE_STATUSES!r}", name="status"),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False, default="")
    tool_calls: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    tool_call_id: Mapped[str | None] = mapped_column(String(128))
    token_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    model: Mapped[str | None] = mapped_column(String(128))  # alias that answered
    deployment: Mapped[str | None] = mapped_column(String(256))
    usage: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # tokens and cost of the call
    status: Mapped[str] = mapped_column(String(16), default="complete", nullable=False)
    error: Mapped[str | None] = mapped_column(Text)  # "code: message" when status != complete
    created_at: Mapped[datetime] = mapped_column(
        default=utcnow, server_default=func.current_timestamp(), nullable=False
    )
