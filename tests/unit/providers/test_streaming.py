"""SSE/NDJSON parsing at any chunk boundary, SSE framing, and upstream error mapping."""

from __future__ import annotations

import email.utils
import time
from collections.abc import AsyncIterator

import orjson
import pytest

from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.providers.base import Deployment, UpstreamCallError
from llm_gateway.providers.streaming import (
    SSEEvent,
    iter_lines,
    iter_ndjson,
    iter_sse,
    openai_error_event,
    sse_data,
    sse_event,
)
from llm_gateway.providers.upstream import error_from_status, parse_retry_after

DEP = Deployment(id="a/openai/0", alias="a", provider="openai", model="m", base_url="http://x")


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


STREAM = (
    b": keep-alive comment\r\n"
    b"event: message_start\r\n"
    b'data: {"a": 1}\r\n\r\n'
    b"data: line one\n"
    b"data:line two\n\n"
    b"id: 7\nretry: 10\n\n"
    b"data: " + b"x" * 300_000 + b"\n\n"
    b"data: [DONE]"
)


@pytest.mark.parametrize("size", [1, 7, 64, 1_000_000])
async def test_sse_parses_across_any_chunk_boundary(size: int) -> None:
    events = [e async for e in iter_sse(_chunks(STREAM, size))]
    assert events == [
        SSEEvent("message_start", b'{"a": 1}'),
        SSEEvent(None, b"line one\nline two"),
        SSEEvent(None, b"x" * 300_000),  # no line-length limit
        SSEEvent(None, b"[DONE]"),  # a final event without its blank line still counts
    ]


async def test_lines_keep_empty_lines_and_strip_cr() -> None:
    lines = [line async for line in iter_lines(_chunks(b"a\r\n\r\nb\nc", 2))]
    assert lines == [b"a", b"", b"b", b"c"]


async def test_ndjson_parses_and_rejects_garbage() -> None:
    good = [x async for x in iter_ndjson(_chunks(b'{"a":1}\n\n{"b":2}\n', 3), source="s")]
    assert good == [{"a": 1}, {"b": 2}]
    with pytest.raises(UpstreamCallError) as info:
        _ = [x async for x in iter_ndjson(_chunks(b'{"a":1}\n{"b":\n', 3), source="dep 'x'")]
    assert (info.value.status_code, info.value.code) == (502, "bad_upstream_response")
    assert "dep 'x'" in info.value.message


def test_framing() -> None:
    assert sse_data({"a": 1}) == b'data: {"a":1}\n\n'
    assert sse_event("ping", {"type": "ping"}) == b'event: ping\ndata: {"type":"ping"}\n\n'
    event = openai_error_event(InvalidRequestError("bad", param="model"), request_id="r1")
    body = orjson.loads(event.removeprefix(b"data: "))
    assert body["error"] == {
        "message": "bad",
        "type": "invalid_request_error",
        "code": "invalid_request",
        "param": "model",
        "request_id": "r1",
    }


def test_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 20 < (parse_retry_after({"retry-after": future}) or 0) <= 30
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


@pytest.mark.parametrize(
    ("status", "retryable", "our_status"),
    [(400, False, 400), (404, False, 404), (408, True, 504), (409, True, 502), (429, True, 429),
     (500, True, 502), (503, True, 502), (529, True, 502)],
)  # fmt: skip
def test_status_mapping(status: int, retryable: bool, our_status: int) -> None:
    body = orjson.dumps({"error": {"message": "upstream says", "type": "x_error", "param": "p"}})
    exc = error_from_status(status, body, {"retry-after": "4"}, DEP)
    assert (exc.retryable, exc.status_code, exc.upstream_status) == (retryable, our_status, status)
    assert "upstream says" in exc.message
    assert exc.retry_after_s == (4.0 if status in (429, 503, 529) else None)
    if not retryable:
        assert (exc.error_type, exc.param) == ("x_error", "p")


def test_error_messages_from_each_provider_format() -> None:
    ollama = error_from_status(400, b'{"error": "model not found"}', {}, DEP)
    anthropic = error_from_status(
        400,
        b'{"type":"error","error":{"type":"invalid_request_error","message":"bad max"}}',
        {},
        DEP,
    )
    html = error_from_status(400, b"<html>nope</html>", {}, DEP)
    assert ollama.message == "model not found"
    assert anthropic.message == "bad max"
    assert "HTTP 400" in html.message
