"""Guardrails: input rules (prompt injection, jailbreak) and output rules (secrets, PII)."""

from llm_gateway.agent.conversation import user_text
from llm_gateway.guardrails.engine import GuardrailEngine, RequestPath
from llm_gateway.guardrails.stream import StreamGuard
from llm_gateway.guardrails.types import (
    Finding,
    InputAction,
    OutputAction,
    OutputStep,
    Rule,
    Stage,
    StreamDecision,
    Verdict,
)

__all__ = [
    "Finding",
    "GuardrailEngine",
    "InputAction",
    "OutputAction",
    "OutputStep",
    "RequestPath",
    "Rule",
    "Stage",
    "StreamDecision",
    "StreamGuard",
    "Verdict",
    "user_text",
]
