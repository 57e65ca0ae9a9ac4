"""Account self-service: registration, profile, password change, and password reset by e-mail."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.core.exceptions import (
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from llm_gateway.core.logging import get_logger
from llm_gateway.models.user import User, normalize_email
from llm_gateway.repositories import users as users_repo
from llm_gateway.schemas.auth import RegisterRequest, TokenResponse
from llm_gateway.schemas.users import UserUpdate
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.auth.runtime import AuthRuntime
from llm_gateway.services.auth.sessions import (
    count_login_attempt,
    count_login_failure,
    issue_tokens,
    revoke_all_sessions,
)
from llm_gateway.services.quotas.tiers import require_tier

REGISTER_ACTION = "register"
_log = get_logger("llm_gateway.auth")


def _email_taken() -> ConflictError:
    return ConflictError(
        "An account with this e-mail already exists", code="email_taken", param="email"
    )


async def create_user(
    session: AsyncSession,
    auth: AuthRuntime,
    *,
    email: str,
    password: str,
    role: str = "user",
    tier: str | None = None,
    display_name: str | None = None,
) -> User:
    """Check the password policy, hash it and insert the user (409 on a duplicate e-mail).

    ``tier`` defaults to the registration tier; an unconfigured tier is a 422.
    """
    tier = require_tier(auth.settings.quotas, tier or auth.settings.registration_tier)
    auth.passwords.check_policy(password, email=email)
    normalized = normalize_email(email)
    if await users_repo.get_by_email(session, normalized) is not None:
        raise _email_taken()
    user = User(
        email=email.strip(),
        email_normalized=normalized,
        password_hash=await auth.passwords.hash(password),
        display_name=display_name,
        role=role,
        tier=tier,
        is_active=True,
        token_version=0,
    )
    try:
        return await users_repo.add(session, user)
    except IntegrityError:  # a concurrent registration won the race
        raise _email_taken() from None


async def register(
    session: AsyncSession, auth: AuthRuntime, data: RegisterRequest, *, client_ip: str
) -> User:
    """Self-registration (when enabled), rate-limited per client IP like logins."""
    if not auth.settings.auth.allow_registration:
        raise PermissionDeniedError("Registration is disabled", code="registration_disabled")
    await count_login_attempt(
        auth, account=normalize_email(data.email), ip=client_ip, action=REGISTER_ACTION
    )
    user = await create_user(
        session,
        auth,
        email=data.email,
        password=data.password.get_secret_value(),
        display_name=data.display_name,
    )
    _log.info("user registered", user_id=str(user.id))
    return user


async def current_user(session: AsyncSession, principal: Principal) -> User:
    """The caller's own user row (403 for the master key, 404 if the row is gone)."""
    if principal.user_id is None:
        raise PermissionDeniedError("The bootstrap master key has no user account")
    user = await users_repo.get(session, principal.user_id)
    if user is None:
        raise NotFoundError("User not found", code="user_not_found")
    return user


async def _check_current_password(
    auth: AuthRuntime, user: User, password: str | None, *, client_ip: str
) -> None:
    """Re-authentication for sensitive changes, rate-limited like a login (a stolen session
    must not become a password oracle)."""
    pair = {"account": user.email_normalized, "ip": client_ip}
    count = await count_login_attempt(auth, **pair)
    if password is None or not await auth.passwords.verify(user.password_hash, password):
        await count_login_failure(auth, **pair, count=count)
        raise InvalidRequestError(
            "Current password is incorrect",
            code="invalid_current_password",
            param="current_password",
        )


async def update_profile(
    session: AsyncSession,
    auth: AuthRuntime,
    principal: Principal,
    data: UserUpdate,
    *,
    client_ip: str,
) -> User:
    """Apply a profile change; a new e-mail needs the current password (409 if taken)."""
    user = await current_user(session, principal)
    if data.display_name is not None:
        user.display_name = data.display_name
    if data.email is not None and normalize_email(data.email) != user.email_normalized:
        secret = data.current_password.get_secret_value() if data.current_password else None
        await _check_current_password(auth, user, secret, client_ip=client_ip)
        normalized = normalize_email(data.email)
        if await users_repo.get_by_email(session, normalized) is not None:
            raise _email_taken()
        user.email, user.email_normalized = data.email.strip(), normalized
        auth.invalidator.after_commit(session, user_ids=(user.id,))
    try:
        await session.flush()
    except IntegrityError:
        raise _email_taken() from None
    return user


async def change_password(
    session: AsyncSession,
    auth: AuthRuntime,
    principal: Principal,
    *,
    current_password: str,
    new_password: str,
    client_ip: str,
) -> TokenResponse:
    """Change the password, end every session, and return tokens for a fresh one."""
    user = await current_user(session, principal)
    await _check_current_password(auth, user, current_password, client_ip=client_ip)
    auth.passwords.check_policy(new_password, email=user.email, param="new_password")
    user.password_hash = await auth.passwords.hash(new_password)
    await revoke_all_sessions(session, auth, user, reason="password_change")
    _log.info("password changed", user_id=str(user.id))
    return await issue_tokens(session, auth, user)
