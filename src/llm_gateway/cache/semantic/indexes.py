"""This instance's index of each semantic namespace: built in the background, kept in sync.

A lookup in a namespace whose index is not built yet starts the build and is served as a miss
at once (the request goes upstream); it never waits for the build, which at 100k entries takes
seconds. Changes that arrive while a build runs are queued and replayed (on the worker thread,
in rounds until the queue is empty) when it lands, so none is lost whichever side of the
build's store read they fell on (adds and removes are idempotent); at most ``max_pending`` of
them: one more discards the build (counted), and the first lookup after it ends builds again. A
flush or a lost subscription discards a running build: its result is dropped and the first
lookup after it ends loads the store again. A failed build (store outage) is logged, counted
and retried by a lookup after ``retry_after_s`` (retry times older than that are pruned, so
they stay bounded). At most ``max_builds`` builds run at once
(``LLMGW_CACHE__SEMANTIC_MAX_CONCURRENT_BUILDS``): each reads up to ``max_entries`` vectors
into memory and holds a worker thread, and a restart under many tenants' traffic would start
one per namespace. A first lookup finding every slot taken is a miss, counted as deferred,
and waits in line (``build_line.py``): each slot freed starts the longest waiter, so a rare
namespace is not starved by busy ones. A failed build pauses the line until the next lookup
(lookups come only while the cache finds its store up: an outage must not run the line). A
build holds its slot until it ends, discarded ones included (their worker thread cannot
be stopped); a failed one frees it at once. No index ever holds more than ``max_entries``
(``LLMGW_CACHE__MAX_ENTRIES_PER_NAMESPACE``): adds past it are refused, whether they arrive
live, queued behind a build or from the store. Built indexes are held within an entry budget
across namespaces, least recently used evicted first, and let go when idle (``held.py``);
a build counts against that budget from the moment its store read lands, and idle indexes
are let go when a build lands as well as on lookups.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from llm_gateway.cache.counters import CacheCounters
from llm_gateway.cache.semantic.build_line import BuildLine
from llm_gateway.cache.semantic.embed import Vectors
from llm_gateway.cache.semantic.held import HeldIndexes
from llm_gateway.cache.semantic.index import NamespaceIndex
from llm_gateway.cache.semantic.store import VectorStore, unpack_many
from llm_gateway.core.logging import get_logger

_log = get_logger("llm_gateway.cache.semantic")
Op = Literal["add", "del"]
# Changes queued behind one build. Each queued add holds its vector (384 float32: 1.5 KB), so
# this caps a build's queue near 15 MB; a 100k-entry build takes ~10 s here, so it takes a
# namespace receiving ~1000 changes/s throughout to overflow it.
MAX_PENDING = 10_000


@dataclass(slots=True, eq=False)
class _Build:
    """One running build; compared by identity (a discarded build must not install)."""

    pending: list[tuple[Op, str, Vectors | None]] = field(default_factory=list)
    # Discarded (queue overflow, flush or resync): its result is dropped. It stays listed until
    # it ends (its worker thread cannot be stopped), so no second build runs beside it.
    discarded: bool = False
    # Entries counted against the budget while it fills its index (``HeldIndexes.reserve``).
    reserved: int = 0
    # When a lookup last asked for the namespace (monotonic): where its index goes among the
    # held ones, by recency. A build from the line may land long after it was asked for.
    asked_at: float = 0.0

    def discard(self) -> None:
        self.discarded = True
        self.pending.clear()


class NamespaceIndexes:
    """Built indexes, running builds and failed builds' retry times, per namespace."""

    def __init__(
        self,
        vectors: VectorStore,
        dim: int,
        retry_after_s: float,
        max_entries: int,
        budget: int,
        idle_s: float,
        counters: CacheCounters,
        max_builds: int = 2,
        max_pending: int = MAX_PENDING,
        index_cost: int = 0,
    ) -> None:
        self.vectors = vectors
        self.dim = dim
        self.retry_after_s = retry_after_s
        self.max_entries = max_entries
        self.max_builds = max_builds
        self.max_pending = max_pending
        self.counters = counters
        self._built = HeldIndexes(budget, idle_s, counters, index_cost=index_cost)
        self._builds: dict[str, _Build] = {}
        self._line = BuildLine()
        self._line_paused = False  # after a failed build, until the next lookup
        self._closed = False
        # Failed builds' times, oldest first (pruned once past ``retry_after_s``).
        self._failed_at: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def built(self, context: str) -> NamespaceIndex | None:
        """The namespace's index if built; never starts a build nor counts as a use."""
        return self._built.peek(context)

    def full(self, context: str) -> bool:
        """The namespace's built index is at ``max_entries`` (an add would be refused)."""
        index = self._built.peek(context)
        return index is not None and len(index) >= self.max_entries

    def ready(self, context: str) -> NamespaceIndex | None:
        """The index, or None (a miss) after starting its build if none runs or waits to retry:
        at once if a build slot is free (``max_builds``), else when its turn in line comes."""
        self._built.expire()
        index = self._built.use(context)
        if index is not None:
            return index
        build = self._builds.get(context)
        if build is not None:
            build.asked_at = time.monotonic()  # asked again while it builds
            return None
        self._prune_failed()
        if context in self._failed_at:
            return None  # failed under ``retry_after_s`` ago
        if self._closed:
            return None
        self._line_paused = False  # the store answers again: the line may run
        if context in self._line:  # asked now: if its turn comes below, its build counts from now
            self._line.add(context, time.monotonic())
        self._start_waiting()  # (those in line come first, this one too if its turn came)
        if context in self._builds:
            return None
        if len(self._builds) >= self.max_builds:
            self.counters.semantic_index_build_deferred += 1
            self._line.add(context, time.monotonic())
            return None
        self._start(context, time.monotonic())
        return None

    def _start(self, context: str, asked_at: float) -> None:
        self._line.remove(context)
        build = _Build(asked_at=asked_at)
        self._builds[context] = build
        task = asyncio.create_task(self._build(context, build), name="cache-index-build")
        self._tasks.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)

    def _start_waiting(self) -> None:
        """Fill free build slots from the line (skipping namespaces built, building or failed)."""
        if self._closed or self._line_paused:
            return
        self._prune_failed()
        while len(self._builds) < self.max_builds:
            waiter = self._line.pop(time.monotonic())
            if waiter is None:
                return
            context, asked_at = waiter
            if context in self._builds or context in self._failed_at:
                continue
            if self._built.peek(context) is not None:
                continue
            self._start(context, asked_at)

    def change(self, context: str, op: Op, digest: str, vector: Vectors | None = None) -> None:
        """Apply an add or a removal to the namespace's index, or queue it behind its build."""
        index = self._built.peek(context)
        if index is not None:
            _change(index, op, digest, vector, self.max_entries)
            self._built.resized(context)  # past the budget: the least recently used go
            return
        build = self._builds.get(context)
        if build is None or build.discarded:
            return  # the store has the change, and a later build reads it from there
        if len(build.pending) >= self.max_pending:
            build.discard()
            self.counters.semantic_index_build_overflows += 1
            _log.warning("semantic index build discarded: too many changes during it")
            return
        build.pending.append((op, digest, vector))

    def drop(self, namespace: str) -> None:
        """Forget every index of a tenant namespace (flushed), built or building."""
        prefix = namespace + "|"
        for context in [c for c in self._built.contexts() if c.startswith(prefix)]:
            self._built.pop(context)
        for context, build in self._builds.items():
            if context.startswith(prefix):
                build.discard()
        self._line.drop_tenant(namespace)  # flushed: nothing to build until asked again

    def clear(self) -> None:
        """Forget everything (the subscription was lost: changes may have been missed)."""
        self._built.clear()
        self._line.clear()
        for build in self._builds.values():
            build.discard()

    async def _build(self, context: str, build: _Build) -> None:
        try:
            await self._run(context, build)
        finally:
            self._start_waiting()  # its slot is free (or was already, after a failure)

    async def _run(self, context: str, build: _Build) -> None:
        counters = self.counters
        try:
            index = await self._load(context, build)
            # The queued changes are replayed on the worker thread too (an HNSW add costs most
            # of a millisecond: a full queue would hold the loop for seconds). Changes arriving
            # meanwhile queue behind this build, still listed, and are replayed in the next
            # round; the loop ends with an empty queue (then installed, no await in between) or
            # on an overflow.
            while self._builds.get(context) is build and not build.discarded and build.pending:
                batch, build.pending = build.pending, []
                await asyncio.to_thread(_replay, index, batch, self.max_entries)
        except Exception as exc:
            # A background task: nothing above it would see the error. The lookups were misses.
            counters.semantic_index_build_failures += 1
            _log.warning("semantic index build failed; retried later", error=repr(exc))
            if self._builds.get(context) is build:  # (discarded meanwhile: still pause)
                del self._builds[context]  # its slot is free at once
                self._prune_failed()  # (bounded even if no lookup or stats read comes)
                self._failed_at.pop(context, None)  # (kept oldest first)
                self._failed_at[context] = time.monotonic()
            self._line_paused = True  # the store may be down: the next lookup resumes the line
            return
        finally:
            # Before the install below (no await in between): the index counts in its place.
            self._built.release(build.reserved)
            build.reserved = 0
        if self._builds.get(context) is not build:
            return
        del self._builds[context]
        if build.discarded:
            return  # flushed, resynced or changes lost: the next lookup reads the store again
        self._built.expire()  # cheap (O(expired)), and lookups may be rare meanwhile
        # Placed by when it was last asked for, not as the most recently used: a build that
        # waited in line goes before the indexes looked up since, at the next eviction. It is
        # not evicted by its own install (``reserve`` already made room for its entries).
        self._built.install(context, index, build.asked_at)

    async def _load(self, context: str, build: _Build) -> NamespaceIndex:
        digests, packed = await self.vectors.load(context)
        # More than the cap is stored when adds raced a build elsewhere: index the cap's worth.
        digests, packed = digests[: self.max_entries], packed[: self.max_entries]
        index = NamespaceIndex(self.dim)
        if digests and not build.discarded:  # (discarded: dropped anyway, spare the work)
            # The vectors are in memory from here: held indexes make room for them now.
            build.reserved = len(digests)
            self._built.reserve(build.reserved)
            # Decoding and indexing (up to 100k entries: seconds) run on a worker thread.
            await asyncio.to_thread(_fill, index, digests, packed)
        return index

    def _prune_failed(self) -> None:
        oldest = time.monotonic() - self.retry_after_s
        while self._failed_at:
            context, failed_at = next(iter(self._failed_at.items()))
            if failed_at > oldest:
                return
            del self._failed_at[context]

    async def aclose(self) -> None:
        self._closed = True  # lookups may still come (background chat turns): start nothing
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def stats(self) -> dict[str, int]:
        self._prune_failed()
        return {
            "namespaces_loaded": len(self._built),
            "entries_loaded": self._built.entries,
            "entries_budget": self._built.budget,
            "namespaces_building": len(self._builds),
            "namespaces_waiting": len(self._line),
            "builds_max": self.max_builds,
            "entries_building": self._built.reserved,
            "namespaces_retrying": len(self._failed_at),
            "changes_queued": sum(len(b.pending) for b in self._builds.values()),
        }


def _fill(index: NamespaceIndex, digests: list[str], packed: list[bytes]) -> None:
    # Rows that cannot be indexed are skipped, not the build (which would fail again at every
    # retry): another dimension (an instance with another embedder wrote them) or not finite
    # (one NaN in the HNSW graph makes searches miss other entries).
    size = 2 * index.dim  # float16
    rows = [(d, p) for d, p in zip(digests, packed, strict=True) if len(p) == size]
    if not rows:
        return
    vectors = unpack_many([p for _, p in rows])
    finite = np.all(np.isfinite(vectors), axis=1)
    index.add_many([d for (d, _), ok in zip(rows, finite, strict=True) if ok], vectors[finite])


def _change(
    index: NamespaceIndex, op: Op, digest: str, vector: Vectors | None, max_entries: int
) -> None:
    # One rule for live and queued adds: none past the cap (as ``SemanticLayer.add``).
    if op == "add" and vector is not None and len(index) < max_entries:
        index.add(digest, vector)
    elif op == "del":
        index.remove(digest)


def _replay(
    index: NamespaceIndex, changes: list[tuple[Op, str, Vectors | None]], max_entries: int
) -> None:
    for op, digest, vector in changes:
        _change(index, op, digest, vector, max_entries)
