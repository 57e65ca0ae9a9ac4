"""PostgreSQL's one-statement usage batch (``repositories/usage_pg``) against the array path.

Every batch is written twice, once through the JSON statement and once through the array path
it replaced (``_insert_unnest`` + the rollups folded in Python), into emptied tables each time;
rows and rollups must come back identical, awkward values included.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from llm_gateway.core.config import DatabaseSettings
from llm_gateway.core.database import create_engine, create_session_factory, session_scope
from llm_gateway.models.usage import (
    UsageDaily,
    UsageDailyModel,
    UsageDailyUser,
    UsageLatencyDaily,
    UsageRecord,
)
from llm_gateway.repositories import usage as usage_repo
from llm_gateway.repositories import usage_pg
from llm_gateway.services.usage.record import UsageEvent
from tests.backends import Backend
from tests.conftest import truncate_all

TABLES = (UsageRecord, UsageDaily, UsageDailyModel, UsageDailyUser, UsageLatencyDaily)
USER, KEY = uuid.uuid4(), uuid.uuid4()


@pytest.fixture
async def factory(backend: Backend) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    if not backend.is_postgres:
        pytest.skip("the JSON batch is PostgreSQL's; SQLite keeps the row path")
    engine = create_engine(DatabaseSettings(url=backend.database_url))
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()
        await truncate_all(backend.database_url)


def _events() -> list[UsageEvent]:
    base = datetime(2026, 12, 4, 23, 59, 59, 999_999, tzinfo=UTC)
    events = [
        UsageEvent(
            request_id=f"req_{i}",
            source="proxy",
            endpoint="/v1/chat/completions",
            alias=("cheap", "mini", 'q"u\\o\nte\u00e9\U0001f600')[i % 3],
            user_id=(USER, None)[i % 2],
            api_key_id=(KEY, None, KEY)[i % 3],
            deployment="d/openai/0",
            provider="openai",
            prompt_tokens=i * 7,
            completion_tokens=2**31 - 1 if i == 5 else i,
            cost_usd=0.1 + i * 1e-17,
            latency_ms=0.999_999_999 + i * 1.15**i,
            ttft_ms=None if i % 4 else 1.15**i,
            status_code=(200, 429, 502)[i % 3],
            error_code=None if i % 3 == 0 else "x",
            cache_hit=i % 5 == 0,
            stream=i % 2 == 1,
            created_at=base + timedelta(microseconds=i),  # across midnight
        )
        for i in range(40)
    ]
    # Set after construction (the constructor would clean them): what the encoding must carry.
    events[1].cost_usd = math.nan
    events[2].cost_usd = math.inf
    events[3].ttft_ms = -math.inf
    events[5].latency_ms = -math.inf
    events[8].cost_usd = -0.0
    events[4].created_at = datetime(2026, 12, 5, 1, 30, tzinfo=timezone(timedelta(hours=5)))
    events[6].created_at = datetime(2026, 12, 4, 12, 0, 0)  # naive: taken as UTC
    events[7].created_at = datetime(2026, 12, 4, 12, 0, 0, tzinfo=UTC)  # no microseconds
    return events


def _copy(events: Sequence[UsageEvent]) -> list[UsageEvent]:
    out = []
    for e in events:
        copy = UsageEvent(**{name: getattr(e, name) for name in usage_pg.EVENT_COLUMNS})
        for name in ("cost_usd", "latency_ms", "ttft_ms"):  # undo the constructor's cleaning
            setattr(copy, name, getattr(e, name))
        out.append(copy)
    return out


def _same(value: Any) -> Any:
    return "nan" if isinstance(value, float) and math.isnan(value) else value


async def _snapshot(factory: async_sessionmaker[AsyncSession]) -> dict[str, list[tuple[Any, ...]]]:
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with session_scope(factory) as session:
        for model in TABLES:
            table: Any = model.__table__
            keys = [c for c in table.columns if c.primary_key]
            rows = (await session.execute(select(table).order_by(*keys))).all()
            tables[table.name] = [tuple(_same(v) for v in row) for row in rows]
    return tables


async def _write(
    factory: async_sessionmaker[AsyncSession],
    backend: Backend,
    events: Sequence[UsageEvent],
    *,
    json: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[int, dict[str, list[tuple[Any, ...]]]]:
    await truncate_all(backend.database_url)
    with monkeypatch.context() as patch:
        if not json:

            async def array_path(*_: object) -> None:
                return None

            patch.setattr(usage_pg, "insert_json_batch", array_path)
        async with session_scope(factory) as session:
            count = await usage_repo.insert_batch(session, events)
    return count, await _snapshot(factory)


async def test_json_batch_stores_what_the_array_path_stores(
    factory: async_sessionmaker[AsyncSession], backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _events()
    assert usage_pg.encode_batch(events) is not None  # the JSON path is taken
    monkeypatch.setattr(usage_pg, "ENCODE_CHUNK_ROWS", 7)  # encoded in chunks, joined
    json_count, json_rows = await _write(
        factory, backend, events, json=True, monkeypatch=monkeypatch
    )
    array_count, array_rows = await _write(
        factory, backend, _copy(events), json=False, monkeypatch=monkeypatch
    )
    assert json_count == array_count == len(events)
    for name in json_rows:
        for a, b in zip(json_rows[name], array_rows[name], strict=True):
            assert a == b, (name, a, b)
    stored = {row[-1]: row for row in json_rows["usage_records"]}  # id is the last column
    assert math.isnan(events[1].cost_usd)
    assert stored[events[1].id][15] == "nan"
    assert stored[events[2].id][15] == math.inf
    assert stored[events[3].id][17] == -math.inf
    assert stored[events[5].id][16] == -math.inf
    assert stored[events[4].id][0] == datetime(2026, 12, 4, 20, 30, tzinfo=UTC)
    assert stored[events[6].id][0] == datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    assert stored[events[0].id][6] == "cheap"
    assert stored[events[2].id][6] == 'q"u\\o\nte\u00e9\U0001f600'


async def test_a_resent_batch_adds_no_rows_and_no_rollups(
    factory: async_sessionmaker[AsyncSession], backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _events()
    count, _ = await _write(factory, backend, events, json=True, monkeypatch=monkeypatch)
    async with session_scope(factory) as session:
        again = await usage_repo.insert_batch(session, [*events[:10], *_events()[:3]])
    assert (count, again) == (len(events), 3)
    after = await _snapshot(factory)
    assert len(after["usage_records"]) == len(events) + 3
    requests = sum(row[2] for row in after["usage_daily_model"])  # (day, alias, requests, ...)
    assert requests == len(events) + 3


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("alias", "bad\ud800"),  # a lone surrogate: not UTF-8, orjson refuses it
        ("latency_ms", math.nan),  # no histogram bucket: the array path fails on it too
        ("prompt_tokens", 2**70),  # beyond 64 bits
    ],
)
def test_what_json_cannot_carry_exactly_takes_the_array_path(name: str, value: object) -> None:
    events = _events()
    setattr(events[9], name, value)  # after the constructor, which would have cleaned it
    assert usage_pg.encode_batch(events) is None
    assert usage_pg.encode_batch(_events()) is not None
