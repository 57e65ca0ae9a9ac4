"""Anthropic-compatible routes: POST /v1/messages and /v1/messages/count_tokens.

Errors are in Anthropic's format on these paths.
"""

from __future__ import annotations

from typing import Any, cast

from fastapi import FastAPI

from llm_gateway.services.auth.principal import SCOPE_CHAT
from llm_gateway.services.proxy.dispatch import add_fast_path
from llm_gateway.services.proxy.endpoint import ProxyEndpoint
from llm_gateway.services.proxy.messages import count_tokens, create_message
from llm_gateway.services.proxy.openapi import ANTHROPIC_PATHS, document


def install(app: FastAPI) -> None:
    """Add the Anthropic Messages route to ``app`` (a raw ASGI endpoint, like the OpenAI ones)."""
    endpoint = ProxyEndpoint(create_message, api="anthropic", endpoint="messages", scope=SCOPE_CHAT)
    app.router.add_route(
        "/v1/messages", cast(Any, endpoint), methods=["POST"], include_in_schema=False
    )
    counter = ProxyEndpoint(
        count_tokens, api="anthropic", endpoint="messages", scope=SCOPE_CHAT, finalize=False
    )
    app.router.add_route(
        "/v1/messages/count_tokens", cast(Any, counter), methods=["POST"], include_in_schema=False
    )
    add_fast_path(
        app,
        {("POST", "/v1/messages"): endpoint, ("POST", "/v1/messages/count_tokens"): counter},
    )
    document(app, ANTHROPIC_PATHS)
