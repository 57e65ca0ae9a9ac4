"""Stream framing in one place: SSE and NDJSON parsing for adapters, SSE framing for endpoints.

Parsing splits on raw bytes with no line-length limit (an echoed image can make one SSE line
megabytes long) and yields as soon as a line is complete, so nothing is buffered whole.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Any, NamedTuple

import orjson

from llm_gateway.core.errors import openai_error_body
from llm_gateway.core.exceptions import GatewayError
from llm_gateway.providers.base import UpstreamCallError

SSE_DONE = b"data: [DONE]\n\n"
SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8"
# Headers every SSE response should carry so proxies (nginx) neither buffer nor cache it.
SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


class SSEEvent(NamedTuple):
    """One server-sent event: its ``event:`` name (None when absent) and its joined data."""

    event: str | None
    data: bytes


# --- parsing (upstream → us) -----------------------------------------------------------------


async def iter_lines(chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """Split a byte stream into lines (without ``\\n`` or ``\\r``), each as soon as it ends.

    The pieces of an unfinished line are kept apart and joined once, when it ends: prepending
    them to every new chunk (and searching them again) was quadratic in the line's length.
    """
    partial: list[bytes] = []
    async for chunk in chunks:
        start = 0
        while (nl := chunk.find(b"\n", start)) >= 0:
            line = chunk[start:nl]
            if partial:
                partial.append(line)
                line = b"".join(partial)
                partial.clear()
            yield line[:-1] if line.endswith(b"\r") else line
            start = nl + 1
        if start < len(chunk):
            partial.append(chunk[start:] if start else chunk)
    if partial:
        yield b"".join(partial).rstrip(b"\r")


async def iter_sse(chunks: AsyncIterable[bytes]) -> AsyncIterator[SSEEvent]:
    """Parse server-sent events; comments and ``id:``/``retry:`` fields are skipped."""
    event: str | None = None
    data: list[bytes] = []
    async for line in iter_lines(chunks):
        if not line:
            if data:
                yield SSEEvent(event, data[0] if len(data) == 1 else b"\n".join(data))
            event, data = None, []
            continue
        if line.startswith(b"data:"):
            value = line[5:]
            data.append(value[1:] if value[:1] == b" " else value)
        elif line.startswith(b"event:"):
            event = line[6:].strip().decode("utf-8", "replace")
    if data:
        yield SSEEvent(event, b"\n".join(data))


async def iter_ndjson(chunks: AsyncIterable[bytes], *, source: str) -> AsyncIterator[Any]:
    """Parse newline-delimited JSON; a malformed line is a 502 naming ``source``."""
    async for line in iter_lines(chunks):
        if line.strip():
            yield parse_json(line, source=source)


def parse_json(data: bytes, *, source: str) -> Any:
    """``orjson.loads``; garbage becomes ``UpstreamCallError(code="bad_upstream_response")``."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        raise bad_upstream_response(source, data) from None


def bad_upstream_response(source: str, data: bytes | str = b"") -> UpstreamCallError:
    """The 502 for an upstream body or chunk we cannot parse (first bytes quoted for debugging)."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    snippet = text[:120].replace("\n", " ")
    return UpstreamCallError(
        f"Upstream {source} sent a malformed response: {snippet!r}",
        retryable=True,  # like a 5xx: retried, failed over, counted against the deployment
        code="bad_upstream_response",
        status_code=502,
    )


# --- framing (us → client) -------------------------------------------------------------------


def sse_data(obj: Any) -> bytes:
    """One OpenAI-style event: ``data: {json}\\n\\n``."""
    return b"data: " + orjson.dumps(obj) + b"\n\n"


def sse_event(event: str, obj: Any) -> bytes:
    """One named event (Anthropic style): ``event: name\\ndata: {json}\\n\\n``."""
    return b"event: " + event.encode() + b"\ndata: " + orjson.dumps(obj) + b"\n\n"


def openai_error_event(exc: GatewayError, *, request_id: str | None = None) -> bytes:
    """The event that ends an OpenAI stream on failure; the ``openai`` SDKs raise ``APIError``."""
    return sse_data(
        openai_error_body(
            message=exc.message,
            error_type=exc.error_type,
            code=exc.code,
            param=exc.param,
            request_id=request_id,
        )
    )
