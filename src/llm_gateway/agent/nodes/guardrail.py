"""The output guardrail: allow, mask, regenerate (bounded) or refuse; stop a leaking stream.

A buffered answer is checked whole: a finding masks it or sends the run back to model choice
with a hint, at most ``max_regenerations`` times, then to a safe refusal. A streamed answer was
already checked chunk by chunk by the ``StreamGuard`` inside the model node (masking in its
window); here its findings become the verdict, and a stream the guard stopped ends the run with
an error, because text that reached the client cannot be taken back or regenerated.
"""

from __future__ import annotations

import time
from typing import Any

from langgraph.graph import END
from langgraph.runtime import Runtime

from llm_gateway.agent.context import AgentContext
from llm_gateway.agent.events import GuardrailEvent
from llm_gateway.agent.nodes.llm_node import REGENERATE_PROMPT
from llm_gateway.agent.state import AgentState, ErrorRecord, VerdictRecord, step

_ACTIONS = ("allow", "mask", "hash", "log", "regenerate", "block", "refuse", "withhold")


def _event(record: VerdictRecord) -> GuardrailEvent:
    action = record["action"]
    return GuardrailEvent(
        stage=record["stage"],
        action=action if action in _ACTIONS else "block",  # type: ignore[arg-type]
        rules=tuple(record["rules"]),
    )


def _streamed(state: AgentState) -> dict[str, Any]:
    record = state.get("stream_verdict")
    if record is None:
        return {}
    update: dict[str, Any] = {"verdicts": [record]}
    if record["action"] == "block":
        update["error"] = ErrorRecord(
            code="output_blocked",
            message="The answer was stopped by the output guardrail ("
            + (", ".join(record["rules"]) or "policy")
            + ")",
            status=400,
        )
    return update


def _buffered(state: AgentState, ctx: AgentContext) -> dict[str, Any]:
    guard = ctx.output_guard
    if guard is None:
        return {}
    verdict = guard.check_output(state.get("answer", ""))
    rules = list(dict.fromkeys(f.rule_id for f in verdict.findings))
    categories = list(dict.fromkeys(f.category for f in verdict.findings))
    action = verdict.action
    update: dict[str, Any] = {}
    if action == "mask" and verdict.masked_text is not None:
        update["answer"] = verdict.masked_text
    elif action == "regenerate":
        done = state.get("regenerations", 0)
        if done < ctx.settings.guardrails.max_regenerations:
            what = " and ".join(categories) or "sensitive data"
            update.update(
                regenerations=done + 1, regenerate_hint=REGENERATE_PROMPT.format(what=what)
            )
        else:
            action = "refuse"
            update["refusal_reason"] = "regenerate_limit"
    elif action not in ("allow", "mask"):
        action = "refuse"  # an action this version does not know: fail closed
        update["refusal_reason"] = "output_blocked"
    if action == "allow" and verdict.findings:
        action = "log"  # the policy only logs leaks: the answer goes out as it is
    elif action == "mask" and guard.leak_output == "hash":
        action = "hash"
    record = VerdictRecord(stage="output", action=action, rules=rules, categories=categories)
    update["verdicts"] = [record]
    return update


async def guardrail(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Check the model's answer and decide where the run goes next."""
    started = time.perf_counter()
    ctx = runtime.context
    update = _streamed(state) if state.get("streamed") else _buffered(state, ctx)
    records = update.get("verdicts") or []
    for record in records:
        runtime.stream_writer(_event(record))
        if record["action"] != "allow":
            ctx.observe_guardrail("output", record["action"], record["categories"])
    update["guard_decision"] = records[-1]["action"] if records else "allow"
    update["steps"] = [step("guardrail", (time.perf_counter() - started) * 1000)]
    return update


async def route_after_guardrail(state: AgentState) -> str:
    """Conditional edge: safe → formatter, regenerate → model choice, limit → refusal."""
    if state.get("error") is not None:
        return END
    decision = state.get("guard_decision")
    if decision == "regenerate":
        return "model_router"
    if decision == "refuse":
        return "refusal"
    return "response_formatter"
