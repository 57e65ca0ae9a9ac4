"""The line of semantic namespaces waiting for an index build slot: fair, bounded and aged.

A lookup that finds every build slot taken is a miss and its namespace waits here; each slot
freed goes to the longest waiter. Three bounds keep the line honest under a restart with many
tenants' traffic: a semantic namespace is the tenant plus the whole conversation before the last
message, so one busy chat tenant asks for a new one every turn and could fill any line —
**per tenant** at most ``per_tenant`` wait (the tenant's own oldest makes room, nobody else's);
**in all** at most ``max_waiting`` (a full line refuses newcomers: those in it keep their
place); and a waiter not asked for in ``max_age_s`` is let go when its turn comes (its
conversation has moved on, and its build would evict indexes in use for one nobody asks for).
"""

from __future__ import annotations

MAX_WAITING = 4096  # a name costs ~100 bytes: the line must not grow with the tenants
MAX_WAITING_PER_TENANT = 16
MAX_AGE_S = 60.0


def tenant_of(context: str) -> str:
    """The tenant namespace of a semantic context (``<namespace>|<context digest>``)."""
    return context.rpartition("|")[0]


class BuildLine:
    """Namespaces in the order first asked (a repeat keeps its place and renews its age)."""

    def __init__(
        self,
        max_waiting: int = MAX_WAITING,
        per_tenant: int = MAX_WAITING_PER_TENANT,
        max_age_s: float = MAX_AGE_S,
    ) -> None:
        self.max_waiting = max_waiting
        self.per_tenant = per_tenant
        self.max_age_s = max_age_s
        self._asked: dict[str, float] = {}  # context -> last asked (monotonic); dict order = line
        self._by_tenant: dict[str, dict[str, None]] = {}  # tenant -> its waiters, oldest first

    def __len__(self) -> int:
        return len(self._asked)

    def __contains__(self, context: str) -> bool:
        return context in self._asked

    def add(self, context: str, now: float) -> None:
        """Queue ``context`` (asked at ``now``), within the bounds of the module docstring."""
        if context in self._asked:
            self._asked[context] = now  # keeps its place
            return
        mine = self._by_tenant.get(tenant_of(context))
        if mine is not None and len(mine) >= self.per_tenant:
            self.remove(next(iter(mine)))
        elif len(self._asked) >= self.max_waiting:
            return  # asked again later, it may find room
        self._asked[context] = now
        self._by_tenant.setdefault(tenant_of(context), {})[context] = None

    def remove(self, context: str) -> None:
        if self._asked.pop(context, None) is None:
            return
        tenant = tenant_of(context)
        mine = self._by_tenant[tenant]
        del mine[context]
        if not mine:
            del self._by_tenant[tenant]

    def pop(self, now: float) -> tuple[str, float] | None:
        """The longest waiter asked for within ``max_age_s`` (older ones are let go) and when it
        was last asked for (its index takes that place among the held ones), or None."""
        while self._asked:
            context, asked = next(iter(self._asked.items()))
            self.remove(context)
            if now - asked <= self.max_age_s:
                return context, asked
        return None

    def drop_tenant(self, namespace: str) -> None:
        """Let a flushed tenant's waiters go."""
        for context in list(self._by_tenant.get(namespace, ())):
            self.remove(context)

    def clear(self) -> None:
        self._asked.clear()
        self._by_tenant.clear()
