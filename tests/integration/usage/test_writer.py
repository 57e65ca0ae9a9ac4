"""The usage writer's durability: graceful shutdown, database outages, spill to Redis, drops."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from llm_gateway.app import create_app
from llm_gateway.core.config import DatabaseSettings, Settings, UsageSettings
from llm_gateway.core.database import create_engine, create_session_factory, session_scope
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.repositories import usage as usage_repo
from llm_gateway.services.usage.record import UsageEvent
from llm_gateway.services.usage.writer import UsageWriter
from llm_gateway.state import STATE_KEY, AppState
from tests.backends import Backend
from tests.conftest import truncate_all
from tests.integration.quotas.support import MASTER, chat, quota_settings, write_registry

FAST_WRITER = {"flush_interval_s": 0.05, "retry_max_s": 0.2}


def _settings(backend: Backend, models: Path, **usage: object) -> Settings:
    return quota_settings(
        backend, models, {"enterprise": {}}, quotas={"usage": {**FAST_WRITER, **usage}}
    )


@pytest.fixture
def models(fake: FakeUpstream, tmp_path: Path) -> Path:
    return write_registry(tmp_path, fake.base_url)


@pytest.fixture
def app(backend: Backend, models: Path) -> FastAPI:
    return create_app(_settings(backend, models, buffer_size=3))


async def _rows(state: AppState) -> int:
    async with session_scope(state.session_factory) as session:
        return await usage_repo.count_records(session)


def _event(i: int) -> UsageEvent:
    return UsageEvent(
        request_id=f"req_{i}", source="proxy", endpoint="/v1/chat/completions", alias="cheap"
    )


async def test_database_outage_does_not_fail_requests_and_records_arrive_later(
    client: httpx.AsyncClient,
    app_state: AppState,
    broken_factory: async_sessionmaker[AsyncSession],
    backend: Backend,
) -> None:
    writer = app_state.usage
    healthy = writer.session_factory
    writer.session_factory = broken_factory
    for _ in range(5):
        response = await client.post("/v1/chat/completions", json=chat(), headers=MASTER)
        assert response.status_code == 200  # served while the database is away
    for _ in range(200):
        if writer.counters.spilled + writer.counters.dropped == 2:
            break
        await asyncio.sleep(0.02)
    assert not writer.database_ok
    assert await _rows(app_state) == 0
    # The buffer holds 3; the other 2 spilled to Redis, or (in-process store) were dropped.
    assert writer.counters.spilled + writer.counters.dropped == 2
    writer.session_factory = healthy
    assert await writer.wait_idle(15)
    expected = 5 if backend.redis_url else 3
    for _ in range(100):  # the spill is replayed right after the buffer is written
        if await _rows(app_state) == expected:
            break
        await asyncio.sleep(0.05)
    assert await _rows(app_state) == expected
    if backend.redis_url:
        assert writer.counters.replayed == 2
        assert writer.counters.dropped == 0
    else:
        assert writer.counters.dropped == 2


async def test_no_record_is_lost_on_graceful_shutdown(backend: Backend, models: Path) -> None:
    # A long flush interval: everything is still queued when the shutdown begins.
    app = create_app(_settings(backend, models, flush_interval_s=60.0, batch_size=500))
    try:
        async with LifespanManager(app, startup_timeout=30, shutdown_timeout=60) as manager:
            state: AppState = manager._state[STATE_KEY]
            for i in range(1234):
                state.usage.record(_event(i))
            assert state.usage.counters.written == 0
        engine = create_engine(DatabaseSettings(url=backend.database_url))
        try:
            async with session_scope(create_session_factory(engine)) as session:
                assert await usage_repo.count_records(session) == 1234
        finally:
            await engine.dispose()
    finally:
        await truncate_all(backend.database_url)


async def test_records_held_at_shutdown_with_the_database_down_are_spilled_and_replayed(
    backend: Backend, models: Path, broken_factory: async_sessionmaker[AsyncSession]
) -> None:
    if backend.redis_url is None:
        pytest.skip("spilling needs Redis")
    settings = _settings(backend, models, flush_interval_s=60.0)
    try:
        async with LifespanManager(create_app(settings), shutdown_timeout=60) as manager:
            state: AppState = manager._state[STATE_KEY]
            state.usage.session_factory = broken_factory
            for i in range(40):
                state.usage.record(_event(i))
        assert state.usage.counters.spilled == 40
        # The next start (same Redis namespace) writes them once the database answers.
        quick = settings.quotas.usage.model_copy(update={"flush_interval_s": 0.05})
        restarted = settings.model_copy(
            update={"quotas": settings.quotas.model_copy(update={"usage": quick})}
        )
        async with LifespanManager(create_app(restarted), shutdown_timeout=60) as manager:
            state = manager._state[STATE_KEY]
            state.usage.record(_event(99))
            for _ in range(200):
                if await _rows(state) == 41:
                    break
                await asyncio.sleep(0.05)
            assert await _rows(state) == 41
    finally:
        await truncate_all(backend.database_url)


async def test_a_full_queue_drops_and_counts(app_state: AppState) -> None:
    writer = app_state.usage
    capacity = writer.settings.queue_size
    for i in range(capacity + 25):
        writer.record(_event(i))  # no await: the writer task cannot drain in between
    assert writer.counters.dropped == 25
    assert await writer.wait_idle(30)
    assert await _rows(app_state) == capacity


async def test_an_unreadable_spilled_record_is_dropped_not_fatal(app_state: AppState) -> None:
    writer = app_state.usage
    events = writer._spill.decode([b"{not json", _event(7).to_json(), b'{"id": "x"}'])
    assert [e.request_id for e in events] == ["req_7"]
    assert writer.counters.dropped == 2


async def test_a_batch_whose_commit_fails_is_not_counted_as_written(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(DatabaseSettings(url=backend.database_url))
    factory = create_session_factory(engine)
    writer = UsageWriter(UsageSettings(), factory)
    try:
        with monkeypatch.context() as patch:

            async def refused(_: AsyncSession) -> None:
                raise RuntimeError("commit refused")

            patch.setattr(AsyncSession, "commit", refused)
            assert isinstance(await writer._insert([_event(1), _event(2)]), RuntimeError)
        assert writer.counters.written == 0  # rolled back: nothing was written
        async with session_scope(factory) as session:
            assert await usage_repo.count_records(session) == 0
        assert await writer._insert([_event(3), _event(4)]) is None
        assert writer.counters.written == 2
    finally:
        await engine.dispose()
        await truncate_all(backend.database_url)
