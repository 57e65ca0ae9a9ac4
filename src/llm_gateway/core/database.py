"""Async SQLAlchemy engine and session factory for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from llm_gateway.core.config import DatabaseSettings, mask_url
from llm_gateway.core.exceptions import ServiceUnavailableError


def _enable_sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the single writer; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not on every commit: a power loss may lose the
    # last commits but never corrupts the file, and each usage batch stops waiting on fsync.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # The usage writer's per-batch temporary tables (``usage_sqlite``) never need a file.
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    """Create the process-wide engine; called once from the app lifespan."""
    url = make_url(settings.url)
    # Parameters carry password hashes, key HMACs and chat text: never in errors or echo logs.
    kwargs: dict[str, Any] = {
        "echo": settings.echo,
        "pool_pre_ping": True,
        "hide_parameters": True,
    }
    if settings.is_sqlite:
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": settings.connect_timeout_s}
    else:
        kwargs.update(
            pool_size=settings.pool_size,
            max_overflow=settings.max_overflow,
            pool_timeout=settings.pool_timeout_s,
            connect_args={"timeout": settings.connect_timeout_s, "command_timeout": 30},
        )
    engine = create_async_engine(url, **kwargs)
    if settings.is_sqlite:
        event.listen(engine.sync_engine, "connect", _enable_sqlite_pragmas)
    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (responses are built after commit)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def check_database(engine: AsyncEngine) -> None:
    """Run a trivial query; raise ServiceUnavailableError naming the (masked) URL on failure."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        url = mask_url(engine.url.render_as_string(hide_password=False))
        raise ServiceUnavailableError(
            f"database unreachable at {url}: {type(exc).__name__}",
            code="database_unavailable",
        ) from exc


@asynccontextmanager
async def session_scope(
    factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A unit of work outside a request: commit on success, roll back on error."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
