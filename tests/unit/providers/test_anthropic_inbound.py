"""The ``/v1/messages`` mapping: Anthropic requests in, Anthropic messages and SSE events out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from llm_gateway.core.exceptions import InvalidRequestError, ServiceUnavailableError
from llm_gateway.providers.anthropic_inbound import (
    anthropic_request_to_canonical,
    canonical_response_to_anthropic,
)
from llm_gateway.providers.anthropic_mapping import to_anthropic_request
from llm_gateway.providers.anthropic_stream import (
    anthropic_error_event,
    anthropic_events_to_chunks,
    canonical_to_anthropic_events,
)
from llm_gateway.providers.base import ChatChunk, Deployment
from llm_gateway.providers.params import chunk, usage, usage_chunk
from llm_gateway.providers.streaming import iter_sse

REQUEST: dict[str, Any] = {
    "model": "claude-sonnet",
    "max_tokens": 100,
    "system": [{"type": "text", "text": "Be kind.", "cache_control": {"type": "ephemeral"}}],
    "messages": [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look:"},
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/jpeg", "data": "QUJD"},
                },
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "hmm", "signature": "s"},
                {"type": "text", "text": "Let me check."},
                {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": "cats"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_1",
                    "content": [{"type": "text", "text": "42"}],
                },
                {"type": "text", "text": "And?"},
            ],
        },
    ],
    "tools": [{"name": "lookup", "description": "Look up", "input_schema": {"type": "object"}}],
    "tool_choice": {"type": "tool", "name": "lookup", "disable_parallel_tool_use": True},
    "stop_sequences": ["END"],
    "temperature": 0.3,
    "top_k": 5,
    "metadata": {"user_id": "user-7"},
    "stream": True,
}


def test_request_to_canonical() -> None:
    canonical = anthropic_request_to_canonical(REQUEST)
    assert canonical["messages"] == [
        {
            "role": "system",
            "content": [
                {"type": "text", "text": "Be kind.", "cache_control": {"type": "ephemeral"}}
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look:"},
                {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,QUJD"}},
            ],
        },
        {
            "role": "assistant",
            "content": "Let me check.",
            "tool_calls": [
                {
                    "id": "toolu_1",
                    "type": "function",
                    "function": {"name": "lookup", "arguments": '{"q":"cats"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "toolu_1", "content": "42"},
        {"role": "user", "content": "And?"},
    ]
    assert canonical["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "lookup",
                "parameters": {"type": "object"},
                "description": "Look up",
            },
        }
    ]
    assert canonical["tool_choice"] == {"type": "function", "function": {"name": "lookup"}}
    assert canonical["parallel_tool_calls"] is False
    assert (canonical["stop"], canonical["temperature"], canonical["top_k"]) == (["END"], 0.3, 5)
    assert canonical["user"] == "user-7"
    assert canonical["stream_options"] == {"include_usage": True}


def test_round_trip_to_an_anthropic_upstream_keeps_the_conversation() -> None:
    dep = Deployment(id="d", alias="a", provider="anthropic", model="claude-x", base_url="http://x")
    back = to_anthropic_request(anthropic_request_to_canonical(REQUEST), dep)
    assert back["system"] == REQUEST["system"]  # cache_control survives, so the block list stays
    assert back["messages"][0] == REQUEST["messages"][0]
    assert back["messages"][1]["content"] == REQUEST["messages"][1]["content"][1:]  # no thinking
    assert back["messages"][2]["content"][0] == {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": "42",
    }
    assert back["tool_choice"] == {
        "type": "tool",
        "name": "lookup",
        "disable_parallel_tool_use": True,
    }
    assert (back["max_tokens"], back["stop_sequences"], back["top_k"]) == (100, ["END"], 5)


BASE: dict[str, Any] = {"model": "m", "max_tokens": 5, "messages": []}
AUDIO: Any = [{"role": "user", "content": [{"type": "audio"}]}]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"max_tokens": 5, "messages": []}, "model"),
        ({"model": "m", "messages": []}, "max_tokens"),
        ({**BASE, "max_tokens": "5"}, "max_tokens"),
        ({**BASE, "max_tokens": 0}, "max_tokens"),
        ({"model": "m", "max_tokens": 5}, "messages"),
        ({**BASE, "messages": [{"role": "tool", "content": "x"}]}, "messages"),
        ({**BASE, "messages": AUDIO}, "messages.0.content.0"),
        ({**BASE, "tools": [{"type": "web_search_20250305"}]}, "tools"),
        ({**BASE, "tool_choice": {"type": "maybe"}}, "tool_choice"),
    ],
)
def test_invalid_requests_name_the_param(body: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        anthropic_request_to_canonical(body)
    assert info.value.param == param
    assert info.value.status_code == 400


def test_response_to_anthropic() -> None:
    response = {
        "id": "chatcmpl-abc",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Calling.",
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "f", "arguments": '{"x":1}'},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": usage(10, 4, cached=6),
    }
    message = canonical_response_to_anthropic(response, model="my-alias")
    assert message == {
        "id": "msg_abc",
        "type": "message",
        "role": "assistant",
        "model": "my-alias",
        "content": [
            {"type": "text", "text": "Calling."},
            {"type": "tool_use", "id": "call_1", "name": "f", "input": {"x": 1}},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 4,
            "output_tokens": 4,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 6,
        },
    }


def _call(index: int, arguments: str, call_id: str = "", name: str = "") -> dict[str, Any]:
    delta: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
    if call_id:
        delta.update(id=call_id, type="function")
        delta["function"]["name"] = name
    return {"tool_calls": [delta]}


def _canonical_stream() -> list[ChatChunk]:
    args = ("chatcmpl-1", "m", 1)
    return [
        chunk(*args, {"role": "assistant", "content": ""}),
        chunk(*args, {"content": "Hi "}),
        chunk(*args, {"content": "there"}),
        chunk(*args, _call(0, "", "c0", "f")),
        chunk(*args, _call(0, '{"a":')),
        chunk(*args, _call(0, "1}")),
        chunk(*args, _call(1, "{}", "c1", "g")),
        chunk(*args, {}, "tool_calls"),
        usage_chunk(*args, usage(7, 5, cached=2)),
    ]


async def _aiter(items: list[Any]) -> AsyncIterator[Any]:
    for item in items:
        yield item


async def _events(chunks: list[ChatChunk]) -> list[bytes]:
    return [e async for e in canonical_to_anthropic_events(_aiter(chunks), model="alias-x")]


async def test_stream_events_sequence() -> None:
    frames = b"".join(await _events(_canonical_stream()))
    events = [(e.event, orjson.loads(e.data)) async for e in iter_sse(_aiter([frames]))]
    names = [name for name, _ in events]
    assert names == [
        "message_start", "ping",
        "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
        "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
        "content_block_start", "content_block_delta", "content_block_stop",
        "message_delta", "message_stop",
    ]  # fmt: skip
    assert events[0][1]["message"]["model"] == "alias-x"
    assert events[0][1]["message"]["id"] == "msg_1"
    assert events[6][1]["content_block"] == {
        "type": "tool_use",
        "id": "c0",
        "name": "f",
        "input": {},
    }
    assert events[7][1]["delta"] == {"type": "input_json_delta", "partial_json": '{"a":'}
    assert events[13][1]["delta"] == {"stop_reason": "tool_use", "stop_sequence": None}
    assert events[13][1]["usage"] == {
        "input_tokens": 5,
        "output_tokens": 5,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 2,
    }


async def test_stream_round_trip_through_the_adapter_parser() -> None:
    frames = b"".join(await _events(_canonical_stream()))
    back = [c async for c in anthropic_events_to_chunks(iter_sse(_aiter([frames])), source="t")]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in back if c["choices"])
    assert text == "Hi there"
    assert back[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert back[-1]["usage"] == usage(7, 5, cached=2)


async def test_empty_stream_still_frames_a_message() -> None:
    frames = b"".join(await _events([]))
    assert frames.startswith(b"event: message_start")
    assert b'"stop_reason":"end_turn"' in frames
    assert frames.endswith(b'event: message_stop\ndata: {"type":"message_stop"}\n\n')


def test_error_event() -> None:
    event = anthropic_error_event(ServiceUnavailableError("all deployments failed"), request_id="r")
    assert event.startswith(b"event: error\ndata: ")
    body = orjson.loads(event.split(b"data: ", 1)[1])
    assert body["error"] == {"type": "overloaded_error", "message": "all deployments failed"}


def test_structured_output_effort_tier_and_cache_control_reach_an_anthropic_upstream() -> None:
    dep = Deployment(id="d", alias="a", provider="anthropic", model="claude-x", base_url="http://x")
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    body = {
        **BASE,
        "output_config": {"format": {"type": "json_schema", "schema": schema}, "effort": "low"},
        "service_tier": "auto",
        "cache_control": {"type": "ephemeral", "ttl": "1h"},
    }
    back = to_anthropic_request(anthropic_request_to_canonical(body), dep)
    assert back["output_config"] == {
        "format": {"type": "json_schema", "schema": schema},
        "effort": "low",
    }
    assert back["service_tier"] == "auto"
    assert back["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
