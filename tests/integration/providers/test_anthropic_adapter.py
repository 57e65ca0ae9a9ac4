"""The Anthropic adapter translates requests, responses and streams both ways."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.providers.anthropic import AnthropicAdapter
from tests.integration.providers.support import (
    WEATHER_TOOL,
    collect,
    deployment,
    finish_of,
    text_of,
    tool_calls_of,
    usage_of,
)

ADAPTER = AnthropicAdapter()
PNG = "iVBORw0KGgo="


async def _sent(fake: FakeUpstream, http: aiohttp.ClientSession, request: dict[str, Any]) -> Any:
    await ADAPTER.chat(http, deployment(fake, "anthropic"), {"model": "a", **request})
    return fake.requests()[-1]


async def test_conversation_translation(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    sent = await _sent(
        fake,
        http,
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "developer", "content": [{"type": "text", "text": "Use metric."}]},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is this?"},
                        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                        {"type": "image_url", "image_url": {"url": "https://x.test/cat.jpg"}},
                    ],
                },
                {
                    "role": "assistant",
                    "content": "Checking.",
                    "tool_calls": [
                        {
                            "id": "call_9",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "call_9", "content": "rainy"},
                {"role": "user", "content": "thanks"},
            ],
        },
    )
    body = sent["body"]
    assert body["system"] == "Be brief.\n\nUse metric."
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    user = body["messages"][0]["content"]
    assert user[1] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": PNG},
    }
    assert user[2]["source"] == {"type": "url", "url": "https://x.test/cat.jpg"}
    assert body["messages"][1]["content"][1] == {
        "type": "tool_use",
        "id": "call_9",
        "name": "get_weather",
        "input": {"city": "Oslo"},
    }
    # The tool result and the next user turn merge into one user message (roles alternate).
    assert body["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "call_9", "content": "rainy"},
        {"type": "text", "text": "thanks"},
    ]
    assert body["max_tokens"] == 256  # the deployment's output cap when the client sets none
    assert sent["headers"]["x-api-key"] == "sk-test"
    assert sent["headers"]["anthropic-version"] == "2023-06-01"


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("required", {"type": "any"}),
        ("none", {"type": "none"}),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            {"type": "tool", "name": "get_weather"},
        ),
    ],
)
async def test_tools_and_tool_choice(
    fake: FakeUpstream, http: aiohttp.ClientSession, choice: Any, expected: dict[str, Any]
) -> None:
    sent = await _sent(
        fake,
        http,
        {
            "messages": [{"role": "user", "content": "x"}],
            "tools": [WEATHER_TOOL],
            "tool_choice": choice,
        },
    )
    assert sent["body"]["tools"] == [
        {
            "name": "get_weather",
            "description": "Weather for a city",
            "input_schema": WEATHER_TOOL["function"]["parameters"],
        }
    ]
    assert sent["body"]["tool_choice"] == expected


async def test_sampling_params(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    sent = await _sent(
        fake,
        http,
        {
            "messages": [{"role": "user", "content": "x"}],
            "temperature": 0.5,
            "top_p": 0.9,
            "stop": "END",
            "max_completion_tokens": 33,
            "user": "u-1",
            "parallel_tool_calls": False,
            "tools": [WEATHER_TOOL],
        },
    )
    body = sent["body"]
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.5, 0.9, 33)
    assert body["stop_sequences"] == ["END"]
    assert body["metadata"] == {"user_id": "u-1"}
    assert body["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}


async def test_tool_choice_none_is_sent_without_the_parallel_flag(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    # Anthropic's {"type": "none"} takes no other field: the flag would make the call a 400.
    request = {
        "messages": [{"role": "user", "content": "x"}],
        "tools": [WEATHER_TOOL],
        "tool_choice": "none",
        "parallel_tool_calls": False,
    }
    sent = await _sent(fake, http, request)
    assert sent["body"]["tool_choice"] == {"type": "none"}


@pytest.mark.parametrize(
    ("param", "value"),
    [("seed", 1), ("response_format", {"type": "json_object"}), ("n", 2), ("logprobs", True)],
)
async def test_unsupported_params_are_refused_unless_dropped(
    fake: FakeUpstream, http: aiohttp.ClientSession, param: str, value: Any
) -> None:
    request = {"model": "a", "messages": [{"role": "user", "content": "x"}], param: value}
    with pytest.raises(InvalidRequestError) as info:
        await ADAPTER.chat(http, deployment(fake, "anthropic"), request)
    assert (info.value.code, info.value.param, info.value.status_code) == (
        "unsupported_parameter",
        param,
        400,
    )
    assert fake.requests() == []  # refused before anything went upstream
    response = await ADAPTER.chat(
        http, deployment(fake, "anthropic"), {**request, "drop_params": True}
    )
    assert response["choices"][0]["message"]["content"] == "You said: x"
    assert param not in fake.requests()[-1]["body"]


async def test_response_translation(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    dep = deployment(fake, "anthropic")
    fake.script("demo", cached_tokens=2)
    plain = await ADAPTER.chat(
        http, dep, {"model": "a", "messages": [{"role": "user", "content": "a b c"}]}
    )
    assert plain["object"] == "chat.completion"
    assert plain["choices"][0]["message"]["content"] == "You said: a b c"
    assert plain["choices"][0]["finish_reason"] == "stop"
    assert plain["usage"] == {
        "prompt_tokens": 3,
        "completion_tokens": 5,
        "total_tokens": 8,
        "prompt_tokens_details": {"cached_tokens": 2},
    }
    cut = await ADAPTER.chat(
        http,
        dep,
        {"model": "a", "messages": [{"role": "user", "content": "a b c"}], "max_tokens": 1},
    )
    assert cut["choices"][0]["finish_reason"] == "length"
    tool = await ADAPTER.chat(
        http,
        dep,
        {
            "model": "a",
            "messages": [{"role": "user", "content": 'call get_weather {"city": "Bern"}'}],
            "tools": [WEATHER_TOOL],
        },
    )
    message = tool["choices"][0]["message"]
    assert tool["choices"][0]["finish_reason"] == "tool_calls"
    assert message["content"] is None
    assert message["tool_calls"][0]["function"]["name"] == "get_weather"
    assert json.loads(message["tool_calls"][0]["function"]["arguments"]) == {"city": "Bern"}


async def test_stream_translation(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    dep = deployment(fake, "anthropic")
    fake.script("demo", cached_tokens=1)
    text = await collect(
        ADAPTER.chat_stream(
            http, dep, {"model": "a", "messages": [{"role": "user", "content": "x y"}]}
        )
    )
    assert text[0]["choices"][0]["delta"]["role"] == "assistant"
    assert text_of(text) == "You said: x y"
    assert finish_of(text) == "stop"
    assert usage_of(text) == {
        "prompt_tokens": 2,
        "completion_tokens": 4,
        "total_tokens": 6,
        "prompt_tokens_details": {"cached_tokens": 1},
    }
    tools = await collect(
        ADAPTER.chat_stream(
            http,
            dep,
            {
                "model": "a",
                "messages": [
                    {
                        "role": "user",
                        "content": 'call get_weather {"city": "Quito"} call get_weather',
                    }
                ],
                "tools": [WEATHER_TOOL],
            },
        )
    )
    calls = tool_calls_of(tools)
    assert [c["input"] for c in calls] == [{"city": "Quito"}, {"city": "test"}]
    assert all(c["id"] and c["fragments"] > 1 for c in calls)
    assert finish_of(tools) == "tool_calls"
