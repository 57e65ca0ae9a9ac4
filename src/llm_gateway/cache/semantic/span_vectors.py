"""Swapped-span vectors kept across lookups, per namespace, in a bounded LRU.

A lookup whose candidate has a swapped slot embeds the two swapped spans ("laptop" / "notebook",
``span_check``): ~7 ms of CPU per new text on this box's e5 (~14 ms for one pair, ~34 ms for the
five texts of four distinct candidates: docs/CACHE.md), more than the rest of a lookup.
Slot words repeat (a namespace's frequent entries are candidates again and again, and the asked
side of a popular question comes back in new words), so their vectors are kept: a span seen
before embeds nothing. The key carries the namespace: a cached vector is faster than a fresh one,
and a tenant must not learn from a lookup's time which words another tenant's lookups used; a
flushed namespace's spans go with it (``drop``): they are fragments of its prompts. Spans are one
to a few words, so an entry is a 384-float vector and a short string (~1.6 KB; each row is copied
out of its batch, so a kept row holds no batch alive); the default 4,096 entries hold ~7 MB. One
table for every namespace: a tenant with many distinct spans can push others' out (they embed
again, as without the table), not read them.

Lookups score on the embedder's thread (``run_off_loop``); a lock keeps the table whole for an
embedder that runs calls on several threads (``asyncio.to_thread``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from llm_gateway.cache.semantic.embed import Vectors
from llm_gateway.cache.semantic.span_check import Embed


class SpanVectors:
    """``for_namespace(ns)`` is an ``Embed`` that answers texts seen in ``ns`` from the table and
    embeds the rest in one call; at most ``max_texts`` vectors are kept (least recently used
    first out); 0 keeps none (every call goes to ``embed``)."""

    def __init__(self, embed: Embed, max_texts: int) -> None:
        self._embed = embed
        self._max = max_texts
        self._table: OrderedDict[tuple[str, str], Vectors] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._table)

    def stats(self) -> dict[str, int]:
        return {
            "span_vectors_held": len(self._table),
            "span_vector_hits": self.hits,
            "span_vector_misses": self.misses,
        }

    def drop(self, namespace: str) -> None:
        """Forget every span vector of ``namespace`` (flushed)."""
        with self._lock:
            for key in [k for k in self._table if k[0] == namespace]:
                del self._table[key]

    def for_namespace(self, namespace: str) -> Embed:
        if self._max == 0:
            return self._embed

        def embed(texts: Sequence[str]) -> Vectors:
            return self._vectors(namespace, texts)

        return embed

    def _vectors(self, namespace: str, texts: Sequence[str]) -> Vectors:
        if not texts:
            return self._embed(texts)
        found: dict[str, Vectors] = {}
        with self._lock:
            for text in texts:
                vector = self._table.get((namespace, text))
                if vector is not None:
                    self._table.move_to_end((namespace, text))
                    found[text] = vector
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            fresh = self._embed(missing)  # outside the lock: the model call is the slow part
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    found[text] = vector
                    # A copy: the row is a view of the whole batch, which it would keep alive.
                    self._table[(namespace, text)] = vector.copy()
                    self._table.move_to_end((namespace, text))
                while len(self._table) > self._max:
                    self._table.popitem(last=False)
        with self._lock:
            self.hits += len(texts) - len(missing)
            self.misses += len(missing)
        return np.stack([found[text] for text in texts])
