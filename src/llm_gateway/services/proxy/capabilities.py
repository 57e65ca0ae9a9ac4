"""Refuse (or, with ``drop_params``, drop) what the chosen model is not configured to do."""

from __future__ import annotations

from typing import Any

from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.providers.registry import ModelInfo

_JSON_FORMATS = frozenset({"json_object", "json_schema"})


def _refuse(info: ModelInfo, param: str, what: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"Model '{info.alias}' does not support {what}; "
        'send "drop_params": true to drop unsupported parameters',
        code="unsupported_parameter",
        param=param,
    )


def _has_images(messages: Any) -> bool:
    for message in messages or ():
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list) and any(
            isinstance(p, dict) and p.get("type") == "image_url" for p in content
        ):
            return True
    return False


def check_chat(info: ModelInfo, request: dict[str, Any]) -> None:
    """Tools, JSON output and images need the alias's matching capability.

    An output limit above the alias's ``max_output_tokens`` is lowered to it (the upstream would
    refuse it, and quotas reserve what can really be produced): coding agents such as Claude Code
    ask for 64k-128k tokens whatever the model.
    """
    caps = info.capabilities
    for key in ("max_tokens", "max_completion_tokens"):
        value = request.get(key)
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and value > info.max_output_tokens
        ):
            request[key] = info.max_output_tokens
    if caps.embeddings and not (caps.tools or caps.json or caps.vision):
        raise InvalidRequestError(
            f"Model '{info.alias}' is an embeddings model; use /v1/embeddings",
            code="unsupported_model",
            param="model",
        )
    drop = request.get("drop_params") is True
    if request.get("tools") and not caps.tools:
        if not drop:
            raise _refuse(info, "tools", "tool calling")
        for key in ("tools", "tool_choice", "parallel_tool_calls"):
            request.pop(key, None)
    fmt = request.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") in _JSON_FORMATS and not caps.json:
        if not drop:
            raise _refuse(info, "response_format", "JSON output (response_format)")
        request.pop("response_format")
    if not caps.vision and _has_images(request.get("messages")):
        raise InvalidRequestError(
            f"Model '{info.alias}' does not accept images",
            code="unsupported_content",
            param="messages",
        )


def check_embeddings(info: ModelInfo) -> None:
    if not info.capabilities.embeddings:
        raise InvalidRequestError(
            f"Model '{info.alias}' does not serve embeddings",
            code="unsupported_model",
            param="model",
        )
