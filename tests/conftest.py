"""Shared fixtures: backends (PostgreSQL + Redis, SQLite + in-process), settings, app and client."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from llm_gateway.app import create_app
from llm_gateway.core.config import Settings
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.models import Base
from llm_gateway.state import STATE_KEY, AppState
from tests.backends import Backend, destroy_backend, make_backend


def _isolate_from_gateway_environment() -> None:
    """Drop the operator's ``LLMGW_*`` variables (the README tells people to export some).

    Tests build their settings explicitly; an exported ``LLMGW_REDIS_URL`` or
    ``LLMGW_DATABASE_URL`` would otherwise override them, in-process and in every subprocess.
    ``LLMGW_TEST_*`` variables configure the suite itself and stay.
    """
    for name in list(os.environ):
        if name.startswith("LLMGW_") and not name.startswith("LLMGW_TEST_"):
            del os.environ[name]


_isolate_from_gateway_environment()  # at import: before any test module reads settings

BACKEND_NAMES = [
    b.strip() for b in os.environ.get("LLMGW_TEST_BACKENDS", "postgres,sqlite").split(",") if b
]
_namespace_counter = itertools.count()


@pytest.fixture(scope="session", params=BACKEND_NAMES)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """A migrated database (and store) for the whole session, once per backend pair."""
    created = make_backend(request.param, tmp_path_factory.mktemp(request.param))
    yield created
    destroy_backend(created)


@pytest.fixture(autouse=True)
async def _shared_loop_keeps_its_threadpool() -> AsyncIterator[None]:
    """Every test (its fixtures too) runs on one session-wide event loop: one that gives it another
    default threadpool (``loop.set_default_executor``) fails here, not the later tests whose
    ``asyncio.to_thread`` calls would queue on it. A test that must swap it runs on a loop of its
    own (``@pytest.mark.asyncio(loop_scope="function")``)."""
    loop = asyncio.get_running_loop()
    if getattr(loop, "_default_executor", None) is None:  # made on first use: make it now
        await loop.run_in_executor(None, int)
    pool = getattr(loop, "_default_executor", None)
    yield
    assert getattr(loop, "_default_executor", None) is pool, (
        "this test left the shared event loop another default threadpool"
    )


def build_settings(backend: Backend, **overrides: object) -> Settings:
    """Settings for a test app on ``backend``; each call gets a fresh store namespace."""
    namespace = f"{backend.namespace}{next(_namespace_counter)}:"
    values: dict[str, object] = {
        "environment": "test",
        "database": {"url": backend.database_url, "migrate_on_start": False, "pool_size": 5},
        "store": {"redis_url": backend.redis_url, "namespace": namespace},
        "providers": {"demo_upstream": False},
        "server": {"access_log": False},
        "telemetry": {"log_level": "WARNING"},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(values.get(key), dict):
            values[key] = {**values[key], **value}  # type: ignore[dict-item]
        else:
            values[key] = value
    return Settings(_env_file=None, **values)  # type: ignore[call-arg,arg-type]


async def truncate_all(database_url: str) -> None:
    """Empty every table (keeping the schema and alembic_version)."""
    engine = create_async_engine(database_url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    try:
        async with engine.begin() as conn:
            if not tables:
                return
            if database_url.startswith("postgresql"):
                quoted = ", ".join(f'"{t}"' for t in tables)
                await conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    await conn.execute(text(f'DELETE FROM "{table}"'))
    finally:
        await engine.dispose()


@pytest.fixture
def settings(backend: Backend) -> Settings:
    return build_settings(backend)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """The gateway app, not yet started (tests may add routes before ``running_app`` starts it)."""
    return create_app(settings)


@pytest.fixture
async def running_app(app: FastAPI, backend: Backend) -> AsyncIterator[LifespanManager]:
    """The app with its lifespan running; tables are emptied after the test."""
    try:
        async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
            yield manager
    finally:
        await truncate_all(backend.database_url)


@pytest.fixture
def app_state(running_app: LifespanManager) -> AppState:
    """The lifespan's typed state (engine, store, HTTP session, ...)."""
    state: AppState = running_app._state[STATE_KEY]
    return state


def asgi_client(
    manager: LifespanManager, base_url: str = "http://gateway.test"
) -> httpx.AsyncClient:
    """An HTTP client talking to the running app in-process through ASGI (use ``async with``)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url=base_url)


@pytest.fixture
async def client(running_app: LifespanManager) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the running app in-process through ASGI."""
    async with asgi_client(running_app) as c:
        yield c


@pytest.fixture
async def fake() -> AsyncIterator[FakeUpstream]:
    """The bundled fake upstream on a free port, deterministic (seed 1); a module may override
    it (another seed, a server shared by several tests)."""
    async with FakeUpstream(seed=1) as server:
        yield server


@pytest.fixture
def tmp_dir(tmp_path: Path) -> Path:
    return tmp_path
