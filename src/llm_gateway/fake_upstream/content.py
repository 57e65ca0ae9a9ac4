"""Deterministic replies, independent of wire protocol, so tests can assert exactly what comes back.

Rules, in order:
- **echo**: the model is ``echo`` or the last user message starts with ``echo:`` → the reply is the
  JSON request body exactly as received (keys sorted).
- **tool result**: the last message is a tool result → ``Tool result: <content>``.
- **tool call**: tools are offered and the last user message says ``call <tool>`` (several may be
  named; a JSON object right after the name becomes the arguments) or ``tool_choice`` forces one.
- **scripted**: the last user message contains ``[fake-reply:X]`` → the reply is ``X`` (tests make a
  guardrail judge answer ``UNSAFE`` or ``SAFE``).
- **JSON mode**: ``{"reply": "You said: <last user message>"}``.
- otherwise ``You said: <last user message>``, or ``reply_words`` words when that knob is set.

``max_tokens`` truncates (finish ``length``); a stop sequence cuts the text (finish ``stop``).
Tokens are whitespace-separated words, so usage is predictable too.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

_PIECES = re.compile(r"\S+\s*|\s+")


@dataclass(slots=True)
class Tool:
    name: str
    schema: dict[str, Any]


@dataclass(slots=True)
class Prompt:
    """What any of the three wire protocols asked for, reduced to what replies depend on."""

    model: str
    raw: dict[str, Any]
    stream: bool = False
    texts: list[str] = field(default_factory=list)  # every message's text, for prompt tokens
    last_user: str = ""
    tool_result: str | None = None
    tools: list[Tool] = field(default_factory=list)
    forced_tool: str | None = None  # a tool name, or "*" for "any tool"
    max_tokens: int | None = None
    stop: list[str] = field(default_factory=list)
    json_mode: bool = False
    include_usage: bool = True


@dataclass(slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text

    @property
    def input(self) -> Any:
        return orjson.loads(self.arguments)


@dataclass(slots=True)
class Reply:
    text: str
    pieces: list[str]
    tool_calls: list[ToolCall]
    finish: str  # "stop" | "length" | "tool_calls"
    stop_sequence: str | None
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    cache_write_tokens: int = 0  # Anthropic's cache_creation_input_tokens (part of the prompt)


_FAKE_REPLY = re.compile(r"\[fake-reply:([^\]]*)\]")
_MATH_RUN = re.compile(r"[0-9(][0-9+\-*/%^.() ]*[0-9)]")
_FENCED = re.compile(r"```(?:[a-z]*)\n(.*?)```", re.DOTALL)


def _from_prompt(name: str, said: str) -> str | None:
    """What a cooperative model would pass for the agent's common string arguments.

    Only ``expression``, ``query`` and ``code`` are filled from the user's words (so the demo's
    calculator, search and code tools get usable input); every other string stays "test".
    """
    if name == "expression":
        runs = _MATH_RUN.findall(said)
        return max(runs, key=len).strip() if runs else None
    if name == "query":
        return said.strip() or None
    if name == "code":
        fenced = _FENCED.search(said)
        return fenced.group(1) if fenced else None
    return None


def _sample(schema: Any, said: str = "", name: str = "") -> Any:
    """A deterministic value that satisfies a (simple) JSON schema."""
    if not isinstance(schema, dict):
        return "test"
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties") or {}
        return {key: _sample(sub, said, key) for key, sub in props.items()}
    if kind == "string" and (filled := _from_prompt(name, said)) is not None:
        return filled
    return {"integer": 1, "number": 1.5, "boolean": True, "array": [], "null": None}.get(
        str(kind), "test"
    )


def _arguments(tool: Tool, after: str, said: str = "") -> str:
    after = after.lstrip()
    if after.startswith("{"):
        try:
            value, _ = json.JSONDecoder().raw_decode(after)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return orjson.dumps(value).decode()
    return orjson.dumps(_sample(tool.schema, said)).decode()


def _tool_calls(prompt: Prompt) -> list[ToolCall]:
    if not prompt.tools or prompt.tool_result is not None:
        return []
    by_name = {t.name: t for t in prompt.tools}
    calls = []
    for match in re.finditer(r"\bcall\s+([A-Za-z0-9_.-]+)", prompt.last_user):
        tool = by_name.get(match.group(1))
        if tool is not None:
            calls.append((tool, prompt.last_user[match.end() :]))
    if not calls and prompt.forced_tool:
        tool = by_name.get(prompt.forced_tool, prompt.tools[0])
        calls.append((tool, ""))
    return [
        ToolCall(f"call_{i}_{tool.name}", tool.name, _arguments(tool, after, prompt.last_user))
        for i, (tool, after) in enumerate(calls)
    ]


def is_echo(prompt: Prompt) -> bool:
    return prompt.model == "echo" or prompt.last_user.startswith("echo:")


def _text(prompt: Prompt, reply_words: int | None) -> str:
    if is_echo(prompt):
        return orjson.dumps(prompt.raw, option=orjson.OPT_SORT_KEYS).decode()
    if prompt.tool_result is not None:
        return f"Tool result: {prompt.tool_result}"
    scripted = _FAKE_REPLY.search(prompt.last_user)
    if scripted is not None:  # tests make a judge or classifier model say a given thing
        return scripted[1]
    said = f"You said: {prompt.last_user}"
    if prompt.json_mode:
        return orjson.dumps({"reply": said}).decode()
    if reply_words:
        return " ".join(f"word{i}" for i in range(1, reply_words + 1))
    return said


def build_reply(
    prompt: Prompt,
    *,
    reply_words: int | None = None,
    cached_tokens: int = 0,
    cache_write_tokens: int = 0,
) -> Reply:
    """The one deterministic reply for ``prompt`` (see the module docstring)."""
    prompt_tokens = max(1, sum(len(t.split()) for t in prompt.texts))
    calls = _tool_calls(prompt)
    if calls:
        tokens = sum(len(c.arguments) // 4 + 1 for c in calls)
        return Reply("", [], calls, "tool_calls", None, prompt_tokens, tokens, 0)
    text = _text(prompt, reply_words)
    finish, stop_sequence = "stop", None
    if not is_echo(prompt):
        hits = [(text.find(s), s) for s in prompt.stop if s and s in text]
        if hits:
            cut, stop_sequence = min(hits)
            text = text[:cut]
    pieces = _PIECES.findall(text) if not is_echo(prompt) else _slices(text)
    if prompt.max_tokens is not None and len(pieces) > prompt.max_tokens and not is_echo(prompt):
        pieces = pieces[: prompt.max_tokens]
        text = "".join(pieces)
        finish, stop_sequence = "length", None
    cached = min(cached_tokens, prompt_tokens)
    written = min(cache_write_tokens, prompt_tokens - cached)
    return Reply(
        text, pieces, [], finish, stop_sequence, prompt_tokens, len(pieces), cached, written
    )


def _slices(text: str, size: int = 64) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def fragments(arguments: str, size: int = 8) -> list[str]:
    """Tool-call arguments cut into pieces, to exercise streamed-argument assembly."""
    return [arguments[i : i + size] for i in range(0, len(arguments), size)] or [""]


def embedding(text: str, dimensions: int) -> list[float]:
    """A deterministic unit-length vector for ``text``."""
    digest = b""
    counter = 0
    while len(digest) < dimensions:
        digest += hashlib.sha256(f"{counter}:{text}".encode()).digest()
        counter += 1
    raw = [(b - 127.5) / 127.5 for b in digest[:dimensions]]
    norm = sum(v * v for v in raw) ** 0.5 or 1.0
    return [round(v / norm, 6) for v in raw]
