"""Prometheus instruments of the gateway, and their text exposition (multi-worker safe).

One ``GatewayMetrics`` object per app, built in ``create_app`` (it holds no connection) and
reached through ``AppState.metrics``. Upper layers call its typed ``observe_*`` methods; this
module knows nothing of usage records, routers or guardrails.

Label values are bounded by construction: routes are the app's route templates, aliases and
deployments come from the model registry (anything else a client sends is ``"other"``), limits,
categories and outcomes are fixed vocabularies. No user id, key id or raw client string is ever
a label value.

With several uvicorn workers, ``llm-gateway serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a
fresh directory before the workers start; each worker then writes its samples to memory-mapped
files there and a scrape of any worker reads them all (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prom_multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
OTHER = "other"

# Seconds. Gateway overhead is sub-millisecond; upstream calls take seconds.
_HTTP_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_LLM_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300)
_BATCH_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


def multiprocess_dir() -> str | None:
    """The multiprocess directory when the server set one up for its workers."""
    return os.environ.get(MULTIPROC_ENV) or None


def enable_multiprocess(directory: Path) -> None:
    """Make worker processes started after this call share their samples through ``directory``.

    prometheus-client reads this one variable when it is imported (in each fresh worker), so it
    is set in the environment the workers inherit rather than passed as a setting. Stale files
    of an earlier run are removed first: they would add old counts to the new ones.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(directory)


class GatewayMetrics:
    """Every instrument the gateway exports, on its own registry."""

    def __init__(self, *, known_aliases: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._known_aliases: frozenset[str] = frozenset(known_aliases)
        # ``metric.labels(...)`` validates and locks on every call (~2 us; a request made nine
        # such calls): each child is looked up once and kept. Label values come from bounded
        # vocabularies, and the client keeps every child anyway.
        self._children: dict[tuple[Any, tuple[str, ...]], Any] = {}
        r = self.registry
        self.http_requests = Counter(
            "llmgw_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=r,
        )
        self.http_duration = Histogram(
            "llmgw_http_request_duration_seconds",
            "Time from request to the end of the response, by route template.",
            ["route"],
            buckets=_HTTP_BUCKETS,
            registry=r,
        )
        self.llm_calls = Counter(
            "llmgw_llm_requests",
            "Model calls recorded in usage, by endpoint, alias, provider, deployment and status.",
            ["endpoint", "alias", "provider", "deployment", "status"],
            registry=r,
        )
        self.llm_tokens = Counter(
            "llmgw_llm_tokens",
            "Tokens recorded in usage, by alias and kind (prompt, completion, cached).",
            ["alias", "kind"],
            registry=r,
        )
        self.llm_cost = Counter(
            "llmgw_llm_cost_usd",
            "Spend recorded in usage (USD), by alias and tier.",
            ["alias", "tier"],
            registry=r,
        )
        self.llm_latency = Histogram(
            "llmgw_llm_request_duration_seconds",
            "Whole model-call latency as recorded in usage, by alias.",
            ["alias"],
            buckets=_LLM_BUCKETS,
            registry=r,
        )
        self.llm_ttft = Histogram(
            "llmgw_llm_time_to_first_token_seconds",
            "Time to the first streamed token, by alias (streams only).",
            ["alias"],
            buckets=_LLM_BUCKETS,
            registry=r,
        )
        self.rejections = Counter(
            "llmgw_limit_rejections",
            "Requests refused by a rate limit, budget or capacity rule, by limit.",
            ["limit"],
            registry=r,
        )
        self.guardrail_actions = Counter(
            "llmgw_guardrail_actions",
            "Guardrail actions by category, action, side (input/output) and endpoint kind.",
            ["category", "action", "side", "endpoint"],
            registry=r,
        )
        self.guardrail_judge = Counter(
            "llmgw_guardrail_judge",
            "Grey-zone LLM judge questions by category and outcome "
            "(unsafe, safe, timeout, budget, error).",
            ["category", "outcome"],
            registry=r,
        )
        self.cache_events = Counter(
            "llmgw_cache_events",
            "Response-cache events: hits, semantic_hits, misses, stores, bypassed, "
            "verifier_rejections, threshold_rejections, flagged, store_errors...",
            ["event"],
            registry=r,
        )
        self.cache_semantic_indexes = Gauge(
            "llmgw_cache_semantic_indexes",
            "Semantic-cache indexes held in this process (one per semantic namespace looked up).",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.cache_semantic_entries = Gauge(
            "llmgw_cache_semantic_entries",
            "Entries those indexes hold together (bounded by LLMGW_CACHE__SEMANTIC_INDEX_BUDGET).",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.cache_semantic_builds = Gauge(
            "llmgw_cache_semantic_builds",
            "Semantic-cache index builds running in this process "
            "(at most LLMGW_CACHE__SEMANTIC_MAX_CONCURRENT_BUILDS).",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.upstream_attempts = Counter(
            "llmgw_upstream_attempts",
            "Upstream attempts by provider, deployment and outcome (ok, error, timeout...).",
            ["provider", "deployment", "outcome"],
            registry=r,
        )
        self.upstream_retries = Counter(
            "llmgw_upstream_retries",
            "Attempts after the first one within a call (retries and fallbacks), by alias.",
            ["alias"],
            registry=r,
        )
        self.fallbacks = Counter(
            "llmgw_fallbacks",
            "Calls served by a fallback alias, by the alias that was asked for.",
            ["alias"],
            registry=r,
        )
        self.deployment_cooling = Gauge(
            "llmgw_deployment_cooldown_open",
            "1 while a deployment is cooling down after failures (its breaker is open).",
            ["deployment"],
            multiprocess_mode="max",
            registry=r,
        )
        self.usage_queue = Gauge(
            "llmgw_usage_queue_depth",
            "Usage records waiting to be written to the database.",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.usage_spilled = Gauge(
            "llmgw_usage_spill_length",
            "Usage records parked in the store while the database was unreachable.",
            multiprocess_mode="max",
            registry=r,
        )
        self.usage_dead_letters = Gauge(
            "llmgw_usage_dead_letters",
            "Usage records the database refused, kept for an admin to inspect.",
            multiprocess_mode="max",
            registry=r,
        )
        self.usage_dropped = Gauge(
            "llmgw_usage_dropped",
            "Usage records dropped since start (should stay 0).",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.usage_writer_events = Counter(
            "llmgw_usage_writer_events",
            "Usage-writer events: written, spilled, replayed, write_failures, dead_lettered, "
            "writer_errors, dropped.",
            ["event"],
            registry=r,
        )
        self.usage_stalled = Gauge(
            "llmgw_usage_stalled_seconds",
            "How long records have waited without any being written (0 while writes succeed).",
            multiprocess_mode="max",
            registry=r,
        )
        self.usage_batch = Histogram(
            "llmgw_usage_batch_duration_seconds",
            "Time to write one batch of usage records.",
            buckets=_BATCH_BUCKETS,
            registry=r,
        )
        self.db_pool_checked_out = Gauge(
            "llmgw_db_pool_connections_in_use",
            "Database connections checked out of the pool.",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.backend_up = Gauge(
            "llmgw_backend_up",
            "1 when the backend (database, store) answered its last health probe.",
            ["backend"],
            multiprocess_mode="min",
            registry=r,
        )

    # -- label hygiene -------------------------------------------------------------------------

    def know_aliases(self, aliases: Iterable[str]) -> None:
        """Set the aliases that may appear as label values (the registry's, at startup)."""
        self._known_aliases = frozenset(aliases)

    def alias_label(self, alias: str | None) -> str:
        """``alias`` when the registry knows it (or it is ``auto``), ``other`` otherwise."""
        if alias and (alias in self._known_aliases or alias == "auto"):
            return alias
        return OTHER

    # -- observations --------------------------------------------------------------------------

    def _child(self, metric: Any, *values: str) -> Any:
        child = self._children.get((metric, values))
        if child is None:
            child = self._children[metric, values] = metric.labels(*values)
        return child

    def observe_http(self, route: str, method: str, status: int, seconds: float) -> None:
        self._child(self.http_requests, route, method, str(status)).inc()
        self._child(self.http_duration, route).observe(seconds)

    def observe_call(
        self,
        *,
        endpoint: str,
        alias: str | None,
        tier: str | None,
        provider: str | None,
        deployment: str | None,
        status: int,
        prompt_tokens: int,
        completion_tokens: int,
        cached_tokens: int,
        cost_usd: float,
        latency_s: float,
        ttft_s: float | None,
    ) -> None:
        """One recorded model call (proxy, agent or /chat)."""
        label = self.alias_label(alias)
        self._child(
            self.llm_calls, endpoint, label, provider or "none", deployment or "none", str(status)
        ).inc()
        if prompt_tokens:
            self._child(self.llm_tokens, label, "prompt").inc(prompt_tokens)
        if completion_tokens:
            self._child(self.llm_tokens, label, "completion").inc(completion_tokens)
        if cached_tokens:
            self._child(self.llm_tokens, label, "cached").inc(cached_tokens)
        if cost_usd > 0:
            self._child(self.llm_cost, label, tier or "none").inc(cost_usd)
        if status < 400:
            self._child(self.llm_latency, label).observe(latency_s)
            if ttft_s is not None:
                self._child(self.llm_ttft, label).observe(ttft_s)

    def observe_usage_batch(self, records: int, seconds: float) -> None:
        """One batch of ``records`` usage rows stored in ``seconds``."""
        if records:
            self.usage_batch.observe(seconds)

    def observe_rejection(self, limit: str) -> None:
        self._child(self.rejections, limit).inc()

    def observe_guardrail(self, category: str, action: str, side: str, endpoint: str) -> None:
        """One guardrail action; the caller passes values from fixed vocabularies only."""
        self._child(self.guardrail_actions, category, action, side, endpoint).inc()

    def observe_guardrail_judge(self, category: str, outcome: str) -> None:
        """One judge question; the judge passes values from fixed vocabularies only."""
        self.guardrail_judge.labels(category, outcome).inc()

    def observe_attempt(self, provider: str, deployment: str, outcome: str) -> None:
        self._child(self.upstream_attempts, provider, deployment, outcome).inc()

    def observe_route(self, asked: str | None, served: str | None, attempts: int) -> None:
        """After a routed call: retries beyond the first attempt, and fallback use."""
        label = self.alias_label(asked)
        if attempts > 1:
            self._child(self.upstream_retries, label).inc(attempts - 1)
        if served is not None and asked is not None and served != asked:
            self._child(self.fallbacks, label).inc()

    # -- exposition ----------------------------------------------------------------------------

    def render(self) -> bytes:
        """The text exposition: this process's registry, or every worker's in multiprocess mode."""
        if multiprocess_dir():
            scrape = CollectorRegistry()
            prom_multiprocess.MultiProcessCollector(scrape)  # type: ignore[no-untyped-call]
            return bytes(generate_latest(scrape))
        return bytes(generate_latest(self.registry))


def mark_process_dead(pid: int) -> None:
    """Tell multiprocess mode a worker exited, so its live gauges stop counting."""
    if multiprocess_dir():
        prom_multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
