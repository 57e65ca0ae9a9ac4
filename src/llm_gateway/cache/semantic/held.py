"""The built semantic indexes one process holds: least recently used first, within a budget.

Every namespace a lookup touches gets an index, so without a bound a gateway serving many
tenants (or many system prompts per tenant) would hold one per namespace for its whole life.
The indexes together hold at most ``budget`` entries (``LLMGW_CACHE__SEMANTIC_INDEX_BUDGET``):
installing a build or growing an index past it evicts whole indexes, the least recently looked
up first (a landed build counts as looked up when a lookup last asked for it: one that waited
in line for a build slot takes its place behind the indexes used while it waited, so under a
tight budget it goes before them, from the next eviction on: it is never evicted by its own
install). An index no lookup has asked for in ``idle_s`` (0: never) is
let go too (a landed build is given at least half of it). An evicted namespace is rebuilt from
the store by its next lookup, which is a miss meanwhile, as a first lookup is. Its vectors
stay in the store.
Builds in progress count against the budget too, from the moment their store read lands (their
size is known then; ``reserve``): held indexes are evicted to make room for them, so the held
indexes and the builds filling theirs stay within the budget together (one index is kept if
the builds alone fill it). Each held index also costs ``index_cost`` entries' worth
(``LLMGW_CACHE__SEMANTIC_INDEX_COST``): most are empty or nearly, and an index's own memory
would otherwise go uncounted (empty ones would never leave).

Only ``NamespaceIndexes`` (``indexes.py``) calls this, on the event loop; no worker thread ever
touches an installed index (builds fill theirs before installing it), so an eviction never
races one. A lookup still holding an evicted index finishes its search on it; changes for an
evicted namespace are then ignored (the store has them, and the rebuild reads them).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from llm_gateway.cache.counters import CacheCounters
from llm_gateway.cache.semantic.index import NamespaceIndex


@dataclass(slots=True)
class _Held:
    index: NamespaceIndex
    used_at: float
    counted: int  # its size when last counted into ``HeldIndexes.entries``


class HeldIndexes:
    """Installed indexes by semantic context, least recently looked up first."""

    def __init__(
        self,
        budget: int,
        idle_s: float,
        counters: CacheCounters,
        clock: Callable[[], float] = time.monotonic,
        index_cost: int = 0,
    ) -> None:
        self.budget = budget
        # Entries' worth each held index costs on top of its entries (``CacheSettings``).
        self.index_cost = index_cost
        self.idle_s = idle_s
        self.counters = counters
        self._clock = clock
        self._held: OrderedDict[str, _Held] = OrderedDict()
        # The held indexes' sizes, summed: kept up to date on each change (a lookup's own
        # removal of an expired candidate is counted the next time its index is touched).
        self.entries = 0
        # Entries of builds in progress (their store read landed, their index is not installed).
        self.reserved = 0

    def __len__(self) -> int:
        return len(self._held)

    def __contains__(self, context: str) -> bool:
        return context in self._held

    def contexts(self) -> list[str]:
        """Held contexts, least recently looked up first."""
        return list(self._held)

    def peek(self, context: str) -> NamespaceIndex | None:
        """The index, without counting as a use."""
        held = self._held.get(context)
        return None if held is None else held.index

    def use(self, context: str) -> NamespaceIndex | None:
        """The index for a lookup: it becomes the most recently used."""
        held = self._held.get(context)
        if held is None:
            return None
        self._held.move_to_end(context)
        held.used_at = self._clock()
        self._recount(held)
        return held.index

    def install(self, context: str, index: NamespaceIndex, asked_at: float | None = None) -> None:
        """A landed build, used when last asked for (``asked_at``, default now); the least
        recently used leave if over budget, others than this one."""
        self.pop(context)
        now = self._clock()
        used_at = now if asked_at is None else min(asked_at, now)
        if self.idle_s > 0:  # a landed build outlives half the idle time, however long it took
            used_at = max(used_at, now - self.idle_s / 2)
        self._held[context] = _Held(index, used_at, len(index))
        # Keep the order by recency (``expire`` and ``_fit`` read it from the front): those
        # looked up since it was asked for go after it. O(held), once per build.
        for later in [c for c, h in self._held.items() if h.used_at > used_at]:
            self._held.move_to_end(later)
        self.entries += len(index)
        # It stays: ``reserve`` already evicted others for its entries, so only its fixed cost
        # (or changes replayed into it) can be over; dropping it would waste that room and the
        # build, and rerun it at its next lookup. Its place counts from the next eviction on.
        self._fit(spare=context)

    def resized(self, context: str) -> None:
        """The context's index changed size (a change applied): recount, evict if over."""
        held = self._held.get(context)
        if held is not None:
            self._recount(held)
            self._fit()

    def reserve(self, entries: int) -> None:
        """A build is filling an index of ``entries``: make room for it (it may evict all)."""
        self.reserved += entries
        self._fit(keep=0)

    def release(self, entries: int) -> None:
        """That build ended (installed, discarded or failed)."""
        self.reserved -= entries

    def pop(self, context: str) -> NamespaceIndex | None:
        held = self._held.pop(context, None)
        if held is None:
            return None
        self.entries -= held.counted
        return held.index

    def clear(self) -> None:
        self._held.clear()
        self.entries = 0

    def expire(self) -> None:
        """Let go of the indexes no lookup asked for in ``idle_s`` (oldest first: O(evicted))."""
        if self.idle_s <= 0:
            return
        oldest = self._clock() - self.idle_s
        while self._held:
            context, held = next(iter(self._held.items()))
            if held.used_at > oldest:
                return
            self.pop(context)
            self.counters.semantic_index_idle_evictions += 1

    def _recount(self, held: _Held) -> None:
        size = len(held.index)
        self.entries += size - held.counted
        held.counted = size

    def _cost(self) -> int:
        return self.entries + self.index_cost * len(self._held) + self.reserved

    def _fit(self, keep: int = 1, spare: str | None = None) -> None:
        # Least recently used first: a cold index grown by other instances' adds may be the one
        # to go. One index alone always fits (the settings refuse a budget under the
        # per-namespace cap, which every index keeps to): the most recently used stays even if
        # builds in progress want its room; ``reserve`` keeps none.
        while self._cost() > self.budget and len(self._held) > keep:
            self.pop(next(c for c in self._held if c != spare))
            self.counters.semantic_index_evictions += 1
