"""The memory bound of a whole sandbox run: a cgroup v2 per run, or a lower process limit.

A per-process ``RLIMIT_AS`` alone lets a run hold ``processes x address space`` (32 x 256 MB).
Where the gateway may create cgroups (cgroup v2 with the memory and pids controllers, usually
as root), every run gets its own child cgroup with ``memory.max`` = the run's budget, no swap,
and ``pids.max``; the run is killed as a whole through ``cgroup.kill``. Elsewhere the fallback
lowers ``RLIMIT_NPROC`` so that ``processes x RLIMIT_AS`` stays within the same budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from llm_gateway.core.config import ToolSettings
from llm_gateway.core.logging import get_logger

_log = get_logger("llm_gateway.tools.code_executor")
_MB = 1024 * 1024
_CONTROLLERS = ("memory", "pids")
# Runs before anything else of the run: moves itself into the run's cgroup, then becomes the
# real command, so every process the run ever starts is born inside the cgroup.
_JOIN = 'echo $$ > "$0" && exec "$@"'


@dataclass(frozen=True, slots=True)
class RunLimits:
    """How runs are bounded in this process, decided once when the executor is built."""

    cgroup_parent: Path | None  # per-run cgroups are created here; None = rlimit fallback
    max_processes: int  # RLIMIT_NPROC handed to the launcher
    reason: str  # why the fallback applies, or which cgroup is used

    @property
    def uses_cgroup(self) -> bool:
        return self.cgroup_parent is not None


def fallback_processes(settings: ToolSettings) -> int:
    """The process limit whose product with ``RLIMIT_AS`` fits the run's memory budget."""
    fitting = settings.code_executor_run_memory_mb // settings.code_executor_memory_mb
    return min(settings.code_executor_max_processes, fitting)


def plan_run_limits(settings: ToolSettings) -> RunLimits:
    """Use per-run cgroups when the configured parent works here, else the rlimit fallback."""
    if not settings.code_executor_cgroup:
        return RunLimits(None, fallback_processes(settings), "cgroups disabled by configuration")
    parent = Path(settings.code_executor_cgroup)
    try:
        problem = _prepare_parent(parent)
    except OSError as exc:
        problem = f"{parent}: {exc.strerror or exc}"
    if problem:
        return RunLimits(None, fallback_processes(settings), problem)
    return RunLimits(parent, settings.code_executor_max_processes, f"cgroup v2 at {parent}")


def _controllers(path: Path, name: str) -> set[str]:
    return set((path / name).read_text().split())


def _prepare_parent(parent: Path) -> str | None:
    """Create ``parent`` if needed and enable memory+pids for its children; None when usable."""
    if not parent.is_dir():
        above = parent.parent
        if not (above / "cgroup.controllers").is_file():
            return f"{above} is not a cgroup v2 directory"
        if not set(_CONTROLLERS) <= _controllers(above, "cgroup.subtree_control"):
            (above / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in _CONTROLLERS))
        parent.mkdir()
    if not (parent / "cgroup.controllers").is_file():
        return f"{parent} is not a cgroup v2 directory"
    missing = set(_CONTROLLERS) - _controllers(parent, "cgroup.controllers")
    if missing:
        return f"{parent} lacks the {' and '.join(sorted(missing))} controller(s)"
    if not set(_CONTROLLERS) <= _controllers(parent, "cgroup.subtree_control"):
        (parent / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in _CONTROLLERS))
    return None


class RunCgroup:
    """One run's cgroup: created with its limits, joined by the run's first process, removed."""

    def __init__(self, parent: Path, settings: ToolSettings) -> None:
        self.path = parent / f"run-{secrets.token_hex(8)}"
        self.path.mkdir()
        try:
            self._write("memory.max", str(settings.code_executor_run_memory_mb * _MB))
            self._write("memory.swap.max", "0", optional=True)
            self._write("pids.max", str(settings.code_executor_max_processes))
        except OSError:
            self.path.rmdir()
            raise

    def _write(self, name: str, value: str, *, optional: bool = False) -> None:
        target = self.path / name
        if optional and not target.exists():
            return
        target.write_text(value)

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` prefixed so that its process joins this cgroup before it runs."""
        return ["/bin/sh", "-c", _JOIN, str(self.path / "cgroup.procs"), *argv]

    def kill(self) -> None:
        """Kill every process of the run, wherever it went (kernel 5.14+ ``cgroup.kill``)."""
        with contextlib.suppress(OSError):
            self._write("cgroup.kill", "1", optional=True)

    async def remove(self) -> None:
        """Remove the cgroup once its killed processes are gone (they take a moment)."""
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                await asyncio.sleep(0.02)
        _log.warning("code_executor: a run's cgroup could not be removed", cgroup=str(self.path))
