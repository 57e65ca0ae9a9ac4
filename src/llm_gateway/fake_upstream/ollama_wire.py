"""The fake's Ollama protocol (``/api/chat``, NDJSON streaming, on by default as in Ollama)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson

from llm_gateway.fake_upstream.content import Prompt, Reply, Tool
from llm_gateway.fake_upstream.wire import BadRequest, Wire, require, text_of


def _line(obj: Any) -> bytes:
    return orjson.dumps(obj) + b"\n"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class OllamaWire(Wire):
    name: ClassVar[str] = "ollama"
    stream_content_type: ClassVar[str] = "application/x-ndjson"
    malformed_body: ClassVar[bytes] = b'{"model": "truncated", "message": {'

    def parse(self, body: dict[str, Any]) -> Prompt:
        model = require(body, "model", str)
        messages = body.get("messages") or []
        if not isinstance(messages, list):
            raise BadRequest("'messages' must be a list")
        prompt = Prompt(model=model, raw=body, stream=body.get("stream", True) is not False)
        for msg in messages:
            if not isinstance(msg, dict) or msg.get("role") not in (
                "system", "user", "assistant", "tool"
            ):  # fmt: skip
                raise BadRequest("each message needs a valid 'role'")
            prompt.texts.append(text_of(msg.get("content")))
            if msg["role"] == "user":
                prompt.last_user = prompt.texts[-1]
        if messages and messages[-1].get("role") == "tool":
            prompt.tool_result = text_of(messages[-1].get("content"))
        for tool in body.get("tools") or ():
            fn = tool.get("function") or {}
            prompt.tools.append(Tool(fn.get("name", ""), fn.get("parameters") or {}))
        options = body.get("options") or {}
        limit = options.get("num_predict")
        prompt.max_tokens = limit if isinstance(limit, int) and limit > 0 else None
        stop = options.get("stop")
        prompt.stop = [stop] if isinstance(stop, str) else list(stop or ())
        prompt.json_mode = bool(body.get("format"))
        return prompt

    def _final(self, prompt: Prompt, reply: Reply) -> dict[str, Any]:
        return {
            "done": True,
            "done_reason": "length" if reply.finish == "length" else "stop",
            "total_duration": 1_000_000,
            "load_duration": 1_000,
            "prompt_eval_count": reply.prompt_tokens,
            "prompt_eval_duration": 100_000,
            "eval_count": reply.completion_tokens,
            "eval_duration": 900_000,
        }

    def _calls(self, reply: Reply) -> list[dict[str, Any]]:
        return [{"function": {"name": c.name, "arguments": c.input}} for c in reply.tool_calls]

    def render(self, prompt: Prompt, reply: Reply) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text}
        if reply.tool_calls:
            message["tool_calls"] = self._calls(reply)
        return {
            "model": prompt.model,
            "created_at": _now(),
            "message": message,
            **self._final(prompt, reply),
        }

    def frames(self, prompt: Prompt, reply: Reply) -> Iterator[bytes]:
        for piece in reply.pieces:
            message: dict[str, Any] = {"role": "assistant", "content": piece}
            yield _line(
                {"model": prompt.model, "created_at": _now(), "message": message, "done": False}
            )
        if reply.tool_calls:
            message = {"role": "assistant", "content": "", "tool_calls": self._calls(reply)}
            yield _line(
                {"model": prompt.model, "created_at": _now(), "message": message, "done": False}
            )
        final = {
            "model": prompt.model,
            "created_at": _now(),
            "message": {"role": "assistant", "content": ""},
        }
        yield _line({**final, **self._final(prompt, reply)})

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        return {"error": message}

    def error_frame(self, message: str) -> bytes:
        return _line({"error": message})

    def malformed_frame(self) -> bytes:
        return b'{"model": "broken", "message": {"role": \n'
