"""An in-process approximate-nearest-neighbour index per semantic namespace (usearch HNSW).

Vectors are L2-normalised, stored as float16 (384 dims: 768 bytes each, ~80 MB per 100k). A
search returns cosines; removals are immediate. The shared copy lives in the store
(``store.py``); every instance rebuilds its index from there and follows changes by pub/sub.
"""

from __future__ import annotations

import numpy as np
from usearch.index import Index

from llm_gateway.cache.semantic.embed import Vectors

# HNSW search depth ("ef"): bench/cache_index.py sweeps it (recall against latency at 100k).
EXPANSION_SEARCH = 128


class NamespaceIndex:
    """Digests ↔ usearch integer keys, plus the index itself."""

    __slots__ = ("_by_digest", "_by_key", "_index", "_next")

    def __init__(self, dim: int, expansion_search: int = EXPANSION_SEARCH) -> None:
        self._index = Index(
            ndim=dim,
            metric="cos",
            dtype="f16",
            connectivity=16,
            expansion_search=expansion_search,
        )
        self._by_digest: dict[str, int] = {}
        self._by_key: dict[int, str] = {}
        self._next = 0

    def __len__(self) -> int:
        return len(self._by_digest)

    @property
    def dim(self) -> int:
        return int(self._index.ndim)

    def __contains__(self, digest: str) -> bool:
        return digest in self._by_digest

    def add(self, digest: str, vector: Vectors) -> None:
        if digest in self._by_digest:
            return
        key = self._next
        self._next += 1
        self._index.add(key, np.asarray(vector, dtype=np.float32))
        self._by_digest[digest] = key
        self._by_key[key] = digest

    def add_many(self, digests: list[str], vectors: Vectors) -> None:
        fresh = [(d, v) for d, v in zip(digests, vectors, strict=True) if d not in self._by_digest]
        if not fresh:
            return
        keys = np.arange(self._next, self._next + len(fresh), dtype=np.uint64)
        # One thread: with usearch's default (a thread per core) the graph is built in a different
        # order run to run, and an entry could then be missed by a search for its own vector.
        self._index.add(keys, np.asarray([v for _, v in fresh], dtype=np.float32), threads=1)
        for key, (digest, _) in zip(keys.tolist(), fresh, strict=True):
            self._by_digest[digest] = key
            self._by_key[key] = digest
        self._next += len(fresh)

    def remove(self, digest: str) -> None:
        key = self._by_digest.pop(digest, None)
        if key is not None:
            self._by_key.pop(key, None)
            self._index.remove(key)

    def vector(self, digest: str) -> Vectors | None:
        """The stored (float16) vector of an entry, for the verifier's pair head; None if gone."""
        key = self._by_digest.get(digest)
        found = None if key is None else self._index.get(key)
        return None if found is None else np.asarray(found, dtype=np.float32)

    def set_expansion_search(self, value: int) -> None:
        self._index.expansion_search = value  # type: ignore[misc]  # settable at run time

    def search(self, vector: Vectors, k: int = 4) -> list[tuple[str, float]]:
        """Up to ``k`` nearest entries as (digest, cosine), best first."""
        if not self._by_digest:
            return []
        found = self._index.search(np.asarray(vector, dtype=np.float32), k)
        out = []
        for key, distance in zip(found.keys.tolist(), found.distances.tolist(), strict=True):
            digest = self._by_key.get(int(key))
            if digest is not None:
                out.append((digest, 1.0 - float(distance)))
        return out
