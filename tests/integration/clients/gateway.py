"""A real ``llm-gateway serve`` process on a test backend: the shipped registry, the demo upstream.

Client programs (Claude Code, ...) run as separate processes, so they need a gateway listening on
a TCP port: this starts the console script exactly as ``make run`` does, on free ports, against
the session's database (and Redis when the backend has one).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.backends import Backend

MASTER_KEY = "sk-clients-test-master-key-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass(frozen=True)
class RunningGateway:
    base_url: str
    log: Path  # the process's stdout + stderr (access log lines included)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def gateway_env(backend: Backend, **extra: str) -> dict[str, str]:
    """A clean environment: nothing from the developer's shell (no provider keys) leaks in."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LLMGW_ENVIRONMENT": "test",
        "LLMGW_DATABASE_URL": backend.database_url,
        "LLMGW_DATABASE__MIGRATE_ON_START": "false",
        "LLMGW_STORE__NAMESPACE": f"{backend.namespace}cli-{uuid.uuid4().hex[:8]}:",
        "LLMGW_SECURITY__MASTER_KEY": MASTER_KEY,
        "LLMGW_SERVER__PORT": str(free_port()),
        "LLMGW_PROVIDERS__DEMO_UPSTREAM_PORT": str(free_port()),
        "LLMGW_TOOLS__CODE_EXECUTOR_MODE": "disabled",  # no sandbox probe at startup
        "LLMGW_TELEMETRY__LOG_JSON": "true",
    }
    if backend.redis_url:
        env["LLMGW_REDIS_URL"] = backend.redis_url
    env.update(extra)
    return env


@asynccontextmanager
async def serve(env: dict[str, str], cwd: Path) -> AsyncIterator[RunningGateway]:
    """``llm-gateway serve`` in a subprocess until the block ends; waits for /health/ready."""
    log = cwd / f"gateway-{env['LLMGW_SERVER__PORT']}.log"
    script = Path(sys.executable).with_name("llm-gateway")
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            str(script), "serve", env=env, cwd=cwd, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{env['LLMGW_SERVER__PORT']}"
    try:
        async with httpx.AsyncClient(base_url=base) as client:
            for _ in range(600):
                if process.returncode is not None:
                    raise RuntimeError(
                        f"gateway exited with {process.returncode}:\n{log.read_text()}"
                    )
                try:
                    if (await client.get("/health/ready")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"gateway did not start within 60 s:\n{log.read_text()}")
        yield RunningGateway(base, log)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
