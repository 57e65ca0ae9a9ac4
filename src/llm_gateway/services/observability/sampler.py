"""Gauges read on a timer: usage-writer backlog, open breakers, pool use and backend health."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Mapping

from prometheus_client import Counter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from llm_gateway.cache.service import ResponseCache
from llm_gateway.core.logging import get_logger
from llm_gateway.core.metrics import GatewayMetrics
from llm_gateway.core.store import Store
from llm_gateway.providers.registry import ModelRegistry
from llm_gateway.services.quotas.service import QuotaService
from llm_gateway.services.routing import Router
from llm_gateway.services.usage.writer import UsageWriter

_log = get_logger("llm_gateway.metrics")


class MetricsSampler:
    """Refreshes the sampled gauges every ``interval_s`` (and right before each scrape)."""

    def __init__(
        self,
        metrics: GatewayMetrics,
        *,
        engine: AsyncEngine,
        store: Store,
        usage: UsageWriter,
        router: Router,
        quotas: QuotaService,
        cache: ResponseCache,
        models: ModelRegistry,
        interval_s: float = 5.0,
    ) -> None:
        self.metrics = metrics
        self._engine = engine
        self._store = store
        self._usage = usage
        self._router = router
        self._quotas = quotas
        self._cache = cache
        self._seen: dict[str, dict[str, int]] = {}
        self._deployments = sorted({d.id for info in models.models() for d in info.deployments})
        self._interval = interval_s
        self._task: asyncio.Task[None] | None = None
        self._stopped = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="metrics-sampler")

    async def stop(self) -> None:
        if self._task is not None:
            self._stopped.set()
            self._task.cancel()
            # A driver may swallow the cancellation mid-probe; the flag ends the loop anyway.
            await asyncio.wait({self._task}, timeout=5)
            self._task = None

    async def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                await self.sample()
            except Exception:  # a failed sample must never stop the next one
                _log.exception("metrics sample failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), self._interval)

    async def sample(self) -> None:
        """Read every sampled figure once."""
        m = self.metrics
        m.usage_queue.set(self._usage.backlog)
        counters = self._usage.counters
        m.usage_dropped.set(counters.dropped)
        m.usage_dead_letters.set(counters.dead_lettered)
        m.usage_stalled.set(self._usage.stalled_s)
        self._export(m.usage_writer_events, "usage", dataclasses.asdict(counters))
        m.usage_dead_letters.set(self._usage.counters.dead_lettered)
        # The quota layer and the cache count in process; export what is new since last time.
        self._export(m.rejections, "quota", self._quotas.counters.denied)
        self._export(m.cache_events, "cache", dataclasses.asdict(self._cache.counters))
        semantic = self._cache.stats()["semantic"]
        m.cache_semantic_indexes.set(semantic.get("namespaces_loaded", 0))
        m.cache_semantic_entries.set(semantic.get("entries_loaded", 0))
        m.cache_semantic_builds.set(semantic.get("namespaces_building", 0))
        for deployment in self._deployments:
            open_ = self._router.cooldowns.remaining_s(deployment) > 0
            m.deployment_cooling.labels(deployment).set(1 if open_ else 0)
        pool = self._engine.pool
        checked_out = getattr(pool, "checkedout", None)
        if callable(checked_out):
            m.db_pool_checked_out.set(checked_out())
        m.backend_up.labels("database").set(1 if await self._database_ok() else 0)
        store_ok = await self._store_ok()
        m.backend_up.labels("store").set(1 if store_ok else 0)
        if store_ok and self._store.backend_name == "redis":
            spill_key = self._usage.settings.spill_key
            with contextlib.suppress(Exception):
                m.usage_spilled.set(await self._store.length(spill_key))

    def _export(self, counter: Counter, source: str, counts: Mapping[str, int]) -> None:
        """Add to ``counter`` what each of ``counts`` grew by since the last sample."""
        seen = self._seen.setdefault(source, {})
        for label, count in counts.items():
            new = int(count) - seen.get(label, 0)
            if new > 0:
                counter.labels(label).inc(new)
                seen[label] = int(count)

    async def _database_ok(self) -> bool:
        try:
            async with asyncio.timeout(2):
                async with self._engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
        except Exception:  # any failure means "down" for this gauge
            return False
        return True

    async def _store_ok(self) -> bool:
        try:
            async with asyncio.timeout(2):
                await self._store.ping()
        except Exception:  # any failure means "down" for this gauge
            return False
        return True
