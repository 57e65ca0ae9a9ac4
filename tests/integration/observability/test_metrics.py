"""GET /metrics: who may read it, and that the figures match the traffic that was sent."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from llm_gateway.app import create_app
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.quotas.support import MASTER, chat, quota_settings, write_registry

METRICS_TOKEN = "prom-scrape-token-0123456789"
TIER = {"requests_per_minute": 4, "tokens_per_minute": 100_000, "max_concurrent": 50}


@pytest.fixture
def app(backend: Backend, fake: FakeUpstream, tmp_path: Path) -> FastAPI:
    models = write_registry(tmp_path, fake.base_url)
    settings = quota_settings(
        backend,
        models,
        {"enterprise": TIER},
        telemetry={"log_level": "WARNING", "metrics_token": METRICS_TOKEN},
    )
    return create_app(settings)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of the exposition, keyed by name and label set."""
    out: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def value(
    found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await client.get("/metrics", headers={"authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_metrics_need_the_token_or_an_admin(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 401
    wrong = await client.get("/metrics", headers={"authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    assert (await client.get("/metrics", headers=MASTER)).status_code == 200  # an admin


async def test_figures_follow_the_traffic(client: httpx.AsyncClient, app_state: AppState) -> None:
    oks = await asyncio.gather(
        *(client.post("/v1/chat/completions", json=chat("cheap"), headers=MASTER) for _ in range(3))
    )
    assert [r.status_code for r in oks] == [200, 200, 200]
    unknown = await client.post(
        "/v1/chat/completions", json=chat("no-such-model-\u00e9xyz"), headers=MASTER
    )
    assert unknown.status_code == 404
    limited = await client.post("/v1/chat/completions", json=chat("cheap"), headers=MASTER)
    limited = await client.post("/v1/chat/completions", json=chat("cheap"), headers=MASTER)
    assert limited.status_code == 429
    assert await app_state.usage.wait_idle()

    found = await scrape(client)
    route = "/v1/chat/completions"
    http = "llmgw_http_requests_total"
    assert value(found, http, route=route, method="POST", status="200") == 4
    assert value(found, http, route=route, method="POST", status="404") == 1
    assert value(found, http, route=route, method="POST", status="429") == 1
    served = value(
        found,
        "llmgw_llm_requests_total",
        endpoint=route,
        alias="cheap",
        provider="openai",
        deployment="cheap/openai/0",
        status="200",
    )
    assert served == 4
    prompt = value(found, "llmgw_llm_tokens_total", alias="cheap", kind="prompt")
    completion = value(found, "llmgw_llm_tokens_total", alias="cheap", kind="completion")
    assert prompt > 0
    assert completion > 0
    assert value(found, "llmgw_llm_cost_usd_total", alias="cheap", tier="small") > 0
    assert value(found, "llmgw_limit_rejections_total", limit="requests") == 1
    ok = value(
        found,
        "llmgw_upstream_attempts_total",
        provider="openai",
        deployment="cheap/openai/0",
        outcome="ok",
    )
    assert ok == 4
    assert value(found, "llmgw_usage_queue_depth") == 0
    assert value(found, "llmgw_usage_writer_events_total", event="written") == 6
    assert value(found, "llmgw_usage_batch_duration_seconds_count") >= 1
    assert value(found, "llmgw_backend_up", backend="database") == 1
    assert value(found, "llmgw_backend_up", backend="store") == 1
    assert value(found, "llmgw_http_request_duration_seconds_count", route=route) == 6


async def test_label_values_stay_bounded(client: httpx.AsyncClient, app_state: AppState) -> None:
    """Client-chosen strings (model names, paths) never become label values."""
    for name in ("secret-model-a", "secret-model-b"):
        response = await client.post("/v1/chat/completions", json=chat(name), headers=MASTER)
        assert response.status_code == 404
    assert (await client.get("/no/such/path/for-a-secret")).status_code == 404
    assert await app_state.usage.wait_idle()
    text = (await client.get("/metrics", headers={"authorization": f"Bearer {METRICS_TOKEN}"})).text
    assert "secret" not in text
    found = samples(text)
    llm = "llmgw_llm_requests_total"
    assert (
        value(
            found,
            llm,
            endpoint="/v1/chat/completions",
            alias="other",
            provider="none",
            deployment="none",
            status="404",
        )
        == 2
    )
    assert (
        value(found, "llmgw_http_requests_total", route="unmatched", method="GET", status="404")
        == 1
    )


async def test_metrics_can_be_switched_off(
    backend: Backend, fake: FakeUpstream, tmp_path: Path
) -> None:
    from asgi_lifespan import LifespanManager

    settings = quota_settings(
        backend,
        write_registry(tmp_path, fake.base_url),
        {"enterprise": TIER},
        telemetry={"log_level": "WARNING", "metrics_enabled": False},
    )
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            assert (await c.get("/metrics", headers=MASTER)).status_code == 404
