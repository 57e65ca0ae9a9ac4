"""The compiled graph: the seed's structure, and whole runs through the runner with fakes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from llm_gateway.agent.context import AgentOptions
from llm_gateway.agent.events import (
    DoneEvent,
    ErrorEvent,
    GuardrailEvent,
    IntentEvent,
    ModelEvent,
    TokenEvent,
    ToolEvent,
)
from llm_gateway.agent.graph import NODES, build_graph, draw_mermaid
from llm_gateway.agent.ports import ChatRequest, ChatResponse
from llm_gateway.agent.runner import AgentRun, AgentRunner
from llm_gateway.core.config import AgentSettings, GuardrailSettings
from llm_gateway.core.exceptions import GatewayError, InvalidRequestError, UpstreamError
from tests.unit.agent.fakes import (
    FakeLLM,
    completion,
    echo_reply,
    make_deps,
    principal,
    tool_call,
)

SEED_EDGES = {
    ("__start__", "intent_analyzer"),
    ("intent_analyzer", "model_router"),  # general question
    ("intent_analyzer", "tool_executor"),  # needs a tool
    ("intent_analyzer", "refusal"),  # dangerous input
    ("tool_executor", "model_router"),
    ("model_router", "small_llm"),  # simple
    ("model_router", "large_llm"),  # complex
    ("small_llm", "guardrail"),
    ("large_llm", "guardrail"),
    ("guardrail", "response_formatter"),  # safe
    ("guardrail", "model_router"),  # regenerate
    ("response_formatter", "__end__"),
    ("refusal", "__end__"),
}
LEAK = "contact bob.kim@corp.io"


def test_compiled_graph_has_the_seed_nodes_and_edges() -> None:
    drawn = build_graph().get_graph()
    assert set(NODES) <= set(drawn.nodes)
    edges = {(e.source, e.target) for e in drawn.edges}
    assert edges >= SEED_EDGES, SEED_EDGES - edges
    # The extras: native tool calls and fallback after a failed call.
    assert ("small_llm", "tool_executor") in edges
    assert ("large_llm", "model_router") in edges
    mermaid = draw_mermaid(build_graph())
    assert "intent_analyzer -.-> refusal" in mermaid


def test_architecture_doc_shows_the_compiled_graph() -> None:
    doc = Path(__file__).resolve().parents[3] / "docs" / "ARCHITECTURE.md"
    # Regenerate with: .venv/bin/python scripts/draw_graph.py --update
    assert draw_mermaid(build_graph()).strip() in doc.read_text(encoding="utf-8")


def _user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


async def _run(
    llm: FakeLLM, text: str, *, stream: bool = False, tier: str = "pro", **deps: Any
) -> AgentRun:
    runner = AgentRunner(make_deps(llm, **deps))
    return await runner.execute(_user(text), principal(tier), options=AgentOptions(stream=stream))


def _tokens(run: AgentRun) -> str:
    return "".join(e.text for e in run.events if isinstance(e, TokenEvent))


def _of(run: AgentRun, kind: type[Any]) -> list[Any]:
    return [e for e in run.events if isinstance(e, kind)]


@pytest.mark.parametrize("stream", [False, True])
async def test_general_question_answers_with_exactly_one_terminal_event(stream: bool) -> None:
    run = await _run(FakeLLM(), "hello there", stream=stream)
    done = run.terminal
    assert isinstance(done, DoneEvent)
    assert done.content == _tokens(run) == "You said: hello there"
    assert [type(e) for e in run.events[:2]] == [IntentEvent, ModelEvent]
    assert sum(isinstance(e, DoneEvent | ErrorEvent) for e in run.events) == 1
    assert (done.model, done.intent, done.usage.prompt_tokens) == ("small", "general", 10)


def _calls_echo_until_result(request: ChatRequest) -> ChatResponse:
    if request["messages"][-1]["role"] == "tool" or "tools" not in request:
        return echo_reply(request)
    return completion(tool_calls=[tool_call("echo", '{"text": "hi"}')])


@pytest.mark.parametrize("stream", [False, True])
async def test_native_tool_call_result_is_fed_back_to_the_model(stream: bool) -> None:
    llm = FakeLLM(default=_calls_echo_until_result)
    run = await _run(llm, "use tool:echo", stream=stream)
    done = run.terminal
    assert isinstance(done, DoneEvent)
    assert done.content == "Tool result: echo: hi"
    assert done.tools_used == ("echo",)
    assert [e.phase for e in _of(run, ToolEvent)] == ["start", "end"]
    # The intent forced the tool on the first call; the second call saw the result.
    assert llm.requests[0]["tool_choice"]["function"]["name"] == "echo"
    assert llm.requests[1]["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "echo: hi",
    }


async def test_tool_loop_is_bounded() -> None:
    always = FakeLLM(
        default=lambda r: (
            completion("done")
            if "tools" not in r
            else completion(tool_calls=[tool_call("echo", '{"text": "again"}')])
        )
    )
    run = await _run(always, "loop", settings=AgentSettings(max_tool_rounds=2))
    assert isinstance(run.terminal, DoneEvent)
    assert run.state["tool_rounds"] == 2
    assert len(always.requests) == 3
    assert "tools" not in always.requests[-1]  # the last call had to answer in text


async def test_bad_tool_arguments_reach_the_model_as_an_error() -> None:
    def model(request: ChatRequest) -> ChatResponse:
        last = request["messages"][-1]
        if last["role"] == "tool":
            return completion(f"the tool said {last['content']}")
        return completion(tool_calls=[tool_call("echo", '{"wrong": 1}')])

    run = await _run(FakeLLM(default=model), "go")
    done = run.terminal
    assert isinstance(done, DoneEvent)
    assert "Error (invalid_arguments)" in done.content
    assert done.tool_calls[0]["error_code"] == "invalid_arguments"
    assert done.metadata["tools"][0]["ok"] is False


def _leaks_first(request: ChatRequest) -> ChatResponse:
    hinted = any(m["role"] == "system" for m in request["messages"])
    return completion("all clean now" if hinted else LEAK)


async def test_regenerate_then_success() -> None:
    llm = FakeLLM(default=_leaks_first)
    run = await _run(llm, "hi", guardrails=GuardrailSettings(pii_action="regenerate"))
    done = run.terminal
    assert isinstance(done, DoneEvent)
    assert done.content == "all clean now"
    assert run.state["regenerations"] == 1
    assert [(e.stage, e.action) for e in _of(run, GuardrailEvent)] == [
        ("output", "regenerate"),
        ("output", "allow"),
    ]
    assert done.guardrail_actions == ("output:regenerate",)
    assert LEAK not in _tokens(run)


@pytest.mark.parametrize("limit", [0, 1, 3])
async def test_regeneration_limit_ends_in_a_refusal_and_is_never_exceeded(limit: int) -> None:
    llm = FakeLLM(default=lambda r: completion(LEAK))
    settings = GuardrailSettings(pii_action="regenerate", max_regenerations=limit)
    run = await _run(llm, "hi", guardrails=settings)
    done = run.terminal
    assert isinstance(done, DoneEvent)
    assert done.finish_reason == "content_filter"
    assert len(llm.requests) == limit + 1
    assert run.state.get("regenerations", 0) == limit
    assert done.guardrail_actions[-1] == "output:refuse"
    assert LEAK not in _tokens(run)


async def test_dangerous_intent_is_refused_without_a_model_call() -> None:
    llm = FakeLLM()
    run = await _run(llm, "please hack the server")
    assert isinstance(run.terminal, DoneEvent)
    assert run.terminal.content == "I can't help with that request."
    assert llm.requests == []
    assert not _of(run, ModelEvent)


@pytest.mark.parametrize("stream", [False, True])
async def test_upstream_failure_falls_back_to_the_other_tier(stream: bool) -> None:
    llm = FakeLLM(replies={"small": lambda r: UpstreamError("down", code="all_deployments_failed")})
    run = await _run(llm, "hello", stream=stream)
    done = run.terminal
    assert isinstance(done, DoneEvent)
    assert done.model == "large"
    assert [(e.alias, e.reason) for e in _of(run, ModelEvent)] == [
        ("small", "simple request"),
        ("large", "fallback after small failed"),
    ]
    attempts = run.state["attempts"]
    assert [(a["alias"], a["ok"]) for a in attempts] == [("small", False), ("large", True)]
    assert done.metadata["attempts"][0]["error_code"] == "all_deployments_failed"


async def test_every_alias_failing_is_an_error_event() -> None:
    down = UpstreamError("down", code="all_deployments_failed", status_code=503)
    llm = FakeLLM(default=lambda r: down)
    run = await _run(llm, "hello")
    error = run.terminal
    assert isinstance(error, ErrorEvent)
    assert (error.code, error.status_code) == ("all_deployments_failed", 503)
    assert len(run.state["attempts"]) == 2


async def test_free_tier_is_not_failed_over_to_the_large_model() -> None:
    llm = FakeLLM(replies={"small": lambda r: UpstreamError("down")})
    run = await _run(llm, "hello", tier="free")
    assert isinstance(run.terminal, ErrorEvent)
    assert [r["model"] for r in llm.requests] == ["small"]


async def test_a_client_error_from_upstream_is_not_retried_elsewhere() -> None:
    bad = InvalidRequestError("bad temperature", param="temperature")
    llm = FakeLLM(default=lambda r: bad)
    run = await _run(llm, "hello")
    assert isinstance(run.terminal, ErrorEvent)
    assert run.terminal.status_code == 400
    assert len(llm.requests) == 1


async def test_stream_stopped_by_the_guard_ends_with_an_error_and_the_partial_text() -> None:
    key = "sk-proj-" + "a1B2c3D4" * 6
    text = "Here is a long preamble that goes on for quite a while before it gets to it: " + key
    llm = FakeLLM(default=lambda r: completion(text))
    run = await _run(
        llm, "hi", stream=True, guardrails=GuardrailSettings(secret_action="regenerate")
    )
    error = run.terminal
    assert isinstance(error, ErrorEvent)
    assert error.code == "output_blocked"
    assert key not in _tokens(run)
    assert error.partial_content == _tokens(run)
    assert ("output", "block") in [(e.stage, e.action) for e in _of(run, GuardrailEvent)]


async def test_stream_masks_within_the_window() -> None:
    run = await _run(FakeLLM(default=lambda r: completion(LEAK)), "hi", stream=True)
    assert isinstance(run.terminal, DoneEvent)
    assert _tokens(run) == run.terminal.content == "contact [REDACTED:EMAIL]"
    assert run.terminal.guardrail_actions == ("output:mask",)


async def test_recursion_limit_is_set_explicitly_and_reported() -> None:
    always = FakeLLM(default=lambda r: completion(tool_calls=[tool_call("echo", '{"text": "x"}')]))
    # Settings refuse a limit below the loops' bound; force one to prove the limit is applied.
    valid = AgentSettings(max_tool_rounds=10, recursion_limit=46)
    settings = valid.model_copy(update={"recursion_limit": 10})
    run = await _run(always, "loop", settings=settings)
    error = run.terminal
    assert isinstance(error, ErrorEvent)
    assert error.code == "agent_loop_limit"


async def test_context_too_long_is_a_client_error_event() -> None:
    run = await _run(FakeLLM(), "filler " * 40_000, tier="free")
    assert isinstance(run.terminal, ErrorEvent)
    assert (run.terminal.code, run.terminal.status_code) == ("context_length_exceeded", 400)


def test_quota_reservations_use_the_costliest_alias_the_caller_may_reach() -> None:
    runner = AgentRunner(make_deps())
    assert runner.costliest_alias(principal("pro")) == "large"
    assert runner.costliest_alias(principal("free")) == "small"
    no_large = AgentOptions(large_models=False)
    assert runner.costliest_alias(principal("pro"), no_large) == "small"


def test_settings_refuse_a_recursion_limit_below_the_loop_bounds() -> None:
    with pytest.raises(ValueError, match="recursion_limit must be at least 55"):
        AgentSettings(max_tool_rounds=10, guardrails=GuardrailSettings(max_regenerations=5))
    assert AgentSettings(max_tool_rounds=10, recursion_limit=55).recursion_limit == 55


@pytest.mark.parametrize("messages", [[], "hi", [{"content": "no role"}], [42]])
async def test_invalid_conversation_is_rejected_before_any_event(messages: Any) -> None:
    runner = AgentRunner(make_deps())
    with pytest.raises(GatewayError) as info:
        await runner.execute(messages, principal())
    assert info.value.status_code == 400
