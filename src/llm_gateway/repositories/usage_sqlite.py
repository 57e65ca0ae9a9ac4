"""SQLite: a usage batch loaded from one JSON parameter, with its rollups folded by SQLite.

The embedded default's writer runs inside the gateway process, so whatever it costs is the
gateway's CPU. The row path (multi-row ``VALUES`` through SQLAlchemy, rollups folded in Python)
spent ~45 µs of CPU per record, much of it Python holding the GIL. Here orjson (in C) encodes the
batch as one array of row arrays, and one call on the driver's thread runs every statement:
``json_each`` unpacks the rows straight into ``usage_records`` and SQLite folds the rows it
stored into the rollups and the latency histogram, inside ``sqlite3_step`` (without the GIL).
Python's share is the encoding (~1.5 µs a row) and one hop to the driver's thread.

Semantics are those of the row path, value for value:

* Ids: an id twice in one batch is stored and counted once, its first occurrence; an id already
  stored is skipped and not counted (``ON CONFLICT DO NOTHING``, rows inserted in batch order).
  The rows folded are those the insert stored: with the write lock taken first (``BEGIN
  IMMEDIATE``), they are the rows above the largest rowid read before it.
* Values are written as the row path's SQLAlchemy types write them: UUIDs as 32 hex digits,
  ``created_at`` as ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, booleans as 0/1. Floats go through
  JSON as their shortest repr, which SQLite reads back as the same double.
* Rollup sums: the new rows are folded in batch order by one upsert per row into a temporary
  table, then added to the stored rollup, exactly as the Python fold adds them (``sum()`` would
  not do: SQLite 3.43+ sums doubles with compensation, whose bits differ from a running sum).
* Anything the row path treats specially takes the row path itself, which stores it or fails on
  it as before: a naive or non-UTC ``created_at`` (the row path refuses the one, converts the
  other), a NaN or infinite float, an id that is not a ``uuid.UUID``, a value orjson cannot
  encode, and a table whose rowids reach SQLite's largest (then allotted at random).
"""

from __future__ import annotations

import asyncio
import math
import sqlite3
from collections.abc import Sequence
from datetime import UTC
from operator import attrgetter
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.models.usage import NO_ID, ROLLUPS, SUMMED
from llm_gateway.repositories.usage_pg import COLUMNS, ENCODE_CHUNK_ROWS, EVENT_COLUMNS
from llm_gateway.services.usage.record import UsageEvent, latency_bucket

_FIELDS = {name: i for i, name in enumerate(COLUMNS)}
_CREATED = EVENT_COLUMNS.index("created_at")
_COST, _LATENCY, _TTFT = (EVENT_COLUMNS.index(n) for n in ("cost_usd", "latency_ms", "ttft_ms"))
_UUIDS = ("id", "user_id", "api_key_id")
_ID, _USER, _KEY = (EVENT_COLUMNS.index(n) for n in _UUIDS)
_NO_ID = NO_ID.hex
_GET = attrgetter(*EVENT_COLUMNS)


def _value(name: str) -> str:
    """SQL for column ``name`` of the JSON row ``value``, as the row path would store it."""
    raw = f"json_extract(value, '$[{_FIELDS[name]}]')"
    if name in _UUIDS:
        return f"replace({raw}, '-', '')"  # orjson writes 8-4-4-4-12, the column holds 32 hex
    if name == "created_at":
        # orjson: 2026-12-04T16:18:44[.ffffff]+00:00 (no fraction when the microseconds are 0)
        return (
            f"substr({raw}, 1, 10) || ' ' || substr({raw}, 12, 8) || '.' || "
            f"iif(substr({raw}, 20, 1) = '.', substr({raw}, 21, 6), '000000')"
        )
    return raw


_NAMES = ", ".join(COLUMNS)
# Column names and SQL are the model's own and this module's constants: nothing is interpolated
# from input (S608 is about values, and there are none). Rows are inserted in batch order; the
# first row of an id is stored and a later one, or one already stored, skipped by the conflict.
#
# The rows are read through a MATERIALIZED copy: ``json_each`` renders an array element's
# ``value`` anew at every read, 25 times a row here, while ``json_extract`` keeps the parse of a
# text it has seen, so a stored copy is rendered and parsed once (18 -> 8 µs a row).
_INSERT = (
    "WITH batch (key, value) AS MATERIALIZED (SELECT key, value FROM json_each(:rows)) "  # noqa: S608
    f"INSERT INTO main.usage_records ({_NAMES}) "
    f"SELECT {', '.join(_value(c) for c in COLUMNS)} FROM batch "
    "WHERE true ORDER BY key ON CONFLICT (id) DO NOTHING"
)
_LAST_ROWID = "SELECT coalesce(max(rowid), 0) FROM main.usage_records"
# Under the write lock, SQLite numbers new rows from the largest rowid up: the rows this batch
# stored are exactly those above the largest rowid before it, in the order they were inserted.
_NEW = "main.usage_records WHERE rowid > :before"
MAX_ROWID = 2**63 - 1  # past it SQLite picks rowids at random: the row path takes the batch
_DIMS = {
    "day": "substr(created_at, 1, 10)",
    "user_id": f"coalesce(user_id, '{_NO_ID}')",
    "api_key_id": f"coalesce(api_key_id, '{_NO_ID}')",
    "alias": "alias",
}
# One row's contribution to each summed column (the Python fold's per-event terms).
_TERMS = {
    "requests": "1",
    "errors": "status_code >= 400 OR error_code IS NOT NULL",
    "cache_hits": "cache_hit",
    "prompt_tokens": "prompt_tokens",
    "completion_tokens": "completion_tokens",
    "cached_tokens": "cached_tokens",
    "cache_write_tokens": "cache_write_tokens",
    "cost_usd": "cost_usd",
    "latency_ms_sum": "latency_ms",
}
_SUM_TYPES = {"cost_usd": "REAL", "latency_ms_sum": "REAL"}


def _rollup_sql(table: str, keys: Sequence[str]) -> list[str]:
    fold = f"temp.usage_fold_{table}"
    columns = ", ".join((*keys, *SUMMED))
    key_list = ", ".join(keys)

    def adding(target: str) -> str:
        return ", ".join(f"{c} = {target}.{c} + excluded.{c}" for c in SUMMED)

    sums = ", ".join(f"{c} {_SUM_TYPES.get(c, 'INTEGER')} NOT NULL" for c in SUMMED)
    return [
        f"CREATE TEMP TABLE IF NOT EXISTS usage_fold_{table} "
        f"({', '.join(f'{k} TEXT NOT NULL' for k in keys)}, {sums}, PRIMARY KEY ({key_list}))",
        f"DELETE FROM {fold}",  # noqa: S608
        # Row by row in batch order: each sum is the running sum the Python fold computes.
        f"INSERT INTO {fold} ({columns}) "  # noqa: S608
        f"SELECT {', '.join(_DIMS[k] for k in keys)}, {', '.join(_TERMS[c] for c in SUMMED)} "
        f"FROM {_NEW} ORDER BY rowid "
        f"ON CONFLICT ({key_list}) DO UPDATE SET {adding(f'usage_fold_{table}')}",
        f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM {fold} "  # noqa: S608
        f"WHERE true ORDER BY {key_list} ON CONFLICT ({key_list}) DO UPDATE SET {adding(table)}",
    ]


_HISTOGRAM = (
    "INSERT INTO main.usage_latency_daily (day, metric, bucket, count) "  # noqa: S608
    "SELECT day, metric, bucket, count(*) FROM ("
    f"SELECT {_DIMS['day']} AS day, 0 AS metric, latency_bucket AS bucket FROM {_NEW} "
    f"UNION ALL SELECT {_DIMS['day']}, 1, ttft_bucket FROM {_NEW} "
    "AND ttft_bucket IS NOT NULL) WHERE true GROUP BY 1, 2, 3 "
    "ON CONFLICT (day, metric, bucket) "
    "DO UPDATE SET count = usage_latency_daily.count + excluded.count"
)


def _fold_statements() -> list[str]:
    statements = []
    for model, keys in ROLLUPS:
        statements += _rollup_sql(inspect(model).local_table.name, keys)
    return [*statements, _HISTOGRAM]


_FOLD = tuple(_fold_statements())


# The private parts of aiosqlite's Connection used below, and its errors once it is closed.
_DRIVER_API = ("_execute", "_conn")
_CLOSED = frozenset({"Connection closed", "no active connection"})


def _write(connection: sqlite3.Connection, rows: str, count: int) -> int | None:
    """The batch's statements, run on the driver's thread in one call (one hop, not ~15).

    How many rows were new, or None (nothing written) when the row path must take the batch.
    """
    if not connection.in_transaction:
        # The write lock first: nothing is stored between the rowid read here and the commit.
        connection.execute("BEGIN IMMEDIATE")
    before = connection.execute(_LAST_ROWID).fetchone()[0]
    if before > MAX_ROWID - count:
        return None
    connection.execute(_INSERT, {"rows": rows})
    # Not ``rowcount``: the sqlite3 module counts only statements that begin with INSERT.
    inserted: int = connection.execute("SELECT changes()").fetchone()[0]
    for statement in _FOLD:
        connection.execute(statement, {"before": before} if ":before" in statement else {})
    return inserted


def encode_rows(events: Sequence[UsageEvent]) -> str | None:
    """``events`` as JSON row arrays (no brackets), or None if the row path must take them."""
    rows: list[Any] = []
    get = _GET
    try:
        for e in events:
            values = get(e)
            ttft = values[_TTFT]
            if (
                values[_CREATED].tzinfo is not UTC
                or not math.isfinite(values[_COST] + values[_LATENCY])
                or (ttft is not None and not math.isfinite(ttft))
                or type(values[_ID]) is not UUID
                or (values[_USER] is not None and type(values[_USER]) is not UUID)
                or (values[_KEY] is not None and type(values[_KEY]) is not UUID)
            ):
                return None
            rows.append(
                (
                    *values,
                    latency_bucket(values[_LATENCY]),
                    None if ttft is None else latency_bucket(ttft),
                )
            )
        return orjson.dumps(rows).decode()[1:-1]
    except (ValueError, OverflowError, TypeError, AttributeError, orjson.JSONEncodeError):
        return None


async def insert_json_batch(session: AsyncSession, events: Sequence[UsageEvent]) -> int | None:
    """Insert and fold ``events``; how many rows were new, or None for the row path."""
    parts: list[str] = []
    for start in range(0, len(events), ENCODE_CHUNK_ROWS):
        if start:
            await asyncio.sleep(0)  # requests run between chunks: the loop is never held long
        part = encode_rows(events[start : start + ENCODE_CHUNK_ROWS])
        if part is None:
            return None
        parts.append(part)
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    # aiosqlite's own queue to its thread, as SQLAlchemy's adapter uses it (pinned versions): the
    # statements run back to back without a round trip through the event loop each.
    driver: Any = raw.driver_connection
    if not all(hasattr(type(driver), name) for name in _DRIVER_API):
        return None  # another aiosqlite: the row path, through the public API
    try:
        written = await driver._execute(_write, driver._conn, f"[{','.join(parts)}]", len(events))
    except sqlite3.Error as exc:
        # As SQLAlchemy would raise it: the writer tells outages from refused records by type.
        raise sa_exc.DBAPIError.instance(
            "usage batch", None, exc, sqlite3.Error, dialect=connection.dialect
        ) from exc
    except ValueError as exc:
        if str(exc) not in _CLOSED:
            raise
        # The connection closed under us: an outage to retry, not a batch to split.
        raise sa_exc.OperationalError("usage batch", None, exc) from exc
    return None if written is None else int(written)
