"""In-process cache counters on the app state, ready for a Prometheus exporter to read."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(slots=True)
class CacheCounters:
    """Monotonic counts since start; one object per process (``AppState.cache.counters``)."""

    lookups: int = 0
    hits: int = 0  # exact
    semantic_hits: int = 0
    misses: int = 0
    stores: int = 0
    bypassed: int = 0  # not deterministic, or the caller sent no-cache
    verifier_rejections: int = 0  # a near candidate the verifier scored under its threshold
    threshold_rejections: int = 0  # passed the trained threshold, not the entry's learned one
    semantic_skipped_language: int = 0  # lookups whose prompt language the alias does not serve
    semantic_skipped_small_talk: int = 0  # lookups of small talk (``semantic/small_talk.py``)
    semantic_index_building: int = 0  # misses served while the namespace's index was building
    semantic_index_build_failures: int = 0  # builds that failed (store error); retried later
    semantic_index_build_overflows: int = 0  # builds discarded: too many changes during them
    semantic_index_build_deferred: int = 0  # ... not started: max concurrent builds running
    semantic_index_evictions: int = 0  # built indexes evicted to keep within the entry budget
    semantic_index_idle_evictions: int = 0  # ... let go after semantic_index_idle_s unused
    semantic_errors: int = 0  # the layer itself failed (embedder, verifier): served upstream
    semantic_sync_skipped: int = 0  # pub/sub messages unreadable or unappliable, skipped
    judge_calls: int = 0  # grey-zone candidates sent to the small model
    judge_hits: int = 0  # ... that it called the same question (served)
    judge_fallbacks: int = 0  # no verdict (budget, timeout, error): the verifier's miss stood
    flagged: int = 0
    store_errors: int = 0
    skipped_store_down: int = 0

    def snapshot(self) -> dict[str, int]:
        return asdict(self)
