"""The official ``openai`` SDK, pointed straight at the fake upstream, parses all it sends."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import openai
import pytest

from llm_gateway.fake_upstream import Behaviour, FakeUpstream

WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
        },
    },
}


def _async(fake: FakeUpstream) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=fake.base_url + "/v1", api_key="sk-test", max_retries=0)


async def test_sync_client_non_stream(fake: FakeUpstream) -> None:
    def call() -> Any:
        with openai.OpenAI(base_url=fake.base_url + "/v1", api_key="sk-test") as client:
            return client.chat.completions.create(
                model="demo", messages=[{"role": "user", "content": "hello there"}]
            )

    completion = await asyncio.to_thread(call)
    assert completion.choices[0].message.content == "You said: hello there"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (2, 4)


async def test_sync_client_stream(fake: FakeUpstream) -> None:
    def call() -> list[Any]:
        with openai.OpenAI(base_url=fake.base_url + "/v1", api_key="sk-test") as client:
            stream = client.chat.completions.create(
                model="demo",
                messages=[{"role": "user", "content": "one two three"}],
                stream=True,
                stream_options={"include_usage": True},
            )
            return list(stream)

    chunks = await asyncio.to_thread(call)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "You said: one two three"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 5


async def test_async_stream_without_usage_sends_no_usage_chunk(fake: FakeUpstream) -> None:
    stream = await _async(fake).chat.completions.create(
        model="demo", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    chunks = [c async for c in stream]
    assert all(c.choices for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


async def test_async_tool_call_non_stream(fake: FakeUpstream) -> None:
    completion = await _async(fake).chat.completions.create(
        model="demo",
        messages=[{"role": "user", "content": 'please call get_weather {"city": "Paris"}'}],
        tools=[WEATHER_TOOL],
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    call: Any = (choice.message.tool_calls or [])[0]
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}


async def test_forced_tool_choice_fills_arguments_from_schema(fake: FakeUpstream) -> None:
    completion = await _async(fake).chat.completions.create(
        model="demo",
        messages=[{"role": "user", "content": "what is the weather?"}],
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    call: Any = (completion.choices[0].message.tool_calls or [])[0]
    assert json.loads(call.function.arguments) == {"city": "test", "days": 1}


async def test_async_stream_assembles_parallel_tool_calls(fake: FakeUpstream) -> None:
    client = _async(fake)
    lookup: Any = {"type": "function", "function": {"name": "lookup", "parameters": {}}}
    async with client.chat.completions.stream(
        model="demo",
        messages=[{"role": "user", "content": 'call get_weather {"city": "Oslo"} and call lookup'}],
        tools=[WEATHER_TOOL, lookup],
    ) as stream:
        async for _ in stream:
            pass
        final = await stream.get_final_completion()
    calls: Any = final.choices[0].message.tool_calls or []
    assert [c.function.name for c in calls] == ["get_weather", "lookup"]
    assert json.loads(calls[0].function.arguments) == {"city": "Oslo"}
    assert final.choices[0].finish_reason == "tool_calls"


async def test_tool_result_is_answered(fake: FakeUpstream) -> None:
    completion = await _async(fake).chat.completions.create(
        model="demo",
        messages=[
            {"role": "user", "content": "call get_weather"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny, 21C"},
        ],
        tools=[WEATHER_TOOL],
    )
    assert completion.choices[0].message.content == "Tool result: sunny, 21C"


async def test_json_mode_returns_parseable_json(fake: FakeUpstream) -> None:
    completion = await _async(fake).chat.completions.create(
        model="demo",
        messages=[{"role": "user", "content": "give json"}],
        response_format={"type": "json_object"},
    )
    assert json.loads(completion.choices[0].message.content or "") == {
        "reply": "You said: give json"
    }


async def test_json_schema_structured_output_parses(fake: FakeUpstream) -> None:
    schema = {
        "type": "object",
        "properties": {"reply": {"type": "string"}},
        "required": ["reply"],
        "additionalProperties": False,
    }
    completion = await _async(fake).chat.completions.create(
        model="demo",
        messages=[{"role": "user", "content": "x"}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "r", "schema": schema, "strict": True},
        },
    )
    assert json.loads(completion.choices[0].message.content or "")["reply"] == "You said: x"


async def test_echo_shows_the_request_as_received(fake: FakeUpstream) -> None:
    completion = await _async(fake).chat.completions.create(
        model="echo", messages=[{"role": "user", "content": "hi"}], temperature=0.3, seed=7
    )
    received = json.loads(completion.choices[0].message.content or "")
    assert received["temperature"] == 0.3
    assert received["seed"] == 7
    assert received["messages"] == [{"role": "user", "content": "hi"}]


async def test_max_tokens_and_stop_truncate(fake: FakeUpstream) -> None:
    client = _async(fake)
    messages: Any = [{"role": "user", "content": "alpha beta gamma delta"}]
    cut = await client.chat.completions.create(model="demo", messages=messages, max_tokens=2)
    assert cut.choices[0].message.content == "You said: "
    assert cut.choices[0].finish_reason == "length"
    stopped = await client.chat.completions.create(model="demo", messages=messages, stop=["gamma"])
    assert stopped.choices[0].message.content == "You said: alpha beta "
    assert stopped.choices[0].finish_reason == "stop"


async def test_embeddings_float_and_default_base64(fake: FakeUpstream) -> None:
    client = _async(fake)
    # The SDK asks for base64 by default and decodes it; both must give the same vectors.
    default = await client.embeddings.create(model="demo-embed", input=["a b", "c"])
    floats = await client.embeddings.create(
        model="demo-embed", input=["a b", "c"], encoding_format="float"
    )
    assert len(default.data) == 2
    assert len(default.data[0].embedding) == 16
    assert default.data[0].embedding == pytest.approx(floats.data[0].embedding, abs=1e-6)
    assert default.usage.prompt_tokens == 3


async def test_models_list(fake: FakeUpstream) -> None:
    page = await _async(fake).models.list()
    assert {"demo", "demo-large", "demo-embed", "echo"} <= {m.id for m in page.data}


async def test_scripted_429_is_a_rate_limit_error_with_retry_after(fake: FakeUpstream) -> None:
    fake.script("demo", Behaviour("status", status=429, retry_after_s=3))
    with pytest.raises(openai.RateLimitError) as info:
        await _async(fake).chat.completions.create(
            model="demo", messages=[{"role": "user", "content": "hi"}]
        )
    assert info.value.response.headers["retry-after"] == "3"
    assert info.value.code == "rate_limit_exceeded"


async def test_mid_stream_error_event_raises_api_error(fake: FakeUpstream) -> None:
    fake.script("demo", Behaviour("stream_error", after_chunks=2, message="boom"))
    stream = await _async(fake).chat.completions.create(
        model="demo", messages=[{"role": "user", "content": "a b c"}], stream=True
    )
    with pytest.raises(openai.APIError, match="boom"):
        async for _ in stream:
            pass
