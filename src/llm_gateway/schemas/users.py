"""Request and response shapes of /users/me: the profile, password change and API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, SecretStr, model_validator

from llm_gateway.schemas.auth import PASSWORD_FIELD_MAX

Scope = Literal["chat", "embeddings", "admin"]


def _default_scopes() -> list[Scope]:
    return ["chat", "embeddings"]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserOut(BaseModel):
    """A user as the API shows it: never the password hash."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    display_name: str | None
    role: Literal["user", "admin"]
    tier: str  # one of the configured quota tiers
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class UserUpdate(_Request):
    """Profile changes; changing the e-mail needs the current password."""

    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    email: EmailStr | None = None
    current_password: SecretStr | None = Field(default=None, max_length=PASSWORD_FIELD_MAX)


class PasswordChangeRequest(_Request):
    current_password: SecretStr = Field(max_length=PASSWORD_FIELD_MAX)
    new_password: SecretStr = Field(max_length=PASSWORD_FIELD_MAX)


class ApiKeyCreate(_Request):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(default_factory=_default_scopes, min_length=1)
    expires_at: datetime | None = Field(default=None, description="Absolute expiry (UTC)")
    expires_in_days: int | None = Field(default=None, ge=1, le=3650, strict=True)

    @model_validator(mode="after")
    def _one_expiry(self) -> ApiKeyCreate:
        if self.expires_at is not None and self.expires_in_days is not None:
            raise ValueError("give expires_at or expires_in_days, not both")
        if self.expires_at is not None and self.expires_at.tzinfo is None:
            raise ValueError("expires_at must include a timezone")
        return self


class ApiKeyOut(BaseModel):
    """An API key as listings show it: the visible prefix only, never the secret or its hash."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str = Field(description="The first characters of the key, e.g. sk-gw-ab12cd34")
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    cache_shared: bool = Field(
        default=False, description="Set by an admin: answers cached in the shared namespace"
    )


class ApiKeyCreated(ApiKeyOut):
    """Returned once, at creation: ``key`` is the full secret and cannot be shown again."""

    key: str
