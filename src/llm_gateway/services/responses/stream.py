"""Canonical chat chunks → Responses API stream events, one chunk at a time.

The event order is OpenAI's: ``response.created``, ``response.in_progress``, then per output item
``response.output_item.added`` → (``response.content_part.added`` → ``response.output_text.delta``…
→ ``response.output_text.done`` → ``response.content_part.done``, or
``response.function_call_arguments.delta``… → ``response.function_call_arguments.done``) →
``response.output_item.done``, and last ``response.completed`` (``response.incomplete`` when the
output limit cut the answer, ``response.failed`` on an upstream failure). Every event carries a
``sequence_number`` counting from 0; the stream has no ``[DONE]`` sentinel.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from llm_gateway.core.exceptions import GatewayError
from llm_gateway.providers.params import new_id
from llm_gateway.providers.streaming import sse_event
from llm_gateway.services.responses import objects
from llm_gateway.services.responses.request import ResponsesCall


@dataclass(slots=True)
class _Item:
    """An open output item: its index, the item as announced, and its accumulated text."""

    index: int
    item: dict[str, Any]
    parts: list[str] = field(default_factory=list)


class EventWriter:
    """Frames one response's stream; ``response`` is the resource, finished by ``close``."""

    def __init__(self, call: ResponsesCall, response: dict[str, Any]) -> None:
        self.call = call
        self.response = response
        self.sequence = 0
        self.items: list[_Item] = []
        self.text: _Item | None = None
        self.tools: dict[int, _Item] = {}  # canonical tool-call index → its item
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None

    def _event(self, kind: str, **fields: Any) -> bytes:
        data = {"type": kind, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        return sse_event(kind, data)

    def _snapshot(self, kind: str) -> bytes:
        return self._event(kind, response=self.response)

    def start(self) -> bytes:
        return self._snapshot("response.created") + self._snapshot("response.in_progress")

    def _open(self, item: dict[str, Any]) -> tuple[_Item, bytes]:
        opened = _Item(len(self.items), item)
        self.items.append(opened)
        return opened, self._event(
            "response.output_item.added", output_index=opened.index, item=copy.copy(item)
        )

    def _text(self, delta: str) -> bytes:
        out = b""
        text = self.text
        if text is None:
            text, out = self._open(objects.message_item("", status="in_progress"))
            self.text = text
            out += self._event(
                "response.content_part.added",
                item_id=text.item["id"],
                output_index=text.index,
                content_index=0,
                part={"type": "output_text", "text": "", "annotations": [], "logprobs": []},
            )
        text.parts.append(delta)
        return out + self._event(
            "response.output_text.delta",
            item_id=text.item["id"],
            output_index=text.index,
            content_index=0,
            delta=delta,
            logprobs=[],
        )

    def _close_text(self) -> bytes:
        text, self.text = self.text, None
        if text is None:
            return b""
        full = "".join(text.parts)
        item_id = text.item["id"]
        text.item = objects.message_item(full, item_id=item_id)
        part = text.item["content"][0]
        where = {"item_id": item_id, "output_index": text.index, "content_index": 0}
        return (
            self._event("response.output_text.done", **where, text=full, logprobs=[])
            + self._event("response.content_part.done", **where, part=part)
            + self._event("response.output_item.done", output_index=text.index, item=text.item)
        )

    def _tool(self, call: dict[str, Any]) -> bytes:
        position = int(call.get("index") or 0)
        fn = call.get("function") or {}
        out = b""
        tool = self.tools.get(position)
        if tool is None:
            out = self._close_text()
            head = {"id": call.get("id") or new_id("call_"), "function": {"name": fn.get("name")}}
            item = objects.function_call_item(head, self.call.names, status="in_progress")
            tool, added = self._open(item)
            self.tools[position] = tool
            out += added
        if arguments := fn.get("arguments"):
            tool.parts.append(arguments)
            out += self._event(
                "response.function_call_arguments.delta",
                item_id=tool.item["id"],
                output_index=tool.index,
                delta=arguments,
            )
        return out

    def chunk(self, chunk: dict[str, Any]) -> bytes:
        """The events for one canonical chunk (often one delta; b"" for a usage-only chunk)."""
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        out = b""
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            if content := delta.get("content"):
                out += self._text(content)
            for call in delta.get("tool_calls") or ():
                out += self._tool(call)
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
        return out

    def close(self) -> bytes:
        """Close every open item and finish ``response`` (output, status, usage)."""
        out = self._close_text()
        for tool in self.tools.values():
            arguments = "".join(tool.parts)
            tool.item = {**tool.item, "status": "completed", "arguments": arguments}
            where = {"item_id": tool.item["id"], "output_index": tool.index}
            out += self._event(
                "response.function_call_arguments.done", **where, arguments=arguments
            ) + self._event("response.output_item.done", output_index=tool.index, item=tool.item)
        self.response["output"] = [i.item for i in self.items]
        objects.finish(self.response, self.finish_reason, self.usage)
        return out

    def completed(self) -> bytes:
        """The terminal event: ``response.completed`` or ``response.incomplete``."""
        status = self.response["status"]
        kind = "response.incomplete" if status == "incomplete" else "response.completed"
        return self._snapshot(kind)

    def failed(self, exc: GatewayError, request_id: str | None) -> bytes:
        """``response.failed`` for a failure after the stream started."""
        self.response["status"] = "failed"
        self.response["output"] = [i.item for i in self.items]
        message = exc.message if not request_id else f"{exc.message} (request id {request_id})"
        self.response["error"] = {"code": exc.code or "server_error", "message": message}
        return self._snapshot("response.failed")
