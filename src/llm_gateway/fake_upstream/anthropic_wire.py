"""The fake's Anthropic Messages protocol (``/v1/messages``)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import orjson

from llm_gateway.fake_upstream.content import Prompt, Reply, Tool, fragments
from llm_gateway.fake_upstream.wire import BadRequest, Wire, require, text_of

_STOP = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}


def _event(name: str, obj: Any) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(obj) + b"\n\n"


def _start(index: int, block: dict[str, Any]) -> bytes:
    body = {"type": "content_block_start", "index": index, "content_block": block}
    return _event("content_block_start", body)


def _delta(index: int, delta: dict[str, Any]) -> bytes:
    return _event(
        "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
    )


def _tool_results(content: Any) -> str | None:
    if not isinstance(content, list):
        return None
    results = [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]
    if not results:
        return None
    return "".join(text_of(b.get("content")) for b in results)


class AnthropicWire(Wire):
    name: ClassVar[str] = "anthropic"
    malformed_body: ClassVar[bytes] = b'{"id": "msg_truncated", "content": ['

    def check_headers(self, headers: Mapping[str, str]) -> str | None:
        if "anthropic-version" not in headers:
            return "anthropic-version: header is required"
        return None

    def parse(self, body: dict[str, Any]) -> Prompt:
        model = require(body, "model", str)
        max_tokens = require(body, "max_tokens", int)
        messages = require(body, "messages", list)
        prompt = Prompt(model=model, raw=body, stream=body.get("stream") is True)
        prompt.max_tokens = max_tokens
        system = body.get("system")
        if system:
            prompt.texts.append(text_of(system))
        for msg in messages:
            if not isinstance(msg, dict) or msg.get("role") not in ("user", "assistant"):
                raise BadRequest("messages: roles must be 'user' or 'assistant'")
            prompt.texts.append(text_of(msg.get("content")))
            if msg["role"] == "user" and _tool_results(msg.get("content")) is None:
                prompt.last_user = prompt.texts[-1]
        if messages and messages[-1].get("role") == "user":
            prompt.tool_result = _tool_results(messages[-1].get("content"))
        for tool in body.get("tools") or ():
            prompt.tools.append(Tool(tool.get("name", ""), tool.get("input_schema") or {}))
        choice = body.get("tool_choice") or {}
        if choice.get("type") == "any":
            prompt.forced_tool = "*"
        elif choice.get("type") == "tool":
            prompt.forced_tool = choice.get("name")
        prompt.stop = list(body.get("stop_sequences") or ())
        return prompt

    def _usage(self, reply: Reply) -> dict[str, Any]:
        return {
            "input_tokens": reply.prompt_tokens - reply.cached_tokens - reply.cache_write_tokens,
            "output_tokens": reply.completion_tokens,
            "cache_creation_input_tokens": reply.cache_write_tokens,
            "cache_read_input_tokens": reply.cached_tokens,
        }

    def _stop_reason(self, reply: Reply) -> str:
        return "stop_sequence" if reply.stop_sequence else _STOP[reply.finish]

    def render(self, prompt: Prompt, reply: Reply) -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        if not reply.tool_calls:
            content.append({"type": "text", "text": reply.text})
        for call in reply.tool_calls:
            content.append(
                {"type": "tool_use", "id": call.id, "name": call.name, "input": call.input}
            )
        return {
            "id": "msg_fake" + secrets.token_hex(8),
            "type": "message",
            "role": "assistant",
            "model": prompt.model,
            "content": content,
            "stop_reason": self._stop_reason(reply),
            "stop_sequence": reply.stop_sequence,
            "usage": self._usage(reply),
        }

    def frames(self, prompt: Prompt, reply: Reply) -> Iterator[bytes]:
        usage = {**self._usage(reply), "output_tokens": 1}
        message: dict[str, Any] = {
            "id": "msg_fake" + secrets.token_hex(8),
            "type": "message",
            "role": "assistant",
            "model": prompt.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        yield _event("message_start", {"type": "message_start", "message": message})
        index = 0
        if not reply.tool_calls:
            yield _start(0, {"type": "text", "text": ""})
            yield _event("ping", {"type": "ping"})
            for piece in reply.pieces:
                yield _delta(0, {"type": "text_delta", "text": piece})
            yield _event("content_block_stop", {"type": "content_block_stop", "index": 0})
            index = 1
        for i, call in enumerate(reply.tool_calls, index):
            yield _start(i, {"type": "tool_use", "id": call.id, "name": call.name, "input": {}})
            for part in ["", *fragments(call.arguments)]:
                yield _delta(i, {"type": "input_json_delta", "partial_json": part})
            yield _event("content_block_stop", {"type": "content_block_stop", "index": i})
        delta: dict[str, Any] = {
            "stop_reason": self._stop_reason(reply),
            "stop_sequence": reply.stop_sequence,
        }
        yield _event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": delta,
                "usage": {"output_tokens": reply.completion_tokens},
            },
        )
        yield _event("message_stop", {"type": "message_stop"})

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        kind = _ERROR_TYPES.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}

    def error_frame(self, message: str) -> bytes:
        return _event(
            "error", {"type": "error", "error": {"type": "overloaded_error", "message": message}}
        )

    def malformed_frame(self) -> bytes:
        return b'event: content_block_delta\ndata: {"type": "content_block_delta", "ind\n\n'
