"""For the ``/v1/messages`` endpoint: Anthropic request → canonical, canonical → Anthropic message.

The mirror of ``anthropic_mapping`` (which the adapter uses) and sharing its tables, so any alias
is reachable through the Anthropic API. Errors name the offending ``param`` and are rendered in
Anthropic's format by ``core.errors`` for this path.
"""

from __future__ import annotations

from typing import Any

from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.core.text import unstorable
from llm_gateway.providers.anthropic_mapping import STOP_FROM_FINISH, split_content, tool_use_block
from llm_gateway.providers.base import ChatRequest, ChatResponse
from llm_gateway.providers.params import new_id


def _require(body: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = body.get(key)
    if value is None:
        raise InvalidRequestError(f"{key}: Field required", param=key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InvalidRequestError(f"{key}: {what}", param=key)
    return value


def _model(body: dict[str, Any]) -> str:
    model: str = _require(body, "model", str, "must be a string")
    if unstorable(model):  # recorded in usage: NUL or a lone surrogate is refused here
        raise InvalidRequestError("model: contains NUL or invalid Unicode", param="model")
    return model


def _part(block: dict[str, Any], where: str) -> dict[str, Any] | None:
    """An Anthropic user content block → a canonical content part (None to skip)."""
    kind = block.get("type")
    if kind == "text":
        part: dict[str, Any] = {"type": "text", "text": block.get("text", "")}
        if "cache_control" in block:
            part["cache_control"] = block["cache_control"]
        return part
    if kind == "image":
        source = block.get("source") or {}
        if source.get("type") == "base64":
            url = f"data:{source.get('media_type', 'image/png')};base64,{source.get('data', '')}"
        elif source.get("type") == "url":
            url = source.get("url", "")
        else:
            raise InvalidRequestError(f"{where}: unsupported image source", param=where)
        return {"type": "image_url", "image_url": {"url": url}}
    if kind in ("thinking", "redacted_thinking"):
        return None
    raise InvalidRequestError(f"{where}: unsupported content block type {kind!r}", param=where)


def _tool_result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""


def _user(blocks: Any, where: str, out: list[dict[str, Any]]) -> None:
    if isinstance(blocks, str):
        out.append({"role": "user", "content": blocks})
        return
    parts: list[dict[str, Any]] = []
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            raise InvalidRequestError(f"{where}.{i}: must be an object", param=where)
        if block.get("type") == "tool_result":
            text = _tool_result_text(block.get("content"))
            if block.get("is_error"):
                text = f"Error: {text}"
            out.append(
                {"role": "tool", "tool_call_id": block.get("tool_use_id", ""), "content": text}
            )
        elif (part := _part(block, f"{where}.{i}")) is not None:
            parts.append(part)
    if parts:
        simple = len(parts) == 1 and set(parts[0]) == {"type", "text"}
        out.append({"role": "user", "content": parts[0]["text"] if simple else parts})


def _assistant(blocks: Any, out: list[dict[str, Any]]) -> None:
    if isinstance(blocks, str):
        out.append({"role": "assistant", "content": blocks})
        return
    text, _thinking, calls = split_content(blocks)  # earlier thinking is not sent upstream
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        message["tool_calls"] = calls
    out.append(message)


def _system(system: Any) -> dict[str, Any]:
    if isinstance(system, str):
        return {"role": "system", "content": system}
    if isinstance(system, list):
        parts = [_part(b, "system") for b in system if isinstance(b, dict)]
        return {"role": "system", "content": [p for p in parts if p]}
    raise InvalidRequestError("system: must be a string or a list of text blocks", param="system")


def _tools(tools: Any) -> list[dict[str, Any]]:
    if not isinstance(tools, list):
        raise InvalidRequestError("tools: must be a list", param="tools")
    out = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict) or tool.get("type", "custom") != "custom":
            raise InvalidRequestError(f"tools.{i}: only custom tools are supported", param="tools")
        fn: dict[str, Any] = {
            "name": tool.get("name", ""),
            "parameters": tool.get("input_schema") or {"type": "object", "properties": {}},
        }
        if tool.get("description"):
            fn["description"] = tool["description"]
        out.append({"type": "function", "function": fn})
    return out


def _tool_choice(choice: Any, request: ChatRequest) -> None:
    if not isinstance(choice, dict):
        raise InvalidRequestError("tool_choice: must be an object", param="tool_choice")
    kind = choice.get("type")
    mapped: Any = {"auto": "auto", "any": "required", "none": "none"}.get(kind or "")
    if kind == "tool":
        mapped = {"type": "function", "function": {"name": choice.get("name", "")}}
    if mapped is None:
        raise InvalidRequestError(f"tool_choice.type: unknown value {kind!r}", param="tool_choice")
    request["tool_choice"] = mapped
    if choice.get("disable_parallel_tool_use"):
        request["parallel_tool_calls"] = False


def _messages(raw: list[Any], messages: list[dict[str, Any]]) -> None:
    """Append the canonical form of each Messages API message to ``messages``."""
    for i, msg in enumerate(raw):
        where = f"messages.{i}"
        if not isinstance(msg, dict) or not isinstance(msg.get("content"), str | list):
            raise InvalidRequestError(f"{where}: needs a role and content", param="messages")
        if msg.get("role") == "user":
            _user(msg["content"], f"{where}.content", messages)
        elif msg.get("role") == "assistant":
            _assistant(msg["content"], messages)
        elif msg.get("role") == "system":
            # Claude Code sends mid-conversation system messages; kept in place in the canonical
            # request (each adapter decides: OpenAI/Ollama keep them, Anthropic lifts them).
            if msg["content"]:
                messages.append(_system(msg["content"]))
        else:
            raise InvalidRequestError(
                f"{where}.role: must be 'user', 'assistant' or 'system'", param="messages"
            )


_SERVICE_TIERS = frozenset({"auto", "standard_only"})
_EFFORTS = frozenset({"low", "medium", "high", "max"})


def _output_config(config: Any, request: ChatRequest) -> None:
    """``output_config``: ``format`` becomes ``response_format``; ``effort`` rides along.

    ``effort`` is a hint: sent to Anthropic upstreams as ``output_config.effort``, not sent to
    others. Anything else in ``output_config`` is refused rather than dropped.
    """
    if not isinstance(config, dict):
        raise InvalidRequestError("output_config: must be an object", param="output_config")
    unknown = sorted(set(config) - {"format", "effort"})
    if unknown:
        raise InvalidRequestError(
            f"output_config.{unknown[0]}: not supported by this gateway", param="output_config"
        )
    effort = config.get("effort")
    if effort is not None:
        if effort not in _EFFORTS:
            raise InvalidRequestError(
                f"output_config.effort: must be one of {sorted(_EFFORTS)}", param="output_config"
            )
        request["effort"] = effort
    fmt = config.get("format")
    if fmt is None:
        return
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        raise InvalidRequestError(
            "output_config.format.type: only 'json_schema' is supported", param="output_config"
        )
    schema = fmt.get("schema")
    if not isinstance(schema, dict):
        raise InvalidRequestError(
            "output_config.format.schema: must be a JSON schema object", param="output_config"
        )
    request["response_format"] = {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": schema, "strict": True},
    }


def _top_level_options(body: dict[str, Any], request: ChatRequest) -> None:
    """``output_config``, ``service_tier`` and top-level ``cache_control``: honoured or a 400."""
    if body.get("output_config") is not None:
        _output_config(body["output_config"], request)
    tier = body.get("service_tier")
    if tier is not None:
        if tier not in _SERVICE_TIERS:
            raise InvalidRequestError(
                "service_tier: must be 'auto' or 'standard_only'", param="service_tier"
            )
        request["service_tier"] = tier
    cache = body.get("cache_control")
    if cache is not None:
        if not isinstance(cache, dict) or cache.get("type") != "ephemeral":
            raise InvalidRequestError(
                'cache_control: must be {"type": "ephemeral"} (optionally with ttl)',
                param="cache_control",
            )
        request["cache_control"] = cache


def anthropic_request_to_canonical(body: Any) -> ChatRequest:
    """A Messages API request body → canonical request (400 naming ``param`` when invalid).

    ``thinking``, ``context_management`` and server-side tool options are not carried over;
    ``top_k`` reaches Anthropic and Ollama upstreams only (OpenAI has no such parameter).
    """
    if not isinstance(body, dict):
        raise InvalidRequestError("Request body must be a JSON object")
    model = _model(body)
    max_tokens = _require(body, "max_tokens", int, "must be an integer")
    if max_tokens < 1:
        raise InvalidRequestError("max_tokens: must be at least 1", param="max_tokens")
    raw = _require(body, "messages", list, "must be a list")
    messages: list[dict[str, Any]] = []
    if body.get("system"):
        messages.append(_system(body["system"]))
    _messages(raw, messages)
    request: ChatRequest = {"model": model, "messages": messages, "max_tokens": max_tokens}
    for key in ("temperature", "top_p", "top_k"):
        if body.get(key) is not None:
            request[key] = body[key]
    if body.get("stop_sequences"):
        request["stop"] = body["stop_sequences"]
    metadata = body.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("user_id"), str):
        request["user"] = metadata["user_id"]
    if body.get("tools"):
        request["tools"] = _tools(body["tools"])
    if body.get("tool_choice") is not None:
        _tool_choice(body["tool_choice"], request)
    _top_level_options(body, request)
    if body.get("stream"):
        request["stream"] = True
        request["stream_options"] = {"include_usage": True}
    return request


def anthropic_usage_from_canonical(usage: dict[str, Any] | None) -> dict[str, Any]:
    """Canonical usage → Anthropic's, where ``input_tokens`` excludes cache reads and writes."""
    usage = usage or {}
    details = usage.get("prompt_tokens_details") or {}
    cached = int(details.get("cached_tokens") or 0)
    written = int(details.get("cache_write_tokens") or 0)
    return {
        "input_tokens": max(int(usage.get("prompt_tokens") or 0) - cached - written, 0),
        "output_tokens": int(usage.get("completion_tokens") or 0),
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": cached,
    }


def message_id(canonical_id: Any) -> str:
    """An Anthropic-looking ``msg_…`` id for a canonical completion id."""
    if isinstance(canonical_id, str) and canonical_id.startswith("msg_"):
        return canonical_id
    if isinstance(canonical_id, str) and canonical_id:
        return "msg_" + canonical_id.removeprefix("chatcmpl-")
    return new_id("msg_")


def canonical_response_to_anthropic(response: ChatResponse, *, model: str) -> dict[str, Any]:
    """A canonical ``chat.completion`` → an Anthropic ``message`` reporting ``model``."""
    choice = (response.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    content: list[dict[str, Any]] = []
    text = message.get("content")
    if isinstance(text, list):
        text = "".join(p.get("text", "") for p in text if isinstance(p, dict))
    if text:
        content.append({"type": "text", "text": text})
    content.extend(tool_use_block(call) for call in message.get("tool_calls") or ())
    return {
        "id": message_id(response.get("id")),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": STOP_FROM_FINISH.get(choice.get("finish_reason") or "stop", "end_turn"),
        "stop_sequence": None,
        "usage": anthropic_usage_from_canonical(response.get("usage")),
    }
