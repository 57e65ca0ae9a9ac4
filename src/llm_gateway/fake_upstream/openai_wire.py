"""The fake's OpenAI Chat Completions protocol (``/v1/chat/completions``)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import orjson

from llm_gateway.fake_upstream.content import Prompt, Reply, Tool, fragments
from llm_gateway.fake_upstream.wire import BadRequest, Wire, require, text_of

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    404: "invalid_request_error",
    429: "rate_limit_error",
}
_ERROR_CODES = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}


def _sse(obj: Any) -> bytes:
    return b"data: " + orjson.dumps(obj) + b"\n\n"


def _usage(reply: Reply) -> dict[str, Any]:
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": reply.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    }


def _forced(choice: Any) -> str | None:
    if choice == "required":
        return "*"
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        name = choice["function"].get("name")
        return name if isinstance(name, str) else None
    return None


class OpenAIWire(Wire):
    name: ClassVar[str] = "openai"

    def parse(self, body: dict[str, Any]) -> Prompt:
        model = require(body, "model", str)
        messages = require(body, "messages", list)
        if not messages:
            raise BadRequest("'messages' must not be empty")
        prompt = Prompt(model=model, raw=body, stream=body.get("stream") is True)
        for msg in messages:
            if not isinstance(msg, dict) or msg.get("role") not in (
                "system", "developer", "user", "assistant", "tool"
            ):  # fmt: skip
                raise BadRequest("each message needs a valid 'role'")
            prompt.texts.append(text_of(msg.get("content")))
            if msg["role"] == "user":
                prompt.last_user = prompt.texts[-1]
        if messages[-1].get("role") == "tool":
            prompt.tool_result = text_of(messages[-1].get("content"))
        for tool in body.get("tools") or ():
            fn = tool.get("function") or {}
            prompt.tools.append(Tool(fn.get("name", ""), fn.get("parameters") or {}))
        prompt.forced_tool = _forced(body.get("tool_choice"))
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        prompt.max_tokens = limit if isinstance(limit, int) else None
        stop = body.get("stop")
        prompt.stop = [stop] if isinstance(stop, str) else list(stop or ())
        fmt = body.get("response_format") or {}
        prompt.json_mode = fmt.get("type") in ("json_object", "json_schema")
        options = body.get("stream_options") or {}
        prompt.include_usage = options.get("include_usage") is True
        return prompt

    def render(self, prompt: Prompt, reply: Reply) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": reply.text if not reply.tool_calls else None,
            "refusal": None,
            "annotations": [],
        }
        if reply.tool_calls:
            message["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                }
                for c in reply.tool_calls
            ]
        return {
            "id": "chatcmpl-fake" + secrets.token_hex(8),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": prompt.model,
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": reply.finish}
            ],
            "usage": _usage(reply),
            "system_fingerprint": "fp_fake",
            "service_tier": "default",
        }

    def frames(self, prompt: Prompt, reply: Reply) -> Iterator[bytes]:
        base: dict[str, Any] = {
            "id": "chatcmpl-fake" + secrets.token_hex(8),
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": prompt.model,
            "system_fingerprint": "fp_fake",
        }
        if prompt.include_usage:
            base["usage"] = None

        def frame(delta: dict[str, Any], finish: str | None = None) -> bytes:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return _sse({**base, "choices": [choice]})

        yield frame({"role": "assistant", "content": "", "refusal": None})
        for piece in reply.pieces:
            yield frame({"content": piece})
        for i, call in enumerate(reply.tool_calls):
            head = {"index": i, "id": call.id, "type": "function"}
            yield frame(
                {"tool_calls": [{**head, "function": {"name": call.name, "arguments": ""}}]}
            )
            for part in fragments(call.arguments):
                yield frame({"tool_calls": [{"index": i, "function": {"arguments": part}}]})
        yield frame({}, reply.finish)
        if prompt.include_usage:
            yield _sse({**base, "choices": [], "usage": _usage(reply)})
        yield b"data: [DONE]\n\n"

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        return {
            "error": {
                "message": message,
                "type": _ERROR_TYPES.get(status, "server_error"),
                "param": None,
                "code": _ERROR_CODES.get(status),
            }
        }

    def error_frame(self, message: str) -> bytes:
        return _sse(self.error_body(500, message))

    def malformed_frame(self) -> bytes:
        return b'data: {"id": "chatcmpl-broken", "choices": [\n\n'
