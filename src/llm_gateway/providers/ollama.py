"""Ollama's native API: ``/api/chat`` (NDJSON streaming) and ``/api/embed``.

Translation lives in ``ollama_mapping``. Ollama takes no API key; one set in the registry is sent
as a bearer token for Ollama behind an authenticating proxy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import ClassVar

import aiohttp

from llm_gateway.providers import upstream
from llm_gateway.providers.base import (
    ChatChunk,
    ChatRequest,
    ChatResponse,
    Deployment,
    EmbeddingRequest,
    EmbeddingResponse,
    ProviderAdapter,
    ProviderName,
)
from llm_gateway.providers.ollama_mapping import (
    from_ollama_chat,
    from_ollama_embed,
    ollama_lines_to_chunks,
    to_ollama_chat,
    to_ollama_embed,
)
from llm_gateway.providers.streaming import iter_ndjson


def _headers(deployment: Deployment) -> dict[str, str]:
    auth = {"authorization": f"Bearer {deployment.api_key}"} if deployment.api_key else {}
    return upstream.json_headers(deployment, auth)


class OllamaAdapter(ProviderAdapter):
    """Local or remote Ollama servers."""

    name: ClassVar[ProviderName] = "ollama"

    async def chat(
        self, http: aiohttp.ClientSession, deployment: Deployment, request: ChatRequest
    ) -> ChatResponse:
        body = to_ollama_chat(request, deployment, stream=False)
        url = deployment.base_url + "/api/chat"
        async with upstream.post(http, deployment, url, body, _headers(deployment)) as resp:
            data = await upstream.read_json(resp, deployment)
        return from_ollama_chat(data, f"deployment '{deployment.id}'")

    async def chat_stream(
        self, http: aiohttp.ClientSession, deployment: Deployment, request: ChatRequest
    ) -> AsyncIterator[ChatChunk]:
        body = to_ollama_chat(request, deployment, stream=True)
        url = deployment.base_url + "/api/chat"
        source = f"deployment '{deployment.id}'"
        async with upstream.post(
            http, deployment, url, body, _headers(deployment), stream=True
        ) as resp:
            lines = iter_ndjson(resp.content.iter_any(), source=source)
            async for item in ollama_lines_to_chunks(lines, source=source):
                yield item

    async def embed(
        self, http: aiohttp.ClientSession, deployment: Deployment, request: EmbeddingRequest
    ) -> EmbeddingResponse:
        body = to_ollama_embed(request, deployment)
        url = deployment.base_url + "/api/embed"
        async with upstream.post(http, deployment, url, body, _headers(deployment)) as resp:
            data = await upstream.read_json(resp, deployment)
        return from_ollama_embed(data, request, f"deployment '{deployment.id}'")
