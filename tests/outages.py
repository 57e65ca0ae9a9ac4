"""Private Redis and PostgreSQL servers that a test may stop, kill and restart.

The shared servers (127.0.0.1:5432 and :6379) are used by every helper's tests and must never be
stopped. Outage tests start their own instance on a free port in a tmp dir instead::

    async def test_x(private_redis: PrivateRedis) -> None:
        url = private_redis.url
        private_redis.stop()       # Redis is down
        private_redis.start()      # same port, same URL again

    async def test_y(private_postgres: PrivatePostgres) -> None:
        url = private_postgres.database_url   # migrated to head, SQLAlchemy URL
        private_postgres.stop()               # fast shutdown: clients get connection errors

PostgreSQL's ``initdb`` takes a few seconds, so one cluster is created per test session
(``private_postgres_cluster``) and each test gets its own fresh database in it; the cluster is
always left running after a test (restarted when the test stopped it).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
import redis

from llm_gateway.core.config import DatabaseSettings
from llm_gateway.core.migrations import upgrade
from tests.processes import free_port, stop, wait_until_up
from tests.system_tools import missing_tool

PG_BIN = Path(os.environ.get("LLMGW_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def wait_for_port(port: int, timeout_s: float = 20.0) -> None:
    """Block until something accepts connections on ``port`` (or fail the test)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"nothing listens on 127.0.0.1:{port} after {timeout_s} s")


def fill_past_maxmemory(url: str) -> None:
    """Fill the Redis at ``url``, then cap its memory below what it holds: every write (and
    writing script) is refused with OOM (``noeviction``), reads still work — Redis at its
    ``maxmemory``, a real failure. Only for a private server."""
    client = redis.Redis.from_url(url)
    try:
        client.config_set("maxmemory-policy", "noeviction")
        # Ballast in small keys: one large value would sit in the connection's query buffer too,
        # freed later, and used memory would fall back under the cap.
        with client.pipeline(transaction=False) as pipe:
            for i in range(40_000):
                pipe.set(f"ballast:{i}", b"x" * 100)
            pipe.execute()
        used = int(client.info("memory")["used_memory"])
        client.config_set("maxmemory", str(used - 2_000_000))
        with pytest.raises(redis.exceptions.OutOfMemoryError):
            client.set("probe", b"1")
    finally:
        client.close()


class PrivateRedis:
    """A ``redis-server`` on its own port, without persistence unless asked."""

    def __init__(self, directory: Path, *, appendonly: bool = False) -> None:
        self.directory = directory
        self.port = free_port()
        self.appendonly = appendonly
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--dir", str(self.directory), "--save", "", "--daemonize", "no"]
        args += ["--appendonly", "yes" if self.appendonly else "no"]
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self) -> None:
        """Shut down (SIGTERM: with ``appendonly`` the data survives a restart)."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        """Die at once (SIGKILL), like a crash."""
        self._signal(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def _signal(self, sig: signal.Signals) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(sig)
            self._process.wait(timeout=20)
        self._process = None


class PrivatePostgres:
    """A PostgreSQL cluster of its own, on a free port, run as the ``postgres`` OS user."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.database = "postgres"

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def database_url(self) -> str:
        """SQLAlchemy URL of the current test database."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{self.database}"

    def _run(self, *args: str) -> None:
        command = [str(a) for a in args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def _options(self) -> str:
        return (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=60 -c shared_buffers=16MB"
        )

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def start(self) -> None:
        if self.running:
            return
        log = str(self.directory / "postgres.log")
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", self._options(), "-l", log,
            "-w", "-t", "60", "start",
        )  # fmt: skip
        wait_for_port(self.port)

    def stop(self, mode: str = "fast") -> None:
        """Shut down (``fast``: disconnect clients; ``immediate``: like a crash)."""
        if self.running:
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def create_database(self, name: str) -> str:
        """Create (or recreate) an empty database, migrate it to head, make it current.

        Runs in a worker thread, so it may be called from a test's event loop too.
        """
        admin_url = self.admin_url

        async def create() -> None:
            conn = await asyncpg.connect(admin_url)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()

        self.database = name

        def work() -> None:
            asyncio.run(create())
            upgrade(DatabaseSettings(url=self.database_url))

        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(work).result()
        return self.database_url


@dataclass
class GatewayProcess:
    """A real ``llm-gateway serve`` process (uvloop + httptools, as in production)."""

    process: asyncio.subprocess.Process
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def sigterm(self, timeout_s: float = 60.0) -> int:
        """Graceful shutdown, as an orchestrator does it; returns the exit code."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout_s)


def gateway_env(**values: str) -> dict[str, str]:
    """A clean environment for a gateway process: nothing ``LLMGW_*`` leaks in from outside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLMGW_")}
    env.update(
        {
            "LLMGW_ENVIRONMENT": "test",
            "LLMGW_DATABASE__MIGRATE_ON_START": "false",
            "LLMGW_PROVIDERS__DEMO_UPSTREAM": "false",
            "LLMGW_SERVER__ACCESS_LOG": "false",
            "LLMGW_TOOLS__CODE_EXECUTOR_MODE": "disabled",
            "LLMGW_TELEMETRY__LOG_LEVEL": "ERROR",
        }
    )
    env.update(values)
    return env


@asynccontextmanager
async def gateway_process(env: dict[str, str], cwd: Path) -> AsyncIterator[GatewayProcess]:
    """``llm-gateway serve`` on a free port; yields once ``/health/live`` answers."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "llm_gateway.cli.main", "serve",
        "--host", "127.0.0.1", "--port", str(port),
        env=env, cwd=cwd,
    )  # fmt: skip
    served = GatewayProcess(process, port)
    try:
        await wait_until_up(process, served.base_url, "/health/live")
        yield served
    finally:
        await stop(process, grace_s=0)


_database_counter = iter(range(1, 1_000_000))


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A running Redis of this test's own (killed after the test)."""
    directory = tmp_path / "redis"
    directory.mkdir()
    server = PrivateRedis(directory)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture(scope="session")
def private_postgres_cluster() -> Iterator[PrivatePostgres]:
    """One private PostgreSQL cluster per session (``initdb`` is slow).

    Its directory is directly under the system tmp dir: pytest's own tmp dirs are private to the
    current user, and the server runs as ``postgres``.
    """
    if not (PG_BIN / "initdb").exists():
        missing_tool(f"PostgreSQL server binaries in {PG_BIN}", "set LLMGW_TEST_PG_BIN")
    directory = Path(tempfile.mkdtemp(prefix="llmgw-private-pg-"))
    server = PrivatePostgres(directory)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def private_postgres(private_postgres_cluster: PrivatePostgres) -> Iterator[PrivatePostgres]:
    """The private cluster, running, with a fresh migrated database for this test.

    The test may stop or restart it; it is running again afterwards.
    """
    private_postgres_cluster.start()
    private_postgres_cluster.create_database(f"outage_{next(_database_counter)}")
    try:
        yield private_postgres_cluster
    finally:
        private_postgres_cluster.start()
