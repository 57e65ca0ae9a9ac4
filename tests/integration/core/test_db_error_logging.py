"""A database error never logs the values it failed on (hashes, key HMACs, chat text)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from llm_gateway.app import create_app
from llm_gateway.core.config import Settings
from llm_gateway.core.logging import configure_logging, get_logger
from llm_gateway.dependencies import SessionDep
from tests.integration.auth.test_secrets import _uncache_loggers

SECRET_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0LXNhbHQ$TOPSECRETHASHVALUE"
SECRET_TEXT = "my private chat message 7f3c"


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    app = create_app(settings)
    log = get_logger("tests.db_error")

    @app.post("/_test/db-error")
    async def fail(session: SessionDep) -> None:
        # email_normalized is NOT NULL: PostgreSQL's DETAIL quotes the whole failing row, and
        # SQLAlchemy's message quotes every bound parameter.
        statement = text(
            "INSERT INTO users (id, email, email_normalized, password_hash, display_name)"
            " VALUES (:id, :email, NULL, :hash, :name)"
        )
        values = {
            "id": str(uuid.uuid4()),
            "email": "a@b.c",
            "hash": SECRET_HASH,
            "name": SECRET_TEXT,
        }
        try:
            await session.execute(statement, values)
        except Exception as exc:
            log.warning("background job failed", error=f"{type(exc).__name__}: {exc}")
            raise

    return app


async def test_a_failed_insert_logs_neither_parameters_nor_the_failing_row(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    # The production configuration, writing to the captured stderr; module loggers rebind to it.
    configure_logging(level="INFO")
    _uncache_loggers()
    try:
        response = await client.post("/_test/db-error")
        logged = capsys.readouterr().err
    finally:
        with capsys.disabled():
            configure_logging(level="INFO")
        _uncache_loggers()
    assert response.status_code == 500
    assert "IntegrityError" in logged  # the error itself is still there to debug
    assert "INSERT INTO users" in logged
    assert "TOPSECRETHASHVALUE" not in logged
    assert SECRET_TEXT not in logged
