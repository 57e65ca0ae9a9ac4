"""Output check for system prompt leaks: verbatim runs of the request's own system prompt.

Built per request from its system (and developer) messages. The prompt is lower-cased with
whitespace collapsed, and one 32-character shingle is kept every 8 characters; an answer leaks
when any 32-character stretch of it (normalised the same way) is one of those shingles, so every
verbatim run of 39 characters or more is found, and nothing shorter (a model saying which
assistant it is, in a phrase shorter than that, is not a leak). Memory is one short string per 8
characters of system prompt (the first 64,000 are indexed); a check is linear in the text.

The run is at most 39 characters, below the stream guard's 48-character hold-back, so a streamed
leak is caught before any of it is released.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from llm_gateway.agent.conversation import message_text
from llm_gateway.guardrails.types import Finding

SHINGLE = 32
STEP = 8
MAX_INDEXED = 64_000
RULE_ID = "leak.system_prompt"
LABEL = "SYSTEM_PROMPT"


def _normalise(text: str) -> tuple[str, list[int]]:
    """Lower-cased ``text`` with whitespace runs as one space, and each character's source index."""
    chars: list[str] = []
    index: list[int] = []
    space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if space:
                continue
            space = True
            chars.append(" ")
        else:
            space = False
            chars.append(ch.lower())
        index.append(i)
    return "".join(chars), index


class PromptLeakRule:
    """Finds verbatim runs of one system prompt in answer text (spans into that text)."""

    def __init__(self, system_prompt: str) -> None:
        norm, _ = _normalise(system_prompt[:MAX_INDEXED])
        self._shingles = frozenset(
            norm[i : i + SHINGLE] for i in range(0, len(norm) - SHINGLE + 1, STEP)
        )

    def __bool__(self) -> bool:
        return bool(self._shingles)

    def check(self, text: str) -> list[Finding]:
        if len(text) < SHINGLE:
            return []
        norm, index = _normalise(text)
        shingles = self._shingles
        spans: list[list[int]] = []
        for p in range(len(norm) - SHINGLE + 1):
            if norm[p : p + SHINGLE] in shingles:
                if spans and p <= spans[-1][1]:
                    spans[-1][1] = p + SHINGLE
                else:
                    spans.append([p, p + SHINGLE])
        return [
            Finding(
                rule_id=RULE_ID,
                category="system_prompt",
                span=(index[start], index[end - 1] + 1),
                label=LABEL,
            )
            for start, end in spans
        ]


def prompt_leak_rule(messages: Iterable[Mapping[str, Any]]) -> PromptLeakRule | None:
    """The rule for a request's system and developer messages, None when they are too short."""
    prompt = "\n".join(
        message_text(m) for m in messages if m.get("role") in ("system", "developer")
    )
    if len(prompt) < SHINGLE + STEP - 1:
        return None
    rule = PromptLeakRule(prompt)
    return rule if rule else None
