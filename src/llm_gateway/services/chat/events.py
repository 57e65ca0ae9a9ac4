"""The /chat event vocabulary shared by SSE, WebSocket and the one-body JSON answer.

``meta`` (conversation and message ids, intent, model), ``tool`` (start/end with the tool's name
and a short result), ``token`` (text delta), ``guardrail`` (action taken), and exactly one
terminal event: ``done`` (usage, cost, finish reason) or ``error`` (code and message).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from llm_gateway.agent.events import (
    DoneEvent,
    GuardrailEvent,
    IntentEvent,
    ModelEvent,
    ToolEvent,
    Usage,
)

EventName = Literal["meta", "tool", "token", "guardrail", "done", "error"]
TERMINAL_EVENTS: frozenset[str] = frozenset({"done", "error"})


@dataclass(frozen=True, slots=True)
class ChatEvent:
    """One event for the client: its name and a JSON-ready payload."""

    name: EventName
    data: dict[str, Any]

    @property
    def terminal(self) -> bool:
        return self.name in TERMINAL_EVENTS


def intent_dict(intent: IntentEvent | None) -> dict[str, Any] | None:
    if intent is None:
        return None
    return {
        "label": intent.label,
        "complexity": intent.complexity,
        "language": intent.language,
        "confidence": intent.confidence,
        "source": intent.source,
    }


def meta_event(
    *,
    conversation_id: str,
    user_message_id: str,
    message_id: str,
    intent: IntentEvent | None,
    model: ModelEvent | None,
    requested_model: str,
) -> ChatEvent:
    return ChatEvent(
        "meta",
        {
            "conversation_id": conversation_id,
            "user_message_id": user_message_id,
            "message_id": message_id,
            "requested_model": requested_model,
            "intent": intent_dict(intent),
            "model": None if model is None else model.alias,
            "model_tier": None if model is None else model.tier,
            "route_reason": None if model is None else model.reason,
        },
    )


def tool_event(event: ToolEvent) -> ChatEvent:
    data: dict[str, Any] = {"phase": event.phase, "name": event.name, "call_id": event.call_id}
    if event.phase == "start":
        data["arguments"] = event.arguments
    else:
        data["ok"] = event.ok
        data["summary"] = event.summary
    return ChatEvent("tool", data)


def guardrail_event(event: GuardrailEvent) -> ChatEvent:
    return ChatEvent(
        "guardrail", {"stage": event.stage, "action": event.action, "rules": list(event.rules)}
    )


def token_event(text: str) -> ChatEvent:
    return ChatEvent("token", {"text": text})


def usage_dict(usage: Usage) -> dict[str, Any]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "cached_tokens": usage.cached_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
    }


def done_event(
    event: DoneEvent, *, conversation_id: str, message_id: str, context_tokens: int
) -> ChatEvent:
    return ChatEvent(
        "done",
        {
            "conversation_id": conversation_id,
            "message_id": message_id,
            "model": event.model,
            "deployment": event.deployment,
            "finish_reason": event.finish_reason,
            "usage": usage_dict(event.usage),
            "cost_usd": event.usage.cost_usd,
            "context_tokens": context_tokens,
            "tools_used": list(event.tools_used),
            "guardrail_actions": list(event.guardrail_actions),
            **({"cache": event.metadata["cache"]} if event.metadata.get("cache") else {}),
        },
    )


def error_event(
    code: str, message: str, *, conversation_id: str, message_id: str, status: str
) -> ChatEvent:
    """``status`` is what was stored: ``partial`` (some text kept) or ``error`` (none)."""
    return ChatEvent(
        "error",
        {
            "code": code,
            "message": message,
            "conversation_id": conversation_id,
            "message_id": message_id,
            "status": status,
        },
    )
