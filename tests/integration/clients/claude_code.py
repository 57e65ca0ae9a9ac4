"""Find and run the pinned Claude Code that ``scripts/client-deps.sh`` installs into .cache/npm.

Offline against a gateway: ANTHROPIC_BASE_URL + ANTHROPIC_API_KEY (a gateway key) and the
switches that turn off telemetry, error reporting, auto-update and other non-essential traffic.
Every other host is routed through ``HTTPS_PROXY``/``HTTP_PROXY`` to a local recorder, so a test
can prove Claude Code spoke to nothing but the gateway.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CLAUDE_CODE_VERSION = "2.1.332"  # keep in step with scripts/client-deps.sh
ROOT = Path(__file__).resolve().parents[3]
CLAUDE = ROOT / ".cache" / "npm" / "node_modules" / ".bin" / "claude"


def claude_binary() -> Path:
    """The installed binary; a skip when it is missing, but a failure under CI=true."""
    if not CLAUDE.exists():
        subprocess.run(["bash", str(ROOT / "scripts" / "client-deps.sh")], check=False)
    version = ""
    if CLAUDE.exists():
        done = subprocess.run([str(CLAUDE), "--version"], capture_output=True, text=True)
        version = done.stdout.split(" ", 1)[0]
    if version != CLAUDE_CODE_VERSION:
        why = f"Claude Code {CLAUDE_CODE_VERSION} is not installed (run scripts/client-deps.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    return CLAUDE


def claude_env(base_url: str, api_key: str, home: Path, proxy: str) -> dict[str, str]:
    """The environment README.md tells Claude Code users to set, plus offline switches."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),  # a fresh config dir: no login, no settings from the developer
        "ANTHROPIC_BASE_URL": base_url,
        "ANTHROPIC_API_KEY": api_key,
        "DISABLE_TELEMETRY": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "HTTPS_PROXY": proxy,
        "HTTP_PROXY": proxy,
        "NO_PROXY": "127.0.0.1,localhost",
    }


@dataclass
class ProxyRecorder:
    """A fake HTTP proxy that refuses everything and remembers which hosts were asked for."""

    url: str = ""
    requests: list[str] = field(default_factory=list)


@asynccontextmanager
async def recording_proxy() -> AsyncIterator[ProxyRecorder]:
    recorder = ProxyRecorder()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 5)
            recorder.requests.append(line.decode(errors="replace").strip())
            writer.write(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    recorder.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        yield recorder


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def events(self) -> list[dict[str, Any]]:
        """``--output-format stream-json`` lines as objects."""
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


async def run_claude(
    args: list[str], env: dict[str, str], cwd: Path, *, timeout_s: float = 180
) -> Run:
    process = await asyncio.create_subprocess_exec(
        str(claude_binary()),
        *args,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout_s)
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
    return Run(process.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace"))
