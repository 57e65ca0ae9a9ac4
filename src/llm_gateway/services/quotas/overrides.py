"""Keep every instance's override cache current: periodic reloads plus pub/sub announcements.

An admin change is applied locally at once and published with its new value, so other instances
apply it without a database read (and without racing the admin's commit); the periodic reload
repairs anything a lost message or a rolled-back change left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from llm_gateway.core.database import session_scope
from llm_gateway.core.exceptions import GatewayError
from llm_gateway.core.logging import get_logger
from llm_gateway.core.store import Store
from llm_gateway.models.quota import QuotaOverride
from llm_gateway.repositories import quota as quota_repo
from llm_gateway.services.quotas.limits import Limits, OverrideCache, key_subject, user_subject

_log = get_logger("llm_gateway.quotas")
CHANNEL = "quota:overrides"


def subject_name(subject_type: str, subject_id: uuid.UUID) -> str:
    return user_subject(subject_id) if subject_type == "user" else key_subject(subject_id)


def limits_from_row(row: QuotaOverride) -> Limits:
    return Limits(
        requests_per_minute=row.requests_per_minute,
        tokens_per_minute=row.tokens_per_minute,
        tokens_per_day=row.tokens_per_day,
        monthly_budget_usd=row.monthly_budget_usd,
        max_concurrent=row.max_concurrent,
        allowed_model_tiers=None
        if row.allowed_model_tiers is None
        else frozenset(row.allowed_model_tiers),
        allowed_aliases=None if row.allowed_aliases is None else frozenset(row.allowed_aliases),
        guardrails=tuple(sorted(row.guardrails.items())) if row.guardrails else None,
    )


def _encode(subject: str, limits: Limits | None) -> bytes:
    payload: dict[str, Any] | None = None
    if limits is not None:
        payload = {
            k: sorted(v) if isinstance(v, frozenset) else v
            for k, v in dataclasses.asdict(limits).items()
        }
    return orjson.dumps({"subject": subject, "limits": payload})


def _decode(raw: bytes) -> tuple[str, Limits | None]:
    data = orjson.loads(raw)
    payload = data.get("limits")
    if payload is None:
        return str(data["subject"]), None
    for name in ("allowed_model_tiers", "allowed_aliases"):
        if payload.get(name) is not None:
            payload[name] = frozenset(payload[name])
    if payload.get("guardrails") is not None:
        payload["guardrails"] = tuple((str(k), v) for k, v in payload["guardrails"])
    return str(data["subject"]), Limits(**payload)


class OverrideSync:
    """Started and stopped by the app lifespan, next to the QuotaService it feeds."""

    def __init__(
        self,
        cache: OverrideCache,
        session_factory: async_sessionmaker[AsyncSession],
        store: Store,
        refresh_s: float,
    ) -> None:
        self.cache = cache
        self.session_factory = session_factory
        self.store = store
        self.refresh_s = refresh_s
        self._tasks: list[asyncio.Task[None]] = []

    async def reload(self) -> bool:
        """Replace the cache with the database's overrides; False (logged) on failure."""
        try:
            async with session_scope(self.session_factory) as session:
                rows = await quota_repo.all_overrides(session)
        except Exception as exc:  # keep the last good snapshot while the DB is away
            _log.warning("quota overrides reload failed", error=type(exc).__name__)
            return False
        self.cache.replace_all(
            {subject_name(r.subject_type, r.subject_id): limits_from_row(r) for r in rows}
        )
        return True

    async def announce(self, subject: str, limits: Limits | None) -> None:
        """Apply a change here and tell every other instance."""
        self.cache.apply(subject, limits)
        try:
            await self.store.publish(CHANNEL, _encode(subject, limits))
        except GatewayError as exc:
            _log.warning("quota override broadcast failed", error=exc.message)

    async def start(self) -> None:
        await self.reload()
        self._tasks = [
            asyncio.create_task(self._refresh_loop(), name="quota-overrides-refresh"),
            asyncio.create_task(self._listen_loop(), name="quota-overrides-listen"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_s)
            await self.reload()

    def _apply(self, raw: bytes) -> None:
        try:
            subject, limits = _decode(raw)
        except (ValueError, KeyError, TypeError) as exc:
            _log.warning("malformed quota override message", error=type(exc).__name__)
            return
        self.cache.apply(subject, limits)

    async def _listen_loop(self) -> None:
        backoff = 0.5
        while True:
            try:
                async with self.store.subscribe(CHANNEL) as messages:
                    backoff = 0.5
                    async for raw in messages:
                        self._apply(raw)
            except GatewayError as exc:
                _log.warning("quota override subscription lost", error=exc.message)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)
