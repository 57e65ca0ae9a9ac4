"""The per-namespace vector index: nearest first, removals take effect."""

from __future__ import annotations

import numpy as np

from llm_gateway.cache.semantic.index import NamespaceIndex


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.standard_normal((n, 16)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_search_finds_the_nearest_and_forgets_removed_entries() -> None:
    rng = np.random.default_rng(1)
    vectors = _unit(rng, 200)
    index = NamespaceIndex(16)
    index.add_many([f"d{i}" for i in range(200)], vectors)
    index.add("d0", vectors[0])  # idempotent
    assert len(index) == 200
    best, cosine = index.search(vectors[42], 1)[0]
    assert best == "d42"
    assert cosine > 0.99
    index.remove("d42")
    assert all(d != "d42" for d, _ in index.search(vectors[42], 5))
    assert "d42" not in index


def test_every_entry_is_found_by_its_own_vector() -> None:
    """A batch add builds the same graph every time: no entry is unreachable from its own prompt
    (with usearch's default of one thread per core, most builds of these 200 left one or more)."""
    for build in range(20):
        vectors = _unit(np.random.default_rng(build), 200)
        index = NamespaceIndex(16)
        index.add_many([f"d{i}" for i in range(200)], vectors)
        missed = [i for i in range(200) if index.search(vectors[i], 1)[0][0] != f"d{i}"]
        assert missed == [], f"build {build}"
