"""A whole sandbox run stays within its memory budget, however many processes it starts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError

from llm_gateway.core.config import ToolSettings
from llm_gateway.tools import ToolErrorCode
from llm_gateway.tools.code_executor import CodeExecutor
from llm_gateway.tools.sandbox_limits import RunCgroup, plan_run_limits
from tests.integration.tools.sandbox_helpers import (
    run,
    sandbox_registry,
    small_limits,
    wait_no_sandbox_processes,
)

# Every process grabs memory until its own limit stops it, reports how much, and keeps it.
FORK_AND_ALLOCATE = """\
import os, time
r, w = os.pipe()
def grab():
    chunks = []
    try:
        while True:
            chunks.append(bytearray(8 << 20))
    except MemoryError:
        pass
    return chunks
kids = 0
for _ in range(64):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        os.close(r)
        held = grab()
        os.write(w, b"%d\\n" % (len(held) * 8))
        os.close(w)
        time.sleep(60)
        os._exit(0)
    kids += 1
os.close(w)
held = grab()
reported = b""
while chunk := os.read(r, 4096):
    reported += chunk
print("KIDS", kids, "HELD_MB", len(held) * 8 + sum(int(x) for x in reported.split()))
"""


async def test_fork_and_allocate_bomb_stays_under_the_run_bound() -> None:
    bound_mb = 256
    registry = await sandbox_registry(
        code_executor_memory_mb=64,
        code_executor_max_processes=32,
        code_executor_run_memory_mb=bound_mb,
        code_executor_wall_timeout_s=20.0,
    )
    result = await run(registry, FORK_AND_ALLOCATE)
    if "HELD_MB" in result.output:
        words = result.output.split()
        kids, held = int(words[1]), int(words[3])
        assert kids >= 1, result.output  # the bomb did multiply
        assert 64 < held <= bound_mb, result.output
    else:  # under a cgroup the kernel may end the run instead
        assert result.error_code == ToolErrorCode.RESOURCE_LIMIT, result.output
    assert await wait_no_sandbox_processes() == {}


def test_fallback_process_limit_times_address_space_fits_the_run_budget() -> None:
    settings = small_limits(
        code_executor_cgroup="",
        code_executor_memory_mb=256,
        code_executor_max_processes=32,
        code_executor_run_memory_mb=1024,
    )
    limits = plan_run_limits(settings)
    assert not limits.uses_cgroup
    assert limits.max_processes == 4
    assert limits.max_processes * settings.code_executor_memory_mb <= 1024


def test_defaults_bound_a_run_to_one_gigabyte() -> None:
    settings = ToolSettings(code_executor_cgroup="")
    limits = plan_run_limits(settings)
    assert limits.max_processes * settings.code_executor_memory_mb <= 1024
    assert settings.code_executor_run_memory_mb == 1024


def test_a_run_budget_below_two_processes_is_refused() -> None:
    with pytest.raises(ValidationError, match="code_executor_run_memory_mb"):
        ToolSettings(code_executor_memory_mb=256, code_executor_run_memory_mb=300)


def test_a_directory_that_is_not_a_cgroup_falls_back_with_the_reason(tmp_path: Path) -> None:
    limits = plan_run_limits(small_limits(code_executor_cgroup=str(tmp_path / "sandbox")))
    assert not limits.uses_cgroup
    assert "not a cgroup v2 directory" in limits.reason


def _fake_cgroup(path: Path, controllers: str) -> Path:
    path.mkdir()
    (path / "cgroup.controllers").write_text(controllers + "\n")
    (path / "cgroup.subtree_control").write_text("\n")
    return path


def test_a_cgroup_without_the_memory_controller_falls_back(tmp_path: Path) -> None:
    parent = _fake_cgroup(tmp_path / "cg", "cpu pids")
    limits = plan_run_limits(small_limits(code_executor_cgroup=str(parent)))
    assert not limits.uses_cgroup
    assert "memory" in limits.reason


def test_a_run_cgroup_carries_the_budget_and_is_joined_before_the_command(
    tmp_path: Path,
) -> None:
    # A stand-in for cgroupfs: the kernel's files are plain files here, so this checks what the
    # gateway writes and that the run's first process joins before anything else runs.
    parent = _fake_cgroup(tmp_path / "cg", "cpu memory pids")
    settings = small_limits(
        code_executor_cgroup=str(parent),
        code_executor_run_memory_mb=512,
        code_executor_max_processes=20,
    )
    limits = plan_run_limits(settings)
    assert limits.uses_cgroup
    assert limits.max_processes == 20
    assert (parent / "cgroup.subtree_control").read_text().split() == ["+memory", "+pids"]
    cgroup = RunCgroup(parent, settings)
    assert (cgroup.path / "memory.max").read_text() == str(512 * 1024 * 1024)
    assert (cgroup.path / "pids.max").read_text() == "20"
    printed = subprocess.run(
        cgroup.wrap(["/bin/sh", "-c", "echo $$"]), capture_output=True, check=True, text=True
    ).stdout
    assert (cgroup.path / "cgroup.procs").read_text().strip() == printed.strip()
    assert CodeExecutor(settings, limits).limits.cgroup_parent == parent
