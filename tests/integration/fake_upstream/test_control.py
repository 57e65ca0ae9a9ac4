"""The fake upstream's knobs and its HTTP control API (``/_fake/...``) and CLI."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from typing import Any

import aiohttp
import pytest

from llm_gateway.fake_upstream import Behaviour, FakeUpstream, Knobs

CHAT = {"model": "demo", "messages": [{"role": "user", "content": "hi"}]}


async def test_http_script_fails_n_times_then_succeeds(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    script = {"model": "demo", "behaviours": [{"status": 503, "times": 2, "retry_after_s": 1}]}
    async with http.post(fake.base_url + "/_fake/script", json=script) as resp:
        assert resp.status == 200
    statuses = []
    for _ in range(3):
        async with http.post(fake.base_url + "/v1/chat/completions", json=CHAT) as resp:
            statuses.append((resp.status, resp.headers.get("retry-after")))
    assert statuses == [(503, "1"), (503, "1"), (200, None)]


async def test_wildcard_script_applies_to_unscripted_models(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        fake.base_url + "/_fake/script", json={"model": "*", "behaviours": [{"status": 500}]}
    ) as resp:
        assert resp.status == 200
    async with http.post(
        fake.base_url + "/v1/chat/completions", json={**CHAT, "model": "other"}
    ) as resp:
        assert resp.status == 500
        assert (await resp.json())["error"]["type"] == "server_error"


async def test_request_log_and_reset(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    headers = {"authorization": "Bearer sk-visible"}
    async with http.post(fake.base_url + "/v1/chat/completions", json=CHAT, headers=headers):
        pass
    async with http.get(fake.base_url + "/_fake/requests", params={"model": "demo"}) as resp:
        logged = (await resp.json())["requests"]
    assert logged[0]["body"] == CHAT
    assert logged[0]["headers"]["authorization"] == "Bearer sk-visible"
    async with http.post(fake.base_url + "/_fake/reset"):
        pass
    assert fake.requests() == []


@pytest.mark.parametrize(
    "script",
    [
        {"model": "demo", "behaviours": [{"kind": "explode"}]},
        {"model": "demo", "behaviours": [{"status": 500, "bogus": 1}]},
        {"model": "demo", "knobs": {"latency": 1}},
        {"model": 3},
    ],
)
async def test_bad_scripts_are_refused(
    fake: FakeUpstream, http: aiohttp.ClientSession, script: dict[str, object]
) -> None:
    async with http.post(fake.base_url + "/_fake/script", json=script) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"]


async def test_per_model_knobs_override_globals(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.script("demo", reply_words=3)
    async with http.post(fake.base_url + "/v1/chat/completions", json=CHAT) as resp:
        body = await resp.json()
    assert body["choices"][0]["message"]["content"] == "word1 word2 word3"
    async with http.post(
        fake.base_url + "/v1/chat/completions", json={**CHAT, "model": "demo-large"}
    ) as resp:
        assert (await resp.json())["choices"][0]["message"]["content"] == "You said: hi"


async def test_error_rate_fails_some_requests(http: aiohttp.ClientSession) -> None:
    knobs = Knobs(error_rate=0.5, error_status=429, retry_after_s=2)
    async with FakeUpstream(knobs=knobs, seed=42) as fake:
        statuses = []
        for _ in range(20):
            async with http.post(fake.base_url + "/v1/chat/completions", json=CHAT) as resp:
                statuses.append(resp.status)
                if resp.status == 429:
                    assert resp.headers["retry-after"] == "2"
    assert set(statuses) == {200, 429}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat/completions", CHAT),
        ("/v1/embeddings", {"model": "demo-embed", "input": "hi"}),
        ("/api/embed", {"model": "demo-embed", "input": "hi"}),
    ],
)
async def test_api_key_is_enforced_when_configured(
    http: aiohttp.ClientSession, path: str, body: dict[str, Any]
) -> None:
    async with FakeUpstream(api_key="secret") as fake:
        url = fake.base_url + path
        async with http.post(url, json=body) as resp:
            assert resp.status == 401
        async with http.post(url, json=body, headers={"authorization": "Bearer secret"}) as resp:
            assert resp.status == 200


async def test_invalid_json_body_is_a_400(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    async with http.post(fake.base_url + "/api/chat", data=b"{nope") as resp:
        assert resp.status == 400
        assert "not valid JSON" in (await resp.json())["error"]


async def test_hang_ends_when_the_server_stops(http: aiohttp.ClientSession) -> None:
    fake = FakeUpstream()
    await fake.start()
    fake.script("demo", Behaviour("hang"))
    call = asyncio.ensure_future(http.post(fake.base_url + "/v1/chat/completions", json=CHAT))
    await asyncio.sleep(0.1)
    assert not call.done()
    await asyncio.wait_for(fake.stop(), 5)  # must not wait an hour for the hung handler
    with contextlib.suppress(aiohttp.ClientError):
        (await asyncio.wait_for(call, 5)).release()


async def test_cli_serves_until_stopped(http: aiohttp.ClientSession) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "llm_gateway.cli.main",
        "fake-upstream",
        "--port",
        "0",
        "--reply-words",
        "2",
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stderr is not None
        line = (await asyncio.wait_for(proc.stderr.readline(), 30)).decode()
        match = re.search(r"on (http://127\.0\.0\.1:\d+)", line)
        assert match, line
        async with http.post(match.group(1) + "/v1/chat/completions", json=CHAT) as resp:
            assert (await resp.json())["choices"][0]["message"]["content"] == "word1 word2"
    finally:
        proc.terminate()
        await proc.wait()
