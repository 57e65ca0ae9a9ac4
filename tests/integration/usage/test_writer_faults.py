"""Every answered call has exactly one usage row, whatever fails (issue 10).

Each test reproduces a failure found by the outside fault-injection pass: asyncpg's UUID type
refused by the spill encoder, a poison record blocking every later batch, a writer task that died
silently while readiness said 200.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from asyncpg.pgproto.pgproto import UUID as AsyncpgUUID
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from llm_gateway.app import create_app
from llm_gateway.core.config import Settings
from llm_gateway.core.database import session_scope
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.models.usage import UsageRecord
from llm_gateway.services.usage.record import UsageEvent
from llm_gateway.state import STATE_KEY, AppState
from tests.backends import Backend
from tests.conftest import truncate_all
from tests.integration.auth.helpers import make_admin
from tests.integration.quotas.support import MASTER, chat, quota_settings, write_registry

FAST_WRITER = {"flush_interval_s": 0.05, "retry_max_s": 0.2}


def _settings(backend: Backend, models: Path, **usage: object) -> Settings:
    return quota_settings(
        backend,
        models,
        {"enterprise": {}},
        quotas={"usage": {**FAST_WRITER, **usage}},
        tools={"code_executor_mode": "disabled"},
    )


@pytest.fixture
def models(fake: FakeUpstream, tmp_path: Path) -> Path:
    return write_registry(tmp_path, fake.base_url)


@pytest.fixture
def app(backend: Backend, models: Path) -> FastAPI:
    return create_app(_settings(backend, models, buffer_size=3, stall_after_s=0.5))


async def _rows(state: AppState, alias: str | None = None) -> int:
    async with session_scope(state.session_factory) as session:
        query = select(func.count()).select_from(UsageRecord)
        if alias is not None:
            query = query.where(UsageRecord.alias == alias)
        return int((await session.execute(query)).scalar_one())


async def _eventually(check: object, timeout_s: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not await check():  # type: ignore[operator]
        if loop.time() > deadline:
            pytest.fail("condition not reached in time")
        await asyncio.sleep(0.05)


def _event(i: int, **fields: object) -> UsageEvent:
    return UsageEvent(
        request_id=f"req_{i}",
        source="proxy",
        endpoint="/v1/chat/completions",
        alias="cheap",
        **fields,  # type: ignore[arg-type]
    )


def test_asyncpg_uuids_and_unstorable_text_are_made_safe_in_the_record() -> None:
    raw = AsyncpgUUID(uuid.uuid4().hex)
    event = _event(1, user_id=raw, api_key_id=raw, deployment="d\x00", intent="\ud800x")
    assert type(event.user_id) is uuid.UUID
    assert event.user_id == uuid.UUID(str(raw))
    assert "\x00" not in (event.deployment or "")
    assert UsageEvent.from_json(event.to_json()).user_id == event.user_id
    assert _event(2, prompt_tokens=2**70).prompt_tokens == 2**31 - 1


async def test_overflow_with_asyncpg_uuids_spills_and_the_writer_keeps_writing(
    client: httpx.AsyncClient,
    app_state: AppState,
    broken_factory: async_sessionmaker[AsyncSession],
    backend: Backend,
) -> None:
    """Before: the first overflow spill raised TypeError and killed the writer task silently."""
    writer = app_state.usage
    healthy = writer.session_factory
    writer.session_factory = broken_factory
    owner = AsyncpgUUID(uuid.uuid4().hex)  # the id type a PostgreSQL read gives
    for i in range(6):
        writer.record(_event(i, user_id=owner, api_key_id=owner))

    async def overflowed() -> bool:
        return writer.counters.spilled + writer.counters.dropped == 3

    await _eventually(overflowed)
    writer.session_factory = healthy
    expected = 6 if backend.redis_url else 3
    for i in range(6, 10):  # calls after the database is back are recorded too
        writer.record(_event(i))

    async def all_written() -> bool:
        return await _rows(app_state) == expected + 4

    await _eventually(all_written)
    assert writer.counters.writer_errors == 0
    assert (await client.get("/health/ready")).status_code == 200


async def test_a_poison_record_is_dead_lettered_and_never_blocks_the_rest(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    """Before: the database refused the batch; the writer retried it forever, wrote nothing."""
    writer = app_state.usage
    poison = _event(0)
    poison.prompt_tokens = 2**70  # set after construction: out of range on both databases
    writer.record(poison)
    for i in range(1, 101):
        writer.record(_event(i))

    async def hundred_written() -> bool:
        return await _rows(app_state) == 100

    await _eventually(hundred_written)
    assert writer.counters.dead_lettered == 1
    admin = await make_admin(client, app_state, "ops@example.com")
    listed = await client.get("/admin/usage/dead-letters", headers=admin.headers)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] == 1
    [letter] = body["items"]
    assert letter["request_id"] == "req_0"
    assert str(2**70) in letter["payload"]
    assert "INSERT" not in letter["error"]  # no SQL (nor its parameters) in the error
    assert (await client.get("/admin/usage/dead-letters")).status_code == 401


async def test_nul_model_then_100_normal_calls_gives_100_new_rows(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    """Before: one ``"model": "x\\u0000"`` request stopped every later record (PostgreSQL)."""
    bad = await client.post("/v1/chat/completions", json=chat(model="x\x00"), headers=MASTER)
    assert bad.status_code in (400, 404)
    answered = 0
    for _ in range(100):
        response = await client.post("/v1/chat/completions", json=chat(), headers=MASTER)
        answered += response.status_code == 200
    assert answered == 100

    async def recorded() -> bool:
        return await _rows(app_state, alias="cheap") == 100

    await _eventually(recorded)
    assert app_state.usage.counters.dead_lettered == 0


async def test_an_unexpected_writer_error_is_counted_and_the_loop_goes_on(
    client: httpx.AsyncClient, app_state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = app_state.usage
    collect = writer._collect
    failures = iter([RuntimeError("injected fault")])

    async def failing_once() -> None:
        fault = next(failures, None)
        if fault is not None:
            raise fault
        await collect()

    monkeypatch.setattr(writer, "_collect", failing_once)
    writer.record(_event(0))  # ends the collect already running: the next one fails

    async def failed() -> bool:
        return writer.counters.writer_errors == 1

    await _eventually(failed)
    for i in range(1, 6):
        writer.record(_event(i))

    async def written() -> bool:
        return await _rows(app_state) == 6

    await _eventually(written)
    assert writer.counters.writer_errors == 1
    assert (await client.get("/health/ready")).status_code == 200


async def test_readiness_goes_bad_while_records_wait_unwritten(
    client: httpx.AsyncClient,
    app_state: AppState,
    broken_factory: async_sessionmaker[AsyncSession],
) -> None:
    """Before: 0 of 400 calls recorded while ``/health/ready`` said 200."""
    writer = app_state.usage
    healthy = writer.session_factory
    writer.session_factory = broken_factory  # the writer's database is gone, the app's is not
    writer.record(_event(1))
    await asyncio.sleep(1.0)  # longer than stall_after_s (0.5 s)
    ready = await client.get("/health/ready")
    assert ready.status_code == 503
    assert "usage writer stalled" in ready.text
    dashboard_counters = writer.stalled_s
    assert dashboard_counters > 0.5
    writer.session_factory = healthy

    async def recovered() -> bool:
        return (await client.get("/health/ready")).status_code == 200

    await _eventually(recovered)
    assert await _rows(app_state) == 1


async def test_a_user_keys_calls_spill_at_shutdown_with_the_database_down(
    backend: Backend, models: Path, broken_factory: async_sessionmaker[AsyncSession]
) -> None:
    """Ids read from PostgreSQL (asyncpg's UUID) spill at shutdown and are replayed later."""
    if backend.redis_url is None:
        pytest.skip("spilling needs Redis")
    settings = _settings(backend, models, flush_interval_s=60.0)
    try:
        async with LifespanManager(create_app(settings), shutdown_timeout=60) as manager:
            state: AppState = manager._state[STATE_KEY]
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                admin = await make_admin(client, state, "owner@example.com")
                key = await client.post(
                    "/users/me/api-keys", json={"name": "k"}, headers=admin.headers
                )
                headers = {"authorization": f"Bearer {key.json()['key']}"}
                for _ in range(20):
                    reply = await client.post("/v1/chat/completions", json=chat(), headers=headers)
                    assert reply.status_code == 200
            state.usage.session_factory = broken_factory
        assert state.usage.counters.spilled == 20
        assert state.usage.counters.dropped == 0
        quick = settings.quotas.usage.model_copy(update={"flush_interval_s": 0.05})
        restarted = settings.model_copy(
            update={"quotas": settings.quotas.model_copy(update={"usage": quick})}
        )
        async with LifespanManager(create_app(restarted), shutdown_timeout=60) as manager:
            state = manager._state[STATE_KEY]

            async def replayed() -> bool:
                return await _rows(state, alias="cheap") == 20

            await _eventually(replayed)
    finally:
        await truncate_all(backend.database_url)
