"""The dashboard and usage reports agree with the raw usage rows they summarise."""

from __future__ import annotations

import csv
import io
import random
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.core.database import session_scope
from llm_gateway.repositories import usage as usage_repo
from llm_gateway.repositories.admin import interpolate
from llm_gateway.services.usage.record import UsageEvent
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.quotas.support import MASTER, quota_settings, write_registry

USERS = [uuid.uuid4() for _ in range(3)]
KEYS = [uuid.uuid4() for _ in range(3)]
ALIASES = ["cheap", "mini", "big"]
BASE = datetime.combine(datetime.now(UTC).date(), datetime.min.time(), UTC) - timedelta(days=6)


def _events(count: int = 400) -> list[UsageEvent]:
    rng = random.Random(7)
    events = []
    for i in range(count):
        who = rng.choices(range(4), weights=[50, 25, 15, 10])[0]
        stream = rng.random() < 0.4
        events.append(
            UsageEvent(
                request_id=f"req_{i}",
                source="proxy",
                endpoint="/v1/chat/completions",
                alias=rng.choices(ALIASES, weights=[60, 30, 10])[0],
                user_id=USERS[who] if who < 3 else None,
                api_key_id=KEYS[who] if who < 3 and rng.random() < 0.5 else None,
                prompt_tokens=rng.randint(1, 500),
                completion_tokens=rng.randint(0, 800),
                cost_usd=rng.random() / 100,
                latency_ms=rng.uniform(5, 4000),
                ttft_ms=rng.uniform(1, 600) if stream else None,
                stream=stream,
                status_code=rng.choices([200, 429, 500], weights=[90, 6, 4])[0],
                created_at=BASE + timedelta(seconds=rng.uniform(0, 4 * 86400)),
            )
        )
    return events


EVENTS = _events()


@pytest.fixture
def app(backend: Backend, tmp_path: Path) -> FastAPI:
    models = write_registry(tmp_path, "http://127.0.0.1:9")
    return create_app(quota_settings(backend, models, {"enterprise": {}}))


@pytest.fixture
async def seeded(app_state: AppState) -> AppState:
    async with session_scope(app_state.session_factory) as session:
        for i in range(0, len(EVENTS), 150):
            await usage_repo.insert_batch(session, EVENTS[i : i + 150])
    return app_state


def _within(start: datetime, end: datetime) -> list[UsageEvent]:
    return [e for e in EVENTS if start <= e.created_at < end]


async def _dashboard(
    client: httpx.AsyncClient, start: datetime, end: datetime
) -> dict[str, object]:
    response = await client.get(
        "/admin/dashboard",
        params={"start": start.isoformat(), "end": end.isoformat(), "top": 3},
        headers=MASTER,
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def _check_totals(body: dict[str, object], events: list[UsageEvent]) -> None:
    assert body["requests"] == len(events)
    errors = sum(1 for e in events if e.status_code >= 400)
    assert body["errors"] == errors
    assert body["error_rate"] == pytest.approx(errors / len(events), abs=1e-6)
    assert body["prompt_tokens"] == sum(e.prompt_tokens for e in events)
    assert body["completion_tokens"] == sum(e.completion_tokens for e in events)
    assert body["total_tokens"] == sum(e.prompt_tokens + e.completion_tokens for e in events)
    assert body["cost_usd"] == pytest.approx(sum(e.cost_usd for e in events), abs=1e-6)
    by_user = Counter(e.user_id for e in events)
    top_users = body["top_users"]
    assert isinstance(top_users, list)
    assert [(u["user_id"], u["requests"]) for u in top_users] == [
        (None if u is None else str(u), n) for u, n in by_user.most_common(3)
    ]
    by_model = Counter(e.alias for e in events)
    top_models = body["top_models"]
    assert isinstance(top_models, list)
    assert [(m["model"], m["requests"]) for m in top_models] == by_model.most_common(3)


async def test_dashboard_within_a_day_matches_raw_rows_exactly(
    client: httpx.AsyncClient, seeded: AppState
) -> None:
    start, end = BASE + timedelta(days=2, hours=1), BASE + timedelta(days=2, hours=22)
    body = await _dashboard(client, start, end)
    events = _within(start, end)
    _check_totals(body, events)
    assert body["percentiles_exact"] is True
    latencies = sorted(e.latency_ms for e in events)
    ttfts = sorted(e.ttft_ms for e in events if e.ttft_ms is not None)
    assert body["latency_ms"] == {
        "p50": pytest.approx(interpolate(latencies, 0.5), abs=1e-3),
        "p95": pytest.approx(interpolate(latencies, 0.95), abs=1e-3),
    }
    assert body["ttft_ms"] == {
        "p50": pytest.approx(interpolate(ttfts, 0.5), abs=1e-3),
        "p95": pytest.approx(interpolate(ttfts, 0.95), abs=1e-3),
    }


async def test_dashboard_across_days_matches_raw_rows(
    client: httpx.AsyncClient, seeded: AppState
) -> None:
    start, end = BASE + timedelta(hours=7), BASE + timedelta(days=3, hours=13)
    body = await _dashboard(client, start, end)
    events = _within(start, end)
    _check_totals(body, events)
    assert body["percentiles_exact"] is False  # whole days came from the histogram
    latencies = sorted(e.latency_ms for e in events)
    for name in ("p50", "p95"):
        exact = interpolate(latencies, 0.5 if name == "p50" else 0.95)
        assert exact is not None
        got = body["latency_ms"][name]  # type: ignore[index]
        assert abs(got - exact) / exact < 0.08


async def test_usage_report_groups_pages_and_exports(
    client: httpx.AsyncClient, seeded: AppState
) -> None:
    params: dict[str, Any] = {
        "start": BASE.date().isoformat(),
        "end": (BASE + timedelta(days=4)).date().isoformat(),
    }
    by_day = (await client.get("/admin/usage", params=params, headers=MASTER)).json()
    per_day = Counter(e.created_at.date().isoformat() for e in EVENTS)
    assert {r["day"]: r["requests"] for r in by_day["items"]} == dict(per_day)

    grouped = {**params, "group_by": "model,user", "page_size": 4}
    first = (await client.get("/admin/usage", params=grouped, headers=MASTER)).json()
    expected_groups = Counter((e.alias, e.user_id) for e in EVENTS)
    assert first["total"] == len(expected_groups)
    assert len(first["items"]) == 4
    pages = [first]
    for page in range(2, -(-first["total"] // 4) + 1):
        pages.append(
            (
                await client.get("/admin/usage", params={**grouped, "page": page}, headers=MASTER)
            ).json()
        )
    seen = {
        (r["model"], None if r["user_id"] is None else uuid.UUID(r["user_id"])): r["requests"]
        for p in pages
        for r in p["items"]
    }
    assert seen == dict(expected_groups)

    one_user = {**params, "group_by": "key", "user_id": str(USERS[0])}
    keyed = (await client.get("/admin/usage", params=one_user, headers=MASTER)).json()
    assert sum(r["requests"] for r in keyed["items"]) == sum(
        1 for e in EVENTS if e.user_id == USERS[0]
    )

    exported = await client.get(
        "/admin/usage", params={**params, "group_by": "day,model", "format": "csv"}, headers=MASTER
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == len({(e.created_at.date(), e.alias) for e in EVENTS})
    assert sum(int(r["requests"]) for r in rows) == len(EVENTS)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/admin/usage", {"start": "2026-03-05", "end": "2026-03-01"}),
        ("/admin/usage", {"start": "1900-01-01", "end": "1900-02-01"}),
        ("/admin/usage", {"group_by": "day,planet"}),
        ("/admin/usage", {"group_by": "day,day"}),
        ("/admin/usage", {"page": 0}),
        ("/admin/usage", {"page_size": 5000}),
        ("/admin/usage", {"format": "xml"}),
        ("/admin/dashboard", {"start": "2026-03-05T00:00:00Z", "end": "2026-03-01T00:00:00Z"}),
        ("/admin/dashboard", {"start": "2020-01-01T00:00:00Z", "end": "2021-01-01T00:00:00Z"}),
        ("/admin/dashboard", {"top": 0}),
        # Absurd dates must be refused, not overflow date arithmetic into a 500.
        ("/admin/usage", {"end": "0001-01-01"}),
        ("/admin/usage", {"start": "0001-01-01"}),
        ("/admin/usage", {"start": "9999-12-31"}),
        ("/admin/usage", {"end": "9999-12-31"}),
        ("/admin/usage", {"start": "2026-02-30"}),
        ("/admin/usage", {"user_id": "not-a-uuid"}),
        ("/admin/usage", {"page": "two"}),
        ("/admin/usage", {"page_size": -1}),
        ("/admin/usage", {"model": "m" * 500}),
        ("/admin/dashboard", {"end": "0001-01-01T00:00:00"}),
        ("/admin/dashboard", {"start": "0001-01-01T00:00:00+05:00"}),
        ("/admin/dashboard", {"end": "0001-01-01T01:00:00+00:00"}),
        ("/admin/dashboard", {"start": "9999-12-31T23:59:59-05:00"}),
        ("/admin/dashboard", {"end": "9999-12-31T23:59:59"}),
        ("/admin/dashboard", {"start": "yesterday"}),
        ("/admin/dashboard", {"rank_by": "vibes"}),
    ],
)
async def test_bad_report_parameters_are_422(
    client: httpx.AsyncClient, path: str, params: dict[str, Any]
) -> None:
    response = await client.get(path, params=params, headers=MASTER)
    assert response.status_code == 422, response.text
