"""Login sessions: password login, rotating refresh tokens with reuse detection, logout.

A login starts a refresh-token *family* (stored in the database, so sessions survive restarts
and work without Redis). Each refresh spends the presented token and issues its successor in the
same family; presenting a spent token again means it was copied, so the whole family is revoked
and its access tokens are put on the store's deny-list until they expire.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.core.database import session_scope
from llm_gateway.core.exceptions import AuthenticationError, PermissionDeniedError
from llm_gateway.core.logging import get_logger
from llm_gateway.models.auth_tokens import RefreshToken
from llm_gateway.models.user import User, normalize_email
from llm_gateway.repositories import auth_tokens as tokens_repo
from llm_gateway.repositories import users as users_repo
from llm_gateway.schemas.auth import TokenResponse
from llm_gateway.services.auth.abuse import LoginLimits
from llm_gateway.services.auth.credentials import new_refresh_token
from llm_gateway.services.auth.denylist import deny_session, deny_token
from llm_gateway.services.auth.principal import Principal, account_disabled_error
from llm_gateway.services.auth.runtime import AuthRuntime

LOGIN_ACTION = "login"
_log = get_logger("llm_gateway.auth")


def _invalid_login() -> AuthenticationError:
    # One message for unknown e-mail and wrong password alike.
    return AuthenticationError("Invalid e-mail or password", code="invalid_credentials")


def _invalid_refresh(code: str = "invalid_refresh_token") -> AuthenticationError:
    return AuthenticationError("Invalid or expired refresh token", code=code)


def login_limits(auth: AuthRuntime) -> LoginLimits:
    """The login throttle as configured."""
    security = auth.settings.security
    return LoginLimits(
        pair_limit=security.login_max_attempts,
        ip_limit=security.login_max_attempts_per_ip,
        window_s=security.login_window_s,
        free_failures=security.login_free_failures,
        max_delay_s=security.login_max_delay_s,
    )


async def count_login_attempt(
    auth: AuthRuntime, *, account: str, ip: str, action: str = LOGIN_ACTION
) -> int:
    """Count one password attempt of ``ip`` on ``account``; returns the pair's count.

    Raises:
        RateLimitError: the pair must wait, or the pair or the IP is over its limit.
    """
    return await auth.limiter.admit_login(action, account=account, ip=ip, limits=login_limits(auth))


async def count_login_failure(auth: AuthRuntime, *, account: str, ip: str, count: int) -> None:
    """The ``count``-th attempt of ``ip`` on ``account`` was wrong: slow the pair down."""
    limits = login_limits(auth)
    await auth.limiter.login_failed(
        LOGIN_ACTION, account=account, ip=ip, count=count, limits=limits
    )


def access_deny_ttl(auth: AuthRuntime) -> float:
    """How long a revoked access token must stay on the deny-list: until it expires anyway."""
    return float(auth.tokens.ttl_s + auth.tokens.leeway_s)


async def issue_tokens(
    session: AsyncSession, auth: AuthRuntime, user: User, *, family_id: uuid.UUID | None = None
) -> TokenResponse:
    """A new access token and refresh token; a new family unless ``family_id`` continues one."""
    now = datetime.now(UTC)
    family = family_id or uuid.uuid4()
    refresh = new_refresh_token()
    ttl = auth.settings.security.refresh_token_ttl_s
    await tokens_repo.add_refresh(
        session,
        RefreshToken(
            family_id=family,
            user_id=user.id,
            token_hash=auth.hash_secret(refresh),
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        ),
    )
    access, _ = auth.tokens.issue(
        user_id=user.id,
        session_id=family,
        version=user.token_version,
        role=user.role,
        tier=user.tier,
        now=now.timestamp(),
    )
    return TokenResponse(
        access_token=access,
        expires_in=auth.tokens.ttl_s,
        refresh_token=refresh,
        refresh_expires_in=ttl,
    )


async def login(
    session: AsyncSession, auth: AuthRuntime, *, email: str, password: str, client_ip: str
) -> TokenResponse:
    """Check the password (rate-limited per account and IP) and open a session."""
    normalized = normalize_email(email)
    pair = {"account": normalized, "ip": client_ip}
    count = await count_login_attempt(auth, **pair)
    user = await users_repo.get_by_email(session, normalized)
    # Unknown e-mails are verified against a dummy hash: same work, same answer.
    valid = await auth.passwords.verify(user.password_hash if user else None, password)
    if user is None or not valid:
        _log.info("login failed", user_id=str(user.id) if user else None)
        await count_login_failure(auth, **pair, count=count)
        raise _invalid_login()
    if not user.is_active:
        raise account_disabled_error()
    if auth.passwords.needs_rehash(user.password_hash):
        user.password_hash = await auth.passwords.hash(password)
    now = datetime.now(UTC)
    user.last_login_at = now
    await tokens_repo.delete_expired_for_user(session, user.id, now)
    await auth.limiter.login_succeeded(LOGIN_ACTION, **pair)
    tokens = await issue_tokens(session, auth, user)
    _log.info("login", user_id=str(user.id))
    return tokens


async def _revoke_reused_family(
    session: AsyncSession, auth: AuthRuntime, family_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Revoke a family whose spent token came back, in a transaction of its own.

    The request fails with 401, so its own session rolls back; the revocation must persist.
    That session is rolled back *first*: a lost ``mark_rotated`` race leaves it holding the
    token's row lock (PostgreSQL keeps the lock of a row that failed the recheck; SQLite the
    write lock), and the second transaction would wait on it until the statement timeout.
    """
    await session.rollback()
    async with session_scope(auth.session_factory) as own:
        await tokens_repo.revoke_family(own, family_id, datetime.now(UTC), "reuse_detected")
    await deny_session(auth.store, family_id, access_deny_ttl(auth))
    _log.warning(
        "refresh token reuse detected; session revoked",
        user_id=str(user_id),
        session_id=str(family_id),
    )


async def refresh(session: AsyncSession, auth: AuthRuntime, *, refresh_token: str) -> TokenResponse:
    """Spend ``refresh_token`` and issue its successor; reuse revokes the whole family.

    Concurrent refreshes with one token: the first to spend it wins, every other one counts as
    reuse, so the family (the winner's successor included) is revoked: never two live successors.
    """
    now = datetime.now(UTC)
    token = await tokens_repo.get_refresh_by_hash(session, auth.hash_secret(refresh_token))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise _invalid_refresh()
    if token.rotated_at is not None or not await tokens_repo.mark_rotated(session, token.id, now):
        await _revoke_reused_family(session, auth, token.family_id, token.user_id)
        raise _invalid_refresh("refresh_token_reused")
    user = await users_repo.get(session, token.user_id)
    if user is None:
        raise _invalid_refresh()
    if not user.is_active:
        raise account_disabled_error()
    return await issue_tokens(session, auth, user, family_id=token.family_id)


async def revoke_all_sessions(
    session: AsyncSession, auth: AuthRuntime, user: User, *, reason: str
) -> None:
    """End every session of ``user``: refresh families revoked, access tokens invalidated.

    Bumping ``token_version`` kills outstanding access tokens on every instance once the
    invalidation is published after commit.
    """
    await tokens_repo.revoke_all_for_user(session, user.id, datetime.now(UTC), reason)
    user.token_version += 1
    await session.flush()
    auth.invalidator.after_commit(session, user_ids=(user.id,))


async def logout(
    session: AsyncSession, auth: AuthRuntime, principal: Principal, *, all_sessions: bool
) -> None:
    """Revoke this session (refresh family + access token), or every session of the user."""
    if principal.user_id is None or principal.token_id is None or principal.session_id is None:
        raise PermissionDeniedError("Logout needs a logged-in session", code="session_required")
    ttl = access_deny_ttl(auth)
    await deny_token(auth.store, principal.token_id, ttl)
    await deny_session(auth.store, principal.session_id, ttl)
    if all_sessions:
        user = await users_repo.get(session, principal.user_id)
        if user is not None:
            await revoke_all_sessions(session, auth, user, reason="logout_all")
    else:
        await tokens_repo.revoke_family(session, principal.session_id, datetime.now(UTC), "logout")
    _log.info("logout", user_id=str(principal.user_id), all_sessions=all_sessions)
