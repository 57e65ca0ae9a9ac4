"""OpenAI Chat Completions and every OpenAI-compatible server (vLLM, llama.cpp, Groq, ...).

The canonical shape *is* this wire format, so requests pass through with only the model renamed,
gateway-only keys removed and usage always requested when streaming.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

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
    UpstreamCallError,
)
from llm_gateway.providers.params import GATEWAY_ONLY_PARAMS
from llm_gateway.providers.streaming import (
    SSE_DONE,
    bad_upstream_response,
    iter_sse,
    parse_json,
)

_DONE = SSE_DONE[6:-2]  # b"[DONE]"


# Anthropic-only fields a canonical request can carry (it came in on /v1/messages): OpenAI
# rejects ``top_k`` and ``effort``, so they are not sent (documented); ``cache_control`` (top
# level and on content parts) is removed because OpenAI-protocol servers cache prompt prefixes on
# their own; Anthropic's ``service_tier`` "standard_only" is OpenAI's "default".
_NOT_FORWARDED = GATEWAY_ONLY_PARAMS | {"top_k", "effort", "cache_control"}


def _without_cache_marks(messages: list[Any]) -> list[Any]:
    """``messages`` with ``cache_control`` removed from content parts (copies only what changes)."""
    out = []
    for msg in messages:
        content = msg.get("content") if isinstance(msg, dict) else None
        if isinstance(content, list) and any(
            isinstance(p, dict) and "cache_control" in p for p in content
        ):
            parts = [
                {k: v for k, v in p.items() if k != "cache_control"} if isinstance(p, dict) else p
                for p in content
            ]
            msg = {**msg, "content": parts}
        out.append(msg)
    return out


def _body(request: dict[str, Any], deployment: Deployment) -> dict[str, Any]:
    """A shallow copy with the upstream model name and without keys OpenAI must not see."""
    body = {k: v for k, v in request.items() if k not in _NOT_FORWARDED}
    body["model"] = deployment.model
    if body.get("service_tier") == "standard_only":
        body["service_tier"] = "default"
    messages = body.get("messages")
    if isinstance(messages, list) and any(
        isinstance(m, dict) and isinstance(m.get("content"), list) for m in messages
    ):
        body["messages"] = _without_cache_marks(messages)
    return body


def _headers(deployment: Deployment) -> dict[str, str]:
    auth = {"authorization": f"Bearer {deployment.api_key}"} if deployment.api_key else {}
    return upstream.json_headers(deployment, auth)


def _source(deployment: Deployment) -> str:
    return f"deployment '{deployment.id}'"


def _check_completion(data: dict[str, Any], deployment: Deployment) -> None:
    if not isinstance(data.get("choices"), list):
        raise bad_upstream_response(_source(deployment), "a completion without 'choices'")


def _stream_error(data: dict[str, Any], deployment: Deployment) -> UpstreamCallError:
    error = data["error"]
    message = str(error.get("message") if isinstance(error, dict) else error)
    return UpstreamCallError(
        f"{_source(deployment)} failed mid-stream: {upstream.redact_key(message, deployment)}",
        retryable=True,  # a server-side failure; only acted on before the first chunk anyway
        code="upstream_stream_error",
    )


def _has_finish(data: dict[str, Any]) -> bool:
    choices = data.get("choices")
    if not isinstance(choices, list):
        return False
    return any(isinstance(c, dict) and c.get("finish_reason") for c in choices)


class OpenAIAdapter(ProviderAdapter):
    """``POST {base_url}/chat/completions`` and ``/embeddings`` with a bearer key."""

    name: ClassVar[ProviderName] = "openai"

    async def chat(
        self, http: aiohttp.ClientSession, deployment: Deployment, request: ChatRequest
    ) -> ChatResponse:
        body = _body(request, deployment)
        body.pop("stream", None)
        body.pop("stream_options", None)
        url = deployment.base_url + "/chat/completions"
        async with upstream.post(http, deployment, url, body, _headers(deployment)) as resp:
            data = await upstream.read_json(resp, deployment)
        _check_completion(data, deployment)
        return data

    async def chat_stream(
        self, http: aiohttp.ClientSession, deployment: Deployment, request: ChatRequest
    ) -> AsyncIterator[ChatChunk]:
        body = _body(request, deployment)
        body["stream"] = True
        body["stream_options"] = {**(request.get("stream_options") or {}), "include_usage": True}
        url = deployment.base_url + "/chat/completions"
        source = _source(deployment)
        async with upstream.post(
            http, deployment, url, body, _headers(deployment), stream=True
        ) as resp:
            if "event-stream" not in resp.headers.get("content-type", ""):
                raise bad_upstream_response(source, await resp.read())
            finished = False
            async for event in iter_sse(resp.content.iter_any()):
                if event.data == _DONE:
                    return
                data = parse_json(event.data, source=source)
                if not isinstance(data, dict):
                    raise bad_upstream_response(source, event.data)
                if data.get("error"):
                    raise _stream_error(data, deployment)
                finished = finished or _has_finish(data)
                yield data
        if finished:  # some compatible servers omit [DONE]; a finish_reason is enough
            return
        raise UpstreamCallError(
            f"{source} ended the stream without [DONE]",
            retryable=True,
            code="upstream_disconnected",
        )

    async def embed(
        self, http: aiohttp.ClientSession, deployment: Deployment, request: EmbeddingRequest
    ) -> EmbeddingResponse:
        body = _body(request, deployment)
        url = deployment.base_url + "/embeddings"
        async with upstream.post(http, deployment, url, body, _headers(deployment)) as resp:
            data = await upstream.read_json(resp, deployment)
        if not isinstance(data.get("data"), list):
            raise bad_upstream_response(_source(deployment), "embeddings without 'data'")
        return data
