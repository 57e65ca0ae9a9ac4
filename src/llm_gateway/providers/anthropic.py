"""Anthropic Messages API (``POST {base_url}/v1/messages``, ``x-api-key`` + ``anthropic-version``).

Translation lives in ``anthropic_mapping`` (requests, responses) and ``anthropic_stream``
(events), shared with the ``/v1/messages`` endpoint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import ClassVar

import aiohttp

from llm_gateway.providers import upstream
from llm_gateway.providers.anthropic_mapping import (
    ANTHROPIC_VERSION,
    from_anthropic_response,
    to_anthropic_request,
)
from llm_gateway.providers.anthropic_stream import anthropic_events_to_chunks
from llm_gateway.providers.base import (
    ChatChunk,
    ChatRequest,
    ChatResponse,
    Deployment,
    ProviderAdapter,
    ProviderName,
)
from llm_gateway.providers.streaming import bad_upstream_response, iter_sse


def _headers(deployment: Deployment) -> dict[str, str]:
    auth = {"anthropic-version": ANTHROPIC_VERSION}
    if deployment.api_key:
        auth["x-api-key"] = deployment.api_key
    return upstream.json_headers(deployment, auth)


class AnthropicAdapter(ProviderAdapter):
    """Claude models through the Messages API; no embeddings."""

    name: ClassVar[ProviderName] = "anthropic"

    async def chat(
        self, http: aiohttp.ClientSession, deployment: Deployment, request: ChatRequest
    ) -> ChatResponse:
        body = to_anthropic_request(request, deployment)
        url = deployment.base_url + "/v1/messages"
        async with upstream.post(http, deployment, url, body, _headers(deployment)) as resp:
            data = await upstream.read_json(resp, deployment)
        return from_anthropic_response(data, f"deployment '{deployment.id}'")

    async def chat_stream(
        self, http: aiohttp.ClientSession, deployment: Deployment, request: ChatRequest
    ) -> AsyncIterator[ChatChunk]:
        body = to_anthropic_request(request, deployment)
        body["stream"] = True
        url = deployment.base_url + "/v1/messages"
        source = f"deployment '{deployment.id}'"
        async with upstream.post(
            http, deployment, url, body, _headers(deployment), stream=True
        ) as resp:
            if "event-stream" not in resp.headers.get("content-type", ""):
                raise bad_upstream_response(source, await resp.read())
            events = iter_sse(resp.content.iter_any())
            async for item in anthropic_events_to_chunks(events, source=source):
                yield item
