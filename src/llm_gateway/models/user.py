"""User accounts: identity, password hash, role, tier and the active flag.

Roles are fixed (a check constraint); tiers are the names configured in ``QuotaSettings`` and are
checked by the services that write them (``services/quotas/tiers.py``), not by the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import Boolean, CheckConstraint, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from llm_gateway.core.config import TIER_NAME_MAX_LENGTH
from llm_gateway.models.base import Base, TimestampMixin, UUIDPrimaryKeyMixin

UserRole = Literal["user", "admin"]
USER_ROLES: tuple[str, ...] = get_args(UserRole)


def normalize_email(email: str) -> str:
    """The form uniqueness is checked on: trimmed and lowercased (same on every backend)."""
    return email.strip().lower()


class User(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """One account. ``email_normalized`` carries the case-insensitive uniqueness."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('user', 'admin')", name="role"),)

    email: Mapped[str] = mapped_column(String(320))
    email_normalized: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), default="user", server_default="user")
    tier: Mapped[str] = mapped_column(
        String(TIER_NAME_MAX_LENGTH), default="free", server_default="free"
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Bumped on password change/reset: access tokens carrying an older value stop working.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_login_at: Mapped[datetime | None]
