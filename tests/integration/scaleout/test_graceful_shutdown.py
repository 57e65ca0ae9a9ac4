"""SIGTERM with a shutdown delay: readiness goes 503 first while requests are still served."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx
import pytest

from llm_gateway.fake_upstream import FakeUpstream
from tests.backends import Backend
from tests.integration.quotas.support import MASTER, MASTER_KEY, chat, write_registry
from tests.integration.scaleout.cluster import gateway_env, start_instance, stop_instance

pytestmark = pytest.mark.slow
HIGH = {"enterprise": {"requests_per_minute": 100_000}}


async def test_sigterm_turns_readiness_off_before_the_server_stops(
    backend: Backend, tmp_path: Path
) -> None:
    async with FakeUpstream(seed=1) as fake:
        env = gateway_env(backend, write_registry(tmp_path, fake.base_url), MASTER_KEY, HIGH)
        env["LLMGW_SERVER__SHUTDOWN_DELAY_S"] = "3"
        instance = await start_instance(env, tmp_path)
        try:
            async with httpx.AsyncClient(base_url=instance.base_url, timeout=10) as client:
                assert (await client.get("/health/ready")).status_code == 200
                instance.process.send_signal(signal.SIGTERM)
                await asyncio.sleep(0.3)
                ready = await client.get("/health/ready")
                assert ready.status_code == 503
                assert "shutting down" in ready.json()["error"]["message"]
                # Still serving while the load balancer takes it out of rotation.
                served = await client.post("/v1/chat/completions", json=chat(), headers=MASTER)
                assert served.status_code == 200
                assert instance.process.returncode is None
            code = await asyncio.wait_for(instance.process.wait(), 30)
            assert code in (0, -signal.SIGTERM)
        finally:
            await stop_instance(instance, signal.SIGKILL)
