"""Request and response shapes of /auth: registration, login, tokens, password reset."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, SecretStr

# Generous bounds: the policy (422 naming the rule) decides, these only stop absurd bodies.
PASSWORD_FIELD_MAX = 4096


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterRequest(_Request):
    email: EmailStr
    password: SecretStr = Field(max_length=PASSWORD_FIELD_MAX)
    display_name: str | None = Field(default=None, min_length=1, max_length=100)


class LoginRequest(_Request):
    """JSON login. The e-mail is not format-checked: a typo gets the same 401 as a bad password."""

    email: str = Field(min_length=1, max_length=320)
    password: SecretStr = Field(max_length=PASSWORD_FIELD_MAX)


class TokenResponse(BaseModel):
    """OAuth2-style token response (RFC 6749 §5.1), with the rotating refresh token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_token: str
    refresh_expires_in: int = Field(description="Seconds until the refresh token expires")


class RefreshRequest(_Request):
    refresh_token: str = Field(min_length=1, max_length=256)


class LogoutRequest(_Request):
    all_sessions: bool = Field(
        default=False, description="Sign out every session of this user, not only this one"
    )


class ForgotPasswordRequest(_Request):
    email: EmailStr


class ResetPasswordRequest(_Request):
    token: str = Field(min_length=1, max_length=256)
    new_password: SecretStr = Field(max_length=PASSWORD_FIELD_MAX)


class AcceptedResponse(BaseModel):
    detail: str
