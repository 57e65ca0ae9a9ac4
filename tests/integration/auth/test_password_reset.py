"""Password reset: same answer for every e-mail, single-use expiring tokens, real SMTP delivery."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import httpx
import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from fastapi import FastAPI
from sqlalchemy import update

from llm_gateway.app import create_app
from llm_gateway.core.database import session_scope
from llm_gateway.models.auth_tokens import PasswordResetToken
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.auth.helpers import PASSWORD, auth_settings, login, make_account

NEW_PASSWORD = "a completely new passphrase"
SMTP_USER, SMTP_PASSWORD = "gateway", "smtp-secret-pw"
TOKEN_RE = re.compile(r"pr-gw-[A-Za-z0-9]{40}")


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.original_content or b""))
        return "250 Message accepted for delivery"


def _authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok)


@pytest.fixture
async def smtp_server() -> AsyncIterator[tuple[int, Inbox]]:
    """A real SMTP server (aiosmtpd) with AUTH, on an ephemeral port of 127.0.0.1."""
    inbox = Inbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(
            inbox, hostname="localhost", authenticator=_authenticator, auth_require_tls=False
        ),
        "127.0.0.1",
        0,
    )
    port = server.sockets[0].getsockname()[1]
    try:
        yield port, inbox
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
def app(backend: Backend, smtp_server: tuple[int, Inbox]) -> FastAPI:
    port, _ = smtp_server
    return create_app(
        auth_settings(
            backend,
            auth={
                "notifier": "smtp",
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_security": "none",
                "smtp_username": SMTP_USER,
                "smtp_password": SMTP_PASSWORD,
                "mail_from": "gateway@example.com",
                "reset_url_template": "https://gw.example.com/reset?token={token}",
            },
        )
    )


def _token(mail: Message) -> str:
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = TOKEN_RE.search(body.decode())
    assert found is not None, "no reset token in the e-mail"
    return found.group(0)


async def _forgot(client: httpx.AsyncClient, state: AppState, email: str) -> httpx.Response:
    response = await client.post("/auth/password/forgot", json={"email": email})
    await state.auth.tasks.join()  # delivery happens after the response, off the request path
    return response


async def _reset(client: httpx.AsyncClient, token: str, password: str) -> httpx.Response:
    return await client.post(
        "/auth/password/reset", json={"token": token, "new_password": password}
    )


async def test_reset_end_to_end_over_smtp(
    client: httpx.AsyncClient, app_state: AppState, smtp_server: tuple[int, Inbox]
) -> None:
    _, inbox = smtp_server
    account = await make_account(client, "Pat@Example.com")
    response = await _forgot(client, app_state, "pat@example.com")
    assert response.status_code == 202
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "Pat@example.com"
    assert mail["From"] == "gateway@example.com"
    assert inbox.envelopes[0].rcpt_tos == ["Pat@example.com"]
    token = _token(mail)
    assert f"https://gw.example.com/reset?token={token}" in str(mail.get_payload(decode=True))

    assert (await _reset(client, token, NEW_PASSWORD)).status_code == 204
    assert (await login(client, "pat@example.com")).status_code == 401
    assert (await login(client, "pat@example.com", NEW_PASSWORD)).status_code == 200
    # The reset ended the sessions that existed before it.
    assert (await client.get("/users/me", headers=account.headers)).status_code == 401
    # Single use.
    again = await _reset(client, token, "yet another passphrase")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_reset_token"


async def test_forgot_answers_the_same_for_unknown_emails(
    client: httpx.AsyncClient, app_state: AppState, smtp_server: tuple[int, Inbox]
) -> None:
    _, inbox = smtp_server
    await make_account(client, "quinn@example.com")
    known = await _forgot(client, app_state, "quinn@example.com")
    unknown = await _forgot(client, app_state, "nobody-here@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(inbox.messages) == 1


async def test_only_the_newest_token_works(
    client: httpx.AsyncClient, app_state: AppState, smtp_server: tuple[int, Inbox]
) -> None:
    _, inbox = smtp_server
    await make_account(client, "ray@example.com")
    await _forgot(client, app_state, "ray@example.com")
    await _forgot(client, app_state, "ray@example.com")
    first, second = (_token(m) for m in inbox.messages)
    assert (await _reset(client, first, NEW_PASSWORD)).status_code == 400
    assert (await _reset(client, second, NEW_PASSWORD)).status_code == 204


async def test_expired_token_is_refused(
    client: httpx.AsyncClient, app_state: AppState, smtp_server: tuple[int, Inbox]
) -> None:
    _, inbox = smtp_server
    await make_account(client, "sam@example.com")
    await _forgot(client, app_state, "sam@example.com")
    token = _token(inbox.messages[0])
    async with session_scope(app_state.session_factory) as session:
        await session.execute(
            update(PasswordResetToken).values(expires_at=PasswordResetToken.created_at)
        )
    response = await _reset(client, token, NEW_PASSWORD)
    assert response.status_code == 400
    assert (await login(client, "sam@example.com", PASSWORD)).status_code == 200


async def test_reset_checks_the_password_policy(
    client: httpx.AsyncClient, app_state: AppState, smtp_server: tuple[int, Inbox]
) -> None:
    _, inbox = smtp_server
    await make_account(client, "tia@example.com")
    await _forgot(client, app_state, "tia@example.com")
    token = _token(inbox.messages[0])
    weak = await _reset(client, token, "iloveyou")
    assert weak.status_code == 422
    assert weak.json()["error"]["code"] == "password_too_short"
    assert (await _reset(client, token, NEW_PASSWORD)).status_code == 204  # not spent by the 422


async def test_forgot_is_rate_limited_per_account(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    limit = app_state.settings.auth.forgot_max_requests
    for _ in range(limit):
        assert (await _forgot(client, app_state, "uma@example.com")).status_code == 202
    limited = await _forgot(client, app_state, "uma@example.com")
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers


async def test_garbage_token_is_400(client: httpx.AsyncClient) -> None:
    response = await _reset(client, "pr-gw-" + "z" * 40, NEW_PASSWORD)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "token"
