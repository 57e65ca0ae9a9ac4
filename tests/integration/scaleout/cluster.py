"""Real `llm-gateway serve` processes behind the repo's deploy/nginx config, for scale-out tests."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from llm_gateway.core.config import PROJECT_ROOT
from tests.backends import Backend
from tests.processes import free_port
from tests.system_tools import missing_tool

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)
METRICS_TOKEN = "scaleout-metrics-token-0123456789"


def require_nginx() -> str:
    if NGINX is None:
        missing_tool("nginx")
    return NGINX


@dataclass
class Instance:
    port: int
    process: asyncio.subprocess.Process

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    instances: list[Instance] = field(default_factory=list)
    https_url: str = ""
    http_url: str = ""


def gateway_env(
    backend: Backend, models_file: Path, master_key: str, tiers: object
) -> dict[str, str]:
    if backend.redis_url is None:
        pytest.skip("several instances share limits through Redis; the in-process store can't")
    return {
        "PATH": os.environ.get("PATH", ""),
        "LLMGW_ENVIRONMENT": "test",
        "LLMGW_DATABASE_URL": backend.database_url,
        "LLMGW_REDIS_URL": backend.redis_url,
        "LLMGW_STORE__NAMESPACE": f"{backend.namespace}scale-{uuid.uuid4().hex[:8]}:",
        "LLMGW_DATABASE__MIGRATE_ON_START": "false",
        "LLMGW_SECURITY__MASTER_KEY": master_key,
        "LLMGW_PROVIDERS__MODELS_FILE": str(models_file),
        "LLMGW_PROVIDERS__DEMO_UPSTREAM": "false",
        "LLMGW_QUOTAS__TIERS": json.dumps(tiers),
        "LLMGW_QUOTAS__DEFAULT_TIER": next(iter(tiers)),  # type: ignore[call-overload]
        "LLMGW_QUOTAS__LIMIT_MASTER_KEY": "true",
        "LLMGW_SERVER__ACCESS_LOG": "false",
        "LLMGW_SERVER__TRUST_FORWARDED_FOR": "true",
        "LLMGW_TOOLS__CODE_EXECUTOR_MODE": "disabled",
        "LLMGW_TELEMETRY__LOG_LEVEL": "ERROR",
        "LLMGW_TELEMETRY__METRICS_TOKEN": METRICS_TOKEN,
    }


async def start_instance(env: dict[str, str], cwd: Path) -> Instance:
    """``llm-gateway serve`` (the real command: uvloop, httptools, graceful shutdown)."""
    port = free_port()
    cli = Path(sys.executable).parent / "llm-gateway"
    process = await asyncio.create_subprocess_exec(
        str(cli),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
    )
    instance = Instance(port, process)
    async with httpx.AsyncClient(base_url=instance.base_url) as client:
        for _ in range(600):
            if process.returncode is not None:
                raise RuntimeError(f"gateway exited with {process.returncode}")
            try:
                if (await client.get("/health/ready")).status_code == 200:
                    return instance
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("gateway did not become ready within 60 s")


async def stop_instance(instance: Instance, sig: int = signal.SIGTERM) -> int:
    if instance.process.returncode is None:
        instance.process.send_signal(sig)
        try:
            await asyncio.wait_for(instance.process.wait(), 40)
        except TimeoutError:
            instance.process.kill()
            await instance.process.wait()
    return instance.process.returncode or 0


def render_nginx(directory: Path, ports: list[int], http_port: int, https_port: int) -> Path:
    """deploy/nginx as shipped, with its ports, paths and upstream list pointed at this test."""
    source = PROJECT_ROOT / "deploy" / "nginx"
    certs = directory / "certs"
    subprocess.run(["bash", str(source / "dev-cert.sh"), str(certs)], check=True, timeout=60)
    text = (source / "nginx.conf").read_text(encoding="utf-8")
    for old, new in (
        ("pid /tmp/llm-gateway-nginx.pid;", f"pid {directory}/nginx.pid;"),
        ("worker_processes auto;", "worker_processes 1;"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("/etc/nginx/certs/", f"{certs}/"),
        ("access_log /dev/stdout gateway;", f"access_log {directory}/access.log gateway;"),
        ("error_log /dev/stderr warn;", f"error_log {directory}/error.log warn;"),
    ):
        assert old in text, old
        text = text.replace(old, new)
    temp = "".join(
        f"    {kind}_temp_path {directory}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    text = text.replace("http {\n", "http {\n" + temp, 1)
    if os.geteuid() == 0:  # workers would otherwise drop to an account that cannot write here
        text = f"user {getpass.getuser()};\n" + text
    (directory / "nginx.conf").write_text(text, encoding="utf-8")
    shutil.copy(source / "llm-gateway-locations.conf", directory / "llm-gateway-locations.conf")
    upstreams = "".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n" for p in ports)
    (directory / "llm-gateway-upstreams.conf").write_text(upstreams, encoding="utf-8")
    return directory / "nginx.conf"


async def run(*args: str, check: bool = True) -> None:
    """Run a short command without blocking the loop; fail with its output when it fails."""
    process = await asyncio.create_subprocess_exec(
        *args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    if check and process.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {output.decode(errors='replace')}")


@asynccontextmanager
async def cluster(env: dict[str, str], directory: Path, count: int = 2) -> AsyncIterator[Cluster]:
    nginx = require_nginx()
    result = Cluster()
    conf: Path | None = None
    try:
        result.instances = list(
            await asyncio.gather(*(start_instance(env, directory) for _ in range(count)))
        )
        http_port, https_port = free_port(), free_port()
        conf = render_nginx(directory, [i.port for i in result.instances], http_port, https_port)
        await run(nginx, "-t", "-c", str(conf), "-p", str(directory))
        await run(nginx, "-c", str(conf), "-p", str(directory))
        result.http_url = f"http://127.0.0.1:{http_port}"
        result.https_url = f"https://127.0.0.1:{https_port}"
        async with httpx.AsyncClient(verify=False) as client:
            for _ in range(100):
                try:
                    await client.get(result.https_url + "/health/live")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        yield result
    finally:
        if conf is not None:
            await run(nginx, "-c", str(conf), "-p", str(directory), "-s", "stop", check=False)
        await asyncio.gather(*(stop_instance(i) for i in result.instances))
