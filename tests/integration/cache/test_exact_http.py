"""The exact cache through both APIs: hits, streamed replay, controls, bypass, headers."""

from __future__ import annotations

import httpx
import orjson

from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.state import AppState
from tests.integration.cache.conftest import chat, message
from tests.integration.proxy.conftest import ANTHROPIC_AUTH, AUTH


def _sse_json(body: str) -> list[dict[str, object]]:
    out = []
    for event in body.strip().split("\n\n"):
        for line in event.split("\n"):
            if line.startswith("data: ") and line != "data: [DONE]":
                out.append(orjson.loads(line.removeprefix("data: ")))
    return out


def _text_of_openai_stream(body: str) -> str:
    chunks = _sse_json(body)
    return "".join(
        (c["choices"][0]["delta"].get("content") or "")  # type: ignore[index]
        for c in chunks
        if c.get("choices")
    )


async def test_second_identical_request_is_a_hit_and_skips_the_upstream(
    client: httpx.AsyncClient, fake: FakeUpstream, app_state: AppState
) -> None:
    first = await client.post("/v1/chat/completions", json=chat("cached"), headers=AUTH)
    second = await client.post("/v1/chat/completions", json=chat("cached"), headers=AUTH)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.headers["x-gateway-cache"] == "miss"
    assert second.headers["x-gateway-cache"] == "hit"
    assert second.headers["x-gateway-cache-key"] == first.headers["x-gateway-cache-key"]
    assert "x-gateway-deployment" not in second.headers  # no upstream served it
    assert len(fake.requests("cached-up")) == 1
    a, b = first.json(), second.json()
    assert b["choices"][0]["message"] == a["choices"][0]["message"]
    assert b["model"] == "cached"
    counters = app_state.cache.counters
    assert (counters.hits, counters.misses, counters.stores) == (1, 1, 1)


async def test_hit_is_replayed_as_a_stream_in_openai_chunks(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    plain = await client.post("/v1/chat/completions", json=chat("cached"), headers=AUTH)
    streamed = await client.post(
        "/v1/chat/completions",
        json=chat("cached", stream=True, stream_options={"include_usage": True}),
        headers=AUTH,
    )
    assert streamed.headers["x-gateway-cache"] == "hit"
    assert streamed.headers["content-type"].startswith("text/event-stream")
    assert streamed.text.endswith("data: [DONE]\n\n")
    assert _text_of_openai_stream(streamed.text) == plain.json()["choices"][0]["message"]["content"]
    chunks = _sse_json(streamed.text)
    assert chunks[-1]["usage"] == plain.json()["usage"]
    assert all(c["model"] == "cached" for c in chunks)
    assert len(fake.requests("cached-up")) == 1


async def test_a_streamed_answer_is_stored_and_serves_a_plain_request(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    streamed = await client.post(
        "/v1/chat/completions", json=chat("cached", stream=True), headers=AUTH
    )
    assert streamed.headers["x-gateway-cache"] == "miss"
    plain = await client.post("/v1/chat/completions", json=chat("cached"), headers=AUTH)
    assert plain.headers["x-gateway-cache"] == "hit"
    assert plain.json()["choices"][0]["message"]["content"] == _text_of_openai_stream(streamed.text)
    assert len(fake.requests("cached-up")) == 1


async def test_anthropic_api_hits_and_replays_anthropic_events(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    first = await client.post("/v1/messages", json=message("cached-claude"), headers=ANTHROPIC_AUTH)
    second = await client.post(
        "/v1/messages", json=message("cached-claude", stream=True), headers=ANTHROPIC_AUTH
    )
    assert first.status_code == 200, first.text
    assert (first.headers["x-gateway-cache"], second.headers["x-gateway-cache"]) == (
        "miss",
        "hit",
    )
    events = [line for line in second.text.split("\n") if line.startswith("event: ")]
    assert events[0] == "event: message_start"
    assert events[-1] == "event: message_stop"
    deltas = [
        e["delta"]["text"]  # type: ignore[index]
        for e in _sse_json(second.text)
        if e.get("type") == "content_block_delta"
    ]
    assert "".join(deltas) == first.json()["content"][0]["text"]
    assert len(fake.requests("claude-up")) == 1


async def test_an_answer_stored_through_one_api_serves_the_other(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    await client.post("/v1/messages", json=message("cached"), headers=ANTHROPIC_AUTH)
    hit = await client.post(
        "/v1/chat/completions", json=chat("cached", max_tokens=64), headers=AUTH
    )
    assert hit.headers["x-gateway-cache"] == "hit"
    assert len(fake.requests("cached-up")) == 1


async def test_non_deterministic_requests_bypass_unless_the_alias_opts_in(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    for _ in range(2):
        r = await client.post(
            "/v1/chat/completions", json=chat("cached", temperature=0.7), headers=AUTH
        )
        assert "x-gateway-cache" not in r.headers
    assert len(fake.requests("cached-up")) == 2
    for _ in range(2):
        r = await client.post(
            "/v1/chat/completions", json=chat("any-temp", temperature=0.7), headers=AUTH
        )
    assert r.headers["x-gateway-cache"] == "hit"
    assert len(fake.requests("any-up")) == 1


async def test_alias_without_cache_has_no_cache_header(
    client: httpx.AsyncClient, fake: FakeUpstream, app_state: AppState
) -> None:
    for _ in range(2):
        r = await client.post("/v1/chat/completions", json=chat("uncached"), headers=AUTH)
        assert "x-gateway-cache" not in r.headers
    assert len(fake.requests("uncached-up")) == 2
    assert app_state.cache.counters.lookups == 0


async def test_output_changing_parameters_and_system_prompt_are_part_of_the_key(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    base = chat("cached")
    variants = [
        base,
        {**base, "max_tokens": 5},
        {**base, "seed": 7},
        {**base, "messages": [{"role": "system", "content": "Be terse."}, *base["messages"]]},
        {**base, "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]},
    ]
    for body in variants:
        r = await client.post("/v1/chat/completions", json=body, headers=AUTH)
        assert r.status_code == 200, r.text
        assert r.headers["x-gateway-cache"] == "miss", body
    assert len(fake.requests("cached-up")) == len(variants)


async def test_cache_control_headers_and_body_field(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    body = chat("cached")
    r = await client.post(
        "/v1/chat/completions", json=body, headers={**AUTH, "cache-control": "no-store"}
    )
    assert r.headers["x-gateway-cache"] == "miss"
    r = await client.post("/v1/chat/completions", json=body, headers=AUTH)
    assert r.headers["x-gateway-cache"] == "miss"  # the no-store answer was not kept
    r = await client.post(
        "/v1/chat/completions", json=body, headers={**AUTH, "cache-control": "no-cache"}
    )
    assert r.headers["x-gateway-cache"] == "miss"  # not looked up, but refreshed
    r = await client.post(
        "/v1/chat/completions", json={**body, "cache": {"no-cache": True}}, headers=AUTH
    )
    assert r.headers["x-gateway-cache"] == "miss"
    assert all("cache" not in req["body"] for req in fake.requests("cached-up"))
    assert len(fake.requests("cached-up")) == 4
    r = await client.post("/v1/chat/completions", json={**body, "cache": {"ttl": 30}}, headers=AUTH)
    assert r.headers["x-gateway-cache"] == "hit"


async def test_malformed_cache_controls_are_a_400(client: httpx.AsyncClient) -> None:
    for body, headers in (
        ({**chat("cached"), "cache": {"ttl": -1}}, AUTH),
        ({**chat("cached"), "cache": "yes"}, AUTH),
        ({**chat("cached"), "cache": {"bogus": 1}}, AUTH),
        (chat("cached"), {**AUTH, "x-gateway-cache-ttl": "soon"}),
    ):
        r = await client.post("/v1/chat/completions", json=body, headers=headers)
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "invalid_cache_control"
        assert r.json()["error"]["request_id"]
    r = await client.post(
        "/v1/messages",
        json={**chat("cached-claude"), "max_tokens": 5, "cache": {"no-store": "x"}},
        headers=ANTHROPIC_AUTH,
    )
    assert r.status_code == 400
    assert r.json()["type"] == "error"


async def test_error_answers_are_not_cached(
    client: httpx.AsyncClient, fake: FakeUpstream, app_state: AppState
) -> None:
    r = await client.post("/v1/chat/completions", json=chat("cached", text="x" * 10), headers=AUTH)
    assert r.status_code == 200
    assert app_state.cache.counters.stores == 1
