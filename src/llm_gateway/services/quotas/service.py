"""The quota service: admit a call (one store round trip), then settle it with actual usage.

``admit`` reserves one request, the estimated tokens (prompt + max output) and the estimated cost,
and takes a concurrency slot, for every subject at once or not at all. ``settle`` refunds or
charges the difference once the real usage is known and releases the slot; it runs on every
outcome (success, error, client disconnect). When the store fails, the configured policy decides:
budgets fail closed (503) and rate limits fail open (admit) by default; both log and count.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from llm_gateway.core.config import QuotaSettings
from llm_gateway.core.logging import get_logger
from llm_gateway.core.store import Store, StoreUnavailableError
from llm_gateway.core.store.base import ScriptArg
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.quotas import scripts
from llm_gateway.services.quotas.allowance import Allowance, AllowanceLeases
from llm_gateway.services.quotas.errors import (
    DENY_NAMES,
    ModelNotAllowedError,
    QuotaUnavailableError,
    denial,
)
from llm_gateway.services.quotas.headers import rate_headers
from llm_gateway.services.quotas.lease import Renewal
from llm_gateway.services.quotas.limits import LimitResolver, OverrideCache, Subject
from llm_gateway.services.quotas.overrides import OverrideSync

_log = get_logger("llm_gateway.quotas")
WINDOW_MS = 60_000


@dataclass(slots=True)
class QuotaCounters:
    """Process-local counters, shown on the admin dashboard."""

    store_fail_open: int = 0
    store_fail_closed: int = 0
    settle_failures: int = 0
    denied: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class Admission:
    """What ``admit`` reserved, so ``settle`` can reconcile exactly that."""

    member: str
    subjects: tuple[Subject, ...]
    estimated_tokens: int = 0
    estimated_cost_usd: float = 0.0
    day: int = 0
    month: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    enforced: bool = True  # False when quotas are off, unlimited, or the store failed open
    settled: bool = False
    renewal: Renewal | None = None  # keeps the concurrency leases alive until settled
    allowance: Allowance | None = None  # admitted locally from this process's lease


@dataclass(frozen=True, slots=True)
class SubjectUsage:
    """Live counters of one subject (from ``peek``)."""

    requests_last_minute: int
    tokens_available: int | None
    tokens_today: int
    spent_this_month_usd: float
    concurrent: int


class QuotaService:
    """Stateless apart from counters and the override cache; one per process, on ``AppState``."""

    def __init__(
        self,
        settings: QuotaSettings,
        store: Store,
        session_factory: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.overrides = OverrideCache()
        self.resolver = LimitResolver(settings, self.overrides)
        self.counters = QuotaCounters()
        self.sync = (
            None
            if session_factory is None
            else OverrideSync(self.overrides, session_factory, store, settings.override_refresh_s)
        )
        self.leases = (
            AllowanceLeases(
                store,
                lease_s=settings.allowance_lease_s,
                slot_lease_s=settings.slot_lease_s,
                window_ms=WINDOW_MS,
            )
            if settings.allowance_lease_s > 0
            else None
        )

    async def start(self) -> None:
        """Load the overrides and keep them current (lifespan)."""
        if self.sync is not None:
            await self.sync.start()
        if self.leases is not None:
            self.leases.start()

    async def stop(self) -> None:
        """Return the allowance this process leased (before the store closes) and stop syncing."""
        if self.leases is not None:
            await self.leases.close()
        if self.sync is not None:
            await self.sync.stop()

    def allows(self, principal: Principal, alias: str, model_tier: str | None) -> bool:
        """Whether every subject's limits allow ``alias`` (what ``check_model`` enforces)."""
        if not self.settings.enabled:
            return True
        return all(
            s.limits.allows_model(alias, model_tier) for s in self.resolver.subjects(principal)
        )

    def check_model(self, principal: Principal, alias: str, model_tier: str | None) -> None:
        """Raise 403 ``model_not_allowed`` unless every subject's limits allow ``alias``."""
        if not self.settings.enabled:
            return
        for subject in self.resolver.subjects(principal):
            if not subject.limits.allows_model(alias, model_tier):
                raise ModelNotAllowedError(
                    f"The model '{alias}' is not available on the '{principal.tier}' tier",
                    param="model",
                )

    async def admit(
        self,
        principal: Principal,
        *,
        prompt_tokens: int,
        max_output_tokens: int | None = None,
        estimated_cost_usd: float = 0.0,
        request_id: str = "",
    ) -> Admission:
        """Reserve a request, tokens, cost and a slot for every subject, or raise 429."""
        subjects = self.resolver.subjects(principal)
        output = (
            self.settings.default_output_tokens if max_output_tokens is None else max_output_tokens
        )
        estimate = max(prompt_tokens, 0) + max(output, 0)
        admission = Admission(
            member="",  # named below, only when a script will hold it
            subjects=subjects,
            estimated_tokens=estimate,
            estimated_cost_usd=max(estimated_cost_usd, 0.0),
        )
        if not self.settings.enabled or not any(s.limits.enforces_counters for s in subjects):
            admission.enforced = False
            return admission
        if self.leases is not None:
            allowance = self.leases.take(subjects, estimate, admission.estimated_cost_usd)
            if allowance is not None:
                admission.allowance = allowance
                admission.headers = self._headers(subjects, self.leases.header_values(allowance))
                return admission
        admission.member = f"{request_id}:{secrets.token_hex(6)}"
        args: list[ScriptArg] = [
            admission.member,
            estimate,
            repr(admission.estimated_cost_usd),
            int(self.settings.slot_lease_s * 1000),
            WINDOW_MS,
            len(subjects),
        ]
        keys: list[str] = []
        for subject in subjects:
            keys += subject.keys()
            args += subject.limits.script_args()
        try:
            result = await self.store.run_script(scripts.ADMIT, keys, args)
        except StoreUnavailableError as exc:
            return self._store_failed(admission, exc)
        values = [int(v) for v in result]
        if values[0] == 0:
            reason = DENY_NAMES.get(values[1], "unknown")
            self.counters.denied[reason] = self.counters.denied.get(reason, 0) + 1
            raise denial(values[1], subjects[values[2] - 1], values[3], estimate)
        admission.day, admission.month = values[1], values[2]
        admission.headers = self._headers(subjects, values[4:])
        slots = [s.keys()[4] for s in subjects if s.limits.max_concurrent is not None]
        if slots:
            admission.renewal = Renewal(
                self.store, admission.member, slots, self.settings.slot_lease_s
            )
        return admission

    def _store_failed(self, admission: Admission, exc: StoreUnavailableError) -> Admission:
        limits = [s.limits for s in admission.subjects]
        has_budget = any(lim.monthly_budget_usd is not None for lim in limits)
        has_rates = any(
            v is not None
            for lim in limits
            for v in (
                lim.requests_per_minute,
                lim.tokens_per_minute,
                lim.tokens_per_day,
                lim.max_concurrent,
            )
        )
        closed = (has_budget and not self.settings.fail_open_budgets) or (
            has_rates and not self.settings.fail_open_rate_limits
        )
        if closed:
            self.counters.store_fail_closed += 1
            _log.error("quota store unavailable: refusing (fail closed)", error=exc.message)
            raise QuotaUnavailableError(
                "Quota enforcement is temporarily unavailable; try again shortly"
            ) from exc
        self.counters.store_fail_open += 1
        _log.warning("quota store unavailable: admitting unchecked (fail open)", error=exc.message)
        admission.enforced = False
        return admission

    def _headers(self, subjects: tuple[Subject, ...], values: list[int]) -> dict[str, str]:
        requests: tuple[int, int, int] | None = None
        tokens: tuple[int, int, int] | None = None
        for i, subject in enumerate(subjects):
            r_left, r_reset, t_left, t_reset = values[i * 4 : i * 4 + 4]
            rpm, tpm = subject.limits.requests_per_minute, subject.limits.tokens_per_minute
            if rpm is not None and (requests is None or r_left < requests[1]):
                requests = (rpm, r_left, r_reset)
            if tpm is not None and (tokens is None or t_left < tokens[1]):
                tokens = (tpm, t_left, t_reset)
        return rate_headers(requests, tokens)

    async def settle(
        self,
        admission: Admission,
        *,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        cost_usd: float = 0.0,
    ) -> None:
        """Reconcile the reservation with actual usage and release the slot (once)."""
        if admission.settled or not admission.enforced:
            admission.settled = True
            return
        admission.settled = True
        if admission.renewal is not None:
            admission.renewal.stop()
        delta = max(prompt_tokens, 0) + max(completion_tokens, 0) - admission.estimated_tokens
        if admission.allowance is not None and self.leases is not None:
            delta_cost = max(cost_usd, 0.0) - admission.estimated_cost_usd
            self.leases.settle(admission.allowance, delta, delta_cost)
            return
        args: list[ScriptArg] = [
            admission.member,
            delta,
            repr(max(cost_usd, 0.0) - admission.estimated_cost_usd),
            admission.day,
            admission.month,
            WINDOW_MS,
            len(admission.subjects),
        ]
        keys: list[str] = []
        for subject in admission.subjects:
            lim = subject.limits
            keys += subject.keys()[1:]
            tpm = -1 if lim.tokens_per_minute is None else lim.tokens_per_minute
            args += [
                tpm,
                "1" if lim.tokens_per_day is not None else "0",
                "1" if lim.monthly_budget_usd is not None else "0",
                "1" if lim.max_concurrent is not None else "0",
            ]
        try:
            await self.store.run_script(scripts.SETTLE, keys, args)
        except StoreUnavailableError as exc:
            # The slot lapses when its lease expires; the token/cost difference is lost.
            self.counters.settle_failures += 1
            _log.warning("quota settle failed: store unavailable", error=exc.message)

    async def peek(self, subject: Subject) -> SubjectUsage:
        """The subject's live counters (raises StoreUnavailableError when the store is down)."""
        tpm = subject.limits.tokens_per_minute
        result = await self.store.run_script(
            scripts.PEEK, subject.keys(), [WINDOW_MS, -1 if tpm is None else tpm]
        )
        requests, tokens, used, spent, concurrent = result[:5]
        return SubjectUsage(
            requests_last_minute=int(requests),
            tokens_available=None if tpm is None else int(tokens),
            tokens_today=int(used),
            spent_this_month_usd=float(spent),
            concurrent=int(concurrent),
        )
