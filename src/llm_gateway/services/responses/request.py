"""A ``/v1/responses`` body, checked and translated to the canonical chat-completions request.

What cannot be served through chat completions is refused with a 400 naming the parameter
(hosted tools such as ``web_search``, ``background``, ``conversation``, stored ``prompt``
templates); nothing is dropped silently except the fields listed in ``_ACCEPTED`` whose effect
docs/RESPONSES.md describes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llm_gateway.services.proxy.validation import require_model, require_object
from llm_gateway.services.responses.items import Message, input_to_messages, invalid
from llm_gateway.services.responses.names import ToolNames

# Accepted and echoed on the response, with no effect on the upstream call.
_ACCEPTED = frozenset(
    {
        "include",  # nothing we return is optional (no reasoning items, no logprobs)
        "reasoning",  # reasoning effort/summary: chat upstreams differ too much to forward
        "truncation",
        "prompt_cache_key",
        "service_tier",
        "client_metadata",  # Codex's telemetry ids
        "max_tool_calls",  # one model call per request: never more calls than the model makes
        "stream_options",
    }
)
_TRANSLATED = frozenset(
    {
        "model",
        "input",
        "instructions",
        "previous_response_id",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "text",
        "temperature",
        "top_p",
        "presence_penalty",
        "frequency_penalty",
        "max_output_tokens",
        "stream",
        "store",
        "metadata",
        "user",
        "safety_identifier",
        "top_logprobs",
        "background",
    }
)
_REFUSED = {
    "background": "Background mode is not supported; send the request without 'background'.",
    "conversation": "The Conversations API is not supported; use 'previous_response_id'.",
    "prompt": "Stored prompt templates are not supported; send 'instructions' and 'input'.",
}
_RANGES = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "presence_penalty": (-2.0, 2.0),
    "frequency_penalty": (-2.0, 2.0),
}


@dataclass(slots=True)
class ResponsesCall:
    """One parsed request: the canonical request to route, and what the response echoes."""

    body: dict[str, Any]
    canonical: dict[str, Any]
    input_messages: list[Message]  # this turn's input, without instructions or history
    names: ToolNames = field(default_factory=ToolNames)
    tools: list[dict[str, Any]] = field(default_factory=list)  # as echoed on the response

    @property
    def store(self) -> bool:
        return self.body.get("store") is not False

    @property
    def stream(self) -> bool:
        return self.body.get("stream") is True

    @property
    def previous_response_id(self) -> str | None:
        value = self.body.get("previous_response_id")
        return value if isinstance(value, str) else None

    @property
    def instructions(self) -> str | None:
        value = self.body.get("instructions")
        return value if isinstance(value, str) else None

    def with_history(self, history: list[Message]) -> None:
        """Put a previous response's conversation between the instructions and this input."""
        messages = self.canonical["messages"]
        at = 1 if self.instructions else 0
        messages[at:at] = history


def _number(body: dict[str, Any], name: str) -> None:
    value = body.get(name)
    if value is None:
        return
    low, high = _RANGES[name]
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        raise invalid(name, f"'{name}' must be a number between {low} and {high}.")


def _function_tool(tool: dict[str, Any], where: str, name: str) -> dict[str, Any]:
    params = tool.get("parameters")
    if params is not None and not isinstance(params, dict):
        raise invalid(f"{where}.parameters", f"'{where}.parameters' must be a JSON schema object.")
    fn: dict[str, Any] = {"name": name, "parameters": params or {"type": "object"}}
    if isinstance(tool.get("description"), str):
        fn["description"] = tool["description"]
    if isinstance(tool.get("strict"), bool):
        fn["strict"] = tool["strict"]
    return {"type": "function", "function": fn}


def _tool_name(tool: dict[str, Any], where: str) -> str:
    name = tool.get("name")
    if not isinstance(name, str) or not name:
        raise invalid(
            f"{where}.name",
            f"Missing required parameter: '{where}.name'.",
            "missing_required_parameter",
        )
    return name


def _tools(call: ResponsesCall, tools: Any) -> list[dict[str, Any]]:
    if not isinstance(tools, list):
        raise invalid("tools", "'tools' must be an array.")
    out: list[dict[str, Any]] = []
    for i, tool in enumerate(tools):
        where = f"tools[{i}]"
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind == "function":
            out.append(_function_tool(tool, where, _tool_name(tool, where)))
            call.tools.append(
                {
                    "type": "function",
                    "name": tool["name"],
                    "description": tool.get("description"),
                    "parameters": tool.get("parameters"),
                    "strict": tool.get("strict"),
                }
            )
        elif kind == "namespace" and isinstance(tool.get("tools"), list):
            namespace = _tool_name(tool, where)
            for j, member in enumerate(tool["tools"]):
                at = f"{where}.tools[{j}]"
                if not isinstance(member, dict) or member.get("type") != "function":
                    raise invalid(f"{at}.type", f"'{at}.type' must be 'function'.")
                flat = call.names.add(namespace, _tool_name(member, at))
                out.append(_function_tool(member, at, flat))
            call.tools.append(tool)
        else:
            raise invalid(
                f"{where}.type",
                f"Tools of type {kind!r} are not supported: this gateway serves function tools "
                "only (hosted tools such as web_search, file_search or code_interpreter need "
                'OpenAI\'s servers). Codex CLI: set web_search = "disabled".',
                "unsupported_tool",
            )
    return out


def _tool_choice(choice: Any) -> Any:
    if choice in ("auto", "none", "required"):
        return choice
    if isinstance(choice, dict) and choice.get("type") == "function":
        name = choice.get("name")
        if isinstance(name, str) and name:
            return {"type": "function", "function": {"name": name}}
    raise invalid(
        "tool_choice",
        "'tool_choice' must be 'auto', 'none', 'required' or "
        '{"type": "function", "name": ...}; hosted-tool choices are not supported.',
    )


def _text_format(text: Any) -> dict[str, Any] | None:
    """``text.format`` as a canonical ``response_format`` (None for plain text)."""
    if not isinstance(text, dict):
        raise invalid("text", "'text' must be an object.")
    verbosity = text.get("verbosity")
    if verbosity is not None and verbosity not in ("low", "medium", "high"):
        raise invalid("text.verbosity", "'text.verbosity' must be 'low', 'medium' or 'high'.")
    fmt = text.get("format")
    if fmt is None:
        return None
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    if kind != "json_schema":
        raise invalid(
            "text.format.type", "'text.format.type' must be 'text', 'json_object' or 'json_schema'."
        )
    if not isinstance(fmt.get("name"), str) or not fmt["name"]:
        raise invalid(
            "text.format.name",
            "Missing required parameter: 'text.format.name'.",
            "missing_required_parameter",
        )
    if not isinstance(fmt.get("schema"), dict):
        raise invalid(
            "text.format.schema",
            "Missing required parameter: 'text.format.schema' (a JSON schema object).",
            "missing_required_parameter",
        )
    schema = {k: fmt[k] for k in ("name", "schema", "description", "strict") if k in fmt}
    return {"type": "json_schema", "json_schema": schema}


def _metadata(value: Any) -> None:
    ok = isinstance(value, dict) and len(value) <= 16
    if ok:
        ok = all(
            isinstance(k, str) and len(k) <= 64 and isinstance(v, str) and len(v) <= 512
            for k, v in value.items()
        )
    if not ok:
        raise invalid(
            "metadata", "'metadata' must be at most 16 string pairs (keys ≤64, values ≤512 chars)."
        )


def _check_fields(body: dict[str, Any]) -> None:
    for name, why in _REFUSED.items():
        if body.get(name) not in (None, False):
            raise invalid(name, why, "unsupported_parameter")
    for name in body:
        if name not in _TRANSLATED and name not in _ACCEPTED:
            raise invalid(name, f"Unknown parameter: '{name}'.", "unknown_parameter")
    for name in ("stream", "store", "parallel_tool_calls"):
        if body.get(name) is not None and not isinstance(body[name], bool):
            raise invalid(name, f"'{name}' must be a boolean.", "invalid_type")
    for name in ("instructions", "previous_response_id", "user", "safety_identifier"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise invalid(name, f"'{name}' must be a string.", "invalid_type")
    for name in _RANGES:
        _number(body, name)
    limit = body.get("max_output_tokens")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 16):
        raise invalid("max_output_tokens", "'max_output_tokens' must be an integer of at least 16.")
    if body.get("top_logprobs") not in (None, 0):
        raise invalid(
            "top_logprobs", "Log probabilities are not supported.", "unsupported_parameter"
        )
    if body.get("metadata") is not None:
        _metadata(body["metadata"])


def parse_request(raw: object) -> ResponsesCall:
    """Check a ``/v1/responses`` body and build its canonical chat request."""
    body = require_object(raw)
    model = require_model(body)
    _check_fields(body)
    if body.get("input") is None:
        raise invalid("input", "Missing required parameter: 'input'.", "missing_required_parameter")
    call = ResponsesCall(body=body, canonical={}, input_messages=[])
    tools = _tools(call, body["tools"]) if body.get("tools") else []
    call.input_messages = input_to_messages(body["input"], call.names)
    messages: list[Message] = list(call.input_messages)
    if call.instructions:
        messages.insert(0, {"role": "system", "content": call.instructions})
    canonical: dict[str, Any] = {"model": model, "messages": messages}
    if tools:
        canonical["tools"] = tools
    if body.get("tool_choice") is not None:
        canonical["tool_choice"] = _tool_choice(body["tool_choice"])
    if body.get("text") is not None and (fmt := _text_format(body["text"])) is not None:
        canonical["response_format"] = fmt
    for name in ("temperature", "top_p", "presence_penalty", "frequency_penalty"):
        if body.get(name) is not None:
            canonical[name] = body[name]
    if body.get("parallel_tool_calls") is not None and tools:
        canonical["parallel_tool_calls"] = body["parallel_tool_calls"]
    if body.get("max_output_tokens") is not None:
        canonical["max_tokens"] = body["max_output_tokens"]
    user = body.get("safety_identifier") or body.get("user")
    if user:
        canonical["user"] = user
    if call.stream:
        canonical["stream"] = True
        canonical["stream_options"] = {"include_usage": True}
    call.canonical = canonical
    return call
