"""Built semantic indexes stay within an entry budget: least recently looked up evicted first.

``HeldIndexes`` alone (no store), with real usearch indexes and a clock the test moves; the
store-backed rebuild after an eviction is ``tests/integration/cache/test_semantic_index_budget.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from llm_gateway.cache.counters import CacheCounters
from llm_gateway.cache.semantic.held import HeldIndexes
from llm_gateway.cache.semantic.index import NamespaceIndex
from llm_gateway.core.config import CacheSettings

DIM = 8


def sized(entries: int) -> NamespaceIndex:
    index = NamespaceIndex(DIM)
    for i in range(entries):
        index.add(f"d{i}", np.eye(DIM, dtype=np.float32)[i % DIM])
    return index


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_installing_past_the_budget_evicts_the_least_recently_looked_up() -> None:
    counters = CacheCounters()
    held = HeldIndexes(budget=6, idle_s=0, counters=counters)
    for context in ("a", "b", "c"):
        held.install(context, sized(2))
    assert held.entries == 6
    assert held.use("a") is not None  # "a" is now the most recent: "b" is the oldest
    held.install("d", sized(2))
    assert held.contexts() == ["c", "a", "d"]
    assert held.entries == 6
    assert counters.semantic_index_evictions == 1
    held.install("e", sized(4))  # needs two indexes' room
    assert held.contexts() == ["d", "e"]
    assert held.entries == 6
    assert counters.semantic_index_evictions == 3
    assert held.use("b") is None  # evicted: the caller builds it again


def test_a_peek_is_not_a_use() -> None:
    held = HeldIndexes(budget=4, idle_s=0, counters=CacheCounters())
    held.install("a", sized(2))
    held.install("b", sized(2))
    assert held.peek("a") is not None  # a change applied, a "full?" check: not a lookup
    held.install("c", sized(2))
    assert held.contexts() == ["b", "c"]


def test_an_index_grown_past_the_budget_evicts_the_oldest_even_itself() -> None:
    counters = CacheCounters()
    held = HeldIndexes(budget=5, idle_s=0, counters=counters)
    held.install("cold", sized(2))
    held.install("hot", sized(3))
    cold = held.peek("cold")
    assert cold is not None
    cold.add("new", np.ones(DIM, dtype=np.float32))  # another instance's add, via pub/sub
    held.resized("cold")
    assert held.contexts() == ["hot"]  # the cold index grew, and it was the least recently used
    assert held.entries == 3
    assert counters.semantic_index_evictions == 1


def test_one_index_alone_is_never_evicted_and_removals_are_counted() -> None:
    held = HeldIndexes(budget=2, idle_s=0, counters=CacheCounters())
    held.install("big", sized(3))  # only if the per-namespace cap exceeds the budget (refused)
    assert held.contexts() == ["big"]
    index = held.peek("big")
    assert index is not None
    index.remove("d0")  # a lookup's own tidying, straight on the index ...
    assert held.use("big") is index
    assert held.entries == 2  # ... counted the next time it is touched
    held.pop("big")
    assert (held.entries, len(held)) == (0, 0)


def test_builds_in_progress_count_against_the_budget() -> None:
    counters = CacheCounters()
    held = HeldIndexes(budget=6, idle_s=0, counters=counters)
    for context in ("a", "b", "c"):
        held.install(context, sized(2))
    held.reserve(2)  # a build's store read landed: its 2 entries are in memory now
    assert held.contexts() == ["b", "c"]  # 6 held + 2 building > 6: the oldest goes
    held.reserve(4)  # another: every held index may go (the builds alone fill the budget)
    assert (held.contexts(), held.entries, held.reserved) == ([], 0, 6)
    assert counters.semantic_index_evictions == 3
    held.release(4)  # discarded or failed: nothing installed
    held.release(2)
    held.install("d", sized(3))  # landed (released just before)
    assert (held.contexts(), held.entries, held.reserved) == (["d"], 3, 0)
    held.reserve(5)  # 3 + 5 > 6: "d" goes
    held.install("e", sized(2))  # the index just installed stays, even over the budget
    assert held.contexts() == ["e"]
    assert counters.semantic_index_evictions == 4


def test_indexes_unused_for_the_idle_time_are_let_go_oldest_first() -> None:
    clock, counters = Clock(), CacheCounters()
    held = HeldIndexes(budget=100, idle_s=60, counters=counters, clock=clock)
    held.install("a", sized(1))
    clock.now += 30
    held.install("b", sized(1))
    clock.now += 31
    assert held.use("b") is not None
    held.expire()
    assert held.contexts() == ["b"]
    assert counters.semantic_index_idle_evictions == 1
    clock.now += 59
    held.expire()
    assert held.contexts() == ["b"]  # looked up 59 s ago
    clock.now += 1
    held.expire()
    assert (len(held), held.entries, counters.semantic_index_idle_evictions) == (0, 0, 2)
    assert counters.semantic_index_evictions == 0


def test_no_idle_time_keeps_them() -> None:
    clock = Clock()
    held = HeldIndexes(budget=100, idle_s=0, counters=CacheCounters(), clock=clock)
    held.install("a", sized(1))
    clock.now += 1e9
    held.expire()
    assert held.contexts() == ["a"]


def test_a_budget_under_the_per_namespace_cap_stops_startup() -> None:
    with pytest.raises(ValidationError, match=r"SEMANTIC_INDEX_BUDGET.*MAX_ENTRIES_PER_NAMESPACE"):
        CacheSettings(semantic_index_budget=10, max_entries_per_namespace=11)
    assert CacheSettings(semantic_index_budget=11, max_entries_per_namespace=11)


def test_each_index_counts_its_fixed_cost_against_the_budget() -> None:
    # Every semantic context looked up gets an index, most of them empty (each later turn of a
    # conversation is a context of its own) or nearly: ~3.7 KB empty, ~50 KB from its first
    # entry (usearch's first allocation), against ~1.5 KB per entry at scale. Counted by their
    # entries alone, empty indexes never left (idle timeout off by default), and a budget of
    # 1-entry indexes held ~30 times the memory it was sized for.
    settings = CacheSettings(max_entries_per_namespace=10, semantic_index_budget=320)
    held = HeldIndexes(
        settings.semantic_index_budget,
        0,
        CacheCounters(),
        index_cost=settings.semantic_index_cost,
    )
    for i in range(50):
        held.install(f"empty{i}", sized(0))
    assert len(held) == 320 // settings.semantic_index_cost
    for i in range(50):
        held.install(f"one{i}", sized(1))
    assert len(held) == 320 // (settings.semantic_index_cost + 1)
    assert held.entries == len(held)  # the stat stays the entries held


def test_a_build_asked_for_earlier_takes_its_place_by_recency() -> None:
    clock = Clock()
    held = HeldIndexes(budget=8, idle_s=0, counters=CacheCounters(), clock=clock)
    held.install("old", sized(4))
    clock.now += 1
    asked = clock.now  # "late" asked for (its build waited in line) ...
    clock.now += 1
    held.install("hot", sized(4))  # ... and "hot" was looked up after that
    clock.now += 1
    held.install("late", sized(2), asked_at=asked)
    # Over budget: the least recently used go ("old"); "late" goes before "hot" from now on.
    assert held.contexts() == ["late", "hot"]
    held.install("big", sized(8))
    assert held.contexts() == ["big"]
    held.install("late", sized(8), asked_at=asked)
    # The index just installed stays (its build is not thrown away), placed as asked.
    assert held.contexts() == ["late"]


def test_a_slow_build_is_not_let_go_as_idle_the_moment_it_lands() -> None:
    clock = Clock()
    held = HeldIndexes(budget=100, idle_s=10, counters=CacheCounters(), clock=clock)
    asked = clock.now
    clock.now += 30  # its build took longer than the idle time
    held.install("slow", sized(1), asked_at=asked)
    clock.now += 4
    held.expire()
    assert held.contexts() == ["slow"]
