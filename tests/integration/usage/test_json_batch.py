"""The JSON usage batches (``repositories/usage_pg``, ``usage_sqlite``) against the paths they
replaced.

Every batch is written twice, once through the JSON statements and once through the path they
replaced (PostgreSQL: ``_insert_unnest``; SQLite: multi-row inserts; both with the rollups folded
in Python), into emptied tables each time; rows and rollups must come back identical, awkward
values included.
"""

from __future__ import annotations

import math
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select, text
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
from llm_gateway.repositories import usage_pg, usage_sqlite
from llm_gateway.services.usage.record import UsageEvent
from tests.backends import Backend
from tests.conftest import truncate_all

TABLES = (UsageRecord, UsageDaily, UsageDailyModel, UsageDailyUser, UsageLatencyDaily)
USER, KEY = uuid.uuid4(), uuid.uuid4()


@pytest.fixture
async def any_factory(backend: Backend) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(DatabaseSettings(url=backend.database_url))
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()
        await truncate_all(backend.database_url)


@pytest.fixture
def postgres_factory(
    backend: Backend, any_factory: async_sessionmaker[AsyncSession]
) -> async_sessionmaker[AsyncSession]:
    if not backend.is_postgres:
        pytest.skip("non-finite floats and naive timestamps are PostgreSQL's (SQLite refuses them)")
    return any_factory


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
            patch.setattr(usage_sqlite, "insert_json_batch", array_path)
        async with session_scope(factory) as session:
            count = await usage_repo.insert_batch(session, events)
    return count, await _snapshot(factory)


async def _compare(
    factory: async_sessionmaker[AsyncSession], backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[UsageEvent], dict[Any, tuple[Any, ...]]]:
    """Write ``_events()`` through both paths, which must store the same: events, rows by id."""
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
    assert stored[events[6].id][0] == datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # naive: UTC
    return events, stored


async def test_json_batch_stores_what_the_array_path_stores(
    postgres_factory: async_sessionmaker[AsyncSession],
    backend: Backend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events, stored = await _compare(postgres_factory, backend, monkeypatch)
    assert stored[events[1].id][15] == "nan"
    assert stored[events[2].id][15] == math.inf
    assert stored[events[3].id][17] == -math.inf
    assert stored[events[5].id][16] == -math.inf
    assert stored[events[4].id][0] == datetime(2026, 12, 4, 20, 30, tzinfo=UTC)
    assert stored[events[0].id][6] == "cheap"
    assert stored[events[2].id][6] == 'q"u\\o\nte\u00e9\U0001f600'


@pytest.fixture
def local_time_not_utc() -> Iterator[None]:
    """The process's local time zone set to UTC-5 (asyncpg reads naive datetimes as local)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "EST5"  # POSIX form: no tz database needed
    time.tzset()
    try:
        assert time.timezone == 5 * 3600
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.mark.usefixtures("local_time_not_utc")
async def test_a_naive_timestamp_is_utc_on_both_paths_whatever_the_local_zone(
    postgres_factory: async_sessionmaker[AsyncSession],
    backend: Backend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _compare(postgres_factory, backend, monkeypatch)


@pytest.mark.parametrize("json", [True, False], ids=["json", "rows"])
async def test_an_id_twice_in_one_batch_is_stored_and_counted_once(
    any_factory: async_sessionmaker[AsyncSession],
    backend: Backend,
    monkeypatch: pytest.MonkeyPatch,
    json: bool,
) -> None:
    """Both paths of each backend (JSON; arrays or rows)."""
    # Cleaned and UTC: SQLite refuses NaN and naive timestamps, and its JSON path takes UTC only.
    events = _clean_utc_events()[:10]
    again = _copy([events[3], events[0]])
    again[0].prompt_tokens = again[1].prompt_tokens = 10**6  # the first occurrence is kept
    batch = [*events[:5], again[0], *events[5:], again[1], *_copy([events[7]])]
    if json and not backend.is_postgres:
        assert usage_sqlite.encode_rows(batch) is not None  # the JSON path is taken
    count, tables = await _write(any_factory, backend, batch, json=json, monkeypatch=monkeypatch)
    assert count == len(events)
    records = tables["usage_records"]
    assert len(records) == len(events)
    assert {row[_at(UsageRecord, "id")] for row in records} == {e.id for e in events}
    tokens = sum(row[_at(UsageRecord, "prompt_tokens")] for row in records)
    assert tokens == sum(e.prompt_tokens for e in events)
    for model in (UsageDaily, UsageDailyModel, UsageDailyUser):
        rollup = tables[model.__tablename__]
        assert sum(row[_at(model, "requests")] for row in rollup) == len(events), model
        assert sum(row[_at(model, "prompt_tokens")] for row in rollup) == tokens, model
    samples = len(events) + sum(e.ttft_ms is not None for e in events)
    histogram = tables["usage_latency_daily"]
    assert sum(row[_at(UsageLatencyDaily, "count")] for row in histogram) == samples


def _at(model: Any, column: str) -> int:
    """Where ``column`` is in a ``_snapshot`` row of ``model``'s table."""
    return [c.name for c in model.__table__.columns].index(column)


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


def _clean_utc_events() -> list[UsageEvent]:
    """``_events()`` as the constructor cleans them, every timestamp aware UTC (SQLite's JSON path
    takes only those), -0.0 kept."""
    events = [
        UsageEvent(**{name: getattr(e, name) for name in usage_pg.EVENT_COLUMNS}) for e in _events()
    ]
    events[4].created_at = events[4].created_at.astimezone(UTC)
    events[6].created_at = events[6].created_at.replace(tzinfo=UTC)
    return events


def _exact(tables: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """Floats by their bits: ``==`` would take -0.0 for 0.0."""
    return {
        name: [tuple(v.hex() if isinstance(v, float) else v for v in row) for row in rows]
        for name, rows in tables.items()
    }


async def test_sqlite_json_batch_stores_what_the_row_path_stores(
    any_factory: async_sessionmaker[AsyncSession],
    backend: Backend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two batches, the second re-sending the first's ids: stored ids are skipped, not counted,
    and the rollups are added to the rows the first batch made, bit for bit as the row path."""
    if backend.is_postgres:
        pytest.skip("SQLite's JSON batch")
    events = _clean_utc_events()
    assert usage_sqlite.encode_rows(events) is not None  # the JSON path is taken
    monkeypatch.setattr(usage_sqlite, "ENCODE_CHUNK_ROWS", 7)  # encoded in chunks, joined
    results = []
    for json in (True, False):
        await truncate_all(backend.database_url)
        with monkeypatch.context() as patch:
            if not json:

                async def row_path(*_: object) -> None:
                    return None

                patch.setattr(usage_sqlite, "insert_json_batch", row_path)
            counts = []
            for batch in (events[:25], _copy(events)):
                async with session_scope(any_factory) as session:
                    counts.append(await usage_repo.insert_batch(session, batch))
        results.append((counts, _exact(await _snapshot(any_factory))))
    (json_counts, json_rows), (row_counts, row_rows) = results
    assert json_counts == row_counts == [25, len(events) - 25]
    for name in json_rows:
        assert len(json_rows[name]) == len(row_rows[name]), name
        for a, b in zip(json_rows[name], row_rows[name], strict=True):
            assert a == b, (name, a, b)
    assert len(json_rows["usage_records"]) == len(events)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("alias", "bad\ud800"),  # not UTF-8: the row path fails on it as before
        ("cost_usd", math.nan),  # SQLite stores NaN as NULL: the row path's NOT NULL refuses it
        ("latency_ms", math.inf),
        ("ttft_ms", -math.inf),
        ("created_at", datetime(2026, 12, 4, 12, 0)),  # naive: the row path refuses it
        ("created_at", datetime(2026, 12, 5, 1, 30, tzinfo=timezone(timedelta(hours=5)))),
        ("user_id", "not a uuid"),
    ],
)
def test_what_sqlite_json_does_not_take_goes_the_row_path(name: str, value: object) -> None:
    events = _clean_utc_events()
    setattr(events[9], name, value)  # after the constructor, which would have cleaned it
    assert usage_sqlite.encode_rows(events) is None
    assert usage_sqlite.encode_rows(_clean_utc_events()) is not None


async def test_sqlite_rowids_at_their_limit_send_the_batch_the_row_path(
    any_factory: async_sessionmaker[AsyncSession], backend: Backend
) -> None:
    """Past the largest rowid SQLite picks new ones at random: the rows a batch stored could no
    longer be told by rowid, so the row path stores and folds it."""
    if backend.is_postgres:
        pytest.skip("SQLite's JSON batch")
    events = _clean_utc_events()
    async with session_scope(any_factory) as session:
        await usage_repo.insert_batch(session, events[:1])
        await session.execute(
            text("UPDATE usage_records SET rowid = :top"), {"top": usage_sqlite.MAX_ROWID - 5}
        )
    async with session_scope(any_factory) as session:
        assert await usage_repo.insert_batch(session, events) == len(events) - 1
    tables = await _snapshot(any_factory)
    assert len(tables["usage_records"]) == len(events)
    for model in (UsageDaily, UsageDailyModel, UsageDailyUser):
        rollup = tables[model.__tablename__]
        assert sum(row[_at(model, "requests")] for row in rollup) == len(events), model
