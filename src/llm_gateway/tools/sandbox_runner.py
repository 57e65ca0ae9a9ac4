"""Starts one sandboxed program, feeds it, reads its capped output and always cleans it up.

Stopping matters as much as starting: a bwrap killed with SIGKILL orphans its in-namespace init,
which then waits as a zombie for the host's PID 1 (or for the gateway, when the gateway *is*
PID 1 in a container). So we kill the sandbox's child, whose PID bwrap reports on ``--info-fd``:
the kernel tears the whole PID namespace down, bwrap exits on its own, and we reap it. The
process-group kill remains as the fallback and is all the unsafe mode has.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from llm_gateway.core.config import ToolSettings
from llm_gateway.core.logging import get_logger
from llm_gateway.tools.base import ToolError, ToolErrorCode
from llm_gateway.tools.sandbox import (
    SandboxCommand,
    bwrap_command,
    find_bwrap,
    host_user,
    unsafe_command,
)
from llm_gateway.tools.sandbox_limits import RunCgroup, RunLimits

_log = get_logger("llm_gateway.tools.code_executor")
_READ_CHUNK = 65536


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What one sandboxed run produced."""

    exit_code: int | None  # None when we stopped it (timeout or output cap)
    output: str
    timed_out: bool
    output_capped: bool
    duration_s: float


async def execute_code(settings: ToolSettings, code: str, limits: RunLimits) -> RunOutcome:
    """Run ``code`` under the configured mode with every limit applied; never leaves a process."""
    nproc = limits.max_processes
    if settings.code_executor_mode == "sandbox":
        bwrap = find_bwrap(settings)
        if bwrap is None:
            raise ToolError(
                ToolErrorCode.SANDBOX_UNAVAILABLE, "bubblewrap (bwrap) is not installed"
            )
        info_read, info_write = os.pipe()
        try:
            os.set_blocking(info_read, False)
            command = bwrap_command(settings, bwrap, info_fd=info_write, max_processes=nproc)
            return await _run(command, code, settings, limits, info_read)
        finally:
            os.close(info_read)
            os.close(info_write)
    with tempfile.TemporaryDirectory(prefix="llmgw-code-") as workdir:
        uid = host_user()
        if uid is not None:
            os.chown(workdir, uid, uid)
        command = unsafe_command(settings, workdir, nproc)
        return await _run(command, code, settings, limits, None)


def _as_user(argv: list[str], uid: int | None) -> list[str]:
    """Prefix ``argv`` with a setpriv call dropping to ``uid`` (no supplementary groups)."""
    if uid is None:
        return argv
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise ToolError(
            ToolErrorCode.SANDBOX_UNAVAILABLE, "setpriv (util-linux) is needed to drop privileges"
        )
    return [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--", *argv]


async def _run(
    command: SandboxCommand,
    code: str,
    settings: ToolSettings,
    limits: RunLimits,
    info_fd: int | None,
) -> RunOutcome:
    cgroup = None
    if limits.cgroup_parent is not None:
        try:
            cgroup = RunCgroup(limits.cgroup_parent, settings)
        except OSError as exc:
            raise ToolError(
                ToolErrorCode.SANDBOX_UNAVAILABLE, f"could not create the run's cgroup: {exc}"
            ) from None
    try:
        return await _run_in(command, code, settings, info_fd, cgroup)
    finally:
        if cgroup is not None:
            cgroup.kill()
            await cgroup.remove()


async def _run_in(
    command: SandboxCommand,
    code: str,
    settings: ToolSettings,
    info_fd: int | None,
    cgroup: RunCgroup | None,
) -> RunOutcome:
    started = time.monotonic()
    argv = _as_user(command.argv, command.user)
    if cgroup is not None:
        argv = cgroup.wrap(argv)
    try:
        # setpriv drops to the sandbox uid and start_new_session gives the run its own process
        # group: uvloop (what `llm-gateway serve` runs on) rejects subprocess user/group/
        # process_group arguments, so neither is left to the event loop.
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,  # one stream keeps tracebacks next to prints
            cwd=command.cwd,
            env=command.env,
            start_new_session=True,  # own session and group: one killpg reaches every descendant
            pass_fds=command.pass_fds,
        )
    except OSError as exc:
        raise ToolError(
            ToolErrorCode.SANDBOX_UNAVAILABLE, f"could not start the sandbox: {exc.strerror}"
        ) from None
    cap = settings.code_executor_max_output_chars
    buffer = bytearray()
    timed_out = capped = False
    try:
        async with asyncio.timeout(settings.code_executor_wall_timeout_s):
            await _feed(proc, code)
            capped = await _read_capped(proc, buffer, cap)
            if not capped:
                await proc.wait()
    except TimeoutError:
        timed_out = True
    finally:
        if cgroup is not None:
            cgroup.kill()
        await _stop(proc, info_fd)
    text = bytes(buffer).decode("utf-8", errors="replace")[:cap]
    exit_code = None if timed_out or capped else proc.returncode
    return RunOutcome(exit_code, text, timed_out, capped, time.monotonic() - started)


async def _feed(proc: asyncio.subprocess.Process, code: str) -> None:
    if proc.stdin is None:
        return
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        proc.stdin.write(code.encode("utf-8", errors="replace"))
        await proc.stdin.drain()
    proc.stdin.close()


async def _read_capped(proc: asyncio.subprocess.Process, buffer: bytearray, cap: int) -> bool:
    """Read output into ``buffer``; True (and stop reading) once it passes ``cap`` bytes."""
    if proc.stdout is None:
        return False
    while chunk := await proc.stdout.read(_READ_CHUNK):
        buffer += chunk
        if len(buffer) > cap:
            return True
    return False


async def _stop(proc: asyncio.subprocess.Process, info_fd: int | None) -> None:
    """Kill whatever still runs and reap it, draining output: ``wait()`` also waits for EOF."""
    if proc.returncode is None:
        child = _sandbox_child(info_fd, proc.pid) if info_fd is not None else None
        if child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        else:
            _kill_group(proc.pid)
    for attempt in range(2):
        try:
            async with asyncio.timeout(5.0):
                if proc.stdout is not None:
                    while await proc.stdout.read(_READ_CHUNK):
                        pass
                await proc.wait()
            return
        except TimeoutError:
            if attempt == 0:
                _kill_group(proc.pid)
    # Only reachable in unsafe mode, where a program can leave its process group and keep the
    # pipe open; the sandbox's PID namespace always dies with its init.
    _log.warning("code_executor: a program outlived its process group", pid=proc.pid)


def _sandbox_child(info_fd: int, bwrap_pid: int) -> int | None:
    """The PID bwrap reported for its child, if it is really bwrap's child."""
    try:
        info = orjson.loads(os.read(info_fd, 4096))
        child = int(info["child-pid"])
        stat = Path(f"/proc/{child}/stat").read_text()
    except (OSError, ValueError, KeyError, TypeError):
        return None  # not started yet, or already gone: the group kill covers it
    # Field 4 of stat (after the parenthesised command) is the parent PID.
    parent = int(stat.rsplit(")", 1)[1].split()[1])
    return child if parent == bwrap_pid else None


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
