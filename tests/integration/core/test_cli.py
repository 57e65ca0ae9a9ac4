"""The console script: backends that are down, or a failed migration, stop `serve` with a clear,
secret-free message."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest

from tests.backends import Backend, create_postgres_database, drop_postgres_database


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llm_gateway.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )


def test_serve_names_the_database_and_masks_its_password() -> None:
    result = _run(
        "serve",
        env={"LLMGW_DATABASE_URL": "postgresql+asyncpg://gw:hunter2@127.0.0.1:1/gw"},
    )
    assert result.returncode != 0
    assert "database unreachable at postgresql+asyncpg://gw:***@127.0.0.1:1/gw" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_serve_names_the_store_when_redis_is_down(tmp_path: Path) -> None:
    result = _run(
        "serve",
        env={
            "LLMGW_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'gw.db'}",
            "LLMGW_REDIS_URL": "redis://:hunter2@127.0.0.1:1/0",
        },
    )
    assert result.returncode != 0
    assert "store unreachable at redis://:***@127.0.0.1:1/0" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout


def test_a_bad_setting_names_the_variable() -> None:
    result = _run("serve", env={"LLMGW_SERVER__PORT": "not-a-port"})
    assert result.returncode == 2
    assert "LLMGW_SERVER__PORT" in result.stderr


def test_db_current_reports_the_revision(tmp_path: Path) -> None:
    env = {"LLMGW_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'gw.db'}"}
    assert _run("db", "upgrade", env=env).returncode == 0
    current = _run("db", "current", env=env)
    assert current.returncode == 0
    assert "(head)" in current.stdout


def test_a_missing_model_registry_is_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "llm_gateway.cli.main", "serve"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={
            **os.environ,
            "LLMGW_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'gw.db'}",
            "LLMGW_PROVIDERS__MODELS_FILE": "nowhere/models.yaml",
        },
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "MODELS_FILE" in line]
    assert len(lines) == 1, result.stderr  # one line says it all
    assert "nowhere/models.yaml not found" in lines[0]
    assert len(result.stderr.splitlines()) <= 2, result.stderr  # (plus the dev-secret warning)


@pytest.fixture
def unmigratable_database(backend: Backend, tmp_path: Path) -> Iterator[str]:
    """A database on ``backend``'s server where the first migration fails: ``users`` exists."""
    if backend.is_postgres:
        url = create_postgres_database("_unmigratable")
        raw = url.replace("postgresql+asyncpg://", "postgresql://", 1)

        async def occupy() -> None:
            conn = await asyncpg.connect(raw)
            try:
                await conn.execute("CREATE TABLE users (id text)")
            finally:
                await conn.close()

        asyncio.run(occupy())
        yield url
        drop_postgres_database(url)
    else:
        path = tmp_path / "gw.db"
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("CREATE TABLE users (id text)")
            conn.commit()
        yield f"sqlite+aiosqlite:///{path}"


def test_a_failed_migration_stops_serve_with_one_line_naming_the_step(
    unmigratable_database: str,
) -> None:
    result = _run("serve", "--port", "1", env={"LLMGW_DATABASE_URL": unmigratable_database})
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "serving on" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "migrat" in line]
    assert len(lines) == 1, result.stderr
    assert "migrating the database before serving failed" in lines[0]
    assert "db upgrade to heads failed" in lines[0]  # the step, as the child named it
    assert "table users already exists" in lines[0] or '"users" already exists' in lines[0]
