"""A real ``llm-gateway serve`` process on a test backend: the shipped registry, the demo upstream.

Client programs (Claude Code, ...) run as separate processes, so they need a gateway listening on
a TCP port: this starts the console script exactly as ``make run`` does, on free ports, against
the session's database (and Redis when the backend has one).
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.backends import Backend
from tests.conftest import truncate_all
from tests.processes import free_port, stop, wait_until_up

MASTER_KEY = "sk-clients-test-master-key-0123456789"


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
async def serve(
    env: dict[str, str], cwd: Path, *, ready_timeout_s: float = 60.0
) -> AsyncIterator[RunningGateway]:
    """``llm-gateway serve`` in a subprocess until the block ends; waits for /health/ready."""
    log = cwd / f"gateway-{env['LLMGW_SERVER__PORT']}.log"
    script = Path(sys.executable).with_name("llm-gateway")
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            str(script), "serve", env=env, cwd=cwd, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{env['LLMGW_SERVER__PORT']}"
    try:
        await wait_until_up(process, base, timeout_s=ready_timeout_s, log=log)
        yield RunningGateway(base, log)
    finally:
        await stop(process)
        # The session's database is shared: leave it empty, as the in-process app fixture does
        # (the server flushes its last usage rows as it stops, after the test's own reads).
        await truncate_all(env["LLMGW_DATABASE_URL"])
