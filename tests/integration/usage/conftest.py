"""Usage-writer fixtures shared by the writer tests."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from llm_gateway.core.config import DatabaseSettings
from llm_gateway.core.database import create_engine, create_session_factory
from tests.backends import Backend


@pytest.fixture
async def broken_factory(
    backend: Backend, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a database that cannot be reached."""
    if backend.is_postgres:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/nowhere"
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}/missing-dir/usage.db"
    engine = create_engine(DatabaseSettings(url=url, connect_timeout_s=1.0))
    yield create_session_factory(engine)
    await engine.dispose()
