"""The Ollama adapter translates requests, responses, NDJSON streams and embeddings."""

from __future__ import annotations

import base64
import json
from array import array
from typing import Any

import aiohttp
import pytest

from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.providers.ollama import OllamaAdapter
from tests.integration.providers.support import (
    WEATHER_TOOL,
    collect,
    deployment,
    finish_of,
    text_of,
    tool_calls_of,
    usage_of,
)

ADAPTER = OllamaAdapter()


async def test_request_translation(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    request: dict[str, Any] = {
        "model": "a",
        "messages": [
            {"role": "system", "content": "sys"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "see"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Kyiv"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "warm"},
        ],
        "temperature": 0.1,
        "top_p": 0.8,
        "seed": 5,
        "max_tokens": 12,
        "stop": ["\n\n"],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "s", "schema": {"type": "object"}},
        },
        "tools": [WEATHER_TOOL],
    }
    response = await ADAPTER.chat(http, deployment(fake, "ollama"), request)
    body = fake.requests()[-1]["body"]
    assert body["stream"] is False
    assert body["messages"] == [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "see", "images": ["AAAA"]},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Kyiv"}}}],
        },
        {"role": "tool", "content": "warm", "tool_name": "get_weather"},
    ]
    assert body["options"] == {
        "temperature": 0.1,
        "top_p": 0.8,
        "seed": 5,
        "num_predict": 12,
        "stop": ["\n\n"],
    }
    assert body["format"] == {"type": "object"}
    assert body["tools"] == [WEATHER_TOOL]
    assert response["choices"][0]["message"]["content"] == "Tool result: warm"


async def test_json_object_becomes_format_json(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    request = {
        "model": "a",
        "messages": [{"role": "user", "content": "x"}],
        "response_format": {"type": "json_object"},
    }
    response = await ADAPTER.chat(http, deployment(fake, "ollama"), request)
    assert fake.requests()[-1]["body"]["format"] == "json"
    assert json.loads(response["choices"][0]["message"]["content"]) == {"reply": "You said: x"}


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        (
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}],
                    }
                ]
            },
            "messages",
        ),
        ({"tool_choice": "required", "tools": [WEATHER_TOOL]}, "tool_choice"),
        ({"n": 3}, "n"),
    ],
)
async def test_unsupported_is_refused_unless_dropped(
    fake: FakeUpstream, http: aiohttp.ClientSession, extra: dict[str, Any], param: str
) -> None:
    request = {"model": "a", "messages": [{"role": "user", "content": "x"}], **extra}
    with pytest.raises(InvalidRequestError) as info:
        await ADAPTER.chat(http, deployment(fake, "ollama"), request)
    assert (info.value.code, info.value.param) == ("unsupported_parameter", param)
    await ADAPTER.chat(http, deployment(fake, "ollama"), {**request, "drop_params": True})
    assert fake.requests()[-1]["body"]["model"] == "demo"


async def test_response_translation(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    dep = deployment(fake, "ollama")
    plain = await ADAPTER.chat(
        http, dep, {"model": "a", "messages": [{"role": "user", "content": "p q"}]}
    )
    assert plain["choices"][0]["message"]["content"] == "You said: p q"
    assert plain["usage"] == {"prompt_tokens": 2, "completion_tokens": 4, "total_tokens": 6}
    cut = await ADAPTER.chat(
        http, dep, {"model": "a", "messages": [{"role": "user", "content": "p q"}], "max_tokens": 1}
    )
    assert cut["choices"][0]["finish_reason"] == "length"
    tool = await ADAPTER.chat(
        http,
        dep,
        {
            "model": "a",
            "messages": [{"role": "user", "content": "call get_weather"}],
            "tools": [WEATHER_TOOL],
        },
    )
    call = tool["choices"][0]["message"]["tool_calls"][0]
    assert call["id"].startswith("call_")
    assert json.loads(call["function"]["arguments"]) == {"city": "test"}
    assert tool["choices"][0]["finish_reason"] == "tool_calls"


async def test_stream_translation(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    dep = deployment(fake, "ollama")
    text = await collect(
        ADAPTER.chat_stream(
            http, dep, {"model": "a", "messages": [{"role": "user", "content": "k"}]}
        )
    )
    assert fake.requests()[-1]["body"]["stream"] is True
    assert text[0]["choices"][0]["delta"]["role"] == "assistant"
    assert text_of(text) == "You said: k"
    assert finish_of(text) == "stop"
    assert usage_of(text) == {"prompt_tokens": 1, "completion_tokens": 3, "total_tokens": 4}
    tools = await collect(
        ADAPTER.chat_stream(
            http,
            dep,
            {
                "model": "a",
                "messages": [
                    {
                        "role": "user",
                        "content": 'call get_weather {"city": "Baku"} call get_weather',
                    }
                ],
                "tools": [WEATHER_TOOL],
            },
        )
    )
    assert [c["input"] for c in tool_calls_of(tools)] == [{"city": "Baku"}, {"city": "test"}]
    assert finish_of(tools) == "tool_calls"


async def test_embeddings_honour_encoding_format(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    dep = deployment(fake, "ollama", "demo-embed")
    floats = await ADAPTER.embed(http, dep, {"model": "a", "input": "hello"})
    encoded = await ADAPTER.embed(
        http, dep, {"model": "a", "input": ["hello"], "encoding_format": "base64"}
    )
    vector = floats["data"][0]["embedding"]
    decoded = array("f", base64.b64decode(encoded["data"][0]["embedding"])).tolist()
    assert decoded == pytest.approx(vector, abs=1e-6)
    assert floats["usage"] == {"prompt_tokens": 1, "total_tokens": 1}
    with pytest.raises(InvalidRequestError):
        await ADAPTER.embed(http, dep, {"model": "a", "input": [[1, 2, 3]]})
