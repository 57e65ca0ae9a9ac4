"""Responses request → canonical chat request, and canonical output → items, without a server."""

from __future__ import annotations

from typing import Any

import pytest

from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.services.responses import objects
from llm_gateway.services.responses.request import parse_request

NAMESPACED: dict[str, Any] = {
    "type": "namespace",
    "name": "multi_agent_v1",
    "description": "Sub-agents",
    "tools": [{"type": "function", "name": "close_agent", "parameters": {"type": "object"}}],
}


def test_codex_shaped_request_translates() -> None:
    """What Codex 0.171 sends (web search disabled): developer messages, namespaces, extras."""
    call = parse_request(
        {
            "model": "demo",
            "stream": True,
            "store": False,
            "include": ["reasoning.encrypted_content"],
            "reasoning": {"summary": "auto"},
            "prompt_cache_key": "k",
            "client_metadata": {"thread_id": "t"},
            "tool_choice": "auto",
            "parallel_tool_calls": True,
            "tools": [
                {"type": "function", "name": "exec_command", "strict": False, "parameters": {}},
                NAMESPACED,
            ],
            "input": [
                {
                    "type": "message",
                    "role": "developer",
                    "content": [{"type": "input_text", "text": "rules"}],
                },
                {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "hi"}],
                },
                {"type": "reasoning", "summary": [], "encrypted_content": "x"},
            ],
        }
    )
    canonical = call.canonical
    assert canonical["messages"] == [
        {"role": "developer", "content": "rules"},
        {"role": "user", "content": "hi"},
    ]
    names = [t["function"]["name"] for t in canonical["tools"]]
    assert names == ["exec_command", "multi_agent_v1__close_agent"]
    assert canonical["stream_options"] == {"include_usage": True}
    assert "reasoning" not in canonical
    assert call.store is False


def test_namespaced_call_comes_back_split_and_goes_upstream_flat() -> None:
    call = parse_request({"model": "m", "input": "x", "tools": [NAMESPACED]})
    item = objects.function_call_item(
        {"id": "c1", "function": {"name": "multi_agent_v1__close_agent", "arguments": "{}"}},
        call.names,
    )
    assert (item["namespace"], item["name"]) == ("multi_agent_v1", "close_agent")
    history = objects.output_messages([item], call.names)
    assert history[0]["tool_calls"][0]["function"]["name"] == "multi_agent_v1__close_agent"


def test_text_then_calls_then_outputs_make_one_assistant_turn() -> None:
    call = parse_request(
        {
            "model": "m",
            "input": [
                {"role": "user", "content": "go"},
                {"role": "assistant", "content": [{"type": "output_text", "text": "ok"}]},
                {"type": "function_call", "call_id": "a", "name": "f", "arguments": "{}"},
                {"type": "function_call", "call_id": "b", "name": "g", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "a", "output": "1"},
                {
                    "type": "function_call_output",
                    "call_id": "b",
                    "output": [{"type": "input_text", "text": "2"}],
                },
            ],
        }
    )
    messages = call.canonical["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "tool"]
    assert messages[1]["content"] == "ok"
    assert [c["id"] for c in messages[1]["tool_calls"]] == ["a", "b"]
    assert messages[3] == {"role": "tool", "tool_call_id": "b", "content": "2"}


def test_history_goes_between_instructions_and_input() -> None:
    call = parse_request({"model": "m", "instructions": "sys", "input": "now"})
    call.with_history([{"role": "user", "content": "before"}])
    assert [m["content"] for m in call.canonical["messages"]] == ["sys", "before", "now"]


def test_json_schema_format_becomes_response_format() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    call = parse_request(
        {
            "model": "m",
            "input": "x",
            "text": {
                "format": {"type": "json_schema", "name": "n", "schema": schema, "strict": True}
            },
        }
    )
    assert call.canonical["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "n", "schema": schema, "strict": True},
    }


def test_images_stay_parts() -> None:
    call = parse_request(
        {
            "model": "m",
            "input": [
                {
                    "role": "user",
                    "content": [
                        {"type": "input_text", "text": "what is this"},
                        {"type": "input_image", "image_url": "data:image/png;base64,AAAA"},
                    ],
                }
            ],
        }
    )
    parts = call.canonical["messages"][0]["content"]
    assert parts[1] == {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}


@pytest.mark.parametrize(
    "body",
    [
        {"model": "m", "input": [{"type": "function_call", "name": "f"}]},
        {"model": "m", "input": [{"type": "function_call_output", "call_id": "a", "output": 3}]},
        {"model": "m", "input": [{"role": "user", "content": [{"type": "input_image"}]}]},
        {
            "model": "m",
            "input": "x",
            "tools": [{"type": "namespace", "name": "n", "tools": [{"type": "mcp"}]}],
        },
        {"model": "m", "input": "x", "tools": "f"},
        {"model": "m", "input": "x", "text": {"verbosity": "loud"}},
    ],
)
def test_malformed_items_are_client_errors(body: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_request(body)
    assert caught.value.param


def test_usage_maps_cached_and_reasoning_tokens() -> None:
    usage = objects.usage_from_canonical(
        {
            "prompt_tokens": 10,
            "completion_tokens": 5,
            "prompt_tokens_details": {"cached_tokens": 4},
            "completion_tokens_details": {"reasoning_tokens": 2},
        }
    )
    assert usage == {
        "input_tokens": 10,
        "input_tokens_details": {"cached_tokens": 4},
        "output_tokens": 5,
        "output_tokens_details": {"reasoning_tokens": 2},
        "total_tokens": 15,
    }
