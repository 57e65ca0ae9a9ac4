"""Two real gateway processes sharing one Redis admit exactly the limit between them."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest

from llm_gateway.fake_upstream import FakeUpstream
from tests.backends import Backend
from tests.integration.quotas.support import MASTER, MASTER_KEY, chat, write_registry
from tests.processes import free_port, stop, wait_until_up

pytestmark = pytest.mark.slow  # two gateway processes start: ~20 s
LIMIT = 10


@asynccontextmanager
async def gateway_process(env: dict[str, str], cwd: Path) -> AsyncIterator[str]:
    """``uvicorn llm_gateway.app:create_app`` in a subprocess; yields its base URL."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        "llm_gateway.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        env=env,
        cwd=cwd,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_until_up(process, base, "/health/live")
        yield base
    finally:
        await stop(process)


async def test_two_processes_on_one_redis_admit_exactly_the_limit(
    backend: Backend, tmp_path: Path
) -> None:
    if backend.redis_url is None:
        pytest.skip("the in-process store is per process; this needs Redis")
    async with FakeUpstream(seed=1) as fake, AsyncExitStack() as stack:
        models = write_registry(tmp_path, fake.base_url)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "LLMGW_ENVIRONMENT": "test",
            "LLMGW_DATABASE_URL": backend.database_url,
            "LLMGW_REDIS_URL": backend.redis_url,
            "LLMGW_STORE__NAMESPACE": f"{backend.namespace}mp-{uuid.uuid4().hex[:8]}:",
            "LLMGW_DATABASE__MIGRATE_ON_START": "false",
            "LLMGW_SECURITY__MASTER_KEY": MASTER_KEY,
            "LLMGW_PROVIDERS__MODELS_FILE": str(models),
            "LLMGW_PROVIDERS__DEMO_UPSTREAM": "false",
            "LLMGW_QUOTAS__TIERS": json.dumps({"enterprise": {"requests_per_minute": LIMIT}}),
            "LLMGW_QUOTAS__DEFAULT_TIER": "enterprise",
            "LLMGW_QUOTAS__LIMIT_MASTER_KEY": "true",
            "LLMGW_SERVER__ACCESS_LOG": "false",
            "LLMGW_TOOLS__CODE_EXECUTOR_MODE": "disabled",  # no sandbox probe at startup
            "LLMGW_TELEMETRY__LOG_LEVEL": "ERROR",
        }
        bases = [await stack.enter_async_context(gateway_process(env, tmp_path)) for _ in range(2)]
        clients = [
            await stack.enter_async_context(httpx.AsyncClient(base_url=b, timeout=30))
            for b in bases
        ]
        burst = [
            clients[i % 2].post("/v1/chat/completions", json=chat(), headers=MASTER)
            for i in range(4 * LIMIT)
        ]
        responses = await asyncio.gather(*burst)
    codes = [r.status_code for r in responses]
    assert codes.count(200) == LIMIT, codes
    assert codes.count(429) == 3 * LIMIT
    # Both processes took part in admitting and refusing.
    per_process = [[r.status_code for r in responses[i::2]] for i in range(2)]
    assert all(429 in codes for codes in per_process)
