"""SQLite: a usage batch loaded from one JSON parameter, with its rollups folded by SQLite.

The embedded default's writer runs inside the gateway process, so whatever it costs is the
gateway's CPU. The row path (multi-row ``VALUES`` through SQLAlchemy, rollups folded in Python)
spent ~50 µs of CPU per record, most of it Python holding the GIL. Here orjson (in C) encodes the
batch as one array of row arrays; SQLite unpacks it with ``json_each`` into a temporary table,
drops the ids already stored, inserts the rest and folds them into the rollups and the latency
histogram, all inside ``sqlite3_step`` (which runs without the GIL). Python's share is the
encoding and a handful of statements.

Semantics are those of the row path, value for value:

* Ids: an id twice in one batch is stored and counted once, its first occurrence (the load
  keeps the first row of each id); an id already stored is skipped and not counted. The write
  lock is taken before the existing ids are read (``BEGIN IMMEDIATE``), so no other writer can
  store one of them in between.
* Values are written as the row path's SQLAlchemy types write them: UUIDs as 32 hex digits,
  ``created_at`` as ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, booleans as 0/1. Floats go through
  JSON as their shortest repr, which SQLite reads back as the same double.
* Rollup sums: rows are folded in batch order by one upsert per row into a temporary table, then
  added to the stored rollup, exactly as the Python fold adds them (``sum()`` would not do:
  SQLite 3.43+ sums doubles with compensation, so its bits differ from a plain running sum).
* Anything the row path treats specially takes the row path itself, which stores it or fails on
  it as before: a naive or non-UTC ``created_at`` (the row path refuses the one, converts the
  other), a NaN or infinite float, a value orjson cannot encode.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from datetime import UTC
from operator import attrgetter
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import inspect, text
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
_ORDER = "n"  # the row's place in the batch


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
# from input (S608 is about values, and there are none).
_BATCH_TABLE = (
    f"CREATE TEMP TABLE IF NOT EXISTS usage_batch ({_ORDER} INTEGER NOT NULL, {_NAMES}, "
    "PRIMARY KEY (id))"
)
_LOAD = (
    f"INSERT INTO temp.usage_batch ({_ORDER}, {_NAMES}) "  # noqa: S608
    f"SELECT key, {', '.join(_value(c) for c in COLUMNS)} FROM json_each(:rows) "
    # The first row of an id is kept: a later one would be counted twice.
    "WHERE true ORDER BY key ON CONFLICT (id) DO NOTHING"
)
_KNOWN = (
    "DELETE FROM temp.usage_batch WHERE EXISTS "
    "(SELECT 1 FROM main.usage_records AS r WHERE r.id = usage_batch.id)"
)
# No ON CONFLICT: every id left is new (the write lock is held), and a conflict would mean rows
# folded into the rollups that were not stored.
_INSERT = (
    f"INSERT INTO main.usage_records ({_NAMES}) "  # noqa: S608
    f"SELECT {_NAMES} FROM temp.usage_batch ORDER BY {_ORDER}"
)
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
        f"FROM temp.usage_batch WHERE true ORDER BY {_ORDER} "
        f"ON CONFLICT ({key_list}) DO UPDATE SET {adding(f'usage_fold_{table}')}",
        f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM {fold} "  # noqa: S608
        f"WHERE true ORDER BY {key_list} ON CONFLICT ({key_list}) DO UPDATE SET {adding(table)}",
    ]


_HISTOGRAM = (
    "INSERT INTO main.usage_latency_daily (day, metric, bucket, count) "  # noqa: S608
    "SELECT day, metric, bucket, count(*) FROM ("
    f"SELECT {_DIMS['day']} AS day, 0 AS metric, latency_bucket AS bucket FROM temp.usage_batch "
    f"UNION ALL SELECT {_DIMS['day']}, 1, ttft_bucket FROM temp.usage_batch "
    "WHERE ttft_bucket IS NOT NULL) WHERE true GROUP BY 1, 2, 3 "
    "ON CONFLICT (day, metric, bucket) "
    "DO UPDATE SET count = usage_latency_daily.count + excluded.count"
)


def _fold_statements() -> list[Any]:
    statements = []
    for model, keys in ROLLUPS:
        statements += [text(sql) for sql in _rollup_sql(inspect(model).local_table.name, keys)]
    return [*statements, text(_HISTOGRAM), text("DELETE FROM temp.usage_batch")]


PREPARE = (text(_BATCH_TABLE), text("DELETE FROM temp.usage_batch"))
LOAD, KNOWN, INSERT = text(_LOAD), text(_KNOWN), text(_INSERT)
FOLD = tuple(_fold_statements())


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
    if not raw.driver_connection.in_transaction:  # type: ignore[union-attr]
        # The write lock first: the ids read below stay the stored ones until the commit.
        await session.execute(text("BEGIN IMMEDIATE"))
    for statement in PREPARE:
        await session.execute(statement)
    await session.execute(LOAD, {"rows": f"[{','.join(parts)}]"})
    await session.execute(KNOWN)
    inserted = (await session.execute(INSERT)).rowcount  # type: ignore[attr-defined]
    for statement in FOLD:
        await session.execute(statement)
    return int(inserted)
