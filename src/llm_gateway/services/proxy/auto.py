"""``"model": "auto"`` on /v1/chat/completions and /v1/messages: the branch point for the agent."""

from __future__ import annotations

from typing import Any

from llm_gateway.agent.anthropic_api import serve_auto_messages
from llm_gateway.agent.openai_api import serve_auto
from llm_gateway.cache import CacheControls
from llm_gateway.services import tokens
from llm_gateway.services.proxy.exchange import Exchange
from llm_gateway.state import AppState

AUTO_MODEL = "auto"


async def dispatch_auto(
    state: AppState, exchange: Exchange, request: dict[str, Any], controls: CacheControls
) -> None:
    """Serve a validated chat request whose model is ``auto`` (stream or not).

    AGENT PIPELINE BRANCH POINT: the LangGraph pipeline answers in OpenAI's shapes and fills
    ``exchange.ctx`` (alias, deployment, usage, attempts) so ``finalize`` records the call.
    """
    await tokens.ensure_built(state.models.upstream_models())  # the agent counts, on the loop
    await serve_auto(state, exchange, request, controls)


async def dispatch_auto_messages(
    state: AppState, exchange: Exchange, request: dict[str, Any], model: str
) -> None:
    """The same for a Messages API request (translated to the canonical shape): the agent's
    answer framed as an Anthropic ``message`` or Messages SSE events."""
    await tokens.ensure_built(state.models.upstream_models())
    await serve_auto_messages(state, exchange, request, model)
