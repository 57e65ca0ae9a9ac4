"""Races: one refresh or reset token used by concurrent requests never yields two winners."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from llm_gateway.core.database import session_scope
from llm_gateway.models.auth_tokens import PasswordResetToken, RefreshToken
from llm_gateway.repositories import auth_tokens as tokens_repo
from llm_gateway.services.auth.credentials import new_reset_token
from llm_gateway.state import AppState
from tests.integration.auth.helpers import bearer, login, make_account


async def test_concurrent_refreshes_with_one_token_leave_no_live_successor(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    account = await make_account(client, "race@example.com")
    responses = await asyncio.gather(
        *(client.post("/auth/refresh", json={"refresh_token": account.refresh}) for _ in range(3))
    )
    winners = [r for r in responses if r.status_code == 200]
    losers = [r for r in responses if r.status_code != 200]
    assert len(winners) <= 1, [r.text for r in responses]
    # The losers are reuse (401), not a lock wait that timed out (503).
    assert {(r.status_code, r.json()["error"]["code"]) for r in losers} == {
        (401, "refresh_token_reused")
    }
    async with app_state.session_factory() as session:
        rows = (await session.execute(select(RefreshToken))).scalars().all()
    assert [r for r in rows if r.rotated_at is None and r.revoked_at is None] == []
    assert {r.revoked_reason for r in rows} == {"reuse_detected"}
    for winner in winners:  # the successor handed out in the race is dead as well
        body = winner.json()
        again = await client.post("/auth/refresh", json={"refresh_token": body["refresh_token"]})
        assert again.status_code == 401
        me = await client.get("/users/me", headers=bearer(body["access_token"]))
        assert me.status_code == 401


async def test_concurrent_resets_with_one_token_have_exactly_one_winner(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    account = await make_account(client, "reset-race@example.com")
    token = new_reset_token()
    now = datetime.now(UTC)
    async with session_scope(app_state.session_factory) as session:
        await tokens_repo.add_reset(
            session,
            PasswordResetToken(
                user_id=account.user_id,
                token_hash=app_state.auth.hash_secret(token),
                created_at=now,
                expires_at=now + timedelta(hours=1),
            ),
        )
    passwords = [f"brand new passphrase number {i}" for i in range(3)]
    responses = await asyncio.gather(
        *(
            client.post("/auth/password/reset", json={"token": token, "new_password": p})
            for p in passwords
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [204, 400, 400], [r.text for r in responses]
    winner = passwords[[r.status_code for r in responses].index(204)]
    logins = [await login(client, account.email, p) for p in passwords]
    assert [p for p, r in zip(passwords, logins, strict=True) if r.status_code == 200] == [winner]
