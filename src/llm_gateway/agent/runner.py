"""Run the compiled graph for one request and turn it into the typed event stream.

Nodes emit progress and token events through LangGraph's custom stream mode as they happen; the
runner passes them on unchanged and closes the stream with exactly one ``DoneEvent`` or
``ErrorEvent`` built from the final state. Every run has an explicit recursion limit.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, cast

from langgraph.errors import GraphRecursionError

from llm_gateway.agent.context import AUTO_MODEL, AgentContext, AgentDeps, AgentOptions
from llm_gateway.agent.conversation import PROMPT_ROLES, redact_user_turns, tool_text
from llm_gateway.agent.events import AgentEvent, DoneEvent, ErrorEvent, GuardrailEvent
from llm_gateway.agent.graph import AgentGraph, build_graph
from llm_gateway.agent.nodes.model_router import may_use_large, tier_aliases
from llm_gateway.agent.nodes.response_formatter import total_usage
from llm_gateway.agent.state import AgentState, VerdictRecord
from llm_gateway.core.exceptions import GatewayError, InvalidRequestError
from llm_gateway.core.logging import get_logger
from llm_gateway.guardrails.tool_results import blocked_in_tool_result, newest_turn
from llm_gateway.services.auth.principal import Principal

_log = get_logger("llm_gateway.agent")
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})


@dataclass(slots=True)
class AgentRun:
    """A finished run: every event in order and the final graph state (for tests and tracing)."""

    events: list[AgentEvent] = field(default_factory=list)
    state: AgentState = field(default_factory=lambda: AgentState())

    @property
    def terminal(self) -> DoneEvent | ErrorEvent:
        last = self.events[-1]
        if not isinstance(last, DoneEvent | ErrorEvent):
            raise TypeError("run has no terminal event")  # the runner guarantees one
        return last


def validate_messages(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The conversation as plain dicts, or a 400 naming what is wrong with it."""
    if not isinstance(messages, Sequence) or isinstance(messages, str | bytes) or not messages:
        raise InvalidRequestError("'messages' must be a non-empty list", param="messages")
    checked: list[dict[str, Any]] = []
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping) or message.get("role") not in _ROLES:
            raise InvalidRequestError(
                f"messages[{i}] must be an object with a valid 'role'", param=f"messages.{i}"
            )
        checked.append(dict(message))
    return checked


def redact_pii(ctx: AgentContext, messages: list[Any]) -> VerdictRecord | None:
    """Mask or hash personal data in the user turns and tool results, in place, when the caller's
    policy says so.

    The model (and the intent analyzer's model call) then never sees the values; the verdict
    returned (None when nothing changed) names the action for events, headers and metrics.
    """
    guard = ctx.input_guard
    if guard is None or guard.pii_input not in ("mask", "hash"):
        return None
    found: set[str] = set()
    redact = functools.partial(guard.redact_prompt, categories=found)
    if not redact_user_turns(messages, redact, PROMPT_ROLES):
        return None
    categories = sorted(found)
    ctx.observe_guardrail("input", guard.pii_input, categories)
    return VerdictRecord(stage="input", action=guard.pii_input, rules=[], categories=categories)


async def screen_tool_results(ctx: AgentContext, messages: list[Any]) -> VerdictRecord | None:
    """The caller's ``tool_results`` policy over the tool results the client sent back.

    ``withhold`` replaces each flagged result by a notice (in place), ``log`` records it,
    ``block`` refuses the request before any event (400 ``guardrail_blocked``). Every result
    is screened, but only the newest turn's are recorded (a resent one was, on its own turn);
    a refusal always is.
    """
    guard = ctx.input_guard
    if guard is None or guard.tool_results == "off":
        return None
    outcome = await guard.screen_tool_results(messages)
    if outcome is None:
        return None
    action = guard.tool_results
    recorded = outcome if action == "block" else outcome.newest
    if recorded is None:
        return None
    categories = list(recorded.categories)
    _log.info("agent tool result guardrail", action=action, rules=list(recorded.rules))
    ctx.observe_guardrail("input", action, categories)
    if action == "block":
        raise blocked_in_tool_result(categories)
    return VerdictRecord(
        stage="tool", action=action, rules=list(recorded.rules), categories=categories
    )


def check_tool_pii(ctx: AgentContext, messages: list[Any]) -> VerdictRecord | None:
    """``pii_input`` ``block``/``log`` over the tool results the client sent back, as on the
    proxy path: personal data there reaches the model like a user turn's (``mask``/``hash``
    redact them in ``redact_pii``).

    ``block`` refuses the request before any event (400 ``guardrail_blocked``), ``log``
    records it, for the newest turn's results only (a resent one was recorded on its own turn).
    Not for the gateway's own tools' output (``AgentOptions.own_tool_results``).
    """
    guard = ctx.input_guard
    if guard is None or ctx.options.own_tool_results:
        return None
    action = guard.pii_input
    if action not in ("block", "log"):
        return None
    text = tool_text(messages if action == "block" else messages[newest_turn(messages) :])
    found = guard.leak_findings(text) if text else ()
    if not found:
        return None
    categories = sorted({f.category for f in found})
    rules = sorted({f.rule_id for f in found})
    _log.info("agent tool result guardrail", action=action, rules=rules)
    ctx.observe_guardrail("input", action, categories)
    if action == "block":
        raise blocked_in_tool_result(categories)
    return VerdictRecord(stage="input", action=action, rules=rules, categories=categories)


def done_event(state: AgentState, ctx: AgentContext) -> DoneEvent:
    response = state.get("response") or {}
    tools_used = tuple(dict.fromkeys(c["name"] for c in state.get("tool_calls") or ()))
    actions = tuple(
        f"{v['stage']}:{v['action']}" for v in state.get("verdicts") or () if v["action"] != "allow"
    )
    return DoneEvent(
        content=state.get("answer", ""),
        finish_reason=state.get("finish_reason", "stop"),
        usage=total_usage(state, ctx),
        model=state.get("alias") or ctx.requested_model,
        deployment=state.get("served_by"),
        intent=intent["label"] if (intent := state.get("intent")) else None,
        tools_used=tools_used,
        guardrail_actions=actions,
        tool_calls=[dict(c) for c in state.get("tool_calls") or ()],
        metadata=response.get("gateway") or {},
    )


def error_event(state: AgentState, code: str, message: str, status: int) -> ErrorEvent:
    partial = state.get("answer", "") if state.get("streamed") else ""
    return ErrorEvent(code=code, message=message, partial_content=partial, status_code=status)


class AgentRunner:
    """Runs the graph compiled once in the lifespan; one instance serves every request."""

    def __init__(self, deps: AgentDeps, graph: AgentGraph | None = None) -> None:
        self.deps = deps
        self.graph = graph if graph is not None else build_graph()

    def tier_aliases(self) -> tuple[str, str]:
        """The (small, large) aliases runs are routed to."""
        return tier_aliases(self.deps)

    def costliest_alias(self, principal: Principal, options: AgentOptions | None = None) -> str:
        """The most expensive alias a run for ``principal`` may reach (for quota reservations)."""
        ctx = AgentContext(self.deps, principal, options=options or AgentOptions())
        small, large = tier_aliases(self.deps)
        return large if may_use_large(ctx) else small

    def run(
        self,
        messages: Sequence[Mapping[str, Any]],
        principal: Principal,
        requested_model: str = AUTO_MODEL,
        options: AgentOptions | None = None,
    ) -> AsyncGenerator[AgentEvent, None]:
        """The run's events; the last is always a ``DoneEvent`` or an ``ErrorEvent``.

        The graph's own generator, not a wrapper around it: closing it (``aclose``) or cancelling
        the task that iterates it stops the graph and the upstream call at once, rather than
        whenever a wrapped generator would be finalized.

        Raises:
            InvalidRequestError: ``messages`` is not a valid conversation (before any event).
        """
        return self._stream(messages, principal, requested_model, options, AgentRun())

    async def execute(
        self,
        messages: Sequence[Mapping[str, Any]],
        principal: Principal,
        requested_model: str = AUTO_MODEL,
        options: AgentOptions | None = None,
    ) -> AgentRun:
        """Run to the end and return every event plus the final state."""
        run = AgentRun()
        async for event in self._stream(messages, principal, requested_model, options, run):
            run.events.append(event)
        return run

    async def _stream(
        self,
        messages: Sequence[Mapping[str, Any]],
        principal: Principal,
        requested_model: str,
        options: AgentOptions | None,
        run: AgentRun,
    ) -> AsyncGenerator[AgentEvent, None]:
        checked = validate_messages(messages)
        ctx = AgentContext(self.deps, principal, requested_model, options or AgentOptions())
        config: Any = {"recursion_limit": self.deps.settings.recursion_limit}
        state: AgentState = {"messages": checked}
        screened = await screen_tool_results(ctx, checked)  # raw text: before any redaction
        personal = check_tool_pii(ctx, checked)  # withheld results are notices by now
        redacted = redact_pii(ctx, checked)
        records = [r for r in (screened, personal, redacted) if r is not None]
        if records:
            state["verdicts"] = records
        if screened is not None:
            rules = tuple(screened["rules"])
            yield GuardrailEvent(stage="tool", action=screened["action"], rules=rules)  # type: ignore[arg-type]
        if personal is not None:
            yield GuardrailEvent(stage="input", action="log", rules=tuple(personal["rules"]))
        if redacted is not None:
            yield GuardrailEvent(stage="input", action=redacted["action"], rules=())  # type: ignore[arg-type]
        # Typed as an iterator, but it is an async generator, which is what has ``aclose``.
        stream = cast(
            AsyncGenerator[tuple[str, Any], None],
            self.graph.astream(state, config, context=ctx, stream_mode=["custom", "values"]),
        )
        try:
            # ``aclosing``: when our caller leaves (aclose), LangGraph's generator is closed now,
            # which cancels the running node and its upstream call; a bare ``async for`` would
            # leave that to the garbage collector.
            async with aclosing(stream):
                async for mode, data in stream:
                    if mode == "custom":
                        yield cast(AgentEvent, data)
                    else:
                        state = cast(AgentState, data)
        except GraphRecursionError:
            _log.error("agent run hit the recursion limit", limit=config["recursion_limit"])
            run.state = state
            yield error_event(state, "agent_loop_limit", "The agent exceeded its step limit", 500)
            return
        except GatewayError as exc:
            run.state = state
            yield error_event(state, exc.code, exc.message, exc.status_code)
            return
        except Exception:
            # A bug or an unwrapped library error: the caller still gets its one terminal event
            # (an SSE stream that already started can only report it in-band), details go to
            # the log, never to the client.
            _log.exception("agent run failed")
            run.state = state
            yield error_event(state, "internal_error", "The agent failed unexpectedly", 500)
            return
        run.state = state
        error = state.get("error")
        if error is not None:
            yield error_event(state, error["code"], error["message"], error["status"])
        else:
            yield done_event(state, ctx)
