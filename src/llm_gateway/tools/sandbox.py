"""Command lines for running untrusted Python: bubblewrap isolation plus in-sandbox rlimits.

The process tree is ``gateway -> bwrap (host uid 65534 when the gateway is root) -> python
launcher -> python user program``. bwrap unshares every namespace (no network, own PIDs, own
mounts), shows only ``/usr`` read-only plus a size-capped private ``/tmp``, drops all
capabilities, forbids nested user namespaces, clears the environment and dies with its parent.
The launcher (a fixed string, never user text) sets the resource limits and then execs the
interpreter on the program, which arrives on stdin. See docs/TOOLS.md for the threat model.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from llm_gateway.core.config import ToolSettings

SANDBOX_UID = 65534  # "nobody": the uid inside the sandbox, and on the host when we are root
_MB = 1024 * 1024

# Runs inside the sandbox before the user's code: limits first, then replace itself with the
# interpreter reading the program from stdin (-I: isolated, ignores PYTHON* vars and user site).
LAUNCHER = """\
import os, resource, sys
cpu, mem, nproc, fsize, nofile = map(int, sys.argv[1:6])
limits = [
    (resource.RLIMIT_CPU, (cpu, cpu + 1)),
    (resource.RLIMIT_AS, (mem, mem)),
    (resource.RLIMIT_NPROC, (nproc, nproc)),
    (resource.RLIMIT_FSIZE, (fsize, fsize)),
    (resource.RLIMIT_NOFILE, (nofile, nofile)),
    (resource.RLIMIT_CORE, (0, 0)),
]
for res, value in limits:
    resource.setrlimit(res, value)
os.execv(sys.executable, [sys.executable, "-I", "-"])
"""


@dataclass(frozen=True, slots=True)
class SandboxCommand:
    """Everything ``create_subprocess_exec`` needs to start one run."""

    argv: list[str]
    cwd: str
    env: dict[str, str]
    user: int | None  # host uid to drop to (only when the gateway runs as root)
    pass_fds: tuple[int, ...] = ()


def host_user() -> int | None:
    """Drop to ``nobody`` on the host when we are root, so rlimits and kill(-1) bind."""
    return SANDBOX_UID if os.geteuid() == 0 else None


def launcher_argv(settings: ToolSettings, max_processes: int) -> list[str]:
    """The interpreter, the launcher and its limit arguments."""
    return [
        str(settings.code_executor_python),
        "-I",
        "-S",
        "-c",
        LAUNCHER,
        str(settings.code_executor_cpu_s),
        str(settings.code_executor_memory_mb * _MB),
        str(max_processes),
        str(settings.code_executor_max_file_mb * _MB),
        str(settings.code_executor_max_open_files),
    ]


def _system_binds() -> list[str]:
    """Read-only ``/usr`` plus the merged-/usr symlinks (or binds on a non-merged system)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    return [*args, "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]


def bwrap_command(
    settings: ToolSettings, bwrap: str, *, info_fd: int, max_processes: int
) -> SandboxCommand:
    """The bubblewrap command line for one run; bwrap writes its child's PID to ``info_fd``."""
    uid = str(SANDBOX_UID)
    argv = [
        bwrap,
        "--info-fd",
        str(info_fd),
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--hostname",
        "sandbox",
        "--uid",
        uid,
        "--gid",
        uid,
        *_system_binds(),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--remount-ro",
        "/dev",  # bwrap's /dev is an unsized tmpfs: read-only keeps /tmp the only writable place
        "--size",
        str(settings.code_executor_tmpfs_mb * _MB),
        "--tmpfs",
        "/tmp",  # noqa: S108 - the sandbox's own private tmpfs, not the host's /tmp
        "--remount-ro",
        "/",
        "--chdir",
        "/tmp",  # noqa: S108
        "--clearenv",
        "--setenv",
        "HOME",
        "/tmp",  # noqa: S108
        "--setenv",
        "PATH",
        "/usr/bin:/bin",
        "--setenv",
        "LANG",
        "C.UTF-8",
        "--",
        *launcher_argv(settings, max_processes),
    ]
    return SandboxCommand(argv=argv, cwd="/", env={}, user=host_user(), pass_fds=(info_fd,))


def unsafe_command(settings: ToolSettings, workdir: str, max_processes: int) -> SandboxCommand:
    """The weak mode: rlimits and a scratch directory only; the host stays visible."""
    env = {"HOME": workdir, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    argv = launcher_argv(settings, max_processes)
    return SandboxCommand(argv=argv, cwd=workdir, env=env, user=host_user())


def find_bwrap(settings: ToolSettings) -> str | None:
    """Absolute path of the bubblewrap binary, or None."""
    return shutil.which(settings.code_executor_bwrap)
