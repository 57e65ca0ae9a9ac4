"""A cached completion replayed as canonical stream chunks (framed later per protocol)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from llm_gateway.providers.base import ChatChunk, ChatResponse

PIECE_CHARS = 48  # replayed text goes out in pieces so clients see a normal stream


def _chunk(response: ChatResponse, delta: dict[str, Any], finish: str | None = None) -> ChatChunk:
    return {
        "id": response.get("id", "chatcmpl-cached"),
        "object": "chat.completion.chunk",
        "created": int(response.get("created") or time.time()),
        "model": response.get("model"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def completion_chunks(response: ChatResponse) -> list[ChatChunk]:
    """Role, text pieces, tool calls, the finish reason, then a usage-only chunk."""
    choice = (response.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    chunks = [_chunk(response, {"role": "assistant", "content": ""})]
    text = message.get("content") or ""
    for start in range(0, len(text), PIECE_CHARS):
        chunks.append(_chunk(response, {"content": text[start : start + PIECE_CHARS]}))
    for index, call in enumerate(message.get("tool_calls") or ()):
        chunks.append(_chunk(response, {"tool_calls": [{"index": index, **call}]}))
    chunks.append(_chunk(response, {}, choice.get("finish_reason") or "stop"))
    usage_only = _chunk(response, {})
    usage_only["choices"] = []
    usage_only["usage"] = response.get("usage") or {}
    chunks.append(usage_only)
    return chunks


async def replay(response: ChatResponse) -> AsyncIterator[ChatChunk]:
    """``completion_chunks`` as an async iterator (what the stream framers consume)."""
    for chunk in completion_chunks(response):
        yield chunk
