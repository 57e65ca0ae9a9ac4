"""Anthropic streaming ⇄ canonical chunks, both directions, one event at a time.

``anthropic_events_to_chunks`` serves the adapter (upstream SSE → canonical chunks);
``canonical_to_anthropic_events`` serves ``/v1/messages`` (canonical chunks → SSE bytes ready to
write). Neither buffers: each input event produces its output immediately.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from llm_gateway.core.errors import anthropic_error_body
from llm_gateway.core.exceptions import GatewayError
from llm_gateway.providers.anthropic_inbound import anthropic_usage_from_canonical, message_id
from llm_gateway.providers.anthropic_mapping import (
    FINISH_FROM_ANTHROPIC,
    STOP_FROM_FINISH,
    anthropic_usage,
)
from llm_gateway.providers.base import ChatChunk, UpstreamCallError
from llm_gateway.providers.params import chunk, now, usage_chunk
from llm_gateway.providers.streaming import SSEEvent, parse_json, sse_event

_RETRYABLE_ERRORS = frozenset(
    {"overloaded_error", "api_error", "rate_limit_error", "timeout_error"}
)


# --- Anthropic SSE → canonical chunks (adapter) -----------------------------------------------


def _stream_error(data: dict[str, Any], source: str) -> UpstreamCallError:
    raw = data.get("error")
    error: dict[str, Any] = raw if isinstance(raw, dict) else {}
    kind = str(error.get("type") or "api_error")
    return UpstreamCallError(
        f"{source} failed mid-stream: {kind}: {error.get('message') or 'no message'}",
        retryable=kind in _RETRYABLE_ERRORS,
        code="upstream_stream_error",
    )


async def anthropic_events_to_chunks(
    events: AsyncIterable[SSEEvent], *, source: str
) -> AsyncIterator[ChatChunk]:
    """Translate Messages API stream events into canonical chunks, ending with a usage chunk.

    An ``error`` event raises ``UpstreamCallError`` (before the first chunk if it comes first);
    a stream that ends without ``message_stop`` raises a retryable disconnect error.
    """
    chunk_id, model, created = "", "", now()
    tools: dict[int, int] = {}  # Anthropic block index → OpenAI tool-call index
    use: dict[str, Any] = {}
    async for ev in events:
        data = parse_json(ev.data, source=source)
        kind = ev.event or (data.get("type") if isinstance(data, dict) else None)
        if not isinstance(data, dict):
            continue
        if kind == "message_start":
            message = data.get("message") or {}
            chunk_id, model = message.get("id", ""), message.get("model", "")
            use.update(message.get("usage") or {})
            yield chunk(chunk_id, model, created, {"role": "assistant", "content": ""})
        elif kind == "content_block_start":
            block = data.get("content_block") or {}
            if block.get("type") == "tool_use":
                tools[data.get("index", 0)] = index = len(tools)
                call = {
                    "index": index,
                    "id": block.get("id", ""),
                    "type": "function",
                    "function": {"name": block.get("name", ""), "arguments": ""},
                }
                yield chunk(chunk_id, model, created, {"tool_calls": [call]})
            elif block.get("type") == "text" and block.get("text"):
                yield chunk(chunk_id, model, created, {"content": block["text"]})
        elif kind == "content_block_delta":
            delta = data.get("delta") or {}
            dtype = delta.get("type")
            if dtype == "text_delta":
                yield chunk(chunk_id, model, created, {"content": delta.get("text", "")})
            elif dtype == "input_json_delta" and delta.get("partial_json"):
                call = {
                    "index": tools.get(data.get("index", 0), 0),
                    "function": {"arguments": delta["partial_json"]},
                }
                yield chunk(chunk_id, model, created, {"tool_calls": [call]})
            elif dtype == "thinking_delta":
                yield chunk(chunk_id, model, created, {"reasoning_content": delta.get("thinking")})
        elif kind == "message_delta":
            use.update({k: v for k, v in (data.get("usage") or {}).items() if v is not None})
            reason = (data.get("delta") or {}).get("stop_reason")
            finish = FINISH_FROM_ANTHROPIC.get(reason or "", "stop")
            yield chunk(chunk_id, model, created, {}, finish)
        elif kind == "message_stop":
            yield usage_chunk(chunk_id, model, created, anthropic_usage(use))
            return
        elif kind == "error":
            raise _stream_error(data, source)
    raise UpstreamCallError(
        f"{source} ended the stream before message_stop",
        retryable=True,
        code="upstream_disconnected",
    )


# --- canonical chunks → Anthropic SSE (/v1/messages) ------------------------------------------


def anthropic_error_event(exc: GatewayError, *, request_id: str | None = None) -> bytes:
    """The ``event: error`` that ends an Anthropic stream on failure."""
    body = anthropic_error_body(
        message=exc.message, status_code=exc.status_code, request_id=request_id
    )
    return sse_event("error", body)


class _Encoder:
    """Open/close bookkeeping for content blocks while re-framing canonical chunks."""

    def __init__(self) -> None:
        self.index = -1
        self.open_kind: str | None = None
        self.tool_blocks: dict[int, int] = {}

    def close(self) -> bytes:
        if self.open_kind is None:
            return b""
        self.open_kind = None
        return sse_event("content_block_stop", {"type": "content_block_stop", "index": self.index})

    def open(self, kind: str, block: dict[str, Any]) -> bytes:
        out = self.close()
        self.index += 1
        self.open_kind = kind
        return out + sse_event(
            "content_block_start",
            {"type": "content_block_start", "index": self.index, "content_block": block},
        )

    def text(self, text: str) -> bytes:
        out = b"" if self.open_kind == "text" else self.open("text", {"type": "text", "text": ""})
        delta = {"type": "text_delta", "text": text}
        return out + sse_event(
            "content_block_delta",
            {"type": "content_block_delta", "index": self.index, "delta": delta},
        )

    def tool(self, call: dict[str, Any]) -> bytes:
        out = b""
        position = call.get("index", 0)
        fn = call.get("function") or {}
        if position not in self.tool_blocks:
            block = {
                "type": "tool_use",
                "id": call.get("id", ""),
                "name": fn.get("name", ""),
                "input": {},
            }
            out = self.open("tool_use", block)
            self.tool_blocks[position] = self.index
        if fn.get("arguments"):
            delta = {"type": "input_json_delta", "partial_json": fn["arguments"]}
            out += sse_event(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": self.tool_blocks[position],
                    "delta": delta,
                },
            )
        return out


def _message_start(first: ChatChunk | None, model: str) -> bytes:
    message: dict[str, Any] = {
        "id": message_id(first.get("id") if first else None),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 0, "output_tokens": 0},
    }
    return sse_event("message_start", {"type": "message_start", "message": message}) + sse_event(
        "ping", {"type": "ping"}
    )


async def canonical_to_anthropic_events(
    chunks: AsyncIterable[ChatChunk], *, model: str
) -> AsyncIterator[bytes]:
    """Re-frame canonical chunks as Messages API SSE events reporting ``model``.

    Emits ``message_start`` and ``ping`` with the first chunk, block start/delta/stop events as
    text and tool-call deltas arrive, then ``message_delta`` (stop reason and usage, taken from
    the usage chunk) and ``message_stop``. Exceptions from ``chunks`` propagate unchanged so the
    caller can answer with a plain error or ``anthropic_error_event`` once bytes were sent.
    """
    encoder = _Encoder()
    started = False
    finish: str | None = None
    usage: dict[str, Any] | None = None
    async for item in chunks:
        if not started:
            started = True
            yield _message_start(item, model)
        if item.get("usage"):
            usage = item["usage"]
        for choice in item.get("choices") or ():
            delta = choice.get("delta") or {}
            out = b""
            if delta.get("content"):
                out += encoder.text(delta["content"])
            for call in delta.get("tool_calls") or ():
                out += encoder.tool(call)
            if out:
                yield out
            if choice.get("finish_reason"):
                finish = choice["finish_reason"]
    head = b"" if started else _message_start(None, model)
    final = anthropic_usage_from_canonical(usage)
    delta = {
        "stop_reason": STOP_FROM_FINISH.get(finish or "stop", "end_turn"),
        "stop_sequence": None,
    }
    yield (
        head
        + encoder.close()
        + sse_event("message_delta", {"type": "message_delta", "delta": delta, "usage": final})
        + sse_event("message_stop", {"type": "message_stop"})
    )
