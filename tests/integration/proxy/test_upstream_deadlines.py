"""Hung and garbage-answering upstreams: bounded waits, retries and fallbacks (issue 10).

Before: a non-streamed call had no first-byte timeout (a hung upstream cost ``total_s`` x
attempts before the fallback was tried: 362 s on ``demo``), and a 200 with a malformed body was
neither retried nor failed over.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from llm_gateway.app import create_app
from llm_gateway.fake_upstream import Behaviour, FakeUpstream
from tests.backends import Backend
from tests.conftest import truncate_all
from tests.integration.proxy.conftest import AUTH, proxy_settings


def _chat(alias: str) -> dict[str, object]:
    return {"model": alias, "messages": [{"role": "user", "content": "hi"}]}


async def test_a_hung_non_streamed_upstream_times_out_and_the_fallback_serves(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    fake.script("hung", Behaviour("hang", seconds=60, times=10))
    started = time.monotonic()
    reply = await client.post("/v1/chat/completions", json=_chat("hung"), headers=AUTH)
    elapsed = time.monotonic() - started
    assert reply.status_code == 200, reply.text
    assert reply.json()["model"] == "backup"
    assert elapsed < 10  # 3 attempts x response_s (0.5 s), not 3 x total_s (30 s)


async def test_garbage_200s_fail_over_to_the_fallback(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    fake.script("primary", Behaviour("non_json", times=10))
    reply = await client.post("/v1/chat/completions", json=_chat("primary"), headers=AUTH)
    assert reply.status_code == 200, reply.text
    assert reply.json()["model"] == "backup"


async def test_the_request_deadline_bounds_every_attempt_together(
    backend: Backend, fake: FakeUpstream, models_file: Path
) -> None:
    settings = proxy_settings(backend, models_file, providers={"request_deadline_s": 1.0})
    fake.script("patient", Behaviour("hang", seconds=60, times=10))
    try:
        async with LifespanManager(create_app(settings), shutdown_timeout=30) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                started = time.monotonic()
                reply = await client.post(
                    "/v1/chat/completions", json=_chat("patient"), headers=AUTH
                )
                elapsed = time.monotonic() - started
    finally:
        await truncate_all(backend.database_url)
    assert reply.status_code in (503, 504), reply.text
    assert elapsed < 10  # the deadline (1 s), not response_s (120 s) x 3 attempts
