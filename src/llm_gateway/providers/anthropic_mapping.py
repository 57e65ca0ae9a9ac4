"""Anthropic Messages ⇄ canonical (OpenAI) requests and responses, as pure functions.

The adapter uses ``to_anthropic_request`` / ``from_anthropic_response``; the mirror pair for
the ``/v1/messages`` endpoint is in ``anthropic_inbound`` and streams (both directions) are in
``anthropic_stream``; all three share the stop-reason and usage tables defined here.
"""

from __future__ import annotations

from typing import Any

import orjson

from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.providers.base import ChatRequest, ChatResponse, Deployment
from llm_gateway.providers.params import (
    content_text,
    max_output_tokens,
    new_id,
    now,
    parse_arguments,
    parse_data_url,
    stop_list,
    unsupported,
    usage,
)
from llm_gateway.providers.streaming import bad_upstream_response

ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096

FINISH_FROM_ANTHROPIC = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
    "pause_turn": "stop",
    "model_context_window_exceeded": "length",
}
STOP_FROM_FINISH = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}
# OpenAI params Anthropic cannot honour, with the value that means "not used".
_NEUTRAL = {
    "seed": None,
    "n": 1,
    "logprobs": False,
    "top_logprobs": None,
    "presence_penalty": 0,
    "frequency_penalty": 0,
    "logit_bias": None,
    "audio": None,
    "modalities": None,
    "prediction": None,
    "reasoning_effort": None,
    "web_search_options": None,
}
PROVIDER = "anthropic"


# --- canonical → Anthropic (adapter, outbound) ------------------------------------------------


def _image_block(part: dict[str, Any]) -> dict[str, Any]:
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else image
    if not isinstance(url, str):
        raise InvalidRequestError("image_url.url must be a string", param="messages")
    data_url = parse_data_url(url)
    if data_url:
        media_type, data = data_url
        return {
            "type": "image",
            "source": {"type": "base64", "media_type": media_type, "data": data},
        }
    return {"type": "image", "source": {"type": "url", "url": url}}


def _blocks(content: Any, request: ChatRequest) -> list[dict[str, Any]]:
    """Canonical content (string or parts) → Anthropic content blocks."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[dict[str, Any]] = []
    for part in content or ():
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            block: dict[str, Any] = {"type": "text", "text": part.get("text", "")}
            if "cache_control" in part:
                block["cache_control"] = part["cache_control"]
            if block["text"]:
                blocks.append(block)
        elif kind == "image_url":
            blocks.append(_image_block(part))
        else:
            unsupported(request, "messages", PROVIDER, f"content part type {kind!r}")
    return blocks


def tool_use_block(call: dict[str, Any]) -> dict[str, Any]:
    """A canonical (OpenAI) tool call as an Anthropic ``tool_use`` content block."""
    fn = call.get("function") or {}
    return {
        "type": "tool_use",
        "id": call.get("id") or new_id("toolu_"),
        "name": fn.get("name", ""),
        "input": parse_arguments(fn.get("arguments")),
    }


def _append(messages: list[dict[str, Any]], role: str, blocks: list[dict[str, Any]]) -> None:
    """Add blocks, merging into the previous message when roles repeat (Anthropic alternates)."""
    if not blocks:
        return
    if messages and messages[-1]["role"] == role:
        messages[-1]["content"].extend(blocks)
    else:
        messages.append({"role": role, "content": blocks})


def _messages(request: ChatRequest) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(system blocks, messages) from canonical messages; system messages anywhere are lifted."""
    system: list[dict[str, Any]] = []
    out: list[dict[str, Any]] = []
    for msg in request.get("messages") or ():
        role = msg.get("role")
        content = msg.get("content")
        if role in ("system", "developer"):
            system.extend(_blocks(content, request))
        elif role == "user":
            _append(out, "user", _blocks(content, request))
        elif role == "assistant":
            blocks = _blocks(content, request)
            blocks.extend(tool_use_block(c) for c in msg.get("tool_calls") or ())
            _append(out, "assistant", blocks)
        elif role == "tool":
            result: dict[str, Any] = {
                "type": "tool_result",
                "tool_use_id": msg.get("tool_call_id", ""),
                "content": content_text(content),
            }
            _append(out, "user", [result])
        else:
            raise InvalidRequestError(f"Unknown message role {role!r}", param="messages")
    return system, out


def _tools(request: ChatRequest) -> list[dict[str, Any]]:
    tools = []
    for tool in request.get("tools") or ():
        if tool.get("type", "function") != "function":
            unsupported(request, "tools", PROVIDER, f"tool type {tool.get('type')!r}")
            continue
        fn = tool.get("function") or {}
        spec: dict[str, Any] = {
            "name": fn.get("name", ""),
            "input_schema": fn.get("parameters") or {"type": "object", "properties": {}},
        }
        if fn.get("description"):
            spec["description"] = fn["description"]
        tools.append(spec)
    return tools


def _tool_choice(request: ChatRequest) -> dict[str, Any] | None:
    choice = request.get("tool_choice")
    result: dict[str, Any] | None
    if choice is None or choice == "auto":
        result = None
    elif choice == "none":
        result = {"type": "none"}
    elif choice == "required":
        result = {"type": "any"}
    elif isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        result = {"type": "tool", "name": choice["function"].get("name", "")}
    else:
        raise InvalidRequestError("Invalid 'tool_choice'", param="tool_choice")
    # Anthropic rejects the flag on {"type": "none"} (no tools run, so nothing runs in parallel).
    if request.get("parallel_tool_calls") is False and choice != "none":
        result = {**(result or {"type": "auto"}), "disable_parallel_tool_use": True}
    return result


def _check_unsupported(request: ChatRequest) -> None:
    for param, neutral in _NEUTRAL.items():
        value = request.get(param)
        if value is not None and value != neutral:
            unsupported(request, param, PROVIDER)
    fmt = request.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") not in (None, "text", "json_schema"):
        unsupported(request, "response_format", PROVIDER, f"type {fmt.get('type')!r}")
    tier = request.get("service_tier")
    if tier is not None and tier not in _SERVICE_TIERS:
        unsupported(request, "service_tier", PROVIDER, f"value {tier!r}")


# Canonical (OpenAI) service tiers → Anthropic's; others are refused.
_SERVICE_TIERS = {"auto": "auto", "standard_only": "standard_only", "default": "standard_only"}


def _output_config(request: ChatRequest) -> dict[str, Any] | None:
    """Structured output (``response_format`` json_schema) and ``effort`` as ``output_config``."""
    config: dict[str, Any] = {}
    fmt = request.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
        config["format"] = {"type": "json_schema", "schema": schema or {"type": "object"}}
    if request.get("effort") is not None:
        config["effort"] = request["effort"]
    return config or None


def to_anthropic_request(request: ChatRequest, deployment: Deployment) -> dict[str, Any]:
    """A canonical request as a Messages API body for ``deployment`` (``stream`` left unset)."""
    _check_unsupported(request)
    system, messages = _messages(request)
    body: dict[str, Any] = {
        "model": deployment.model,
        "max_tokens": max_output_tokens(request)
        or deployment.max_output_tokens
        or DEFAULT_MAX_TOKENS,
        "messages": messages,
    }
    if system:
        plain = all(set(b) == {"type", "text"} for b in system)
        body["system"] = "\n\n".join(b["text"] for b in system) if plain else system
    for key in ("temperature", "top_p", "top_k", "thinking", "cache_control"):
        if request.get(key) is not None:
            body[key] = request[key]
    if (tier := request.get("service_tier")) in _SERVICE_TIERS:
        body["service_tier"] = _SERVICE_TIERS[tier]
    if (config := _output_config(request)) is not None:
        body["output_config"] = config
    if stop := stop_list(request):
        body["stop_sequences"] = stop
    if isinstance(request.get("user"), str):
        body["metadata"] = {"user_id": request["user"]}
    if request.get("tools"):
        body["tools"] = _tools(request)
        if (choice := _tool_choice(request)) is not None:
            body["tool_choice"] = choice
    return body


# --- Anthropic → canonical (adapter, inbound response) ----------------------------------------


def anthropic_usage(data: dict[str, Any]) -> dict[str, Any]:
    """Anthropic usage → canonical; cached reads and cache writes count as prompt tokens."""
    read = int(data.get("cache_read_input_tokens") or 0)
    written = int(data.get("cache_creation_input_tokens") or 0)
    prompt = int(data.get("input_tokens") or 0) + read + written
    return usage(prompt, int(data.get("output_tokens") or 0), read, written)


def split_content(blocks: list[Any]) -> tuple[str, str, list[dict[str, Any]]]:
    """Anthropic content blocks → (text, thinking, canonical tool calls); other blocks skipped.

    Serves upstream answers here and assistant turns sent to ``/v1/messages`` (inbound).
    """
    text: list[str] = []
    thinking: list[str] = []
    calls: list[dict[str, Any]] = []
    for block in blocks:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            text.append(block.get("text", ""))
        elif kind == "tool_use":
            args = orjson.dumps(block.get("input") or {}).decode()
            fn = {"name": block.get("name", ""), "arguments": args}
            calls.append({"id": block.get("id", ""), "type": "function", "function": fn})
        elif kind == "thinking":
            thinking.append(block.get("thinking", ""))
    return "".join(text), "".join(thinking), calls


def from_anthropic_response(data: dict[str, Any], source: str) -> ChatResponse:
    """A Messages API ``message`` as a canonical ``chat.completion`` (502 if malformed)."""
    blocks = data.get("content")
    if not isinstance(blocks, list):
        raise bad_upstream_response(source, orjson.dumps(data))
    text, thinking, calls = split_content(blocks)
    message: dict[str, Any] = {
        "role": "assistant",
        "content": text if text or not calls else None,
        "refusal": None,
    }
    if calls:
        message["tool_calls"] = calls
    if thinking:
        message["reasoning_content"] = thinking
    stop_reason = data.get("stop_reason")
    return {
        "id": data.get("id") or new_id("msg_"),
        "object": "chat.completion",
        "created": now(),
        "model": data.get("model", ""),
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": FINISH_FROM_ANTHROPIC.get(stop_reason or "", "stop"),
            }
        ],
        "usage": anthropic_usage(data.get("usage") or {}),
    }
