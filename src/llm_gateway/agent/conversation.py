"""Reading OpenAI-shaped conversations: message text and a cheap token estimate."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from llm_gateway.services.tokens import IMAGE_PART_TOKENS, TOKENS_PER_MESSAGE

# Hangul, CJK and the rest of the wide scripts: close to one token per character.
_WIDE = re.compile(r"[^\x00-\u2e7f]+")


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a message whose ``content`` is a string or a list of parts (images skipped)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, Mapping) and part.get("type") == "text"
        )
    return ""


def user_text(messages: Iterable[Mapping[str, Any]]) -> str:
    """Every user message's text, oldest first: what the input guardrail must see."""
    return "\n".join(message_text(m) for m in messages if m.get("role") == "user")


def tool_text(messages: Iterable[Mapping[str, Any]]) -> str:
    """Every tool result's text (OpenAI ``tool`` messages, Anthropic ``tool_result`` blocks and
    Responses ``function_call_output`` items, all ``role: tool`` once canonical), oldest first."""
    return "\n".join(message_text(m) for m in messages if m.get("role") in TOOL_ROLES)


# A tool result's role: ``tool``, or the legacy OpenAI ``function`` (still accepted upstream).
TOOL_ROLES = ("tool", "function")
# What a prompt's personal data can sit in: the user's turns and the tool results the client sends
# back (a file, a database row, a web page), which reach the model just the same.
PROMPT_ROLES = ("user", *TOOL_ROLES)


def redact_user_turns(
    messages: list[Any], redact: Callable[[str], str], roles: tuple[str, ...] = ("user",)
) -> bool:
    """Replace each ``roles`` message's text (string or text parts) by ``redact(text)``, in place.

    Changed messages and parts are replaced by copies, so the caller's own objects are never
    edited. Returns True when any text changed.
    """
    changed = False
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping) or message.get("role") not in roles:
            continue
        content = message.get("content")
        if isinstance(content, str):
            new = redact(content)
            if new != content:
                messages[i] = {**message, "content": new}
                changed = True
        elif isinstance(content, list):
            parts = [_redact_part(part, redact) for part in content]
            if any(a is not b for a, b in zip(parts, content, strict=True)):
                messages[i] = {**message, "content": parts}
                changed = True
    return changed


def _redact_part(part: Any, redact: Callable[[str], str]) -> Any:
    if not isinstance(part, Mapping) or not isinstance(part.get("text"), str):
        return part
    new = redact(part["text"])
    return part if new == part["text"] else {**part, "text": new}


def last_user_text(messages: Iterable[Mapping[str, Any]]) -> str:
    """The latest user message's text ('' when there is none)."""
    last = ""
    for message in messages:
        if message.get("role") == "user":
            last = message_text(message)
    return last


def _text_tokens(text: str) -> int:
    # Latin text averages ~4 characters a token; Hangul and CJK are close to one token per
    # character in BPE vocabularies. Counting them apart keeps the estimate conservative for
    # Korean without running a tokenizer on every request. Both counts run at C speed (a
    # per-character Python loop cost ~1 ms per 50 KB of conversation on every model choice).
    if text.isascii():
        return (len(text) + 3) // 4
    wide = sum(map(len, _WIDE.findall(text)))
    return wide + (len(text) - wide + 3) // 4


def estimate_tokens(messages: Iterable[Mapping[str, Any]]) -> int:
    """A fast, slightly generous prompt-token estimate for context-window checks."""
    total = 0
    for message in messages:
        total += TOKENS_PER_MESSAGE + _text_tokens(message_text(message))
        content = message.get("content")
        if isinstance(content, list):
            total += IMAGE_PART_TOKENS * sum(
                1 for p in content if isinstance(p, Mapping) and p.get("type") == "image_url"
            )
        for call in message.get("tool_calls") or ():
            function = call.get("function") or {}
            total += _text_tokens(str(function.get("arguments", ""))) + 8
    return total
