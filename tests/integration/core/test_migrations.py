"""Models and migrations agree, and upgrade/downgrade round-trips, on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import llm_gateway.models  # noqa: F401 - registers all tables
from llm_gateway.core import migrations
from llm_gateway.core.config import DatabaseSettings
from llm_gateway.models import Base
from tests.backends import BACKEND_SUFFIX_COUNTER, create_postgres_database, drop_postgres_database
from tests.conftest import BACKEND_NAMES


@pytest.fixture(params=BACKEND_NAMES)
def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DatabaseSettings]:
    """An empty database of each kind, separate from the session's shared one."""
    if request.param == "postgres":
        url = create_postgres_database(f"_mig{next(BACKEND_SUFFIX_COUNTER)}")
        yield DatabaseSettings(url=url)
        drop_postgres_database(url)
    else:
        yield DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'mig.db'}")


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _run(url: str, fn: Any) -> Any:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def test_models_and_migrations_do_not_drift(fresh_db: DatabaseSettings) -> None:
    migrations.upgrade(fresh_db)
    diff = asyncio.run(_run(fresh_db.url, _diff))
    assert diff == [], f"models and migrations differ: {diff}"


def test_upgrade_downgrade_upgrade(fresh_db: DatabaseSettings) -> None:
    migrations.upgrade(fresh_db)
    at_head = asyncio.run(_run(fresh_db.url, _tables))
    assert set(Base.metadata.tables) <= at_head
    migrations.downgrade(fresh_db, "base")
    assert asyncio.run(_run(fresh_db.url, _tables)) - {"alembic_version"} == set()
    migrations.upgrade(fresh_db)
    assert asyncio.run(_run(fresh_db.url, _tables)) == at_head
    assert "(head)" in migrations.current(fresh_db)
