"""Typed events an agent run emits, consumed by /v1/chat/completions (model "auto") and /chat.

The graph runner yields these in order: one ``IntentEvent`` and one ``ModelEvent`` (possibly
more ``ModelEvent``s after a fallback), any ``ToolEvent``s and ``GuardrailEvent``s, a
``ServingEvent`` before a streamed model call's first token, ``TokenEvent``s for the final
answer's text as it is produced, and exactly one terminal event: ``DoneEvent`` or ``ErrorEvent``.
Transport layers (SSE, WebSocket, OpenAI chunks) only serialize them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class IntentEvent:
    label: str  # "general" | "tool:<name>" | "dangerous"
    complexity: Literal["simple", "complex"]
    language: str
    confidence: float
    source: Literal["rules", "classifier", "llm", "fallback"]
    kind: Literal["intent"] = "intent"


@dataclass(frozen=True, slots=True)
class ModelEvent:
    alias: str
    tier: str
    reason: str
    kind: Literal["model"] = "model"


@dataclass(frozen=True, slots=True)
class ToolEvent:
    phase: Literal["start", "end"]
    name: str
    call_id: str
    arguments: dict[str, Any] | None = None
    ok: bool | None = None
    summary: str | None = None  # short result (end) for display
    kind: Literal["tool"] = "tool"


@dataclass(frozen=True, slots=True)
class GuardrailEvent:
    stage: Literal["input", "output", "tool"]  # tool: a tool result's screen (``tool_results``)
    action: Literal["allow", "mask", "hash", "log", "regenerate", "block", "refuse", "withhold"]
    rules: tuple[str, ...] = ()
    kind: Literal["guardrail"] = "guardrail"


@dataclass(frozen=True, slots=True)
class ServingEvent:
    """A streamed model call started answering: who serves it and every upstream try so far.

    Sent before that call's first token, so a transport that must send its headers then
    (deployment, attempts) can name what a non-streamed answer names at its end.
    """

    alias: str
    deployment: str | None
    attempts: tuple[dict[str, Any], ...]  # ``AttemptRecord``s of the whole run, in order
    kind: Literal["serving"] = "serving"


@dataclass(frozen=True, slots=True)
class TokenEvent:
    text: str
    kind: Literal["token"] = "token"


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0  # prompt-cache reads (part of prompt_tokens)
    cost_usd: float = 0.0
    cache_write_tokens: int = 0  # prompt-cache writes (part of prompt_tokens)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class DoneEvent:
    content: str
    finish_reason: str
    usage: Usage
    model: str  # the alias that produced the final answer
    deployment: str | None = None
    intent: str | None = None
    tools_used: tuple[str, ...] = ()
    guardrail_actions: tuple[str, ...] = ()
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    kind: Literal["done"] = "done"
    # What the gateway decided (intent, route, tools, guardrail verdicts, attempts, timings).
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    code: str
    message: str
    partial_content: str = ""
    kind: Literal["error"] = "error"
    status_code: int = 500  # the HTTP status when the error comes before any output


AgentEvent = (
    IntentEvent
    | ModelEvent
    | ToolEvent
    | GuardrailEvent
    | ServingEvent
    | TokenEvent
    | DoneEvent
    | ErrorEvent
)
