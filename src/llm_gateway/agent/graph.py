"""The agent graph, as in the seed proposal's Phase 3 diagram, built and compiled once per process.

    intent_analyzer ─ general ──────────────→ model_router ─ small ─→ small_llm ─┐
                    ├ tool:<name> → tool_executor ─↗        └ large ─→ large_llm ─┤
                    └ dangerous ──→ refusal → END                                 ↓
    guardrail ← (answer) ─────────────────────────────────────────────────────────┘
      ├ safe → response_formatter → END
      ├ regenerate → model_router          (bounded by guardrails.max_regenerations)
      └ limit reached → refusal

Beyond the seed: a model turn with native tool calls goes to ``tool_executor`` (and back to
``model_router``, bounded by ``max_tool_rounds``); a failed model call goes back to
``model_router`` for the other tier's alias, or ends the run with an error. No LangGraph
``RetryPolicy`` is attached: the router behind ``LLMClient`` already retries deployments, and
multiplying the two would multiply upstream load during an outage.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from llm_gateway.agent.context import AgentContext
from llm_gateway.agent.nodes.guardrail import guardrail, route_after_guardrail
from llm_gateway.agent.nodes.intent_analyzer import intent_analyzer, route_after_intent
from llm_gateway.agent.nodes.llm_node import Node, make_llm_node
from llm_gateway.agent.nodes.model_router import LARGE_LLM, SMALL_LLM, model_router, route_by_tier
from llm_gateway.agent.nodes.refusal import refusal
from llm_gateway.agent.nodes.response_formatter import response_formatter
from llm_gateway.agent.nodes.tool_executor import tool_executor
from llm_gateway.agent.state import AgentState
from llm_gateway.core import tracing

AgentGraph = CompiledStateGraph[AgentState, AgentContext, AgentState, AgentState]

NODES = (
    "intent_analyzer",
    "tool_executor",
    "model_router",
    SMALL_LLM,
    LARGE_LLM,
    "guardrail",
    "refusal",
    "response_formatter",
)


async def route_after_model(state: AgentState) -> str:
    """Conditional edge after a model call: tools, the guardrail, a fallback, or the end."""
    if state.get("error") is not None:
        return "model_router" if state.get("fallback_to") else END
    if state.get("pending_tool_calls"):
        return "tool_executor"
    return "guardrail"


def traced(name: str, node: Node) -> Node:
    """``node`` inside a span named after it (a no-op unless the request is traced)."""

    async def run(state: AgentState, *, runtime: Runtime[AgentContext]) -> dict[str, Any]:
        with tracing.span(f"agent.{name}", {"llmgw.agent.node": name}):
            return await node(state, runtime=runtime)

    return run


def build_graph() -> AgentGraph:
    """Build and compile the graph (no checkpointer: a run lives only as long as its request)."""
    graph: StateGraph[AgentState, AgentContext, Any, Any] = StateGraph(
        AgentState, context_schema=AgentContext
    )
    graph.add_node("intent_analyzer", traced("intent_analyzer", intent_analyzer))
    graph.add_node("tool_executor", traced("tool_executor", tool_executor))
    graph.add_node("model_router", traced("model_router", model_router))
    graph.add_node(SMALL_LLM, traced(SMALL_LLM, make_llm_node(SMALL_LLM)))
    graph.add_node(LARGE_LLM, traced(LARGE_LLM, make_llm_node(LARGE_LLM)))
    graph.add_node("guardrail", traced("guardrail", guardrail))
    graph.add_node("refusal", traced("refusal", refusal))
    graph.add_node("response_formatter", traced("response_formatter", response_formatter))

    graph.add_edge(START, "intent_analyzer")
    graph.add_conditional_edges(
        "intent_analyzer",
        route_after_intent,
        {"model_router": "model_router", "tool_executor": "tool_executor", "refusal": "refusal"},
    )
    graph.add_edge("tool_executor", "model_router")
    graph.add_conditional_edges(
        "model_router", route_by_tier, {SMALL_LLM: SMALL_LLM, LARGE_LLM: LARGE_LLM}
    )
    after_model: dict[Hashable, str] = {
        "tool_executor": "tool_executor",
        "guardrail": "guardrail",
        "model_router": "model_router",
        END: END,
    }
    graph.add_conditional_edges(SMALL_LLM, route_after_model, after_model)
    graph.add_conditional_edges(LARGE_LLM, route_after_model, after_model)
    graph.add_conditional_edges(
        "guardrail",
        route_after_guardrail,
        {
            "response_formatter": "response_formatter",
            "model_router": "model_router",
            "refusal": "refusal",
            END: END,
        },
    )
    graph.add_edge("response_formatter", END)
    graph.add_edge("refusal", END)
    return graph.compile(name="llm-gateway-agent")


def draw_mermaid(graph: AgentGraph) -> str:
    """The compiled graph as LangGraph's Mermaid source (for docs/ARCHITECTURE.md)."""
    return graph.get_graph().draw_mermaid()
