"""The official ``anthropic`` SDK, pointed straight at the fake upstream, parses all it sends."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import anthropic
import pytest

from llm_gateway.fake_upstream import Behaviour, FakeUpstream, Knobs

WEATHER_TOOL: Any = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def _client(fake: FakeUpstream) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(base_url=fake.base_url, api_key="sk-ant-test", max_retries=0)


async def test_sync_non_stream_with_system_and_usage(fake: FakeUpstream) -> None:
    def call() -> Any:
        with anthropic.Anthropic(base_url=fake.base_url, api_key="k") as client:
            return client.messages.create(
                model="demo",
                max_tokens=64,
                system="be brief",
                messages=[{"role": "user", "content": "hello there"}],
            )

    message = await asyncio.to_thread(call)
    assert message.content[0].type == "text"
    assert message.content[0].text == "You said: hello there"
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (4, 4)


async def test_stream_text_and_final_message(fake: FakeUpstream) -> None:
    async with _client(fake).messages.stream(
        model="demo", max_tokens=64, messages=[{"role": "user", "content": "a b c"}]
    ) as stream:
        text = "".join([t async for t in stream.text_stream])
        final = await stream.get_final_message()
    assert text == "You said: a b c"
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == 5


async def test_tool_use_non_stream_and_stream(fake: FakeUpstream) -> None:
    client = _client(fake)
    messages: Any = [{"role": "user", "content": 'call get_weather {"city": "Rome"}'}]
    message = await client.messages.create(
        model="demo", max_tokens=64, messages=messages, tools=[WEATHER_TOOL]
    )
    assert message.stop_reason == "tool_use"
    block = message.content[0]
    assert block.type == "tool_use"
    assert (block.name, block.input) == ("get_weather", {"city": "Rome"})

    async with client.messages.stream(
        model="demo", max_tokens=64, messages=messages, tools=[WEATHER_TOOL]
    ) as stream:
        partials = [e.partial_json async for e in stream if e.type == "input_json"]
        final = await stream.get_final_message()
    assert len([p for p in partials if p]) > 1  # arguments really arrive in fragments
    assert final.content[0].type == "tool_use"
    assert final.content[0].input == {"city": "Rome"}


async def test_tool_choice_any_and_tool_result(fake: FakeUpstream) -> None:
    client = _client(fake)
    forced = await client.messages.create(
        model="demo",
        max_tokens=64,
        messages=[{"role": "user", "content": "weather?"}],
        tools=[WEATHER_TOOL],
        tool_choice={"type": "any"},
    )
    assert forced.content[0].type == "tool_use"
    history: Any = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": [forced.content[0].model_dump()]},
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": forced.content[0].id, "content": "hot"}
            ],
        },
    ]
    answered = await client.messages.create(
        model="demo", max_tokens=64, tools=[WEATHER_TOOL], messages=history
    )
    assert answered.content[0].type == "text"
    assert answered.content[0].text == "Tool result: hot"


async def test_stop_sequence_and_max_tokens(fake: FakeUpstream) -> None:
    client = _client(fake)
    messages: Any = [{"role": "user", "content": "one two three"}]
    stopped = await client.messages.create(
        model="demo", max_tokens=64, messages=messages, stop_sequences=["two"]
    )
    assert stopped.stop_reason == "stop_sequence"
    assert stopped.stop_sequence == "two"
    cut = await client.messages.create(model="demo", max_tokens=1, messages=messages)
    assert cut.stop_reason == "max_tokens"


async def test_cached_tokens_are_reported() -> None:
    async with FakeUpstream(knobs=Knobs(cached_tokens=2)) as fake:
        message = await _client(fake).messages.create(
            model="demo", max_tokens=8, messages=[{"role": "user", "content": "a b c d"}]
        )
    assert message.usage.cache_read_input_tokens == 2
    assert message.usage.input_tokens == 2


async def test_echo_shows_the_body_as_received(fake: FakeUpstream) -> None:
    message = await _client(fake).messages.create(
        model="echo", max_tokens=9, system="sys", messages=[{"role": "user", "content": "x"}]
    )
    assert message.content[0].type == "text"
    body = json.loads(message.content[0].text)
    assert (body["system"], body["max_tokens"]) == ("sys", 9)
    assert fake.requests("echo")[0]["headers"]["anthropic-version"]


async def test_errors_map_to_sdk_exceptions(fake: FakeUpstream) -> None:
    fake.script("demo", Behaviour("status", status=529), Behaviour("status", status=400))
    client = _client(fake)
    args: Any = {"model": "demo", "max_tokens": 8, "messages": [{"role": "user", "content": "x"}]}
    with pytest.raises(anthropic.APIStatusError) as overloaded:
        await client.messages.create(**args)
    assert overloaded.value.status_code == 529
    with pytest.raises(anthropic.BadRequestError):
        await client.messages.create(**args)


async def test_missing_max_tokens_is_refused_like_the_real_api(fake: FakeUpstream) -> None:
    client = _client(fake)
    with pytest.raises(anthropic.BadRequestError, match="max_tokens"):
        await client.post(
            "/v1/messages",
            body={"model": "demo", "messages": [{"role": "user", "content": "x"}]},
            cast_to=object,
        )


async def test_mid_stream_error_event_raises(fake: FakeUpstream) -> None:
    fake.script("demo", Behaviour("stream_error", after_chunks=3, message="overloaded now"))

    async def consume() -> None:
        async with _client(fake).messages.stream(
            model="demo", max_tokens=64, messages=[{"role": "user", "content": "a b c"}]
        ) as stream:
            async for _ in stream:
                pass

    with pytest.raises(anthropic.APIStatusError, match="overloaded now"):
        await consume()
