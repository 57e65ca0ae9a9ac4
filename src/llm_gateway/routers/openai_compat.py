"""OpenAI-compatible routes: /v1/chat/completions, /v1/responses, /v1/embeddings, /v1/models.

These are raw ASGI endpoints (no pydantic body model, no dependency injection): they are the hot
path, and each layer FastAPI adds there costs measurable throughput. Their request and response
schemas are still documented in the OpenAPI page.
"""

from __future__ import annotations

from typing import Any, cast

from fastapi import FastAPI

from llm_gateway.services.auth.principal import SCOPE_CHAT, SCOPE_EMBEDDINGS
from llm_gateway.services.proxy.chat import chat_completions
from llm_gateway.services.proxy.dispatch import add_fast_path
from llm_gateway.services.proxy.embeddings import create_embeddings
from llm_gateway.services.proxy.endpoint import ProxyEndpoint
from llm_gateway.services.proxy.models import ModelCatalog
from llm_gateway.services.proxy.openapi import OPENAI_PATHS, document
from llm_gateway.services.responses.api import (
    create_response,
    delete_response,
    retrieve_response,
)


def install(app: FastAPI) -> None:
    """Add the OpenAI-compatible routes to ``app``."""
    catalog = ModelCatalog()
    routes: list[tuple[str, ProxyEndpoint, str]] = [
        (
            "/v1/chat/completions",
            ProxyEndpoint(chat_completions, api="openai", endpoint="chat", scope=SCOPE_CHAT),
            "POST",
        ),
        (
            "/v1/responses",
            ProxyEndpoint(create_response, api="openai", endpoint="responses", scope=SCOPE_CHAT),
            "POST",
        ),
        *(
            (
                "/v1/responses/{response_id}",
                ProxyEndpoint(
                    handler,
                    api="openai",
                    endpoint="responses",
                    scope=SCOPE_CHAT,
                    reads_body=False,
                    finalize=False,
                ),
                method,
            )
            for handler, method in ((retrieve_response, "GET"), (delete_response, "DELETE"))
        ),
        (
            "/v1/embeddings",
            ProxyEndpoint(
                create_embeddings, api="openai", endpoint="embeddings", scope=SCOPE_EMBEDDINGS
            ),
            "POST",
        ),
        (
            "/v1/models",
            ProxyEndpoint(
                catalog.list,
                api="openai",
                endpoint="models",
                scope=None,
                reads_body=False,
                finalize=False,
            ),
            "GET",
        ),
        (
            "/v1/models/{model:path}",
            ProxyEndpoint(
                catalog.retrieve,
                api="openai",
                endpoint="models",
                scope=None,
                reads_body=False,
                finalize=False,
            ),
            "GET",
        ),
    ]
    for path, endpoint, method in routes:
        # Starlette mounts a class instance as a raw ASGI app; the cast satisfies the signature.
        app.router.add_route(path, cast(Any, endpoint), methods=[method], include_in_schema=False)
    add_fast_path(app, {(m, p): e for p, e, m in routes if "{" not in p})  # static paths only
    document(app, OPENAI_PATHS)
