"""``llm-gateway serve``: check the backends, migrate if configured, then run uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import uvicorn

from llm_gateway.core import migrations
from llm_gateway.core.config import Settings, load_settings, mask_url
from llm_gateway.core.database import check_database, create_engine
from llm_gateway.core.store import create_store


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("serve", help="run the gateway")
    parser.add_argument("--host", help="bind address (LLMGW_SERVER__HOST)")
    parser.add_argument("--port", type=int, help="port (LLMGW_SERVER__PORT)")
    parser.add_argument("--workers", type=int, help="worker processes (LLMGW_SERVER__WORKERS)")
    parser.set_defaults(handler=_serve)


async def preflight(settings: Settings) -> None:
    """Fail fast, with the service and its masked URL named, when a backend is down."""
    engine = create_engine(settings.database)
    try:
        await check_database(engine)
    finally:
        await engine.dispose()
    store = create_store(settings.store)
    try:
        await store.ping()
    finally:
        await store.close()


def _serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    asyncio.run(preflight(settings))
    if settings.database.migrate_on_start:
        migrations.upgrade(settings.database)
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    workers = args.workers or settings.server.workers
    sys.stderr.write(
        f"llm-gateway: serving on http://{host}:{port} with {workers} worker(s); "
        f"database={settings.database.backend_name} ({mask_url(settings.database.url)}), "
        f"store={settings.store.backend_name}\n"
    )
    uvicorn.run(
        "llm_gateway.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=30,
    )
    return 0
