"""Canonical-request helpers shared by the adapters: unsupported params, ids, chunk shapes."""

from __future__ import annotations

import secrets
import time
from typing import Any

import orjson

from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.providers.base import ChatChunk, ChatRequest

# Keys the gateway reads from a canonical request and never forwards upstream.
GATEWAY_ONLY_PARAMS = frozenset({"drop_params"})


def drops_params(request: ChatRequest) -> bool:
    """True when the client opted in to silently dropping parameters the provider can't honour."""
    return request.get("drop_params") is True


def unsupported(request: ChatRequest, param: str, provider: str, why: str = "") -> None:
    """Refuse ``param`` with a 400 ``unsupported_parameter``, unless the request drops params.

    Returns normally when the caller should drop the parameter and carry on.
    """
    if drops_params(request):
        return
    detail = f" ({why})" if why else ""
    raise InvalidRequestError(
        f"Parameter '{param}' is not supported by provider '{provider}'{detail}; "
        'send "drop_params": true to drop unsupported parameters',
        code="unsupported_parameter",
        param=param,
    )


def max_output_tokens(request: ChatRequest) -> int | None:
    """``max_completion_tokens`` (the newer name) or ``max_tokens``, whichever is set."""
    value = request.get("max_completion_tokens")
    if value is None:
        value = request.get("max_tokens")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        param = "max_completion_tokens" if "max_completion_tokens" in request else "max_tokens"
        raise InvalidRequestError(f"'{param}' must be a positive integer", param=param)
    return value


def stop_list(request: ChatRequest) -> list[str] | None:
    """``stop`` as a list (OpenAI accepts a string or a list)."""
    stop = request.get("stop")
    if stop is None:
        return None
    if isinstance(stop, str):
        return [stop]
    if isinstance(stop, list) and all(isinstance(s, str) for s in stop):
        return stop
    raise InvalidRequestError("'stop' must be a string or a list of strings", param="stop")


def content_text(content: Any) -> str:
    """The text of a message ``content`` (a string or a list of parts; non-text parts skipped)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return str(content)


def parse_arguments(arguments: Any) -> Any:
    """Tool-call arguments (a JSON string in canonical form) as an object; ``{}`` if unparsable."""
    if isinstance(arguments, dict):
        return arguments
    if not arguments:
        return {}
    try:
        return orjson.loads(arguments)
    except orjson.JSONDecodeError:
        return {}


def parse_data_url(url: str) -> tuple[str, str] | None:
    """``(media_type, base64 data)`` from a ``data:<type>;base64,<data>`` URL, else None."""
    if not url.startswith("data:"):
        return None
    header, sep, data = url[5:].partition(",")
    if not sep or not header.endswith(";base64"):
        return None
    return header[: -len(";base64")] or "application/octet-stream", data


def new_id(prefix: str) -> str:
    """A random id like OpenAI's (``chatcmpl-…``) or Anthropic's (``msg_…``)."""
    return prefix + secrets.token_hex(12)


def now() -> int:
    return int(time.time())


def chunk(
    chunk_id: str,
    model: str,
    created: int,
    delta: dict[str, Any],
    finish_reason: str | None = None,
) -> ChatChunk:
    """One canonical ``chat.completion.chunk`` with a single choice."""
    return {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }


def usage_chunk(chunk_id: str, model: str, created: int, usage: dict[str, Any]) -> ChatChunk:
    """The final usage-only chunk (``choices: []``), as OpenAI sends with ``include_usage``."""
    return {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [],
        "usage": usage,
    }


def usage(
    prompt: int, completion: int, cached: int | None = None, cache_write: int = 0
) -> dict[str, Any]:
    """Canonical ``usage``; ``prompt`` includes ``cached`` (read) and ``cache_write`` tokens.

    OpenAI counts cached reads inside ``prompt_tokens`` and has no cache writes; Anthropic's
    writes (``cache_creation_input_tokens``) go to ``prompt_tokens_details.cache_write_tokens``
    so they can be priced on their own.
    """
    result: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if cached is not None:
        result["prompt_tokens_details"] = {"cached_tokens": cached}
    if cache_write:
        result.setdefault("prompt_tokens_details", {})["cache_write_tokens"] = cache_write
    return result
