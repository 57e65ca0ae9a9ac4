"""The router: choose a deployment, retry, cool down and fail over, until one answers.

One ``Router`` lives on ``AppState.router`` and serves the proxy endpoints and the agent alike:
``await router.chat(request, trace)``, ``await router.chat_stream(request, trace)`` and
``await router.embed(request, trace)`` take and return canonical (OpenAI-shaped) dicts, so the
router knows nothing of wire formats. For streams, every retry and fallback happens before the
first chunk is handed back: once the caller holds a ``ChatStream``, nothing is retried.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import aiohttp

from llm_gateway.core.config import ProviderSettings
from llm_gateway.core.exceptions import GatewayError, ServiceUnavailableError
from llm_gateway.core.store import Store
from llm_gateway.providers.base import (
    ChatRequest,
    ChatResponse,
    Deployment,
    EmbeddingRequest,
    EmbeddingResponse,
    ProviderAdapter,
    UpstreamCallError,
)
from llm_gateway.providers.registry import ModelInfo, ModelRegistry
from llm_gateway.services.routing.errors import (
    counts_against_health,
    timeout_error,
    unexpected_error,
)
from llm_gateway.services.routing.health import CooldownTracker
from llm_gateway.services.routing.retry import RetryPolicy, backoff_delay, is_retryable
from llm_gateway.services.routing.selection import DeploymentStats, choose
from llm_gateway.services.routing.stream import ChatStream, open_stream
from llm_gateway.services.routing.trace import Attempt, RouteTrace

T = TypeVar("T")
Call = Callable[[ProviderAdapter, Deployment], Awaitable[T]]


class Router:
    """Selection, retries, cooldowns and fallbacks over the model registry's deployments."""

    def __init__(
        self,
        registry: ModelRegistry,
        http: aiohttp.ClientSession,
        store: Store,
        settings: ProviderSettings,
        *,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.registry = registry
        self.http = http
        self.policy = RetryPolicy.from_settings(settings)
        self.cooldowns = CooldownTracker(
            store,
            failures=settings.cooldown_failures,
            window_s=settings.cooldown_window_s,
            cooldown_s=settings.cooldown_s,
            sync_interval_s=settings.cooldown_sync_interval_s,
        )
        self.stats = DeploymentStats()
        self._rng = rng or random.Random()  # load spreading, not security
        self.sleep = sleep  # swapped by tests to observe backoff

    # --- public API ------------------------------------------------------------------------

    async def chat(self, request: ChatRequest, trace: RouteTrace) -> ChatResponse:
        """One non-streaming completion for ``request["model"]`` (an alias)."""
        http = self.http

        async def call(adapter: ProviderAdapter, deployment: Deployment) -> ChatResponse:
            return await adapter.chat(http, deployment, request)

        return await self._route(str(request["model"]), trace, call, stream=False)

    async def chat_stream(self, request: ChatRequest, trace: RouteTrace) -> ChatStream:
        """Open a stream; returns once its first chunk has arrived (retries are over by then).

        The caller must ``aclose()`` the stream (or use ``async with``) to release the upstream.
        """
        http = self.http

        async def call(adapter: ProviderAdapter, deployment: Deployment) -> ChatStream:
            return await open_stream(
                adapter.chat_stream(http, deployment, request),
                deployment,
                on_close=self._stream_closed,
            )

        return await self._route(str(request["model"]), trace, call, stream=True)

    async def embed(self, request: EmbeddingRequest, trace: RouteTrace) -> EmbeddingResponse:
        """Embeddings for ``request["model"]`` in OpenAI's shape."""
        http = self.http

        async def call(adapter: ProviderAdapter, deployment: Deployment) -> EmbeddingResponse:
            return await adapter.embed(http, deployment, request)

        return await self._route(str(request["model"]), trace, call, stream=False)

    # --- the loop --------------------------------------------------------------------------

    async def _route(self, alias: str, trace: RouteTrace, call: Call[T], *, stream: bool) -> T:
        info = self.registry.get(alias)  # 404 model_not_found for unknown aliases
        await self.cooldowns.sync()
        result, last_error = await self._try_alias(info, trace, call, stream=stream)
        if result is not None:
            return result
        for fallback in self.registry.fallbacks(alias):  # only looked up once the alias failed
            result, error = await self._try_alias(
                self.registry.get(fallback), trace, call, stream=stream
            )
            if result is not None:
                return result
            last_error = error or last_error
        raise self._exhausted(alias, trace, last_error)

    async def _try_alias(
        self, info: ModelInfo, trace: RouteTrace, call: Call[T], *, stream: bool
    ) -> tuple[T | None, GatewayError | None]:
        """Up to ``1 + retries`` attempts on one alias; (result, None) or (None, last error)."""
        tried: set[str] = set()
        last_error: GatewayError | None = None
        waits = 0
        for _ in range(self.policy.retries + 1):
            healthy = self._healthy(info.deployments)
            fresh = [d for d in healthy if d.id not in tried] if tried else healthy
            if not fresh and healthy and last_error is not None:
                # Every healthy deployment failed once already: pause before asking again.
                delay = backoff_delay(self.policy, waits, last_error, self._rng)
                if delay is None:
                    break  # the upstream asked for a longer pause than we wait: fall back
                waits += 1
                await self.sleep(delay)
                healthy = self._healthy(info.deployments)
                fresh = healthy
            if not fresh:
                break
            deployment = choose(info.routing, fresh, self.stats, self._rng, stream=stream)
            tried.add(deployment.id)
            try:
                return await self._attempt(deployment, trace, call, stream=stream), None
            except GatewayError as exc:
                if not is_retryable(exc):
                    raise
                last_error = exc
        return None, last_error

    def _healthy(self, deployments: Sequence[Deployment]) -> Sequence[Deployment]:
        if not self.cooldowns.any_open():
            return deployments  # the common case: nothing is cooling down anywhere
        remaining = self.cooldowns.remaining_s
        return [d for d in deployments if not remaining(d.id)]

    async def _attempt(
        self, deployment: Deployment, trace: RouteTrace, call: Call[T], *, stream: bool
    ) -> T:
        """One call, recorded on ``trace``; in-flight counts stay up while a stream is open."""
        adapter = self.registry.adapter(deployment.provider)
        self.stats.started(deployment.id)
        started = time.perf_counter()
        try:
            try:
                result = await call(adapter, deployment)
            except TimeoutError as exc:  # adapters map their own; this catches any stray one
                raise timeout_error(deployment) from exc
            except GatewayError:
                raise
            except Exception as exc:
                raise unexpected_error(exc, deployment) from exc
        except GatewayError as exc:
            elapsed = time.perf_counter() - started
            self.stats.finished(deployment.id)
            timed_out = exc.code == "upstream_timeout"
            if timed_out:  # a timeout is a latency figure too: steer latency routing away
                self.stats.observe_latency(deployment.id, stream, elapsed)
            trace.attempts.append(
                Attempt(
                    deployment=deployment.id,
                    alias=deployment.alias,
                    outcome="timeout" if timed_out else "error",
                    error_code=exc.code,
                    upstream_status=getattr(exc, "upstream_status", None),
                    latency_ms=elapsed * 1000,
                )
            )
            if counts_against_health(exc):
                await self.cooldowns.record_failure(deployment.id)
            raise
        except asyncio.CancelledError:
            self.stats.finished(deployment.id)
            trace.attempts.append(
                Attempt(
                    deployment.id,
                    deployment.alias,
                    "cancelled",
                    latency_ms=(time.perf_counter() - started) * 1000,
                )
            )
            raise
        elapsed = time.perf_counter() - started
        if not stream:
            self.stats.finished(deployment.id)
        self.stats.observe_latency(deployment.id, stream, elapsed)
        trace.attempts.append(
            Attempt(deployment.id, deployment.alias, "ok", None, None, elapsed * 1000)
        )
        trace.alias = deployment.alias
        trace.deployment = deployment.id
        trace.provider = deployment.provider
        trace.upstream_model = deployment.model
        return result

    async def _stream_closed(self, deployment: Deployment, error: GatewayError | None) -> None:
        self.stats.finished(deployment.id)
        if error is not None and counts_against_health(error):
            await self.cooldowns.record_failure(deployment.id)

    def _exhausted(
        self, alias: str, trace: RouteTrace, last_error: GatewayError | None
    ) -> ServiceUnavailableError:
        """The 503 naming every deployment tried (and those skipped while cooling down)."""
        tried: dict[str, str] = {}
        for a in trace.attempts:
            tried[a.deployment] = a.error_code or a.outcome
        chain = (alias, *self.registry.fallbacks(alias))
        cooling = {
            d.id: left
            for name in chain
            for d in self.registry.get(name).deployments
            if d.id not in tried and (left := self.cooldowns.remaining_s(d.id))
        }
        parts: list[str] = []
        if tried:
            parts.append("tried " + ", ".join(f"{d} ({why})" for d, why in tried.items()))
        if cooling:
            parts.append(
                "cooling down "
                + ", ".join(f"{d} ({left:.0f}s left)" for d, left in cooling.items())
            )
        message = f"All deployments for model '{alias}' failed: " + "; ".join(parts or ["none"])
        headers: dict[str, str] = {}
        waits = list(cooling.values())
        if isinstance(last_error, UpstreamCallError) and last_error.retry_after_s is not None:
            waits.append(last_error.retry_after_s)
        if waits:
            headers["Retry-After"] = str(max(1, int(min(waits) + 0.999)))
        code = "all_deployments_failed" if tried else "no_healthy_deployment"
        return ServiceUnavailableError(message, code=code, headers=headers)
