"""The admin dashboard: traffic, cost, errors, latency percentiles and top users/models.

A window is split into whole UTC days, read from the daily rollups, and the partial days at its
edges, read from raw rows, so its cost does not grow with the rows in it. Percentiles are exact
(``percentile_cont`` on PostgreSQL, computed in Python on SQLite) when the window holds no whole
day; otherwise they come from the per-day latency histogram merged with the edges' buckets,
within ~7% of the exact value (``percentiles_exact`` says which).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.models.usage import METRIC_LATENCY, METRIC_TTFT, NO_ID
from llm_gateway.repositories import admin as admin_repo
from llm_gateway.repositories import usage as usage_repo
from llm_gateway.schemas.admin import DashboardResponse, Percentiles, TopModel, TopUser
from llm_gateway.services.usage.ranges import Window
from llm_gateway.services.usage.record import bucket_value

FRACTIONS = (0.5, 0.95)
RankBy = str  # "requests" | "tokens" | "cost"


def _add(into: list[float], row: Sequence[Any]) -> None:
    for i, value in enumerate(row):
        into[i] += float(value or 0)


def _merge(groups: dict[Any, list[float]], rows: Iterable[Sequence[Any]]) -> None:
    for row in rows:
        key = None if row[0] == NO_ID else row[0]
        _add(groups.setdefault(key, [0.0] * 8), row[1:])


def _totals(sums: Sequence[float]) -> dict[str, Any]:
    return {
        "requests": int(sums[0]),
        "errors": int(sums[1]),
        "prompt_tokens": int(sums[2]),
        "completion_tokens": int(sums[3]),
        "cached_tokens": int(sums[4]),
        "cache_write_tokens": int(sums[7]),
        "total_tokens": int(sums[2] + sums[3]),
        "cost_usd": round(sums[5], 8),
    }


def histogram_percentile(histogram: Mapping[int, int], fraction: float) -> float | None:
    """The percentile read from bucket counts (rank as ``percentile_cont`` places it)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = fraction * (total - 1)
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen > rank:
            return round(bucket_value(bucket), 3)
    return round(bucket_value(max(histogram)), 3)


def _rank_key(rank_by: RankBy) -> Any:
    index = {"requests": 0, "cost": 5}.get(rank_by)
    if index is None:  # tokens
        return lambda item: (item[1][2] + item[1][3], item[1][0])
    return lambda item: (item[1][index], item[1][0])


async def _percentiles(
    session: AsyncSession, w: Window, days: tuple[Any, Any] | None, edges: list[Any], ttft: bool
) -> Percentiles:
    if days is None:
        values = await admin_repo.raw_percentiles(session, w.start, w.end, ttft, FRACTIONS)
        return Percentiles(
            p50=None if values[0] is None else round(values[0], 3),
            p95=None if values[1] is None else round(values[1], 3),
        )
    metric = METRIC_TTFT if ttft else METRIC_LATENCY
    histogram = await admin_repo.rollup_histogram(session, days[0], days[1], metric)
    for a, b in edges:
        for bucket, count in (await admin_repo.raw_histogram(session, a, b, ttft)).items():
            histogram[bucket] = histogram.get(bucket, 0) + count
    return Percentiles(
        p50=histogram_percentile(histogram, FRACTIONS[0]),
        p95=histogram_percentile(histogram, FRACTIONS[1]),
    )


async def dashboard(
    session: AsyncSession,
    w: Window,
    *,
    top_n: int,
    rank_by: RankBy,
    counters: dict[str, int],
) -> DashboardResponse:
    """Every dashboard figure for window ``w``."""
    await usage_repo.use_custom_plans(session)
    days, edges = w.split()
    totals = [0.0] * 8
    users: dict[uuid.UUID | None, list[float]] = {}
    models: dict[str, list[float]] = {}
    if days is not None:
        for row in await admin_repo.rollup_by(session, days[0], days[1], None):
            _add(totals, row)
        _merge(users, await admin_repo.rollup_by(session, days[0], days[1], "user"))
        _merge(models, await admin_repo.rollup_by(session, days[0], days[1], "model"))
    for a, b in edges:
        for row in await admin_repo.raw_by(session, a, b, None):
            _add(totals, row)
        _merge(users, await admin_repo.raw_by(session, a, b, "user"))
        _merge(models, await admin_repo.raw_by(session, a, b, "model"))
    key = _rank_key(rank_by)
    top_users = sorted(users.items(), key=key, reverse=True)[:top_n]
    top_models = sorted(models.items(), key=key, reverse=True)[:top_n]
    emails = await admin_repo.user_emails(session, [u for u, _ in top_users if u is not None])
    summary = _totals(totals)
    return DashboardResponse(
        start=w.start,
        end=w.end,
        error_rate=round(summary["errors"] / summary["requests"], 6)
        if summary["requests"]
        else 0.0,
        latency_ms=await _percentiles(session, w, days, edges, ttft=False),
        ttft_ms=await _percentiles(session, w, days, edges, ttft=True),
        percentiles_exact=days is None,
        top_users=[
            TopUser(user_id=u, email=emails.get(u) if u else None, **_totals(s))
            for u, s in top_users
        ],
        top_models=[TopModel(model=m, **_totals(s)) for m, s in top_models],
        counters=counters,
        **summary,
    )
