"""The proxy benchmark's targets: how each is configured and started (see ``proxy_bench.py``).

* ``direct``       the canned upstream itself
* ``passthrough``  raw ASGI + one aiohttp session, no policy: the Python floor
* ``embedded``     ``llm-gateway serve`` on the embedded default (SQLite + in-process store)
* ``production``   ``llm-gateway serve`` on PostgreSQL + Redis (a throwaway database and key
  namespace on the servers named by ``LLMGW_BENCH_POSTGRES_URL`` / ``LLMGW_BENCH_REDIS_URL``)
* ``production-2w`` the same with two uvicorn workers (the multi-worker curve)
* ``litellm``      LiteLLM's proxy (pinned, in its own throwaway venv), master key, same upstream

Both gateways run as shipped in ``production`` mode: auth on every request (the master key,
counted against the ``enterprise`` tier with ``LIMIT_MASTER_KEY``, raised never to refuse), quotas
enforced through the store scripts, usage records written, the JSON access log on.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
VENV = ROOT / ".venv/bin"
KEY = "sk-bench-master-key-0123456789"
LITELLM_VERSION = "1.108.7"
# Shared by every checkout of the repository (installed once, not per worktree or per run).
LITELLM_VENV = Path(
    os.environ.get(
        "LLMGW_BENCH_LITELLM_VENV",
        Path.home() / ".cache/llm-gateway" / f"bench-litellm-{LITELLM_VERSION}",
    )
)
ADMIN_PG_URL = os.environ.get(
    "LLMGW_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("LLMGW_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
TIERS = """enterprise:
  requests_per_minute: 1000000000
  tokens_per_minute: 1000000000000
  tokens_per_day: 1000000000000
  monthly_budget_usd: 1000000000
  max_concurrent: 100000
"""
ALL = ("direct", "passthrough", "embedded", "production", "production-2w", "litellm")
GATEWAYS = ("embedded", "production", "production-2w")


def models_yaml(upstream: int) -> str:
    deployment = f"{{provider: openai, model: bench, base_url: 'http://127.0.0.1:{upstream}/v1'}}"
    return (
        "version: 1\naliases:\n"
        f"  bench:\n    tier: small\n    deployments:\n      - {deployment}\n"
        "    capabilities: {tools: true, json: true}\n"
        f"  bench-large:\n    tier: large\n    deployments:\n      - {deployment}\n"
        "    capabilities: {tools: true, json: true}\n"
    )


async def _pg(sql: str) -> None:
    import asyncpg  # the gateway's own driver, only needed for the production targets

    conn = await asyncpg.connect(ADMIN_PG_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class Backends:
    """A throwaway PostgreSQL database and Redis namespace for the production targets."""

    def __init__(self) -> None:
        self.name = f"llmgw_bench_{secrets.token_hex(4)}"
        self.database_url = (
            ADMIN_PG_URL.rpartition("/")[0].replace("postgresql://", "postgresql+asyncpg://", 1)
            + f"/{self.name}"
        )
        self.namespace = f"{self.name}:"

    def create(self) -> None:
        asyncio.run(_pg(f'CREATE DATABASE "{self.name}"'))

    def drop(self) -> None:
        import redis

        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        client = redis.Redis.from_url(REDIS_URL)
        try:
            keys = list(client.scan_iter(match=self.namespace + "*", count=1000))
            for i in range(0, len(keys), 500):
                client.delete(*keys[i : i + 500])
        finally:
            client.close()


def gateway_env(tmp: Path, upstream: int, backends: Backends | None) -> dict[str, str]:
    (tmp / "models.yaml").write_text(models_yaml(upstream))
    (tmp / "tiers.yaml").write_text(TIERS)
    env = {
        **os.environ,
        "LLMGW_ENVIRONMENT": "production",
        "LLMGW_SECURITY__JWT_SECRET": "bench-jwt-secret-0123456789abcdef0123456789",
        "LLMGW_SECURITY__API_KEY_PEPPER": "bench-pepper-0123456789abcdef0123456789abc",
        "LLMGW_SECURITY__MASTER_KEY": KEY,
        "LLMGW_PROVIDERS__MODELS_FILE": str(tmp / "models.yaml"),
        "LLMGW_PROVIDERS__DEMO_UPSTREAM": "false",
        "LLMGW_QUOTAS__TIERS_FILE": str(tmp / "tiers.yaml"),
        "LLMGW_QUOTAS__DEFAULT_TIER": "enterprise",
        "LLMGW_QUOTAS__LIMIT_MASTER_KEY": "true",
        "LLMGW_SERVER__ACCESS_LOG": "true",
        "LLMGW_TOOLS__CODE_EXECUTOR_MODE": "disabled",  # no sandbox probe at startup
        "PYTHONPATH": str(ROOT / "src"),
    }
    if backends is None:
        env["LLMGW_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp / 'gateway.db'}"
        for name in ("LLMGW_REDIS_URL", "LLMGW_STORE__REDIS_URL"):
            env.pop(name, None)
    else:
        env["LLMGW_DATABASE_URL"] = backends.database_url
        env["LLMGW_REDIS_URL"] = REDIS_URL
        env["LLMGW_STORE__NAMESPACE"] = backends.namespace
    return env


def ensure_litellm() -> Path:
    """LiteLLM's proxy in its own venv (``LLMGW_BENCH_LITELLM_VENV``; from PyPI once, pinned)."""
    binary = LITELLM_VENV / "bin/litellm"
    marker = LITELLM_VENV / f".litellm-{LITELLM_VERSION}"
    if not marker.exists():
        print(
            f"# installing litellm[proxy]=={LITELLM_VERSION} into {LITELLM_VENV}", file=sys.stderr
        )
        LITELLM_VENV.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(LITELLM_VENV)], check=True)
        subprocess.run(
            [str(LITELLM_VENV / "bin/pip"), "install", "-q", f"litellm[proxy]=={LITELLM_VERSION}"],
            check=True,
        )
        marker.touch()
    return binary


def litellm_config(tmp: Path, upstream: int) -> Path:
    path = tmp / "litellm.yaml"
    path.write_text(
        "model_list:\n"
        "  - model_name: bench\n"
        "    litellm_params:\n"
        "      model: openai/bench\n"
        f"      api_base: http://127.0.0.1:{upstream}/v1\n"
        "      api_key: sk-upstream\n"
        "general_settings:\n"
        f"  master_key: {KEY}\n"
        "litellm_settings:\n"
        "  drop_params: true\n"
        "  telemetry: false\n"
    )
    return path


def command(name: str, port: int, upstream: int, tmp: Path, gap_ms: float) -> list[str]:
    serve = [str(VENV / "llm-gateway"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if name == "direct":
        return [
            sys.executable,
            "canned_upstream.py",
            "--port",
            str(port),
            "--chunk-gap-ms",
            str(gap_ms),
        ]
    if name == "passthrough":
        return [
            str(VENV / "uvicorn"),
            "passthrough_app:app",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    if name == "production-2w":
        return [*serve, "--workers", "2"]
    if name == "litellm":
        config = litellm_config(tmp, upstream)
        return [
            str(ensure_litellm()),
            "--config",
            str(config),
            "--port",
            str(port),
            "--num_workers",
            "1",
        ]
    return serve
