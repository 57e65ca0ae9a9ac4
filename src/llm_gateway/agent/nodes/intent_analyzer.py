"""Intent analysis: the input guardrail first, then the analyzer (fast rules, LLM, fallback).

A prompt the input guardrail blocks becomes a ``dangerous`` intent without any model call, so
an injection attempt never reaches even the small model. Otherwise the analyzer decides, with
the small model as its LLM (the analyzer owns the timeout and the fall back to its rules).
"""

from __future__ import annotations

import time
from typing import Any, Literal

from langgraph.runtime import Runtime

from llm_gateway.agent.context import AgentContext
from llm_gateway.agent.conversation import user_text
from llm_gateway.agent.events import GuardrailEvent, IntentEvent
from llm_gateway.agent.intent import detect_language
from llm_gateway.agent.nodes.attempts import side_attempts
from llm_gateway.agent.nodes.model_router import tier_aliases
from llm_gateway.agent.nodes.tool_executor import intent_tool
from llm_gateway.agent.ports import ChatRequest, ChatResponse, UpstreamAttempt
from llm_gateway.agent.state import AgentState, IntentRecord, StepRecord, VerdictRecord, step

_SOURCES = ("rules", "classifier", "llm", "fallback")


def _event(intent: IntentRecord) -> IntentEvent:
    source = intent["source"] if intent["source"] in _SOURCES else "rules"
    return IntentEvent(
        label=intent["label"],
        complexity="complex" if intent["complexity"] == "complex" else "simple",
        language=intent["language"],
        confidence=intent["confidence"],
        source=source,  # type: ignore[arg-type]
    )


async def intent_analyzer(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Decide general | tool:<name> | dangerous, complexity and language."""
    ctx = runtime.context
    write = runtime.stream_writer
    started = time.perf_counter()
    messages = state.get("messages") or []
    guard = ctx.input_guard
    logged: list[VerdictRecord] = []
    if guard is not None:
        text = user_text(messages)
        # The checks in a worker thread (the harmful-request stage embeds the prompt, ~20 ms of
        # CPU), then the grey-zone judge when it is on.
        verdict = await guard.screen_input(text)
        if verdict.logged:
            ctx.observe_guardrail("input", "log", verdict.logged)
            write(GuardrailEvent(stage="input", action="log", rules=()))
            logged.append(
                VerdictRecord(stage="input", action="log", rules=[], categories=[*verdict.logged])
            )
        if verdict.action != "allow":
            ctx.observe_guardrail("input", "block", verdict.blocked)
            rules = tuple(dict.fromkeys(f.rule_id for f in verdict.findings))
            write(GuardrailEvent(stage="input", action="block", rules=rules))
            intent = IntentRecord(
                label="dangerous",
                complexity="simple",
                language=detect_language(text),
                confidence=1.0,
                reason="input guardrail: " + (", ".join(rules) or "blocked"),
                source="rules",
            )
            write(_event(intent))
            record = VerdictRecord(
                stage="input",
                action="block",
                rules=list(rules),
                categories=list(dict.fromkeys(f.category for f in verdict.findings)),
            )
            ms = (time.perf_counter() - started) * 1000
            return {
                "intent": intent,
                "verdicts": [record],
                "refusal_reason": "input_blocked",
                "steps": [step("intent_analyzer", ms)],
            }

    small, _ = tier_aliases(ctx.deps)
    calls: list[StepRecord] = []
    tried: list[UpstreamAttempt] = []

    async def small_model(request: ChatRequest) -> ChatResponse:
        call_started = time.perf_counter()
        usage = None
        try:
            response = await ctx.deps.llm.chat({**request, "model": small}, tried, ctx.permits)
            usage = response.get("usage")
            return response
        finally:  # a failed or timed-out call still took time (the analyzer falls back)
            ms = (time.perf_counter() - call_started) * 1000
            calls.append(step("intent_llm", ms, small, usage))

    result = await ctx.deps.intent.analyze(messages, small_model, ctx.settings.intent_timeout_s)
    intent = IntentRecord(
        label=result.label,
        complexity=result.complexity,
        language=result.language,
        confidence=float(result.confidence),
        reason=result.reason,
        source=result.source,
    )
    if result.withhold_tools:
        intent["withhold_tools"] = True
    if intent["label"] == "dangerous" and result.source == "fallback":
        # Unconfirmed harm (the classifier was unsure and the LLM could not look): answer
        # without tools rather than refuse; the input guardrail already ran, and the model's
        # own refusal still applies. A false refusal of a harmless prompt is the worse error.
        intent["label"] = "general"
        intent["withhold_tools"] = True
        intent["reason"] = f"{intent['reason']} (possible harm, unconfirmed: no tools)"
    if intent["label"].startswith("tool:") and intent_tool({"intent": intent}, ctx) is None:
        # The named tool is disabled here (or tools are off for this run): answer without it.
        intent["reason"] = f"{intent['reason']} ({intent['label']} unavailable)"
        intent["label"] = "general"
    write(_event(intent))
    update: dict[str, Any] = {"intent": intent, "attempts": side_attempts(tried, ctx)}
    if logged:
        update["verdicts"] = logged
    if intent["label"] == "dangerous":
        update["refusal_reason"] = "dangerous_intent"
    ms = (time.perf_counter() - started) * 1000
    update["steps"] = [*calls, step("intent_analyzer", ms)]
    return update


async def route_after_intent(
    state: AgentState,
) -> Literal["refusal", "tool_executor", "model_router"]:
    """Conditional edge: dangerous → refusal, a tool intent → tools, anything else → model."""
    intent = state.get("intent")
    label = intent["label"] if intent else "general"
    if label == "dangerous":
        return "refusal"
    if label.startswith("tool:"):
        return "tool_executor"
    return "model_router"
