"""Responses ``input`` items → canonical chat messages (400 naming the item on bad input).

Supported items: messages (``user``/``system``/``developer``/``assistant``, string or content
parts), ``function_call`` and ``function_call_output``. ``reasoning`` items (a reasoning model's
earlier output, which clients such as Codex send back) carry nothing a chat-completions upstream
can take and are skipped; every other item type is refused.
"""

from __future__ import annotations

from typing import Any

from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.services.responses.names import ToolNames

Message = dict[str, Any]
_ROLES = frozenset({"user", "system", "developer", "assistant"})
_SKIPPED = frozenset({"reasoning"})


def invalid(param: str, message: str, code: str = "invalid_value") -> InvalidRequestError:
    return InvalidRequestError(message, code=code, param=param)


def _text_part(part: dict[str, Any], where: str) -> str:
    text = part.get("text")
    if not isinstance(text, str):
        raise invalid(f"{where}.text", f"'{where}.text' must be a string.", "invalid_type")
    return text


def _image_part(part: dict[str, Any], where: str) -> dict[str, Any]:
    url = part.get("image_url")
    if not isinstance(url, str) or not url:
        raise invalid(
            f"{where}.image_url",
            f"'{where}.image_url' must be a URL or data URL; file ids are not supported.",
            "unsupported_content",
        )
    image: dict[str, Any] = {"url": url}
    if part.get("detail") in ("low", "high", "auto"):
        image["detail"] = part["detail"]
    return {"type": "image_url", "image_url": image}


def _content(content: Any, where: str, role: str) -> str | list[dict[str, Any]]:
    """A message's content as canonical text, or canonical parts when it holds images."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise invalid(where, f"'{where}' must be a string or an array of content parts.")
    parts: list[dict[str, Any]] = []
    for i, part in enumerate(content):
        at = f"{where}[{i}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("input_text", "output_text", "text"):
            parts.append({"type": "text", "text": _text_part(part, at)})
        elif kind == "refusal" and role == "assistant":
            refusal = part.get("refusal")
            parts.append({"type": "text", "text": refusal if isinstance(refusal, str) else ""})
        elif kind == "input_image" and role != "assistant":
            parts.append(_image_part(part, at))
        else:
            raise invalid(
                f"{at}.type",
                f"'{at}.type' {kind!r} is not supported here; use input_text or input_image "
                "(output_text or refusal in assistant messages).",
                "unsupported_content",
            )
    if all(p["type"] == "text" for p in parts):
        return "".join(p["text"] for p in parts)
    return parts


def _output_text(output: Any, where: str) -> str:
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        texts = []
        for i, part in enumerate(output):
            if not isinstance(part, dict) or part.get("type") not in ("input_text", "output_text"):
                raise invalid(
                    f"{where}[{i}].type",
                    f"'{where}[{i}].type' must be input_text: tool outputs must be text.",
                    "unsupported_content",
                )
            texts.append(_text_part(part, f"{where}[{i}]"))
        return "".join(texts)
    raise invalid(where, f"'{where}' must be a string or an array of input_text parts.")


def _string(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise invalid(
            f"{where}.{key}",
            f"Missing required parameter: '{where}.{key}'.",
            "missing_required_parameter",
        )
    return value


class _Builder:
    """Appends messages, merging consecutive function calls into one assistant message."""

    def __init__(self, names: ToolNames) -> None:
        self.messages: list[Message] = []
        self.names = names

    def message(self, item: dict[str, Any], where: str) -> None:
        role = item.get("role")
        if role not in _ROLES:
            raise invalid(f"{where}.role", f"'{where}.role' must be one of {sorted(_ROLES)}.")
        if "content" not in item:
            raise invalid(
                f"{where}.content",
                f"Missing required parameter: '{where}.content'.",
                "missing_required_parameter",
            )
        content = _content(item["content"], f"{where}.content", role)
        self.messages.append({"role": role, "content": content})

    def function_call(self, item: dict[str, Any], where: str) -> None:
        arguments = item.get("arguments", "")
        if not isinstance(arguments, str):
            raise invalid(f"{where}.arguments", f"'{where}.arguments' must be a JSON string.")
        namespace = item.get("namespace")
        name = self.names.to_upstream(
            _string(item, "name", where), namespace if isinstance(namespace, str) else None
        )
        call = {
            "id": _string(item, "call_id", where),
            "type": "function",
            "function": {"name": name, "arguments": arguments},
        }
        last = self.messages[-1] if self.messages else None
        if last is not None and last["role"] == "assistant" and "tool_calls" in last:
            last["tool_calls"].append(call)
        elif last is not None and last["role"] == "assistant" and isinstance(last["content"], str):
            last["tool_calls"] = [call]  # text, then calls: one assistant turn, as chat has it
        else:
            self.messages.append({"role": "assistant", "content": None, "tool_calls": [call]})

    def function_call_output(self, item: dict[str, Any], where: str) -> None:
        self.messages.append(
            {
                "role": "tool",
                "tool_call_id": _string(item, "call_id", where),
                "content": _output_text(item.get("output"), f"{where}.output"),
            }
        )


def input_to_messages(value: Any, names: ToolNames) -> list[Message]:
    """The request's ``input`` (a string or a list of items) as canonical messages."""
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if not isinstance(value, list):
        raise invalid("input", "'input' must be a string or an array of input items.")
    builder = _Builder(names)
    for i, item in enumerate(value):
        where = f"input[{i}]"
        if not isinstance(item, dict):
            raise invalid(where, f"'{where}' must be an object.", "invalid_type")
        kind = item.get("type", "message")
        if kind == "message":
            builder.message(item, where)
        elif kind == "function_call":
            builder.function_call(item, where)
        elif kind == "function_call_output":
            builder.function_call_output(item, where)
        elif kind not in _SKIPPED:
            raise invalid(
                f"{where}.type",
                f"Input items of type {kind!r} are not supported by this gateway; "
                "send message, function_call and function_call_output items.",
                "unsupported_input_item",
            )
    return builder.messages
