"""Gateways in subprocesses for tests: a free port, waiting until one answers, and stopping it.

Several suites run the gateway as a real process (``llm-gateway serve``, ``uvicorn``) because
what they check only exists there: client programs, several workers, signals, the process log.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def wait_until_up(
    process: asyncio.subprocess.Process,
    base_url: str,
    path: str = "/health/ready",
    *,
    timeout_s: float = 60.0,
    log: Path | None = None,
) -> None:
    """Return once ``path`` answers 200; raise if the process exits or ``timeout_s`` passes.

    The error carries the process's log when there is one, so a failed start says why.
    """

    def output() -> str:
        return "" if log is None else ":\n" + log.read_text(errors="replace")

    async with httpx.AsyncClient(base_url=base_url) as client:
        for _ in range(int(timeout_s * 10)):
            if process.returncode is not None:
                raise RuntimeError(f"gateway exited with {process.returncode}{output()}")
            try:
                if (await client.get(path)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"gateway did not start within {timeout_s:.0f} s{output()}")


async def stop(process: asyncio.subprocess.Process, *, grace_s: float = 30.0) -> None:
    """SIGTERM (a graceful shutdown), then SIGKILL after ``grace_s``; no-op if it has exited."""
    if process.returncode is not None:
        return
    if grace_s <= 0:
        process.kill()
        await process.wait()
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), grace_s)
    except TimeoutError:
        process.kill()
        await process.wait()
