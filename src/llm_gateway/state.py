"""The typed application state built by the lifespan and shared by every request.

Features add their long-lived resources here (one field each) and create them in ``app.lifespan``.
It sits above every layer (it names their resources); ``core`` only knows ``STATE_KEY``. The
types are imported for the type checker only: importing the state loads none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from llm_gateway.core.draining import DrainFlag
from llm_gateway.core.state import STATE_KEY

if TYPE_CHECKING:
    import aiohttp
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from llm_gateway.agent.lazy import LazyAgent
    from llm_gateway.cache import ResponseCache
    from llm_gateway.core.config import Settings
    from llm_gateway.core.embedding import SharedEmbedder
    from llm_gateway.core.metrics import GatewayMetrics
    from llm_gateway.core.store import Store
    from llm_gateway.guardrails.engine import GuardrailEngine
    from llm_gateway.providers.registry import ModelRegistry
    from llm_gateway.services.auth.runtime import AuthRuntime
    from llm_gateway.services.chat.background import BackgroundJobs
    from llm_gateway.services.guardrails.policies import PolicyResolver
    from llm_gateway.services.guardrails.stats import GuardrailStats
    from llm_gateway.services.observability.sampler import MetricsSampler
    from llm_gateway.services.quotas.service import QuotaService
    from llm_gateway.services.routing.router import Router
    from llm_gateway.services.usage.writer import UsageWriter
    from llm_gateway.tools.base import ToolRegistry

__all__ = ["STATE_KEY", "AppState"]


@dataclass(slots=True)
class AppState:
    """Everything the lifespan creates; reached through ``llm_gateway.dependencies``."""

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    store: Store
    http: aiohttp.ClientSession
    models: ModelRegistry  # aliases → deployments, prices, capabilities (config/models.yaml)
    router: Router  # deployment choice, retries, cooldowns, fallbacks (proxy and agent)
    tools: ToolRegistry  # agent tools, built once from settings.tools
    auth: AuthRuntime  # password hasher, token codec, credential caches (accounts)
    quotas: QuotaService  # tiers, rate limits, budgets, concurrency slots (store scripts)
    usage: UsageWriter  # background batch writer of usage records
    chat_jobs: BackgroundJobs  # /chat turns, titles and summaries; drained on shutdown
    agent: LazyAgent  # the LangGraph pipeline, built once on first use ("auto" and /chat)
    embedder: SharedEmbedder  # the one e5 model: intent, harm stage, semantic cache (lazy)
    cache: ResponseCache  # exact and semantic response cache, counters (docs/CACHE.md)
    guardrails: GuardrailEngine  # input/output checks and per-tier policies (agent and proxy)
    guard_policies: PolicyResolver  # the policy per caller: tier, then user and key overrides
    guard_stats: GuardrailStats  # guardrail action counts (metric and GET /admin/guardrails/stats)
    drain: DrainFlag = field(default_factory=DrainFlag)  # set on SIGTERM: readiness goes 503
    metrics: GatewayMetrics | None = None  # Prometheus instruments (None when disabled)
    metrics_sampler: MetricsSampler | None = None  # refreshes the sampled gauges
