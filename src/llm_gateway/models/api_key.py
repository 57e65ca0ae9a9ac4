"""User API keys: only a keyed hash of the secret is stored, plus a visible prefix."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from llm_gateway.models.base import Base, TimestampMixin, UUIDPrimaryKeyMixin


class ApiKey(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A long-lived credential owned by a user, limited by ``scopes`` and an optional expiry.

    Revocation sets ``revoked_at``; the row stays so listings and audits keep its history.
    """

    __tablename__ = "api_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(32))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # Set by an admin only: this key's cached answers live in the shared namespace (see
    # docs/CACHE.md); off, they stay in the owner's own.
    cache_shared: Mapped[bool] = mapped_column(default=False, server_default=false())
