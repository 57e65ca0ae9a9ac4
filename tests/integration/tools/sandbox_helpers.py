"""Shared pieces for the code-executor tests: small limits, the skip rule, process checks."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from llm_gateway.core.config import ToolSettings
from llm_gateway.tools import ToolRegistry, ToolResult
from llm_gateway.tools.code_executor import CodeExecutor, probe_sandbox
from llm_gateway.tools.sandbox import host_user
from tests.system_tools import missing_tool

OUTPUT_CAP = 4000
# An unusual open-files limit marks this suite's sandboxes, so leftover-process checks ignore the
# sandbox probes of other tests' app startups running at the same time.
MARK_NOFILE = 61


def small_limits(**overrides: object) -> ToolSettings:
    """Tight limits so every limit test ends in a few seconds on a busy 2-core machine."""
    values: dict[str, object] = {
        "code_executor_wall_timeout_s": 4.0,
        "code_executor_cpu_s": 2,
        "code_executor_memory_mb": 128,
        "code_executor_max_processes": 16,
        "code_executor_run_memory_mb": 16 * 128,  # the process limit binds, not the run's memory
        "code_executor_max_file_mb": 2,
        "code_executor_tmpfs_mb": 4,
        "code_executor_max_output_chars": OUTPUT_CAP,
        "code_executor_max_open_files": MARK_NOFILE,
        "max_output_chars": 8000,
        **overrides,
    }
    return ToolSettings(**values)  # type: ignore[arg-type]


async def sandbox_registry(**overrides: object) -> ToolRegistry:
    """A registry holding only the code executor, or a skip when bwrap truly cannot run here."""
    settings = small_limits(**overrides)
    if settings.code_executor_mode == "sandbox":
        problem = await probe_sandbox(settings)
        if problem:
            missing_tool(f"the bubblewrap sandbox ({problem})")
    return ToolRegistry([CodeExecutor(settings)])


async def run(registry: ToolRegistry, code: str) -> ToolResult:
    return await registry.execute("code_executor", {"code": code})


def _is_ours(proc: Path, raw_command: bytes) -> bool:
    """bwrap and the launcher carry the mark in argv; the program in its open-files limit."""
    if raw_command.endswith(f"\0{MARK_NOFILE}\0".encode()):
        return True
    limits = (proc / "limits").read_text()
    return any(
        line.startswith("Max open files") and line.split()[3] == str(MARK_NOFILE)
        for line in limits.splitlines()
    )


def sandbox_host_uid() -> int:
    """The host uid the sandbox's processes run as: ``nobody`` under root, else our own uid."""
    uid = host_user()
    return os.geteuid() if uid is None else uid


def sandbox_processes(exclude: set[int] | None = None) -> dict[int, str]:
    """This suite's sandbox processes still on the host, as ``pid -> "state ppid command"``."""
    found: dict[int, str] = {}
    uid = str(sandbox_host_uid())
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
            if fields["Uid"].split()[0] != uid:
                continue
            raw = (status.parent / "cmdline").read_bytes()
            if not _is_ours(status.parent, raw):
                continue
        except (OSError, KeyError, IndexError):
            continue  # exited while we looked
        pid = int(status.parent.name)
        if pid not in (exclude or set()):
            command = raw.replace(b"\0", b" ")[:80].decode(errors="replace")
            found[pid] = f"{fields['State'].split()[0]} ppid={fields['PPid'].strip()} {command}"
    return found


async def wait_no_sandbox_processes(exclude: set[int] | None = None) -> dict[int, str]:
    """Poll until no sandbox process is left (killed namespaces take a moment to reap)."""
    for _ in range(50):
        left = sandbox_processes(exclude)
        if not left:
            return left
        await asyncio.sleep(0.1)
    return sandbox_processes(exclude)


async def assert_still_works(registry: ToolRegistry) -> None:
    """The gateway side is unaffected: a fresh run succeeds."""
    result = await run(registry, "print(6 * 7)")
    assert result.ok, result.output
    assert result.output.strip() == "42"


# Tries an action; prints ESCAPED if it worked, BLOCKED with the error if it raised.
PRELUDE = """\
def attempt(label, action):
    try:
        action()
    except Exception as exc:
        print("BLOCKED", label, type(exc).__name__)
    else:
        print("ESCAPED", label)
"""


def host_paths_existing(paths: list[Path | str]) -> list[str]:
    return [str(p) for p in paths if Path(p).exists()]


def verdicts(output: str) -> dict[str, str]:
    """``label -> ESCAPED/BLOCKED`` from the program's report lines."""
    found = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("ESCAPED", "BLOCKED"):
            found[parts[1]] = parts[0]
    return found
