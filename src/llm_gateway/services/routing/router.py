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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import aiohttp

from llm_gateway.core import tracing
from llm_gateway.core.config import ProviderSettings
from llm_gateway.core.exceptions import GatewayError, RateLimitError, ServiceUnavailableError
from llm_gateway.core.store import Store
from llm_gateway.providers.base import (
    ChatRequest,
    ChatResponse,
    Deployment,
    EmbeddingRequest,
    EmbeddingResponse,
    ProviderAdapter,
)
from llm_gateway.providers.registry import ModelInfo, ModelRegistry
from llm_gateway.services.routing.capacity import (
    CapacityCheck,
    CapacityLimiter,
    is_capped,
    preference,
)
from llm_gateway.services.routing.errors import (
    capacity_error,
    counts_against_health,
    exhausted_error,
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
# (alias asked for, the call's trace, index of this call's first attempt in ``trace.attempts``)
RouteObserver = Callable[[str, RouteTrace, int], None]


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
        self.deadline_s = settings.request_deadline_s
        self.cooldowns = CooldownTracker(
            store,
            failures=settings.cooldown_failures,
            window_s=settings.cooldown_window_s,
            cooldown_s=settings.cooldown_s,
            sync_interval_s=settings.cooldown_sync_interval_s,
        )
        self.capacity = CapacityLimiter(store)
        self.stats = DeploymentStats()
        self._rng = rng or random.Random()  # load spreading, not security
        self.sleep = sleep  # swapped by tests to observe backoff
        # Told about every routed call once it ends (attempts, fallbacks): the metrics hook.
        self.observer: RouteObserver | None = None

    # --- public API ------------------------------------------------------------------------

    async def chat(self, request: ChatRequest, trace: RouteTrace) -> ChatResponse:
        """One non-streaming completion for ``request["model"]`` (an alias)."""
        http = self.http

        async def call(adapter: ProviderAdapter, deployment: Deployment) -> ChatResponse:
            return await adapter.chat(http, deployment, request)

        return await self._observed(request, trace, self._route(request, trace, call, stream=False))

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

        return await self._observed(request, trace, self._route(request, trace, call, stream=True))

    async def embed(self, request: EmbeddingRequest, trace: RouteTrace) -> EmbeddingResponse:
        """Embeddings for ``request["model"]`` in OpenAI's shape."""
        http = self.http

        async def call(adapter: ProviderAdapter, deployment: Deployment) -> EmbeddingResponse:
            return await adapter.embed(http, deployment, request)

        return await self._observed(request, trace, self._route(request, trace, call, stream=False))

    async def _observed(
        self, request: Mapping[str, Any], trace: RouteTrace, routed: Awaitable[T]
    ) -> T:
        """Await ``routed``, then tell the observer which attempts this call made."""
        first = len(trace.attempts)
        try:
            return await routed
        finally:
            if self.observer is not None:
                self.observer(str(request.get("model")), trace, first)

    # --- the loop --------------------------------------------------------------------------

    async def _route(
        self, request: Mapping[str, Any], trace: RouteTrace, call: Call[T], *, stream: bool
    ) -> T:
        alias = str(request["model"])
        info = self.registry.get(alias)  # 404 model_not_found for unknown aliases
        # Every attempt, backoff and fallback of this call ends by this time (first chunk, for
        # a stream): a hung upstream cannot cost ``total_s`` x attempts.
        trace.deadline = asyncio.get_running_loop().time() + self.deadline_s
        await self.cooldowns.sync()
        check = CapacityCheck(request)
        result, last_error = await self._try_alias(info, trace, call, check, stream=stream)
        if result is not None:
            return result
        for fallback in self.registry.fallbacks(alias):  # only looked up once the alias failed
            if _past(trace.deadline):
                break
            fallback_info = self.registry.get(fallback)
            if trace.permits is not None and not trace.permits(fallback, fallback_info.tier):
                continue  # the caller may not use this model: never serve (nor bill) it
            result, error = await self._try_alias(fallback_info, trace, call, check, stream=stream)
            if result is not None:
                return result
            last_error = error or last_error
        if check.full and not trace.attempts:
            raise self._at_capacity(alias, check)
        raise self._exhausted(alias, trace, last_error, check)

    async def _try_alias(
        self,
        info: ModelInfo,
        trace: RouteTrace,
        call: Call[T],
        check: CapacityCheck,
        *,
        stream: bool,
    ) -> tuple[T | None, GatewayError | None]:
        """Up to ``1 + retries`` attempts on one alias; (result, None) or (None, last error)."""
        tried: set[str] = set()
        last_error: GatewayError | None = None
        waits = 0
        attempts = 0
        while attempts <= self.policy.retries and not _past(trace.deadline):
            healthy = self._available(info.deployments, check)
            fresh = [d for d in healthy if d.id not in tried] if tried else healthy
            if not fresh and healthy and last_error is not None:
                # Every healthy deployment failed once already: pause before asking again.
                delay = backoff_delay(self.policy, waits, last_error, self._rng)
                if delay is None or _past(trace.deadline, delay):
                    break  # a longer pause than we wait (or than the deadline): fall back
                waits += 1
                await self.sleep(delay)
                fresh = self._available(info.deployments, check)
            if not fresh:
                break
            deployment = await self._select(info, fresh, check, stream=stream)
            if deployment is None:
                continue  # every fresh one is at its cap (now in check.full): look again
            attempts += 1
            tried.add(deployment.id)
            try:
                return await self._attempt(deployment, trace, call, stream=stream), None
            except GatewayError as exc:
                if not is_retryable(exc):
                    raise
                last_error = exc
        return None, last_error

    def _available(
        self, deployments: Sequence[Deployment], check: CapacityCheck
    ) -> Sequence[Deployment]:
        """Deployments neither cooling down nor found at their cap during this call."""
        full = check.full
        if not self.cooldowns.any_open():
            if not full:
                return deployments  # the common case: nothing is cooling down or full
            return [d for d in deployments if d.id not in full]
        remaining = self.cooldowns.remaining_s
        return [d for d in deployments if not remaining(d.id) and d.id not in full]

    async def _select(
        self,
        info: ModelInfo,
        candidates: Sequence[Deployment],
        check: CapacityCheck,
        *,
        stream: bool,
    ) -> Deployment | None:
        """The strategy's pick, or the next with room when it is capped and full; None if none."""
        pick = choose(info.routing, candidates, self.stats, self._rng, stream=stream)
        if not is_capped(pick):
            return pick  # no caps, no store round trip
        rest = [d for d in candidates if d.id != pick.id]
        order = [pick, *preference(info.routing, rest, self.stats, self._rng, stream=stream)]
        return await self.capacity.admit(order, check)

    async def _attempt(
        self, deployment: Deployment, trace: RouteTrace, call: Call[T], *, stream: bool
    ) -> T:
        """One call, recorded on ``trace``; in-flight counts stay up while a stream is open."""
        adapter = self.registry.adapter(deployment.provider)
        self.stats.started(deployment.id)
        started = time.perf_counter()
        attributes = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": deployment.provider,
            "gen_ai.request.model": deployment.model,
            "llmgw.deployment": deployment.id,
            "llmgw.stream": stream,
        }
        try:
            try:
                with tracing.span(f"chat {deployment.model}", attributes):
                    async with asyncio.timeout_at(trace.deadline):
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

    def _at_capacity(self, alias: str, check: CapacityCheck) -> RateLimitError:
        """The 429 for a call whose every candidate deployment was at its rpm/tpm cap."""
        cooling = self._cooling(alias, check.full)
        return capacity_error(alias, check.full, cooling)

    def _exhausted(
        self,
        alias: str,
        trace: RouteTrace,
        last_error: GatewayError | None,
        check: CapacityCheck,
    ) -> ServiceUnavailableError:
        """The 503 naming every deployment tried (and those skipped: cooling down or full)."""
        tried = {a.deployment: a.error_code or a.outcome for a in trace.attempts}
        cooling = self._cooling(alias, {**tried, **check.full})
        return exhausted_error(alias, tried, cooling, check.full, last_error)

    def _cooling(self, alias: str, skip: Mapping[str, object]) -> dict[str, float]:
        """Seconds left per cooling-down deployment of ``alias`` and its fallbacks."""
        chain = (alias, *self.registry.fallbacks(alias))
        return {
            d.id: left
            for name in chain
            for d in self.registry.get(name).deployments
            if d.id not in skip and (left := self.cooldowns.remaining_s(d.id))
        }


def _past(deadline: float | None, after_s: float = 0.0) -> bool:
    """Whether ``deadline`` (loop time) is reached now, or would be in ``after_s`` seconds."""
    return deadline is not None and asyncio.get_running_loop().time() + after_s >= deadline
