"""The console's login session: the access-token cookie resolved to a Principal, refreshed when due.

Pages call ``page_session``: a valid access cookie gives the principal; an expired one is
rotated with the refresh cookie (the same rotating family as ``POST /auth/refresh``) and the new
pair is set on the page's response. The API bridge never refreshes on its own (parallel fetches
would spend one refresh token twice, which revokes the family): the scripts call
``POST /ui/auth/refresh`` once and retry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection
from starlette.responses import Response

from llm_gateway.console import cookies
from llm_gateway.core.exceptions import AuthenticationError, PermissionDeniedError
from llm_gateway.repositories import auth_tokens as tokens_repo
from llm_gateway.schemas.auth import TokenResponse
from llm_gateway.services.auth import sessions
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.auth.resolve import resolve_access_token
from llm_gateway.state import STATE_KEY, AppState


def app_state(connection: HTTPConnection) -> AppState:
    state: AppState = getattr(connection.state, STATE_KEY)
    return state


@dataclass
class PageSession:
    """Who is looking at the page, and cookies to set on its response."""

    principal: Principal | None
    refreshed: TokenResponse | None = None
    expired: bool = False  # cookies were present but dead: clear them
    secure: bool = False
    csrf: str = ""
    set_csrf: bool = False
    lang: str = "en"
    set_lang: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def user(self) -> Principal:
        """The signed-in principal (pages behind ``SignedInDep``/``AdminDep`` always have one)."""
        if self.principal is None:
            raise AuthenticationError("Sign in first", code="session_expired")
        return self.principal

    def apply(self, response: Response) -> Response:
        """Write the cookies this session changed onto ``response``."""
        if self.refreshed is not None:
            cookies.set_session(response, self.refreshed, secure=self.secure)
        elif self.expired:
            cookies.clear_session(response, secure=self.secure)
        if self.set_csrf:
            cookies.set_csrf(response, self.csrf, secure=self.secure)
        if self.set_lang:
            cookies.set_lang(response, self.lang, secure=self.secure)
        return response


async def access_principal(connection: HTTPConnection) -> Principal | None:
    """The principal of the access cookie, or None when it is missing, expired or revoked."""
    token = connection.cookies.get(cookies.ACCESS)
    if not token:
        return None
    try:
        return await resolve_access_token(app_state(connection).auth, token)
    except (AuthenticationError, PermissionDeniedError):
        return None


async def refresh_principal(
    connection: HTTPConnection, session: AsyncSession
) -> tuple[Principal, TokenResponse] | None:
    """Rotate the refresh cookie into a new pair; None when it is missing or refused."""
    refresh = connection.cookies.get(cookies.REFRESH)
    if not refresh or len(refresh) > 256:
        return None
    auth = app_state(connection).auth
    try:
        tokens = await sessions.refresh(session, auth, refresh_token=refresh)
        await session.commit()  # the rotation must persist even if the page then fails
        return await resolve_access_token(auth, tokens.access_token), tokens
    except (AuthenticationError, PermissionDeniedError):
        await session.rollback()
        return None


async def revoke_refresh_cookie(connection: HTTPConnection, session: AsyncSession) -> None:
    """Logout without a live access token: revoke the refresh cookie's family."""
    refresh = connection.cookies.get(cookies.REFRESH)
    if not refresh or len(refresh) > 256:
        return
    auth = app_state(connection).auth
    token = await tokens_repo.get_refresh_by_hash(session, auth.hash_secret(refresh))
    if token is not None:
        await tokens_repo.revoke_family(session, token.family_id, datetime.now(UTC), "logout")
