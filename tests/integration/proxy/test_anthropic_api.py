"""The Anthropic Messages surface over ASGI: message shape, event sequence, any alias."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from tests.integration.proxy.conftest import ANTHROPIC_AUTH, Finalized


def message_body(model: str, text: str = "hello there", **extra: Any) -> dict[str, Any]:
    return {"model": model, "max_tokens": 100, "messages": [{"role": "user", "content": text}]} | (
        extra
    )


def events(body: str) -> list[tuple[str, dict[str, Any]]]:
    """``(event, data)`` pairs of an Anthropic SSE body."""
    out = []
    for block in body.strip().split("\n\n"):
        name_line, data_line = block.split("\n")
        assert name_line.startswith("event: "), block
        assert data_line.startswith("data: "), block
        data = orjson.loads(data_line.removeprefix("data: "))
        assert data["type"] == name_line.removeprefix("event: ")
        out.append((data["type"], data))
    return out


@pytest.mark.parametrize("model", ["chat", "claude", "llama"])
async def test_message_shape_for_any_alias(
    client: httpx.AsyncClient, finalized: Finalized, model: str
) -> None:
    response = await client.post("/v1/messages", json=message_body(model), headers=ANTHROPIC_AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "message"
    assert body["role"] == "assistant"
    assert body["model"] == model
    assert body["id"].startswith("msg_")
    assert body["content"] == [{"type": "text", "text": "You said: hello there"}]
    assert body["stop_reason"] == "end_turn"
    assert body["usage"]["output_tokens"] == 4
    assert response.headers["x-gateway-model"] == model
    assert response.headers["request-id"] == response.headers["x-request-id"]
    assert finalized.last.api == "anthropic"
    assert finalized.last.completion_tokens == 4


async def test_stream_event_sequence(client: httpx.AsyncClient, finalized: Finalized) -> None:
    response = await client.post(
        "/v1/messages", json=message_body("chat", stream=True), headers=ANTHROPIC_AUTH
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    seq = events(response.text)
    names = [name for name, _ in seq]
    assert names[:3] == ["message_start", "ping", "content_block_start"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    text = "".join(d["delta"]["text"] for n, d in seq if n == "content_block_delta")
    assert text == "You said: hello there"
    delta = dict(seq)["message_delta"]
    assert delta["delta"]["stop_reason"] == "end_turn"
    assert delta["usage"]["output_tokens"] == 4
    assert finalized.last.completion_tokens == 4


async def test_tool_use_round_trip(client: httpx.AsyncClient) -> None:
    tools = [
        {
            "name": "get_weather",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
        }
    ]
    body = message_body("claude", 'call get_weather {"city": "Oslo"}', tools=tools)
    response = await client.post("/v1/messages", json=body, headers=ANTHROPIC_AUTH)
    message = response.json()
    assert message["stop_reason"] == "tool_use"
    block = message["content"][-1]
    assert (block["type"], block["name"], block["input"]) == (
        "tool_use",
        "get_weather",
        {"city": "Oslo"},
    )
    follow_up = message_body("chat", tools=tools)
    follow_up["messages"] += [
        {"role": "assistant", "content": message["content"]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": block["id"], "content": "sunny"}],
        },
    ]
    answer = (await client.post("/v1/messages", json=follow_up, headers=ANTHROPIC_AUTH)).json()
    assert answer["content"][0]["text"] == "Tool result: sunny"
