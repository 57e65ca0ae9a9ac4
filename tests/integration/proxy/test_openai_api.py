"""The OpenAI-compatible surface over ASGI: shapes, SSE framing, headers, usage, models."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from llm_gateway.fake_upstream import FakeUpstream
from tests.integration.proxy.conftest import AUTH, Finalized


def chat_body(model: str = "chat", text: str = "hello there", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}


def sse_payloads(body: str) -> list[str]:
    """The ``data:`` payloads of an SSE body, checking the framing on the way."""
    assert body.endswith("\n\n")
    events = body.removesuffix("\n\n").split("\n\n")
    assert all(e.startswith("data: ") for e in events), events
    return [e.removeprefix("data: ") for e in events]


async def test_non_stream_completion_shape_and_gateway_headers(
    client: httpx.AsyncClient, finalized: Finalized
) -> None:
    response = await client.post("/v1/chat/completions", json=chat_body(), headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["model"] == "chat"
    message = body["choices"][0]["message"]
    assert (message["role"], message["content"]) == ("assistant", "You said: hello there")
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["completion_tokens"] == 4
    assert response.headers["x-gateway-deployment"] == "chat/openai/0"
    assert response.headers["x-gateway-model"] == "chat"
    assert response.headers["x-gateway-attempts"] == "1"
    assert response.headers["x-request-id"].startswith("req_")
    ctx = finalized.last
    assert (ctx.status_code, ctx.stream, ctx.completion_tokens) == (200, False, 4)
    assert ctx.principal is not None
    assert ctx.principal.auth_method == "master_key"
    assert len(finalized.calls) == 1


async def test_stream_framing_ends_with_done_and_hides_usage_unless_asked(
    client: httpx.AsyncClient, finalized: Finalized, fake: FakeUpstream
) -> None:
    response = await client.post("/v1/chat/completions", json=chat_body(stream=True), headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    payloads = sse_payloads(response.text)
    assert payloads[-1] == "[DONE]"
    chunks = [orjson.loads(p) for p in payloads[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == "chat" for c in chunks)
    assert all("usage" not in c for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text == "You said: hello there"
    # Usage was still asked of the upstream and recorded for accounting.
    assert fake.requests("demo")[-1]["body"]["stream_options"] == {"include_usage": True}
    assert finalized.last.completion_tokens == 4
    assert finalized.last.first_byte_at is not None


async def test_stream_with_include_usage_ends_with_a_usage_chunk(
    client: httpx.AsyncClient,
) -> None:
    body = chat_body(stream=True, stream_options={"include_usage": True})
    response = await client.post("/v1/chat/completions", json=body, headers=AUTH)
    chunks = [orjson.loads(p) for p in sse_payloads(response.text)[:-1]]
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == 4


async def test_models_list_and_retrieve(client: httpx.AsyncClient) -> None:
    listed = await client.get("/v1/models", headers=AUTH)
    assert listed.status_code == 200
    body = listed.json()
    assert body["object"] == "list"
    ids = [m["id"] for m in body["data"]]
    assert {"chat", "claude", "llama", "embed"} <= set(ids)
    assert all(m["object"] == "model" and isinstance(m["created"], int) for m in body["data"])
    one = await client.get("/v1/models/claude", headers=AUTH)
    assert one.json()["id"] == "claude"
    missing = await client.get("/v1/models/nope", headers=AUTH)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "model_not_found"


async def test_models_in_anthropic_shape_for_anthropic_clients(client: httpx.AsyncClient) -> None:
    headers = {**AUTH, "anthropic-version": "2023-06-01"}
    body = (await client.get("/v1/models", headers=headers)).json()
    assert body["has_more"] is False
    assert body["data"][0]["type"] == "model"
    assert body["first_id"] == body["data"][0]["id"]


async def test_embeddings(client: httpx.AsyncClient, finalized: Finalized) -> None:
    response = await client.post(
        "/v1/embeddings", json={"model": "embed", "input": ["a", "b"]}, headers=AUTH
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "list"
    assert body["model"] == "embed"
    assert [d["index"] for d in body["data"]] == [0, 1]
    assert len(body["data"][0]["embedding"]) == 16
    assert finalized.last.endpoint == "embeddings"


async def test_any_alias_is_reachable_whatever_its_provider(client: httpx.AsyncClient) -> None:
    for model in ("claude", "llama"):
        response = await client.post(
            "/v1/chat/completions", json=chat_body(model, "hi"), headers=AUTH
        )
        assert response.status_code == 200, response.text
        assert response.json()["choices"][0]["message"]["content"] == "You said: hi"
        streamed = await client.post(
            "/v1/chat/completions", json=chat_body(model, "hi", stream=True), headers=AUTH
        )
        chunks = [orjson.loads(p) for p in sse_payloads(streamed.text)[:-1]]
        text = "".join(
            c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]
        )
        assert text == "You said: hi"


async def test_tool_calls_pass_through(client: httpx.AsyncClient) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ]
    body = chat_body(text='call get_weather {"city": "Paris"}', tools=tools)
    response = await client.post("/v1/chat/completions", json=body, headers=AUTH)
    choice = response.json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    call = choice["message"]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather"
    assert orjson.loads(call["function"]["arguments"]) == {"city": "Paris"}
