"""Reading OpenAI-shaped conversations: message text, a cheap token estimate, the language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Per-message framing tokens in chat formats (role, separators); OpenAI documents 3-4.
_MESSAGE_OVERHEAD_TOKENS = 4
# An image part costs a few hundred tokens at low detail; count it so long vision chats are caught.
_IMAGE_PART_TOKENS = 256


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
    # Korean without running a tokenizer on every request.
    wide = sum(1 for ch in text if ord(ch) > 0x2E7F)
    return wide + (len(text) - wide + 3) // 4


def estimate_tokens(messages: Iterable[Mapping[str, Any]]) -> int:
    """A fast, slightly generous prompt-token estimate for context-window checks."""
    total = 0
    for message in messages:
        total += _MESSAGE_OVERHEAD_TOKENS + _text_tokens(message_text(message))
        content = message.get("content")
        if isinstance(content, list):
            total += _IMAGE_PART_TOKENS * sum(
                1 for p in content if isinstance(p, Mapping) and p.get("type") == "image_url"
            )
        for call in message.get("tool_calls") or ():
            function = call.get("function") or {}
            total += _text_tokens(str(function.get("arguments", ""))) + 8
    return total


def detect_language(text: str) -> str:
    """'ko' when Hangul makes up a noticeable share of the letters, else 'en'."""
    letters = hangul = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            if (
                "\uac00" <= ch <= "\ud7a3"
                or "\u1100" <= ch <= "\u11ff"
                or "\u3130" <= ch <= "\u318f"
            ):
                hangul += 1
    return "ko" if letters and hangul / letters >= 0.2 else "en"
