"""Garbage request bodies get a clean 4xx in the called API's format, never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.proxy.conftest import ANTHROPIC_AUTH, AUTH, Finalized

MESSAGES = [{"role": "user", "content": "hi"}]
GARBAGE: list[Any] = [
    None, True, 0, -1, 1.5, 10**30, -(10**30), 1e308, "x", "", [], {}, [None], [[{}]],
    {"a": {"b": [1, {"c": None}]}}, [{"type": None}], [{"role": "user", "content": [{}]}],
]  # fmt: skip
OPENAI_FIELDS = [
    "model", "messages", "stream", "stream_options", "temperature", "top_p", "max_tokens",
    "max_completion_tokens", "n", "stop", "seed", "tools", "tool_choice", "response_format",
    "user", "logprobs", "top_logprobs", "presence_penalty", "frequency_penalty", "logit_bias",
    "parallel_tool_calls", "drop_params", "metadata", "modalities", "reasoning_effort",
]  # fmt: skip
ANTHROPIC_FIELDS = [
    "model", "messages", "max_tokens", "system", "stream", "temperature", "top_p", "top_k",
    "stop_sequences", "tools", "tool_choice", "metadata", "thinking",
]  # fmt: skip
EMBEDDING_FIELDS = ["model", "input", "encoding_format", "dimensions", "user"]
RESPONSES_FIELDS = [
    "model", "input", "instructions", "previous_response_id", "tools", "tool_choice", "text",
    "temperature", "top_p", "max_output_tokens", "stream", "store", "metadata", "user",
    "parallel_tool_calls", "reasoning", "include", "background", "top_logprobs",
]  # fmt: skip
# Garbage one level down, where the Responses translation walks: items, parts, tools, formats.
RESPONSES_NESTED = [
    lambda v: {"input": [v]},
    lambda v: {"input": [{"type": "message", "role": "user", "content": v}]},
    lambda v: {"input": [{"role": "user", "content": [{"type": "input_text", "text": v}]}]},
    lambda v: {"input": [{"role": "user", "content": [{"type": "input_image", "image_url": v}]}]},
    lambda v: {"input": [{"type": "function_call", "call_id": v, "name": "f", "arguments": v}]},
    lambda v: {"input": [{"type": "function_call_output", "call_id": "c", "output": v}]},
    lambda v: {"tools": [{"type": "function", "name": v, "parameters": v}]},
    lambda v: {"tools": [{"type": "namespace", "name": "n", "tools": v}]},
    lambda v: {"text": {"format": v}},
    lambda v: {"text": {"format": {"type": "json_schema", "name": v, "schema": v}}},
    lambda v: {"tool_choice": {"type": "function", "name": v}},
]


def _clean(response: httpx.Response, anthropic: bool = False) -> None:
    # Never a 5xx: not ours (a crash), nor the upstream's echoed back (the caller's fault
    # reaching the upstream, where it would also count against the deployment's health).
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        body = response.json()
        if anthropic:
            assert body["type"] == "error", body
        else:
            assert isinstance(body["error"]["message"], str), body


@pytest.mark.parametrize("field", OPENAI_FIELDS)
async def test_openai_chat_field_garbage(client: httpx.AsyncClient, field: str) -> None:
    for stream in (False, True):
        for value in GARBAGE:
            body = {"model": "chat", "messages": MESSAGES, "stream": stream, field: value}
            r = await client.post("/v1/chat/completions", json=body, headers=AUTH)
            _clean(r)


@pytest.mark.parametrize("field", ANTHROPIC_FIELDS)
async def test_anthropic_field_garbage(client: httpx.AsyncClient, field: str) -> None:
    for stream in (False, True):
        for value in GARBAGE:
            body = {"model": "chat", "max_tokens": 5, "messages": MESSAGES, "stream": stream}
            body[field] = value
            r = await client.post("/v1/messages", json=body, headers=ANTHROPIC_AUTH)
            _clean(r, anthropic=True)


@pytest.mark.parametrize("field", EMBEDDING_FIELDS)
async def test_embeddings_field_garbage(client: httpx.AsyncClient, field: str) -> None:
    for value in GARBAGE:
        body = {"model": "embed", "input": "hi", field: value}
        _clean(await client.post("/v1/embeddings", json=body, headers=AUTH))


@pytest.mark.parametrize("field", RESPONSES_FIELDS)
async def test_responses_field_garbage(client: httpx.AsyncClient, field: str) -> None:
    for stream in (False, True):
        for value in GARBAGE:
            body = {"model": "chat", "input": "hi", "stream": stream, field: value}
            _clean(await client.post("/v1/responses", json=body, headers=AUTH))


@pytest.mark.parametrize("nest", range(len(RESPONSES_NESTED)))
async def test_responses_nested_garbage(client: httpx.AsyncClient, nest: int) -> None:
    for value in GARBAGE:
        body = {"model": "chat", "input": "hi", **RESPONSES_NESTED[nest](value)}
        _clean(await client.post("/v1/responses", json=body, headers=AUTH))


RAW = [
    b"", b"null", b"1", b'"s"', b"[]", b"\xff\xfe", b'{"model": "\xff"}', b"[" * 5000,
    b'{"model": 1e999}', b'{"model": "chat", "messages": [], "max_tokens": 99999999999999999999}',
]  # fmt: skip


@pytest.mark.parametrize(
    "path", ["/v1/chat/completions", "/v1/messages", "/v1/embeddings", "/v1/responses"]
)
async def test_raw_body_garbage(client: httpx.AsyncClient, path: str) -> None:
    """Empty, non-object, invalid UTF-8, too deep, out-of-range: 400 (a JSON ``null`` too)."""
    for raw in RAW:
        for ctype in ("application/json", "text/plain"):
            headers = {**ANTHROPIC_AUTH, **AUTH, "content-type": ctype}
            r = await client.post(path, content=raw, headers=headers)
            _clean(r, anthropic=path == "/v1/messages")
            assert r.status_code == 400, (raw, r.text)


async def test_json_null_body_is_a_400_not_a_disconnect(
    client: httpx.AsyncClient, finalized: Finalized
) -> None:
    response = await client.post("/v1/chat/completions", content=b"null", headers=AUTH)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"
    assert (finalized.last.status_code, finalized.last.client_disconnected) == (400, False)
