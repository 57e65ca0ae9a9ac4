"""SQLite's JSON usage batch leans on aiosqlite's private queue: a missing API takes the row path,
a closed connection is an outage to retry (not records to split and dead-letter)."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.repositories.usage_sqlite import insert_json_batch
from llm_gateway.services.usage.isolation import is_outage
from llm_gateway.services.usage.record import UsageEvent


class _Raw:
    def __init__(self, driver: object) -> None:
        self.driver_connection = driver


class _Connection:
    dialect = None

    def __init__(self, driver: object) -> None:
        self.driver = driver

    async def get_raw_connection(self) -> _Raw:
        return _Raw(self.driver)


class _Session:
    def __init__(self, driver: object) -> None:
        self.driver = driver

    async def connection(self) -> _Connection:
        return _Connection(self.driver)


class _Driver:
    """aiosqlite's Connection as the pinned version has it, its queue failing with ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    @property
    def _conn(self) -> sqlite3.Connection:
        return cast(sqlite3.Connection, None)

    async def _execute(self, fn: Any, *args: Any) -> Any:
        raise self.error


def _events() -> list[UsageEvent]:
    return [
        UsageEvent(
            request_id="req_1",
            source="proxy",
            endpoint="/v1/chat/completions",
            alias="cheap",
            user_id=uuid.uuid4(),
            api_key_id=None,
            deployment="d/openai/0",
            provider="openai",
            prompt_tokens=3,
            completion_tokens=4,
            cost_usd=0.1,
            latency_ms=12.5,
            ttft_ms=None,
            status_code=200,
            error_code=None,
            cache_hit=False,
            stream=False,
            created_at=datetime(2026, 12, 4, 12, tzinfo=UTC),
        )
    ]


async def _insert(driver: object) -> int | None:
    return await insert_json_batch(cast(AsyncSession, _Session(driver)), _events())


async def test_without_the_private_queue_the_batch_takes_the_row_path() -> None:
    assert await _insert(object()) is None


@pytest.mark.parametrize("message", ["Connection closed", "no active connection"])
async def test_a_closed_connection_is_an_outage(message: str) -> None:
    with pytest.raises(sa_exc.OperationalError) as info:
        await _insert(_Driver(ValueError(message)))
    assert is_outage(info.value)


async def test_another_value_error_is_not_taken_for_an_outage() -> None:
    with pytest.raises(ValueError, match="a bad record"):
        await _insert(_Driver(ValueError("a bad record")))
