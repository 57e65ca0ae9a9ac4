"""This instance's index of each semantic namespace: built in the background, kept in sync.

A lookup in a namespace whose index is not built yet starts the build and is served as a miss
at once (the request goes upstream); it never waits for the build, which at 100k entries takes
seconds. Changes that arrive while a build runs are queued and applied when it lands, so none
is lost whichever side of the build's store read they fell on (adds and removes are
idempotent). A flush or a lost subscription discards a running build: its result is dropped
and the next lookup loads the store again. A failed build (store outage) is logged, counted
and retried by a lookup after ``retry_after_s``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Literal

from llm_gateway.cache.counters import CacheCounters
from llm_gateway.cache.semantic.embed import Vectors
from llm_gateway.cache.semantic.index import NamespaceIndex
from llm_gateway.cache.semantic.store import VectorStore, unpack_many
from llm_gateway.core.logging import get_logger

_log = get_logger("llm_gateway.cache.semantic")
Op = Literal["add", "del"]


@dataclass(slots=True, eq=False)
class _Build:
    """One running build; compared by identity (a discarded build must not install)."""

    pending: list[tuple[Op, str, Vectors | None]] = field(default_factory=list)


class NamespaceIndexes:
    """Built indexes, running builds and failed builds' retry times, per namespace."""

    def __init__(self, vectors: VectorStore, dim: int, retry_after_s: float) -> None:
        self.vectors = vectors
        self.dim = dim
        self.retry_after_s = retry_after_s
        self._built: dict[str, NamespaceIndex] = {}
        self._builds: dict[str, _Build] = {}
        self._failed_at: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def built(self, context: str) -> NamespaceIndex | None:
        """The namespace's index if built; never starts a build."""
        return self._built.get(context)

    def ready(self, context: str, counters: CacheCounters) -> NamespaceIndex | None:
        """The index, or None (a miss) after starting its build if none runs or waits to retry."""
        index = self._built.get(context)
        if index is not None or context in self._builds:
            return index
        failed_at = self._failed_at.get(context)
        if failed_at is not None and time.monotonic() - failed_at < self.retry_after_s:
            return None
        self._failed_at.pop(context, None)
        build = _Build()
        self._builds[context] = build
        task = asyncio.create_task(self._build(context, build, counters), name="cache-index-build")
        self._tasks.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)
        return None

    def change(self, context: str, op: Op, digest: str, vector: Vectors | None = None) -> None:
        """Apply an add or a removal to the namespace's index, or queue it behind its build."""
        index = self._built.get(context)
        if index is not None:
            _apply(index, op, digest, vector)
            return
        build = self._builds.get(context)
        if build is not None:
            build.pending.append((op, digest, vector))
        # Neither: the store has the change, and a later build reads it from there.

    def drop(self, namespace: str) -> None:
        """Forget every index of a tenant namespace (flushed), built or building."""
        prefix = namespace + "|"
        for table in (self._built, self._builds):
            for context in [c for c in table if c.startswith(prefix)]:
                del table[context]

    def clear(self) -> None:
        """Forget everything (the subscription was lost: changes may have been missed)."""
        self._built.clear()
        self._builds.clear()

    async def _build(self, context: str, build: _Build, counters: CacheCounters) -> None:
        try:
            digests, packed = await self.vectors.load(context)
            index = NamespaceIndex(self.dim)
            if digests:
                # Decoding and indexing (up to 100k entries: seconds) run on a worker thread.
                await asyncio.to_thread(_fill, index, digests, packed)
        except Exception as exc:
            # A background task: nothing above it would see the error. The lookups were misses.
            counters.semantic_index_build_failures += 1
            _log.warning("semantic index build failed; retried later", error=repr(exc))
            if self._builds.get(context, build) is build:  # (discarded meanwhile: still pause)
                self._builds.pop(context, None)
                self._failed_at[context] = time.monotonic()
            return
        if self._builds.get(context) is not build:
            return  # flushed or resynced meanwhile: a newer build reads the store again
        del self._builds[context]
        for op, digest, vector in build.pending:
            _apply(index, op, digest, vector)
        self._built[context] = index

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def stats(self) -> dict[str, int]:
        return {
            "namespaces_loaded": len(self._built),
            "entries_loaded": sum(len(i) for i in self._built.values()),
            "namespaces_building": len(self._builds),
        }


def _fill(index: NamespaceIndex, digests: list[str], packed: list[bytes]) -> None:
    index.add_many(digests, unpack_many(packed))


def _apply(index: NamespaceIndex, op: Op, digest: str, vector: Vectors | None) -> None:
    if op == "add" and vector is not None:
        index.add(digest, vector)
    elif op == "del":
        index.remove(digest)
