"""Swapped-span vectors kept across lookups, per namespace, in a bounded LRU.

A lookup whose candidate has a swapped slot embeds the two swapped spans ("laptop" / "notebook",
``span_check``): ~17 ms of CPU per new text on this box's e5, more than the rest of a lookup.
Slot words repeat (a namespace's frequent entries are candidates again and again, and the asked
side of a popular question comes back in new words), so their vectors are kept: a span seen
before embeds nothing. The key carries the namespace: a cached vector is faster than a fresh one,
and a tenant must not learn from a lookup's time which words another tenant's lookups used.
Spans are one to a few words, so an entry is a 384-float vector and a short string (~1.6 KB);
the default 4,096 entries hold ~7 MB.

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

    def for_namespace(self, namespace: str) -> Embed:
        if self._max == 0:
            return self._embed

        def embed(texts: Sequence[str]) -> Vectors:
            return self._vectors(namespace, texts)

        return embed

    def _vectors(self, namespace: str, texts: Sequence[str]) -> Vectors:
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
                    self._table[(namespace, text)] = vector
                    self._table.move_to_end((namespace, text))
                while len(self._table) > self._max:
                    self._table.popitem(last=False)
        with self._lock:
            self.hits += len(texts) - len(missing)
            self.misses += len(missing)
        return np.stack([found[text] for text in texts])
