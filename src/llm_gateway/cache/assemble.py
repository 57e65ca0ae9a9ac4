"""Rebuild a complete chat.completion from the canonical chunks of a stream, for storing."""

from __future__ import annotations

import time
from typing import Any

from llm_gateway.providers.base import ChatChunk, ChatResponse


class StreamAssembler:
    """Feed it every chunk; ``response()`` is the completion they add up to."""

    __slots__ = ("_calls", "_finish", "_id", "_model", "_text", "_usage")

    def __init__(self) -> None:
        self._text: list[str] = []
        self._calls: dict[int, dict[str, Any]] = {}
        self._finish: str | None = None
        self._usage: dict[str, Any] | None = None
        self._id = "chatcmpl-cached"
        self._model: str | None = None

    def observe(self, chunk: ChatChunk) -> None:
        self._id = chunk.get("id") or self._id
        self._model = chunk.get("model") or self._model
        if chunk.get("usage"):
            self._usage = chunk["usage"]
        for choice in chunk.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            if content := delta.get("content"):
                self._text.append(content)
            for call in delta.get("tool_calls") or ():
                slot = self._calls.setdefault(
                    int(call.get("index", 0)),
                    {"id": None, "type": "function", "function": {"name": "", "arguments": ""}},
                )
                slot["id"] = call.get("id") or slot["id"]
                function = call.get("function") or {}
                slot["function"]["name"] += function.get("name") or ""
                slot["function"]["arguments"] += function.get("arguments") or ""
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]

    @property
    def complete(self) -> bool:
        return self._finish is not None

    def response(self) -> ChatResponse:
        message: dict[str, Any] = {"role": "assistant", "content": "".join(self._text) or None}
        if self._calls:
            message["tool_calls"] = [self._calls[i] for i in sorted(self._calls)]
        return {
            "id": self._id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self._model,
            "choices": [{"index": 0, "message": message, "finish_reason": self._finish}],
            "usage": self._usage or {},
        }
