"""Exact local admission from allowance leased in chunks from the store (docs/QUOTAS.md).

A principal sending many requests through one process would otherwise cost two Redis round trips
per request (admission before the upstream call, settlement after). Once it sends at least
``MIN_RATE`` requests a second here, this process leases about ``lease_s`` worth of its traffic
at once (``allowance_script.LEASE``): requests, tokens, dollars and concurrency slots, counted in
the global counters by that one script. Requests are then admitted from the lease in memory, and
settled into it (refunds and extra charges adjust the local balance). What is left goes back with
the next lease, when the principal goes quiet, and at shutdown.

Exactness: every leased unit is already counted globally, so the processes together never admit
more than the limits; the local side admits only while the lease is valid (measured from before
the script was sent, so it ends no later than the script's own stamp). Near a limit the script
grants nothing and every request goes through ``ADMIT`` as before. The costs: a lease held by one
process is not available to others until returned (at most ``1/far`` of what is left), and a
leased request stays in the requests/minute window up to ``lease_s`` longer than its real use.
"""

from __future__ import annotations

import asyncio
import math
import secrets
from dataclasses import dataclass, field

from llm_gateway.core.logging import get_logger
from llm_gateway.core.store import Store, StoreUnavailableError
from llm_gateway.core.store.base import ScriptArg
from llm_gateway.services.quotas.allowance_script import LEASE
from llm_gateway.services.quotas.limits import Subject

_log = get_logger("llm_gateway.quotas")

FAR = 4  # a lease is granted only while every limit keeps FAR times the chunk in reserve
MIN_RATE = 16.0  # requests per second through this process before it starts leasing
MIN_REQUESTS, MAX_REQUESTS = 8, 256  # chunk size bounds (requests per lease)
MIN_SLOTS = 4
TICK_S = 0.05
MAX_ALLOWANCES = 10_000  # subjects tracked at once; beyond, requests go through ADMIT
IDLE_DROP_S = 10.0


@dataclass(frozen=True, slots=True)
class Limited:
    """Which of a tuple of subjects' limits exist (a pool without a limit is not checked)."""

    tokens: bool
    cost: bool
    slots: bool

    @classmethod
    def of(cls, subjects: tuple[Subject, ...]) -> Limited:
        lims = [s.limits for s in subjects]
        return cls(
            tokens=any(x.tokens_per_minute is not None for x in lims)
            or any(x.tokens_per_day is not None for x in lims),
            cost=any(x.monthly_budget_usd is not None for x in lims),
            slots=any(x.max_concurrent is not None for x in lims),
        )


@dataclass(slots=True)
class Allowance:
    """This process's lease for one tuple of subjects, and the balances it admits from."""

    subjects: tuple[Subject, ...]
    owner: str
    since: float
    limited: Limited
    gen: int = 0
    leased: int = 0  # request members of generation ``gen``
    used: int = 0
    tokens: float = 0.0  # token balance (leased minus estimates, corrected by settlements)
    cost: float = 0.0
    day: int = 0
    month: int = 0
    until: float = 0.0  # loop time after which nothing is admitted locally (0: no lease)
    held: int = 0  # slot members <owner>:s0 .. s<held-1> held in Redis
    in_flight: int = 0  # admitted from a lease, not yet settled
    peak: int = 0
    seen: int = 0  # admissions asked for since ``since`` (local or not): the demand
    estimates: float = 0.0
    costs: float = 0.0
    retry_at: float = 0.0  # after a refused lease, when to ask again
    renewed: float = 0.0
    busy: bool = False  # a lease script is in flight
    base: list[int] = field(default_factory=list)  # header values (per subject) at the grant


class AllowanceLeases:
    """Leases per tuple of subjects, admitted from locally; one per process.

    On Redis a lease saves two round trips per request; on the in-process store (through the
    script's Python twin) it saves the per-request admission and settlement scripts.
    """

    def __init__(
        self, store: Store, *, lease_s: float, slot_lease_s: float, window_ms: int
    ) -> None:
        self.store = store
        self.lease_s = lease_s
        self._slot_lease_ms = int(slot_lease_s * 1000)
        self._renew_every = slot_lease_s / 3
        self._window_ms = window_ms
        self._token = secrets.token_hex(4)
        self._seq = 0
        self._by_subjects: dict[tuple[Subject, ...], Allowance] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._ticker: asyncio.Task[None] | None = None
        self.local_admissions = 0
        self.leases_granted = 0

    def start(self) -> None:
        self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())

    async def close(self) -> None:
        """Return every lease (unused requests, balances, slots) before the store closes."""
        if self._ticker is not None:
            self._ticker.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        for allowance in list(self._by_subjects.values()):
            if allowance.until or allowance.held or allowance.tokens or allowance.cost:
                await self._swap(allowance, want=False)

    def take(self, subjects: tuple[Subject, ...], estimate: int, cost: float) -> Allowance | None:
        """Admit one request from this process's lease, or None (then ``ADMIT`` decides)."""
        allowance = self._by_subjects.get(subjects)
        loop = asyncio.get_running_loop()
        now = loop.time()
        if allowance is None:
            if len(self._by_subjects) >= MAX_ALLOWANCES:
                return None
            self._seq += 1
            owner = f"{self._token}{self._seq:x}"
            allowance = Allowance(subjects, owner, since=now, limited=Limited.of(subjects))
            self._by_subjects[subjects] = allowance
        allowance.seen += 1
        allowance.estimates += estimate
        allowance.costs += cost
        limited = allowance.limited
        if (
            allowance.until > now
            and allowance.used < allowance.leased
            and (not limited.tokens or allowance.tokens >= estimate)
            and (not limited.cost or allowance.cost >= cost)
            and (not limited.slots or allowance.held > allowance.in_flight)
        ):
            allowance.used += 1
            if limited.tokens:
                allowance.tokens -= estimate
            if limited.cost:
                allowance.cost -= cost
            allowance.in_flight += 1
            allowance.peak = max(allowance.peak, allowance.in_flight)
            self.local_admissions += 1
            if allowance.used * 4 >= allowance.leased * 3:
                self._start_swap(allowance, now)
            return allowance
        if allowance.until <= now and now >= allowance.retry_at:
            if self._busy_enough(allowance, now):
                self._start_swap(allowance, now)
        return None

    def settle(self, allowance: Allowance, delta_tokens: int, delta_cost: float) -> None:
        """Correct the local balances by what a lease-admitted call really used; free its slot."""
        if allowance.limited.tokens:
            allowance.tokens -= delta_tokens
        if allowance.limited.cost:
            allowance.cost -= delta_cost
        allowance.in_flight -= 1

    def header_values(self, allowance: Allowance) -> list[int]:
        """The grant's ``[r_left, r_reset, t_left, t_reset]`` per subject plus what is left here."""
        values = list(allowance.base)
        for i in range(0, len(values), 4):
            if values[i] >= 0:
                values[i] += allowance.leased - allowance.used
            if values[i + 2] >= 0:
                values[i + 2] += max(int(allowance.tokens), 0)
        return values

    def _busy_enough(self, allowance: Allowance, now: float) -> bool:
        elapsed = now - allowance.since
        return allowance.seen >= MIN_REQUESTS and allowance.seen >= MIN_RATE * elapsed

    def _start_swap(self, allowance: Allowance, now: float, *, want: bool = True) -> None:
        if allowance.busy:
            return
        allowance.busy = True  # set now: a second caller in this iteration must not start one
        task = asyncio.get_running_loop().create_task(self._swap(allowance, want=want))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _wants(self, allowance: Allowance, now: float) -> tuple[int, float, float, int]:
        rate = allowance.seen / max(now - allowance.since, TICK_S)
        requests = min(max(math.ceil(rate * self.lease_s), MIN_REQUESTS), MAX_REQUESTS)
        per_tokens = allowance.estimates / max(allowance.seen, 1)
        per_cost = allowance.costs / max(allowance.seen, 1)
        slots = max(allowance.peak, MIN_SLOTS)
        return requests, math.ceil(per_tokens * requests), per_cost * requests, slots

    async def _swap(self, allowance: Allowance, *, want: bool) -> None:
        """Return the current lease (snapshot) and, if ``want``, take the next in one script."""
        loop = asyncio.get_running_loop()
        allowance.busy = True
        sent = loop.time()
        want_r, want_t, want_c, want_s = self._wants(allowance, sent) if want else (0, 0, 0.0, 0)
        old = (allowance.gen, allowance.used, allowance.leased, allowance.tokens, allowance.cost)
        keep = allowance.in_flight
        args: list[ScriptArg] = [
            allowance.owner,
            allowance.gen,
            allowance.used,
            allowance.leased,
            repr(allowance.tokens),
            repr(allowance.cost),
            allowance.day,
            allowance.month,
            allowance.held,
            keep,
            allowance.gen + 1,
            want_r,
            want_t,
            repr(want_c),
            want_s,
            int(self.lease_s * 1000),
            self._slot_lease_ms,
            self._window_ms,
            FAR,
        ]
        keys: list[str] = []
        for subject in allowance.subjects:
            keys += subject.keys()
            args += subject.limits.script_args()
        # Closed while the script runs: what it returns must not be used meanwhile.
        allowance.until, allowance.leased, allowance.used = 0.0, 0, 0
        allowance.tokens, allowance.cost = 0.0, 0.0
        allowance.seen, allowance.estimates, allowance.costs = 0, 0.0, 0.0
        allowance.since, allowance.peak = sent, allowance.in_flight
        try:
            result = await self.store.run_script(LEASE, keys, args)
        except StoreUnavailableError as exc:
            # Unreturned balances stay here for the next attempt; leased requests lapse alone.
            allowance.tokens += old[3]
            allowance.cost += old[4]
            allowance.retry_at = loop.time() + self.lease_s
            allowance.busy = False
            _log.warning("quota allowance lease failed", error=exc.message)
            return
        values = [int(v) for v in result]
        allowance.gen += 1
        allowance.held = keep + (want_s if values[0] == 1 else 0)  # member index bound
        allowance.renewed = sent
        if values[0] == 1:
            allowance.leased, allowance.used = want_r, 0
            allowance.tokens += want_t
            allowance.cost += want_c
            allowance.day, allowance.month = values[1], values[2]
            allowance.until = sent + self.lease_s
            allowance.base = values[5:]
            self.leases_granted += 1
        elif want:
            allowance.retry_at = sent + self.lease_s  # near a limit: ADMIT for a while
        allowance.busy = False

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            now = asyncio.get_running_loop().time()
            for subjects, allowance in list(self._by_subjects.items()):
                if not allowance.busy:
                    self._tick(subjects, allowance, now)

    def _tick(self, subjects: tuple[Subject, ...], allowance: Allowance, now: float) -> None:
        if allowance.until:
            if allowance.until - now < self.lease_s / 2:
                self._start_swap(allowance, now, want=self._busy_enough(allowance, now))
        elif (
            allowance.tokens
            or allowance.cost
            or allowance.held > allowance.in_flight
            or (allowance.held and now - allowance.renewed > self._renew_every)
        ):
            self._start_swap(allowance, now, want=False)  # return balances, renew kept slots
        elif not allowance.held and now - allowance.since > IDLE_DROP_S:
            del self._by_subjects[subjects]
