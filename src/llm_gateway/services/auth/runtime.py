"""The auth runtime: every long-lived piece of authentication, built once per process.

Created in the app lifespan (``AppState.auth``) and by CLI commands that change accounts. It
owns the password hasher, the token codec, the credential caches and their invalidation
listener, the coalesced last-used writer, the attempt limiter and the notifier.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from llm_gateway.core.config import Settings
from llm_gateway.core.logging import get_logger
from llm_gateway.core.store import Store
from llm_gateway.services.auth.abuse import AttemptLimiter
from llm_gateway.services.auth.background import BackgroundTasks
from llm_gateway.services.auth.cache import AuthCache
from llm_gateway.services.auth.credentials import derive_pepper, keyed_hash
from llm_gateway.services.auth.invalidation import Invalidator
from llm_gateway.services.auth.last_used import LastUsedRecorder
from llm_gateway.services.auth.passwords import PasswordService
from llm_gateway.services.auth.tokens import TokenCodec
from llm_gateway.services.notify import Notifier, create_notifier

LISTENER_READY_TIMEOUT_S = 5.0
_log = get_logger("llm_gateway.auth")


@dataclass
class AuthRuntime:
    """Shared authentication machinery; ``start`` launches its background loops."""

    settings: Settings
    store: Store
    session_factory: async_sessionmaker[AsyncSession]
    passwords: PasswordService
    tokens: TokenCodec
    cache: AuthCache
    invalidator: Invalidator
    last_used: LastUsedRecorder
    limiter: AttemptLimiter
    notifier: Notifier
    tasks: BackgroundTasks
    _pepper: bytes = field(repr=False)
    _loops: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def create(
        cls,
        settings: Settings,
        store: Store,
        session_factory: async_sessionmaker[AsyncSession],
    ) -> AuthRuntime:
        """Build the runtime; key files are read here, so bad key settings fail at startup."""
        tasks = BackgroundTasks()
        cache = AuthCache(
            ttl_s=settings.security.api_key_cache_ttl_s,
            max_entries=settings.auth.cache_max_entries,
            stale_s=settings.security.api_key_stale_s,
        )
        return cls(
            settings=settings,
            store=store,
            session_factory=session_factory,
            passwords=PasswordService(settings.security),
            tokens=TokenCodec(settings.security),
            cache=cache,
            invalidator=Invalidator(store, cache, tasks),
            last_used=LastUsedRecorder(session_factory, interval_s=settings.auth.last_used_flush_s),
            limiter=AttemptLimiter(store),
            notifier=create_notifier(settings),
            tasks=tasks,
            _pepper=derive_pepper(
                pepper.get_secret_value() if (pepper := settings.security.api_key_pepper) else None,
                settings.security.jwt_secret.get_secret_value(),
            ),
        )

    def hash_secret(self, value: str) -> str:
        """The keyed hash API keys, refresh and reset tokens are stored and looked up by."""
        return keyed_hash(self._pepper, value)

    async def start(self) -> None:
        """Subscribe to invalidations (waiting until subscribed) and start the usage writer."""
        ready = asyncio.Event()
        self._loops.append(asyncio.create_task(self.invalidator.listen(ready), name="auth-listen"))
        self._loops.append(asyncio.create_task(self.last_used.run(), name="auth-last-used"))
        try:
            await asyncio.wait_for(ready.wait(), LISTENER_READY_TIMEOUT_S)
        except TimeoutError:
            _log.warning("auth invalidation listener not subscribed yet; relying on cache TTL")
        if self.settings.auth.notifier == "log" and not self.settings.is_dev:
            _log.warning(
                "password-reset e-mails are only logged, with the token redacted; "
                "set LLMGW_AUTH__NOTIFIER=smtp to deliver them"
            )

    async def aclose(self) -> None:
        """Stop the loops, write pending usage, finish queued publishes and e-mails."""
        for task in self._loops:
            task.cancel()
        for task in self._loops:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._loops.clear()
        try:
            await self.last_used.flush()
        except Exception as exc:  # shutdown must go on; usage stamps are best effort
            _log.warning("could not record API key usage at shutdown", error=type(exc).__name__)
        await self.tasks.join()
