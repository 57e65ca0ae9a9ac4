"""Hand-written checks of OpenAI request bodies: 400 ``invalid_request_error`` naming the param.

Pydantic body models cost the hot path ~40% of its throughput; these checks touch only the keys
that are present and never copy the body. Unknown keys pass through to OpenAI-compatible
upstreams (new OpenAI parameters keep working); other adapters refuse what they cannot honour.
"""

from __future__ import annotations

import re
from typing import Any

from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.core.text import unstorable

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_PART_TYPES = frozenset({"text", "image_url", "input_audio", "file", "refusal"})
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_FORMATS = frozenset({"text", "json_object", "json_schema"})
# name -> (low, high) for numeric params; None = unbounded on that side
_RANGES: dict[str, tuple[float | None, float | None]] = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "presence_penalty": (-2.0, 2.0),
    "frequency_penalty": (-2.0, 2.0),
}
_POSITIVE_INTS = ("max_tokens", "max_completion_tokens", "n")
_BOOLS = ("stream", "logprobs", "parallel_tool_calls", "drop_params", "store")


def invalid(param: str | None, message: str, code: str = "invalid_value") -> InvalidRequestError:
    return InvalidRequestError(message, code=code, param=param)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def require_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid(None, "The request body must be a JSON object.", "invalid_json")
    return body


def require_model(body: dict[str, Any]) -> str:
    model = body.get("model")
    if model is None:
        raise invalid("model", "Missing required parameter: 'model'.", "missing_required_parameter")
    if not isinstance(model, str) or not model:
        raise invalid("model", "'model' must be a non-empty string.", "invalid_type")
    if unstorable(model):  # recorded in usage: NUL or a lone surrogate is refused here
        raise invalid("model", "'model' contains NUL or invalid Unicode.", "invalid_text")
    return model


def _content(content: Any, where: str, role: str) -> None:
    if isinstance(content, str):
        return
    if content is None:
        if role in ("assistant", "function"):
            return
        raise invalid(
            where, f"Missing required parameter: '{where}'.", "missing_required_parameter"
        )
    if not isinstance(content, list):
        raise invalid(
            where, f"'{where}' must be a string or an array of content parts.", "invalid_type"
        )
    for i, part in enumerate(content):
        if not isinstance(part, dict) or part.get("type") not in _PART_TYPES:
            raise invalid(
                f"{where}[{i}].type",
                f"'{where}[{i}].type' must be one of {', '.join(sorted(_PART_TYPES))}.",
            )
        if part["type"] == "text" and not isinstance(part.get("text"), str):
            raise invalid(
                f"{where}[{i}].text", f"'{where}[{i}].text' must be a string.", "invalid_type"
            )


def _messages(messages: Any) -> None:
    if messages is None:
        raise invalid(
            "messages", "Missing required parameter: 'messages'.", "missing_required_parameter"
        )
    if not isinstance(messages, list) or not messages:
        raise invalid("messages", "'messages' must be a non-empty array.", "invalid_type")
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict):
            raise invalid(where, f"'{where}' must be an object.", "invalid_type")
        role = message.get("role")
        if role not in _ROLES:
            raise invalid(
                f"{where}.role", f"'{where}.role' must be one of {', '.join(sorted(_ROLES))}."
            )
        content = message.get("content")
        if role == "assistant" and content is None and not message.get("tool_calls"):
            if "function_call" not in message:
                raise invalid(
                    f"{where}.content",
                    f"'{where}.content' is required unless 'tool_calls' is given.",
                    "missing_required_parameter",
                )
        _content(content, f"{where}.content", str(role))
        if role == "tool" and not isinstance(message.get("tool_call_id"), str):
            raise invalid(
                f"{where}.tool_call_id",
                f"Missing required parameter: '{where}.tool_call_id'.",
                "missing_required_parameter",
            )


def _tools(tools: Any) -> None:
    if not isinstance(tools, list):
        raise invalid("tools", "'tools' must be an array.", "invalid_type")
    for i, tool in enumerate(tools):
        where = f"tools[{i}]"
        if not isinstance(tool, dict) or tool.get("type", "function") != "function":
            raise invalid(f"{where}.type", f"'{where}.type' must be 'function'.")
        fn = tool.get("function")
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise invalid(
                f"{where}.function.name",
                f"Missing required parameter: '{where}.function.name'.",
                "missing_required_parameter",
            )
        if not _TOOL_NAME.match(fn["name"]):
            raise invalid(
                f"{where}.function.name",
                f"'{where}.function.name' must be 1-128 letters, digits, '_', '-', '.' or ':'.",
            )
        if fn.get("parameters") is not None and not isinstance(fn["parameters"], dict):
            raise invalid(
                f"{where}.function.parameters",
                f"'{where}.function.parameters' must be a JSON schema object.",
                "invalid_type",
            )


def _tool_choice(choice: Any) -> None:
    if choice in ("none", "auto", "required"):
        return
    if (
        isinstance(choice, dict)
        and choice.get("type") == "function"
        and isinstance(choice.get("function"), dict)
        and isinstance(choice["function"].get("name"), str)
    ):
        return
    raise invalid(
        "tool_choice",
        "'tool_choice' must be 'none', 'auto', 'required' or "
        '{"type": "function", "function": {"name": ...}}.',
    )


def _response_format(fmt: Any) -> None:
    if not isinstance(fmt, dict) or fmt.get("type") not in _FORMATS:
        raise invalid(
            "response_format.type", "'response_format.type' must be one of " + ", ".join(_FORMATS)
        )
    if fmt["type"] == "json_schema":
        schema = fmt.get("json_schema")
        if not isinstance(schema, dict) or not isinstance(schema.get("name"), str):
            raise invalid(
                "response_format.json_schema.name",
                "Missing required parameter: 'response_format.json_schema.name'.",
                "missing_required_parameter",
            )


def _stop(stop: Any) -> None:
    if isinstance(stop, str):
        return
    if isinstance(stop, list) and len(stop) <= 4 and all(isinstance(s, str) for s in stop):
        return
    raise invalid("stop", "'stop' must be a string or an array of at most 4 strings.")


def _scalars(body: dict[str, Any]) -> None:
    for name, (low, high) in _RANGES.items():
        value = body.get(name)
        if value is None:
            continue
        if not _is_number(value):
            raise invalid(name, f"'{name}' must be a number.", "invalid_type")
        if (low is not None and value < low) or (high is not None and value > high):
            raise invalid(name, f"'{name}' must be between {low} and {high}, got {value}.")
    for name in _POSITIVE_INTS:
        value = body.get(name)
        if value is not None and (not _is_int(value) or value < 1):
            raise invalid(name, f"'{name}' must be a positive integer.", "invalid_type")
    for name in _BOOLS:
        value = body.get(name)
        if value is not None and not isinstance(value, bool):
            raise invalid(name, f"'{name}' must be a boolean.", "invalid_type")
    seed = body.get("seed")
    if seed is not None and not _is_int(seed):
        raise invalid("seed", "'seed' must be an integer.", "invalid_type")
    user = body.get("user")
    if user is not None and not isinstance(user, str):
        raise invalid("user", "'user' must be a string.", "invalid_type")


def validate_chat(body: Any) -> dict[str, Any]:
    """A ``/v1/chat/completions`` body, checked in place; returns it typed as a dict."""
    request = require_object(body)
    require_model(request)
    _messages(request.get("messages"))
    _scalars(request)
    options = request.get("stream_options")
    if options is not None and (
        not isinstance(options, dict) or not isinstance(options.get("include_usage", False), bool)
    ):
        raise invalid("stream_options", "'stream_options' must be {\"include_usage\": bool}.")
    if request.get("tools") is not None:
        _tools(request["tools"])
    if request.get("tool_choice") is not None:
        _tool_choice(request["tool_choice"])
    if request.get("response_format") is not None:
        _response_format(request["response_format"])
    if request.get("stop") is not None:
        _stop(request["stop"])
    return request


def validate_embeddings(body: Any) -> dict[str, Any]:
    """A ``/v1/embeddings`` body: ``input`` is a string, strings, token ids or lists of them."""
    request = require_object(body)
    require_model(request)
    value = request.get("input")
    if value is None:
        raise invalid("input", "Missing required parameter: 'input'.", "missing_required_parameter")
    ok = isinstance(value, str) or (
        isinstance(value, list)
        and bool(value)
        and (
            all(isinstance(v, str) for v in value)
            or all(_is_int(v) for v in value)
            or all(isinstance(v, list) and all(_is_int(t) for t in v) for v in value)
        )
    )
    if not ok:
        raise invalid(
            "input",
            "'input' must be a string, an array of strings, or an array of token arrays.",
            "invalid_type",
        )
    fmt = request.get("encoding_format")
    if fmt is not None and fmt not in ("float", "base64"):
        raise invalid("encoding_format", "'encoding_format' must be 'float' or 'base64'.")
    dims = request.get("dimensions")
    if dims is not None and (not _is_int(dims) or dims < 1):
        raise invalid("dimensions", "'dimensions' must be a positive integer.", "invalid_type")
    return request
