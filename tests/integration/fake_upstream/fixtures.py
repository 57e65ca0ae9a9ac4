"""Fixtures around the fake upstream, imported by the conftests that need them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from llm_gateway.fake_upstream import FakeUpstream


@pytest.fixture(scope="module")
async def fake_server() -> AsyncIterator[FakeUpstream]:
    """One fake upstream per test module (ephemeral port on 127.0.0.1)."""
    async with FakeUpstream(seed=1) as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeUpstream) -> FakeUpstream:
    """The module's fake upstream with scripts, knobs and the request log reset."""
    fake_server.reset()
    return fake_server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session, as the gateway's lifespan makes one."""
    async with aiohttp.ClientSession() as session:
        yield session
