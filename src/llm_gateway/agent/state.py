"""The graph's state: what each node reads and writes during one agent run.

Records are plain ``TypedDict``s (cheap to create, JSON-ready for logs and metadata). Lists that
several nodes extend (attempts, steps, tool calls, verdicts, errors) use an additive reducer, so
a node returns only what it adds and every attempt and step stays visible at the end.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, NotRequired, TypedDict

Message = dict[str, Any]
Outcome = Literal["answer", "refusal", "error"]


class IntentRecord(TypedDict):
    label: str  # "general" | "tool:<name>" | "dangerous"
    complexity: str  # "simple" | "complex"
    language: str
    confidence: float
    reason: str
    source: str  # "rules" | "classifier" | "llm" | "fallback" | "guardrail"
    withhold_tools: NotRequired[bool]  # a harm signal: no tool runs, none is offered to a model


class AttemptRecord(TypedDict):
    """One upstream try, as the router reported it (several per model call when it retried)."""

    alias: str
    tier: str
    deployment: str | None
    ok: bool
    error_code: str | None
    error: str | None
    ms: float


class ToolCallRecord(TypedDict):
    id: str
    name: str
    arguments: str  # the raw JSON the model (or the intent path) supplied
    source: Literal["model", "intent"]
    ok: bool
    output: str  # what the model was shown (an ``Error (<code>): ...`` line on failure)
    error_code: str | None
    ms: float


class VerdictRecord(TypedDict):
    stage: Literal["input", "output", "tool"]
    action: str  # allow | block | mask | regenerate | refuse
    rules: list[str]
    categories: list[str]


class StepRecord(TypedDict):
    """One node execution: how long it took and, for model calls, the tokens it used."""

    node: str
    ms: float
    alias: str | None
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    cache_write_tokens: int


class ErrorRecord(TypedDict):
    code: str
    message: str
    status: int


class AgentState(TypedDict, total=False):
    """Everything one run knows; ``messages`` is the caller's conversation and never mutated."""

    messages: list[Message]
    turns: Annotated[list[Message], operator.add]  # tool-call/tool-result messages of this run
    intent: IntentRecord
    # model choice
    tier: str
    alias: str
    route_reason: str
    forced_tool: str | None  # intent chose a tool and the routed model calls it natively
    # tools
    pending_tool_calls: list[dict[str, Any]]  # the last model turn's calls, not yet executed
    tool_rounds: int
    tool_calls: Annotated[list[ToolCallRecord], operator.add]
    # guardrails
    verdicts: Annotated[list[VerdictRecord], operator.add]
    regenerations: int
    regenerate_hint: str | None
    guard_decision: str  # the output guardrail's last action: allow | mask | regenerate | refuse
    refusal_reason: str | None
    # bookkeeping
    steps: Annotated[list[StepRecord], operator.add]
    attempts: Annotated[list[AttemptRecord], operator.add]
    errors: Annotated[list[str], operator.add]
    failed_aliases: Annotated[list[str], operator.add]
    fallback_to: str | None  # set by a failed model call when another alias may be tried
    # the answer
    answer: str
    finish_reason: str
    streamed: bool  # some of the answer already reached the client: nothing may be retried
    preamble: str  # streamed text that came with tool calls (the client saw it first)
    stream_verdict: VerdictRecord | None  # the sliding-window guard's findings on a stream
    served_by: str | None  # deployment id of the final answer
    outcome: Outcome
    error: ErrorRecord | None
    response: dict[str, Any]  # the final chat.completion object (response formatter)


def step(
    node: str, ms: float, alias: str | None = None, usage: dict[str, Any] | None = None
) -> StepRecord:
    """A step record; ``usage`` is an OpenAI ``usage`` object when the step called a model."""
    usage = usage or {}
    details = usage.get("prompt_tokens_details") or {}
    return StepRecord(
        node=node,
        ms=round(ms, 3),
        alias=alias,
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        cached_tokens=int(details.get("cached_tokens") or 0),
        cache_write_tokens=int(details.get("cache_write_tokens") or 0),
    )
