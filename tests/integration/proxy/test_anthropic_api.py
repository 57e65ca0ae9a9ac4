"""The Anthropic Messages surface over ASGI: message shape, event sequence, any alias."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from llm_gateway.fake_upstream import FakeUpstream
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


def _echoed(response: httpx.Response) -> dict[str, Any]:
    """The upstream request body the fake model echoed back ("echo:" prompts)."""
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = orjson.loads(response.json()["content"][0]["text"])
    return reply


def _with_system_turns(model: str) -> dict[str, Any]:
    # Claude Code's shape: a user turn, then a system message mid-conversation.
    return {
        "model": model,
        "max_tokens": 100,
        "system": [
            {"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}
        ],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "echo: hi"}]},
            {"role": "system", "content": [{"type": "text", "text": "Today is Thursday."}]},
        ],
    }


async def test_system_messages_anywhere_reach_an_openai_upstream_in_place(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/messages", json=_with_system_turns("chat"), headers=ANTHROPIC_AUTH
    )
    upstream = _echoed(response)
    assert [m["role"] for m in upstream["messages"]] == ["system", "user", "system"]
    assert upstream["messages"][2]["content"] == [{"type": "text", "text": "Today is Thursday."}]
    # OpenAI caches prefixes itself and rejects Anthropic's marks: they are not forwarded.
    assert "cache_control" not in orjson.dumps(upstream).decode()


async def test_system_messages_anywhere_are_lifted_for_an_anthropic_upstream(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/messages", json=_with_system_turns("claude"), headers=ANTHROPIC_AUTH
    )
    upstream = _echoed(response)
    assert [m["role"] for m in upstream["messages"]] == ["user"]
    assert [b["text"] for b in upstream["system"]] == ["You are terse.", "Today is Thursday."]
    assert upstream["system"][0]["cache_control"] == {"type": "ephemeral"}  # passed through


async def test_system_messages_anywhere_reach_an_ollama_upstream(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/messages", json=_with_system_turns("llama"), headers=ANTHROPIC_AUTH
    )
    upstream = _echoed(response)
    roles = [m["role"] for m in upstream["messages"]]
    assert roles == ["system", "user", "system"]


async def test_claude_model_names_route_through_model_routes(
    client: httpx.AsyncClient, finalized: Finalized
) -> None:
    body = message_body("claude-sonnet-4-5-20250929")
    response = await client.post("/v1/messages", json=body, headers=ANTHROPIC_AUTH)
    assert response.status_code == 200, response.text
    assert response.json()["model"] == "claude-sonnet-4-5-20250929"  # the name the client sent
    assert response.headers["x-gateway-model"] == "claude"
    assert finalized.last.alias == "claude"
    unknown = await client.post("/v1/messages", json=message_body("gpt-9"), headers=ANTHROPIC_AUTH)
    assert unknown.status_code == 404


async def test_max_tokens_above_the_alias_limit_is_lowered(client: httpx.AsyncClient) -> None:
    body = message_body("chat", "echo: hi", max_tokens=128_000)  # what Claude Code asks for
    upstream = _echoed(await client.post("/v1/messages", json=body, headers=ANTHROPIC_AUTH))
    assert upstream["max_tokens"] == 4096  # the alias's max_output_tokens (the default)


async def test_count_tokens(client: httpx.AsyncClient, finalized: Finalized) -> None:
    short = {"model": "claude", "messages": [{"role": "user", "content": "hi"}]}
    response = await client.post("/v1/messages/count_tokens", json=short, headers=ANTHROPIC_AUTH)
    assert response.status_code == 200, response.text
    small = response.json()["input_tokens"]
    longer = {
        **short,
        "system": "You are a careful assistant who answers in full sentences.",
        "tools": [{"name": "lookup", "input_schema": {"type": "object", "properties": {}}}],
    }
    response = await client.post("/v1/messages/count_tokens", json=longer, headers=ANTHROPIC_AUTH)
    assert response.json()["input_tokens"] > small > 0
    # Claude Code's names resolve here too; unknown models and bad bodies are Anthropic errors.
    routed = {**short, "model": "claude-haiku-4-5"}
    response = await client.post("/v1/messages/count_tokens", json=routed, headers=ANTHROPIC_AUTH)
    assert response.json() == {"input_tokens": small}
    missing = await client.post(
        "/v1/messages/count_tokens", json={**short, "model": "gpt-9"}, headers=ANTHROPIC_AUTH
    )
    assert missing.status_code == 404
    assert missing.json()["type"] == "error"
    bad = await client.post(
        "/v1/messages/count_tokens", json={"model": "claude"}, headers=ANTHROPIC_AUTH
    )
    assert bad.status_code == 400
    assert finalized.calls == []  # counting is free: nothing metered or recorded


async def test_structured_output_reaches_each_upstream(client: httpx.AsyncClient) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    body = message_body(
        "chat", "echo: hi", output_config={"format": {"type": "json_schema", "schema": schema}}
    )
    upstream = _echoed(await client.post("/v1/messages", json=body, headers=ANTHROPIC_AUTH))
    assert upstream["response_format"]["type"] == "json_schema"
    assert upstream["response_format"]["json_schema"]["schema"] == schema
    # An alias not configured for JSON output says so instead of dropping the format.
    body["model"] = "claude"
    refused = await client.post("/v1/messages", json=body, headers=ANTHROPIC_AUTH)
    assert refused.status_code == 400
    assert "JSON output" in refused.json()["error"]["message"]


async def test_service_tier_cache_control_and_top_k_per_upstream(
    client: httpx.AsyncClient,
) -> None:
    extra = {"service_tier": "standard_only", "cache_control": {"type": "ephemeral"}, "top_k": 5}
    to_claude = _echoed(
        await client.post(
            "/v1/messages", json=message_body("claude", "echo: hi", **extra), headers=ANTHROPIC_AUTH
        )
    )
    assert to_claude["service_tier"] == "standard_only"
    assert to_claude["cache_control"] == {"type": "ephemeral"}
    assert to_claude["top_k"] == 5
    to_openai = _echoed(
        await client.post(
            "/v1/messages", json=message_body("chat", "echo: hi", **extra), headers=ANTHROPIC_AUTH
        )
    )
    assert to_openai["service_tier"] == "default"  # OpenAI's name for standard capacity
    assert "top_k" not in to_openai  # OpenAI has no top_k (documented rule)
    assert "cache_control" not in to_openai  # OpenAI caches prefixes by itself


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"service_tier": "priority"}, "service_tier"),
        ({"cache_control": {"type": "forever"}}, "cache_control"),
        ({"output_config": {"format": {"type": "xml"}}}, "output_config"),
        ({"output_config": {"verbosity": "high"}}, "output_config"),
        ({"output_config": {"effort": "extreme"}}, "output_config"),
    ],
)
async def test_unsupported_options_are_refused_not_dropped(
    client: httpx.AsyncClient, extra: dict[str, Any], param: str
) -> None:
    response = await client.post(
        "/v1/messages", json=message_body("claude", **extra), headers=ANTHROPIC_AUTH
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert param in response.json()["error"]["message"]


async def test_prompt_cache_tokens_come_back_and_are_counted(
    client: httpx.AsyncClient, fake: FakeUpstream, finalized: Finalized
) -> None:
    fake.script("claude-fake", cached_tokens=1, cache_write_tokens=2)
    body = message_body("claude", "one two three four five six")
    response = await client.post("/v1/messages", json=body, headers=ANTHROPIC_AUTH)
    assert response.status_code == 200, response.text
    usage = response.json()["usage"]
    assert usage["cache_read_input_tokens"] == 1
    assert usage["cache_creation_input_tokens"] == 2
    details = finalized.last.usage["prompt_tokens_details"]  # type: ignore[index]
    assert details == {"cached_tokens": 1, "cache_write_tokens": 2}
