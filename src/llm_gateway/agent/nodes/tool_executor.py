"""Tool execution: the model's native tool calls, or the tool the intent analyzer chose.

Native calls run concurrently and each result goes back to the model as a ``tool`` message.
For an intent-chosen tool the node either lets the routed model call it natively (it sets
``forced_tool``) or, for models without tool calling, asks the small model for the arguments,
runs the tool itself and hands the result to the answering model as context. Tool failures
never raise: the registry returns ``ok=False`` results whose text the model reads.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any, Literal

import orjson
from langgraph.runtime import Runtime
from langgraph.types import StreamWriter

from llm_gateway.agent.context import AgentContext
from llm_gateway.agent.conversation import last_user_text
from llm_gateway.agent.events import GuardrailEvent, ToolEvent
from llm_gateway.agent.nodes.attempts import side_attempts
from llm_gateway.agent.nodes.model_router import choose_model, tier_aliases
from llm_gateway.agent.ports import ToolBox, UpstreamAttempt
from llm_gateway.agent.state import AgentState, ToolCallRecord, VerdictRecord, step
from llm_gateway.core.exceptions import GatewayError

_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
ARGUMENTS_PROMPT = (
    "Write the JSON arguments for the tool `{name}` ({description}) that serve the user's "
    "request below. Its parameters follow this JSON schema:\n{schema}\n"
    "Reply with the JSON object only."
)
RESULT_PROMPT = (
    "The gateway ran the tool `{name}` for the user's latest message. Its result:\n{output}\n"
    "Use it to answer; if it reports an error, say so briefly."
)


def intent_tool(state: AgentState, ctx: AgentContext) -> str | None:
    """The tool named by a ``tool:<name>`` intent when that tool is usable in this run."""
    intent = state.get("intent")
    label = intent["label"] if intent else ""
    tools = ctx.deps.tools
    if not label.startswith("tool:") or tools is None or not ctx.options.use_tools:
        return None
    if ctx.settings.max_tool_rounds == 0:  # tools are switched off for the agent
        return None
    name = label.removeprefix("tool:")
    return name if name in tools.names() else None


def _parsed(arguments: str) -> dict[str, Any] | None:
    try:
        value = orjson.loads(arguments or "{}")
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


async def _run_one(
    tools: ToolBox, write: StreamWriter, call_id: str, name: str, arguments: str, source: str
) -> ToolCallRecord:
    write(ToolEvent(phase="start", name=name, call_id=call_id, arguments=_parsed(arguments)))
    result = await tools.execute(name, arguments)
    summary = result.summary(200)
    write(ToolEvent(phase="end", name=name, call_id=call_id, ok=result.ok, summary=summary))
    return ToolCallRecord(
        id=call_id,
        name=name,
        arguments=arguments,
        source="model" if source == "model" else "intent",
        ok=result.ok,
        output=result.output,
        error_code=None if result.error_code is None else str(result.error_code),
        ms=round(result.duration_ms, 3),
    )


def _spec(tools: ToolBox, name: str) -> Mapping[str, Any]:
    for spec in tools.openai_tools():
        function = spec.get("function") or {}
        if function.get("name") == name:
            return dict(function)
    return {"name": name, "description": "", "parameters": {"type": "object"}}


def _guess_arguments(spec: Mapping[str, Any], text: str) -> str:
    """Without a model's help: the user's text as the one required string parameter."""
    params = spec.get("parameters") or {}
    required = params.get("required") or []
    props = params.get("properties") or {}
    if len(required) == 1 and (props.get(required[0]) or {}).get("type") == "string":
        return orjson.dumps({required[0]: text}).decode()
    return "{}"


async def _intent_arguments(
    state: AgentState, ctx: AgentContext, name: str, tried: list[UpstreamAttempt]
) -> tuple[str, str, dict[str, Any] | None]:
    """(arguments, alias asked, usage): the small model's JSON, else a guess from the text.

    The small model's upstream tries are appended to ``tried``.
    """
    tools = ctx.deps.tools
    if tools is None:
        return "{}", "", None
    spec = _spec(tools, name)
    text = last_user_text(state.get("messages") or ())
    prompt = ARGUMENTS_PROMPT.format(
        name=name,
        description=spec.get("description", ""),
        schema=orjson.dumps(spec.get("parameters") or {}).decode(),
    )
    small, _ = tier_aliases(ctx.deps)
    request = {
        "model": small,
        "messages": [{"role": "system", "content": prompt}, {"role": "user", "content": text}],
        "temperature": 0,
    }
    usage = None
    try:
        async with asyncio.timeout(ctx.settings.intent_timeout_s):
            response = await ctx.deps.llm.chat(request, tried, ctx.permits)
        usage = response.get("usage")
        content = ((response.get("choices") or [{}])[0].get("message") or {}).get("content") or ""
        match = _JSON_OBJECT.search(content)
        if match and _parsed(match.group(0)) is not None:
            return match.group(0), small, usage
    except (GatewayError, TimeoutError):
        pass  # the guess below still gives the tool a chance; its schema check reports misfits
    return _guess_arguments(spec, text), small, usage


async def _screen_outputs(
    ctx: AgentContext,
    write: StreamWriter,
    turns: list[dict[str, Any]],
    records: list[ToolCallRecord],
) -> VerdictRecord | None:
    """The caller's ``tool_results`` policy over the gateway's own tools' output, in place.

    A web page or search result can address the model as well as a client's tool result can.
    Here ``block`` withholds the result like ``withhold`` does: the user did not write the page,
    and refusing their request mid-run for it would help no one; ``log`` only records it. A
    withheld result's record holds the notice too: it is what the model read, and what a
    ``/chat`` conversation keeps and sends back on the next turn.
    """
    guard = ctx.input_guard
    if guard is None or guard.tool_results == "off":
        return None
    action: Literal["log", "withhold"] = "log" if guard.tool_results == "log" else "withhold"
    outcome = await guard.screen_tool_results(turns, withhold=action == "withhold")
    if outcome is None:
        return None
    for i in outcome.flagged if action == "withhold" else ():
        records[i] = ToolCallRecord(**{**records[i], "output": turns[i]["content"]})
    ctx.observe_guardrail("input", action, list(outcome.categories))
    write(GuardrailEvent(stage="tool", action=action, rules=tuple(outcome.rules)))
    return VerdictRecord(
        stage="tool",
        action=action,
        rules=list(outcome.rules),
        categories=list(outcome.categories),
    )


async def tool_executor(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Run pending native calls, or prepare/run the intent's tool."""
    ctx = runtime.context
    started = time.perf_counter()
    tools = ctx.deps.tools
    pending = state.get("pending_tool_calls") or []
    update: dict[str, Any] = {}
    screened: VerdictRecord | None = None
    alias, usage = None, None
    if pending and tools is not None:
        records = await asyncio.gather(
            *(
                _run_one(
                    tools,
                    runtime.stream_writer,
                    str(call.get("id") or f"call_{uuid.uuid4().hex[:12]}"),
                    str((call.get("function") or {}).get("name", "")),
                    str((call.get("function") or {}).get("arguments") or ""),
                    "model",
                )
                for call in pending
            )
        )
        records = list(records)
        turns = [{"role": "tool", "tool_call_id": r["id"], "content": r["output"]} for r in records]
        screened = await _screen_outputs(ctx, runtime.stream_writer, turns, records)
        update = {
            "tool_calls": records,
            "turns": turns,
            "pending_tool_calls": [],
            "tool_rounds": state.get("tool_rounds", 0) + 1,
        }
    elif (name := intent_tool(state, ctx)) is not None and tools is not None:
        choice = choose_model(state, ctx)
        if choice.supports_tools and ctx.settings.native_tools:
            update = {"forced_tool": name}  # the routed model calls it with proper arguments
        else:
            tried: list[UpstreamAttempt] = []
            arguments, alias, usage = await _intent_arguments(state, ctx, name, tried)
            call_id = f"call_{uuid.uuid4().hex[:12]}"
            record = await _run_one(
                tools, runtime.stream_writer, call_id, name, arguments, "intent"
            )
            turn = [{"role": "tool", "content": record["output"]}]
            kept = [record]
            screened = await _screen_outputs(ctx, runtime.stream_writer, turn, kept)
            record = kept[0]
            context = RESULT_PROMPT.format(name=name, output=turn[0]["content"])
            update = {
                "tool_calls": [record],
                "turns": [{"role": "system", "content": context}],
                "tool_rounds": state.get("tool_rounds", 0) + 1,
                "attempts": side_attempts(tried, ctx),
            }
    if screened is not None:
        update["verdicts"] = [screened]
    ms = (time.perf_counter() - started) * 1000
    update["steps"] = [step("tool_executor", ms, alias, usage)]
    return update
