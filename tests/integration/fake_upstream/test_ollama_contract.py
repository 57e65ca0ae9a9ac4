"""The official ``ollama`` client, pointed straight at the fake upstream, parses all it sends."""

from __future__ import annotations

import asyncio
from typing import Any

import ollama
import pytest

from llm_gateway.fake_upstream import Behaviour, FakeUpstream

WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


async def test_sync_chat_non_stream(fake: FakeUpstream) -> None:
    def call() -> Any:
        return ollama.Client(host=fake.base_url).chat(
            model="demo", messages=[{"role": "user", "content": "hello there"}]
        )

    response = await asyncio.to_thread(call)
    assert response.message.content == "You said: hello there"
    assert response.done_reason == "stop"
    assert (response.prompt_eval_count, response.eval_count) == (2, 4)


async def test_async_chat_stream(fake: FakeUpstream) -> None:
    client = ollama.AsyncClient(host=fake.base_url)
    parts = [
        p
        async for p in await client.chat(
            model="demo", messages=[{"role": "user", "content": "a b"}], stream=True
        )
    ]
    assert "".join(p.message.content or "" for p in parts) == "You said: a b"
    assert parts[-1].done is True
    assert parts[-1].eval_count == 4


async def test_tool_calls_stream_and_non_stream(fake: FakeUpstream) -> None:
    client = ollama.AsyncClient(host=fake.base_url)
    messages: Any = [{"role": "user", "content": 'call get_weather {"city": "Lima"}'}]
    response = await client.chat(model="demo", messages=messages, tools=[WEATHER_TOOL])
    call = (response.message.tool_calls or [])[0]
    assert (call.function.name, dict(call.function.arguments)) == ("get_weather", {"city": "Lima"})
    streamed = [
        p
        async for p in await client.chat(
            model="demo", messages=messages, tools=[WEATHER_TOOL], stream=True
        )
    ]
    calls = [c for p in streamed for c in (p.message.tool_calls or [])]
    assert [c.function.name for c in calls] == ["get_weather"]


async def test_tool_result_and_json_format(fake: FakeUpstream) -> None:
    client = ollama.AsyncClient(host=fake.base_url)
    answered = await client.chat(
        model="demo",
        messages=[
            {"role": "user", "content": "weather?"},
            {"role": "tool", "content": "cold", "tool_name": "get_weather"},
        ],
    )
    assert answered.message.content == "Tool result: cold"
    formatted = await client.chat(
        model="demo", messages=[{"role": "user", "content": "x"}], format="json"
    )
    assert formatted.message.content == '{"reply":"You said: x"}'


async def test_embed_and_tags(fake: FakeUpstream) -> None:
    client = ollama.AsyncClient(host=fake.base_url)
    embedded = await client.embed(model="demo-embed", input=["a", "b"])
    assert len(embedded.embeddings) == 2
    assert len(embedded.embeddings[0]) == 16
    tags = await client.list()
    assert "demo" in {m.model for m in tags.models}


async def test_errors_raise_response_error(fake: FakeUpstream) -> None:
    fake.script("demo", Behaviour("status", status=404, message="model 'demo' not found"))
    with pytest.raises(ollama.ResponseError) as info:
        await ollama.AsyncClient(host=fake.base_url).chat(
            model="demo", messages=[{"role": "user", "content": "x"}]
        )
    assert info.value.status_code == 404
    assert "not found" in info.value.error


async def test_mid_stream_error_line_raises(fake: FakeUpstream) -> None:
    fake.script("demo", Behaviour("stream_error", after_chunks=1, message="gpu fell over"))
    stream = await ollama.AsyncClient(host=fake.base_url).chat(
        model="demo", messages=[{"role": "user", "content": "a b c"}], stream=True
    )
    with pytest.raises(ollama.ResponseError, match="gpu fell over"):
        async for _ in stream:
            pass
