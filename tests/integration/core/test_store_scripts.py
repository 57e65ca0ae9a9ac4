"""Script calls made together keep their own atomicity and reply; errors stay with their caller."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest

from llm_gateway.core.config import StoreSettings
from llm_gateway.core.store import (
    MemoryData,
    Store,
    StoreScript,
    StoreUnavailableError,
    create_store,
)
from llm_gateway.core.store.base import ScriptArg
from tests.backends import Backend


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    from tests.conftest import build_settings

    s = create_store(build_settings(backend).store)
    yield s
    await s.close()


def _take(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> list[int]:
    current = int(data.get(keys[0]) or 0)
    if current >= int(args[0]):
        return [0, current]
    data.set(keys[0], str(current + 1).encode())
    return [1, current + 1]


TAKE = StoreScript(
    name="test_take_one",
    lua="""
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current >= tonumber(ARGV[1]) then return {0, current} end
redis.call('SET', KEYS[1], current + 1)
return {1, current + 1}
""",
    python=_take,
)


def _fail(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> int:
    raise RuntimeError("script error")


FAIL = StoreScript(name="test_fail", lua="return redis.error_reply('script error')", python=_fail)


async def test_concurrent_calls_each_get_their_own_reply(store: Store) -> None:
    """Fifty calls issued together against a limit of 30: exactly 30 admitted, counts 1..30."""
    key = "batch:take"
    replies = await asyncio.gather(*(store.run_script(TAKE, [key], [30]) for _ in range(50)))
    admitted = sorted(int(r[1]) for r in replies if int(r[0]) == 1)
    assert admitted == list(range(1, 31))
    assert all(int(r[1]) == 30 for r in replies if int(r[0]) == 0)
    await store.delete(key)


async def test_a_failing_script_fails_only_its_caller(store: Store) -> None:
    key = "batch:mixed"
    results = await asyncio.gather(
        store.run_script(TAKE, [key], [10]),
        store.run_script(FAIL, [key], []),
        store.run_script(TAKE, [key], [10]),
        return_exceptions=True,
    )
    assert [int(r[1]) for r in results if isinstance(r, list)] == [1, 2]
    assert isinstance(results[1], Exception)
    await store.delete(key)


async def test_unreachable_redis_fails_every_queued_call() -> None:
    store = create_store(
        StoreSettings(redis_url="redis://127.0.0.1:1/0", socket_timeout_s=0.5, namespace="x:")
    )
    try:
        results = await asyncio.gather(
            *(store.run_script(TAKE, ["k"], [1]) for _ in range(3)), return_exceptions=True
        )
        assert all(isinstance(r, StoreUnavailableError) for r in results)
    finally:
        await store.close()
