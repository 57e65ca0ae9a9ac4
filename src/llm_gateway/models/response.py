"""Stored Responses API responses: what ``previous_response_id`` and ``GET /v1/responses`` read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from llm_gateway.models.base import Base, utcnow


class StoredResponse(Base):
    """One response created with ``store`` (the default), readable only by its owner.

    ``owner_id`` is the calling user (None for the bootstrap master key); every query filters on
    it, so another user's id answers 404 like an unknown one. ``body`` is the response resource
    as returned; ``messages`` is the canonical conversation up to and including this response's
    output (without ``instructions``, which do not carry over), what a follow-up continues from.
    """

    __tablename__ = "responses"
    __table_args__ = (Index("ix_responses_owner_created", "owner_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True
    )
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    model: Mapped[str] = mapped_column(String(128), nullable=False)
    previous_response_id: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        default=utcnow, server_default=func.current_timestamp(), nullable=False
    )
