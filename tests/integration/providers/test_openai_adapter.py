"""The OpenAI adapter passes canonical requests through faithfully and always asks for usage."""

from __future__ import annotations

import dataclasses
from typing import Any

import aiohttp

from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.providers.openai import OpenAIAdapter
from tests.integration.providers.support import (
    WEATHER_TOOL,
    collect,
    deployment,
    finish_of,
    text_of,
    tool_calls_of,
    usage_of,
)

ADAPTER = OpenAIAdapter()


async def test_request_passes_through_with_model_renamed(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    dep = dataclasses.replace(
        deployment(fake, "openai", "demo-large"), extra_headers=(("OpenAI-Organization", "org-1"),)
    )
    request: dict[str, Any] = {
        "model": "my-alias",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.2,
        "seed": 3,
        "response_format": {"type": "json_object"},
        "tools": [WEATHER_TOOL],
        "drop_params": True,
        "stream": True,  # chat() is the non-streaming call whatever the body says
    }
    response = await ADAPTER.chat(http, dep, request)
    sent = fake.requests()[-1]
    assert sent["body"]["model"] == "demo-large"
    assert "drop_params" not in sent["body"]
    assert "stream" not in sent["body"]
    assert (sent["body"]["temperature"], sent["body"]["seed"]) == (0.2, 3)
    assert sent["body"]["tools"] == [WEATHER_TOOL]
    assert sent["headers"]["authorization"] == "Bearer sk-test"
    assert sent["headers"]["openai-organization"] == "org-1"
    assert response["choices"][0]["message"]["content"] == '{"reply":"You said: hi"}'
    assert request["model"] == "my-alias"  # the caller's dict is not modified


async def test_stream_always_requests_usage(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    request = {"model": "a", "messages": [{"role": "user", "content": "one two"}], "stream": True}
    chunks = await collect(ADAPTER.chat_stream(http, deployment(fake, "openai"), request))
    body = fake.requests()[-1]["body"]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert text_of(chunks) == "You said: one two"
    assert finish_of(chunks) == "stop"
    assert usage_of(chunks)["completion_tokens"] == 4


async def test_streamed_tool_call_fragments_pass_through(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    request = {
        "model": "a",
        "messages": [{"role": "user", "content": 'call get_weather {"city": "Reykjavik"}'}],
        "tools": [WEATHER_TOOL],
    }
    chunks = await collect(ADAPTER.chat_stream(http, deployment(fake, "openai"), request))
    [call] = tool_calls_of(chunks)
    assert (call["name"], call["input"]) == ("get_weather", {"city": "Reykjavik"})
    assert call["fragments"] > 1
    assert finish_of(chunks) == "tool_calls"


async def test_cached_tokens_are_reported(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    fake.script("demo", cached_tokens=1)
    request = {"model": "a", "messages": [{"role": "user", "content": "a b c"}]}
    response = await ADAPTER.chat(http, deployment(fake, "openai"), request)
    assert response["usage"]["prompt_tokens_details"]["cached_tokens"] == 1


async def test_embeddings(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    request = {"model": "alias", "input": ["a", "b"], "encoding_format": "float"}
    response = await ADAPTER.embed(http, deployment(fake, "openai", "demo-embed"), request)
    assert fake.requests()[-1]["body"]["model"] == "demo-embed"
    assert [d["index"] for d in response["data"]] == [0, 1]
    assert len(response["data"][0]["embedding"]) == 16
