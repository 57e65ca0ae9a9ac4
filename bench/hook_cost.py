"""CPU cost of the quota/usage hooks and the access log per proxied request, measured in process.

One process, one event loop: the canned upstream (``bench/canned_upstream.py``) listens on an
ephemeral port, and two gateway apps run on the same SQLite file with the in-process store:

* ``core``: quota/usage hooks stubbed (as ``serve_gateway.py --no-hooks``), access log off;
* ``full``: as shipped: JSON access log (to /dev/null), quotas enforced through the store scripts
  (``limit_master_key`` on, the ``enterprise`` tier raised never to refuse), usage records written
  by the background writer, whose inserts are included (each run waits for it to go idle).

Requests are one-message ``/v1/chat/completions`` calls sent straight into the ASGI app (no HTTP
client on the measured path). CPU µs/request is ``time.process_time`` over a run divided by the
run's request count; runs alternate between the two apps and the medians are reported.

    .venv/bin/python bench/hook_cost.py [--requests 2000] [--runs 5] [--profile out.pstats]
        [--backend postgres] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
from asgi_lifespan import LifespanManager

sys.path.insert(0, str(Path(__file__).resolve().parent))

from canned_upstream import Upstream

from llm_gateway.app import create_app
from llm_gateway.core.config import Settings
from llm_gateway.core.migrations import upgrade
from llm_gateway.services.proxy import hooks
from llm_gateway.state import STATE_KEY, AppState

KEY = "sk-bench-master-key-0123456789"
TIERS = """enterprise:
  requests_per_minute: 1000000000
  tokens_per_minute: 1000000000000
  tokens_per_day: 1000000000000
  monthly_budget_usd: 1000000000
  max_concurrent: 100000
"""
BODY = orjson.dumps(
    {"model": "bench", "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 16}
)
HEADERS = [
    (b"host", b"bench"),
    (b"authorization", f"Bearer {KEY}".encode()),
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode()),
]
ASGIApp = Callable[..., Awaitable[None]]


def settings_for(
    tmp: Path, upstream_port: int, *, access_log: bool, backend: str = "sqlite"
) -> Settings:
    (tmp / "models.yaml").write_text(
        "version: 1\naliases:\n  bench:\n    deployments:\n"
        f"      - {{provider: openai, model: bench, base_url: 'http://127.0.0.1:{upstream_port}/v1'}}\n"
        "    capabilities: {tools: true, json: true}\n"
    )
    (tmp / "tiers.yaml").write_text(TIERS)
    database_url = f"sqlite+aiosqlite:///{tmp / 'gateway.db'}"
    store: dict[str, Any] = {}
    if backend == "postgres":  # an existing, migrated database and a Redis namespace
        database_url = os.environ["HOOK_COST_DATABASE_URL"]
        store = {
            "redis_url": os.environ.get("HOOK_COST_REDIS_URL", "redis://127.0.0.1:6379/0"),
            "namespace": f"hookcost{os.getpid()}:",
        }
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="production",
        database={"url": database_url, "migrate_on_start": False},
        store=store,
        security={
            "jwt_secret": "bench-jwt-secret-0123456789abcdef0123456789",
            "api_key_pepper": "bench-pepper-0123456789abcdef0123456789abc",
            "master_key": KEY,
        },
        providers={"models_file": tmp / "models.yaml", "demo_upstream": False},
        quotas={"tiers_file": tmp / "tiers.yaml", "limit_master_key": True},
        server={"access_log": access_log},
        tools={"code_executor_mode": "disabled"},
        telemetry={"log_level": "INFO", "log_json": True},
    )


async def call(app: ASGIApp) -> int:
    """One chat completion through the raw ASGI app; returns the status."""
    status = 0
    sent = False
    complete = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:  # like uvicorn: "disconnect" once the response is complete
            await complete.wait()
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif not message.get("more_body", False):
            complete.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/chat/completions",
        "raw_path": b"/v1/chat/completions",
        "query_string": b"",
        "root_path": "",
        "headers": HEADERS,
        "client": ("127.0.0.1", 40000),
        "server": ("bench", 80),
    }
    await app(scope, receive, send)
    return status


async def run(app: ASGIApp, state: AppState, requests: int, concurrency: int = 1) -> float:
    """CPU µs per request over ``requests`` calls, ``concurrency`` at a time, usage included."""

    async def client(count: int) -> None:
        for _ in range(count):
            status = await call(app)
            if status != 200:
                raise RuntimeError(f"status {status}")

    started = time.process_time()
    share = requests // concurrency
    await asyncio.gather(*(client(share) for _ in range(concurrency)))
    await state.usage.wait_idle(60)
    return (time.process_time() - started) / requests * 1e6


async def main(args: argparse.Namespace, tmp: Path) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Upstream(0.0), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    shipped = (hooks.before_upstream, hooks.finalize)

    async def no_op(*_: Any, **__: Any) -> None:
        return None

    core_app = create_app(settings_for(tmp, port, access_log=False, backend=args.backend))
    full_app = create_app(settings_for(tmp, port, access_log=True, backend=args.backend))
    async with LifespanManager(core_app) as core_m, LifespanManager(full_app) as full_m:
        # The managers' ``app`` puts the lifespan state into each request's scope.
        managers = {"core": core_m, "full": full_m}
        states: dict[str, AppState] = {n: m._state[STATE_KEY] for n, m in managers.items()}
        apps = {n: m.app for n, m in managers.items()}
        results: dict[str, list[float]] = {"core": [], "full": []}
        for name in ("core", "full"):  # warm-up: imports, tokenizer, statement caches
            hooks.before_upstream, hooks.finalize = shipped if name == "full" else (no_op,) * 2
            await run(apps[name], states[name], 300)
        profiler = cProfile.Profile() if args.profile else None
        for _ in range(args.runs):
            for name in ("core", "full"):
                hooks.before_upstream, hooks.finalize = (
                    shipped if name == "full" else (no_op, no_op)
                )
                if profiler is not None and name == "full":
                    profiler.enable()
                results[name].append(
                    await run(apps[name], states[name], args.requests, args.concurrency)
                )
                if profiler is not None:
                    profiler.disable()
        hooks.before_upstream, hooks.finalize = shipped
    server.close()
    if profiler is not None:
        profiler.dump_stats(args.profile)
    core, full = (statistics.median(results[n]) for n in ("core", "full"))
    for name in ("core", "full"):
        runs = ", ".join(f"{v:.0f}" for v in results[name])
        sys.__stdout__.write(f"{name}: median {statistics.median(results[name]):.0f} µs [{runs}]\n")
    sys.__stdout__.write(f"hooks + access log: {full - core:.0f} µs/request\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="requests per run")
    parser.add_argument("--runs", type=int, default=5, help="runs per app (medians reported)")
    parser.add_argument("--profile", help="write a cProfile of the 'full' runs to this file")
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="postgres: $HOOK_COST_DATABASE_URL (migrated) + Redis ($HOOK_COST_REDIS_URL)",
    )
    parser.add_argument("--concurrency", type=int, default=1, help="requests in flight")
    parsed = parser.parse_args()
    # The JSON access log goes nowhere (or to $HOOK_COST_LOG, to look at it).
    sys.stderr = open(os.environ.get("HOOK_COST_LOG", os.devnull), "w")
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            if parsed.backend == "sqlite":
                upgrade(settings_for(Path(tmp_name), 0, access_log=False).database)
            asyncio.run(main(parsed, Path(tmp_name)))
    except BaseException:
        sys.stderr = sys.__stderr__
        raise
