"""Password reset by e-mail: single-use, expiring tokens stored only as keyed hashes.

``request_reset`` answers identically whether the e-mail exists: the lookup, token creation and
delivery all happen in a background task after the response, so neither the body, the status
nor the response time tells an attacker anything.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.core.database import session_scope
from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.core.logging import get_logger
from llm_gateway.models.auth_tokens import PasswordResetToken
from llm_gateway.models.user import normalize_email
from llm_gateway.repositories import auth_tokens as tokens_repo
from llm_gateway.repositories import users as users_repo
from llm_gateway.services.auth.credentials import new_reset_token
from llm_gateway.services.auth.runtime import AuthRuntime
from llm_gateway.services.auth.sessions import revoke_all_sessions
from llm_gateway.services.notify import Message

FORGOT_ACTION = "forgot"
_log = get_logger("llm_gateway.auth")


def _reset_message(auth: AuthRuntime, to: str, token: str) -> Message:
    ttl_min = auth.settings.security.reset_token_ttl_s // 60
    template = auth.settings.auth.reset_url_template
    how = (
        f"Open this link to choose a new password:\n\n  {template.replace('{token}', token)}\n"
        if template
        else f"Your reset token is:\n\n  {token}\n\nSend it to POST /auth/password/reset.\n"
    )
    body = (
        "Someone (hopefully you) asked to reset the password of your llm-gateway account.\n\n"
        f"{how}\nIt works once and expires in {ttl_min} minutes. If you did not ask for this, "
        "ignore this message: your password stays unchanged.\n"
    )
    return Message(to=to, subject="Reset your llm-gateway password", body=body, secrets=(token,))


async def _send_reset(auth: AuthRuntime, email_normalized: str) -> None:
    async with session_scope(auth.session_factory) as session:
        user = await users_repo.get_by_email(session, email_normalized)
        if user is None or not user.is_active:
            return
        now = datetime.now(UTC)
        await tokens_repo.expire_outstanding_resets(session, user.id, now)
        token = new_reset_token()
        await tokens_repo.add_reset(
            session,
            PasswordResetToken(
                user_id=user.id,
                token_hash=auth.hash_secret(token),
                created_at=now,
                expires_at=now + timedelta(seconds=auth.settings.security.reset_token_ttl_s),
            ),
        )
        recipient, user_id = user.email, user.id
    await auth.notifier.send(_reset_message(auth, recipient, token))
    _log.info("password reset sent", user_id=str(user_id), notifier=auth.notifier.name)


async def request_reset(auth: AuthRuntime, *, email: str, client_ip: str) -> None:
    """Rate-limit, then send a reset token in the background if the account exists."""
    normalized = normalize_email(email)
    limit = auth.settings.auth.forgot_max_requests
    await auth.limiter.hit(
        FORGOT_ACTION,
        account=normalized,
        ip=client_ip,
        account_limit=limit,
        ip_limit=limit,
        window_s=auth.settings.auth.forgot_window_s,
    )
    auth.tasks.spawn(_send_reset(auth, normalized), name="auth-password-reset")


def _invalid_token() -> InvalidRequestError:
    return InvalidRequestError(
        "Invalid or expired reset token", code="invalid_reset_token", param="token"
    )


async def reset_password(
    session: AsyncSession, auth: AuthRuntime, *, token: str, new_password: str
) -> None:
    """Spend ``token`` and set the new password; every existing session ends."""
    now = datetime.now(UTC)
    row = await tokens_repo.get_reset_by_hash(session, auth.hash_secret(token))
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise _invalid_token()
    user = await users_repo.get(session, row.user_id)
    if user is None or not user.is_active:
        raise _invalid_token()
    auth.passwords.check_policy(new_password, email=user.email, param="new_password")
    if not await tokens_repo.consume_reset(session, row.id, now):
        raise _invalid_token()
    user.password_hash = await auth.passwords.hash(new_password)
    await revoke_all_sessions(session, auth, user, reason="password_reset")
    _log.info("password reset", user_id=str(user.id))
