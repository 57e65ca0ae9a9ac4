"""``llm-gateway serve``: check the backends, migrate (in a child) if configured, run uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import uvicorn

from llm_gateway.core import metrics
from llm_gateway.core.config import Settings, SettingsError, load_settings, mask_url
from llm_gateway.core.config.settings import INSECURE_SIGNING_WARNING
from llm_gateway.core.database import check_database, create_engine
from llm_gateway.core.migrations import MigrationError
from llm_gateway.core.store import create_store

PREFIX = "llm-gateway: "  # how ``cli.main`` starts the one line it prints for an error


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("serve", help="run the gateway")
    parser.add_argument("--host", help="bind address (LLMGW_SERVER__HOST)")
    parser.add_argument("--port", type=int, help="port (LLMGW_SERVER__PORT)")
    parser.add_argument("--workers", type=int, help="worker processes (LLMGW_SERVER__WORKERS)")
    parser.set_defaults(handler=_serve)


async def preflight(settings: Settings) -> None:
    """Fail fast, with the service and its masked URL named, when a backend is down.

    A missing model registry is named in one line too (not a traceback from the lifespan).
    """
    path = settings.providers.models_file
    if not path.is_file():
        raise SettingsError(
            f"LLMGW_PROVIDERS__MODELS_FILE: model registry {path} not found (relative paths are "
            f"read from the working directory {Path.cwd()}); unset it to use the shipped one"
        )
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


def migrate() -> None:
    """``llm-gateway db upgrade`` in a child interpreter (same environment and working directory).

    Alembic, its templates and the migration scripts (~10 MB resident) then never load into the
    process that goes on to serve; with one worker that process is the worker.

    Raises:
        MigrationError: the child failed; the message names the step and the child's own error.
    """
    command = [sys.executable, "-m", "llm_gateway.cli.main", "db", "upgrade"]
    # Our own interpreter and module: no shell, nothing from outside in the arguments.
    done = subprocess.run(  # noqa: S603
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        check=False,
    )
    if done.returncode == 0:
        return
    if done.returncode < 0:
        status = f"was killed by {signal.Signals(-done.returncode).name}"
    else:
        status = f"exited with status {done.returncode}"
    raise MigrationError(
        f"migrating the database before serving failed: `llm-gateway db upgrade` (run in a child "
        f"process) {status}: {child_error(done.stderr)}. The gateway did not start; fix the "
        "schema, or set LLMGW_DATABASE__MIGRATE_ON_START=false to serve without migrating"
    )


def child_error(stderr: str) -> str:
    """What the child said went wrong: its one-line ``llm-gateway:`` errors, else its last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    said = [line.removeprefix(PREFIX) for line in lines if line.startswith(PREFIX)]
    if said:
        return "; ".join(said)
    return lines[-1] if lines else "no error output"


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (``0.0.0.0`` and ``::`` are not)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def _serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    host = args.host or settings.server.host
    if settings.uses_dev_jwt_secret:
        sys.stderr.write(f"llm-gateway: WARNING: {INSECURE_SIGNING_WARNING}\n")
        if not is_loopback(host):
            sys.stderr.write(
                f"llm-gateway: refusing to listen on {host} with the development JWT secret; "
                "set LLMGW_SECURITY__JWT_SECRET or bind to 127.0.0.1\n"
            )
            return 2
    asyncio.run(preflight(settings))
    if settings.database.migrate_on_start:
        migrate()  # a failure stops here: one line naming the step, exit status 1
    port = args.port or settings.server.port
    workers = args.workers or settings.server.workers
    if workers > 1 and settings.telemetry.metrics_enabled and not metrics.multiprocess_dir():
        # Each worker writes its samples here; a scrape of any worker reads them all.
        metrics.enable_multiprocess(Path(tempfile.mkdtemp(prefix="llmgw-metrics-")))
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
        # httptools with a header-read timeout (middleware/header_timeout.py).
        http="llm_gateway.middleware.header_timeout:HeaderTimeoutProtocol",
        access_log=False,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=30,
        # A worker's startup (imports, lifespan) takes seconds, tens on a loaded host; uvicorn's
        # default of 5 s kills replacement workers before they are ready, in a loop.
        timeout_worker_healthcheck=60,
    )
    return 0
