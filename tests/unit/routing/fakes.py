"""Scriptable in-memory adapters and a registry built from them, for router tests."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

import aiohttp

from llm_gateway.core.exceptions import GatewayError
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
from llm_gateway.providers.registry import Capabilities, ModelInfo, ModelRegistry, Price
from llm_gateway.providers.registry_schema import RoutingStrategy

Outcome = GatewayError | Exception | None  # None: answer normally


def upstream_error(status: int, retry_after_s: float | None = None) -> UpstreamCallError:
    retryable = status == 429 or status >= 500
    return UpstreamCallError(
        f"HTTP {status}",
        retryable=retryable,
        upstream_status=status,
        retry_after_s=retry_after_s,
        code="upstream_rate_limited" if status == 429 else "upstream_unavailable",
        status_code=status if status < 500 else 502,
    )


class ScriptedAdapter(ProviderAdapter):
    """Answers or fails per deployment id, in the order scripted; records every call."""

    name: ClassVar[ProviderName] = "openai"

    def __init__(self) -> None:
        self.scripts: dict[str, deque[Outcome]] = {}
        self.calls: list[str] = []
        self.stream_fail_after: dict[str, tuple[int, GatewayError]] = {}
        self.closed: list[str] = []

    def script(self, deployment_id: str, *outcomes: Outcome) -> None:
        self.scripts.setdefault(deployment_id, deque()).extend(outcomes)

    def _next(self, deployment: Deployment) -> None:
        self.calls.append(deployment.id)
        queue = self.scripts.get(deployment.id)
        outcome = queue.popleft() if queue else None
        if outcome is not None:
            raise outcome

    async def chat(
        self, http: aiohttp.ClientSession, deployment: Deployment, request: ChatRequest
    ) -> ChatResponse:
        self._next(deployment)
        return {"object": "chat.completion", "served_by": deployment.id, "choices": []}

    async def chat_stream(
        self, http: aiohttp.ClientSession, deployment: Deployment, request: ChatRequest
    ) -> AsyncIterator[ChatChunk]:
        try:
            self._next(deployment)
            fail = self.stream_fail_after.get(deployment.id)
            for i in range(3):
                if fail is not None and i == fail[0]:
                    raise fail[1]
                yield {"object": "chat.completion.chunk", "i": i, "served_by": deployment.id}
        finally:
            self.closed.append(deployment.id)

    async def embed(
        self, http: aiohttp.ClientSession, deployment: Deployment, request: EmbeddingRequest
    ) -> EmbeddingResponse:
        self._next(deployment)
        return {"object": "list", "data": [], "served_by": deployment.id}


class FakeRegistry(ModelRegistry):
    """A registry whose every deployment is served by one scripted adapter."""

    def __init__(self, models: dict[str, ModelInfo], adapter: ScriptedAdapter) -> None:
        super().__init__(models)
        self.fake = adapter

    def adapter(self, provider: ProviderName) -> ProviderAdapter:
        return self.fake


def alias(
    name: str,
    deployments: Sequence[str | tuple[str, float]],
    *,
    fallbacks: Sequence[str] = (),
    routing: RoutingStrategy = "weighted",
) -> ModelInfo:
    """An alias with deployments named ``<name>/<suffix>`` (weights optional)."""
    built = []
    for spec in deployments:
        suffix, weight = (spec, 1.0) if isinstance(spec, str) else spec
        built.append(
            Deployment(
                id=f"{name}/{suffix}",
                alias=name,
                provider="openai",
                model=suffix,
                base_url="http://upstream.invalid",
                weight=weight,
            )
        )
    return ModelInfo(
        alias=name,
        tier="small",
        deployments=tuple(built),
        price=Price(),
        context_window=8192,
        max_output_tokens=1024,
        capabilities=Capabilities(),
        fallbacks=tuple(fallbacks),
        routing=routing,
        owned_by="test",
    )


def registry(adapter: ScriptedAdapter, *aliases: ModelInfo) -> FakeRegistry:
    return FakeRegistry({a.alias: a for a in aliases}, adapter)


def chat_request(model: str) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": "hi"}]}
