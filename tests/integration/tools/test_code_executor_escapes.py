"""Escape attempts against the code sandbox: every one must be contained, the gateway untouched.

Each program reports what it managed with an ``ESCAPED`` or ``BLOCKED`` line, so a test fails both
when an attempt succeeds and when the program broke before trying.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest

from llm_gateway.core.config import PROJECT_ROOT
from llm_gateway.tools import ToolErrorCode
from llm_gateway.tools.sandbox import SANDBOX_UID
from tests.integration.tools.sandbox_helpers import (
    PRELUDE,
    assert_still_works,
    host_paths_existing,
    run,
    sandbox_registry,
    verdicts,
    wait_no_sandbox_processes,
)


async def test_host_files_cannot_be_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("host-secret")
    targets = {
        "shadow": "/etc/shadow",
        "passwd": "/etc/passwd",
        "root_home": "/root/.bashrc",
        "repo": str(PROJECT_ROOT / "pyproject.toml"),
        "tmp_file": str(secret),
        "host_init_env": "/proc/1/root/etc/hostname",
    }
    code = PRELUDE + "".join(
        f"attempt({label!r}, lambda: open({path!r}).read())\n" for label, path in targets.items()
    )
    code += "import os\nprint('LISTING', sorted(os.listdir('/')))\n"
    registry = await sandbox_registry()
    result = await run(registry, code)
    assert verdicts(result.output) == dict.fromkeys(targets, "BLOCKED"), result.output
    assert "host-secret" not in result.output
    listing = next(line for line in result.output.splitlines() if line.startswith("LISTING"))
    for host_dir in ("root", "home", "work", "var", "srv", "opt"):
        assert f"'{host_dir}'" not in listing


async def test_host_processes_and_their_environment_are_invisible(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LLMGW_ESCAPE_CANARY", "canary-4b1d")  # inherited by nothing in the sandbox
    code = (
        "import os\n"
        "pids = [p for p in os.listdir('/proc') if p.isdigit()]\n"
        "cmds = [open(f'/proc/{p}/cmdline', 'rb').read() for p in pids]\n"
        "envs = [open(f'/proc/{p}/environ', 'rb').read() for p in pids]\n"
        "print('COUNT', len(pids))\n"
        "print('PYTEST', any(b'pytest' in c for c in cmds))\n"
        "print('CANARY', any(b'canary-4b1d' in e or b'LLMGW' in e for e in envs))\n"
        "print('ENV', sorted(os.environ))\n"
    )
    registry = await sandbox_registry()
    result = await run(registry, code)
    lines = dict(line.split(" ", 1) for line in result.output.splitlines())
    assert int(lines["COUNT"]) <= 3, result.output  # bwrap's init, the program, maybe a reaper
    assert lines["PYTEST"] == "False"
    assert lines["CANARY"] == "False"
    assert lines["ENV"] == "['HOME', 'LANG', 'PATH', 'PWD']"
    assert "canary-4b1d" not in result.output


async def test_network_is_unreachable() -> None:
    # A real host service on loopback, reachable from here: the sandbox must not reach it.
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.close()
    targets = {
        "host_service": ("127.0.0.1", port),
        "postgres": ("127.0.0.1", 5432),
        "external": ("1.1.1.1", 443),
        "lan": ("10.0.0.1", 80),
    }
    code = PRELUDE + "import socket\n"
    for label, address in targets.items():
        code += f"attempt({label!r}, lambda: socket.create_connection({address!r}, timeout=2))\n"
    code += "attempt('dns', lambda: socket.getaddrinfo('example.com', 80))\n"
    code += "print('IFACES', [l.split(':')[0].strip() for l in open('/proc/net/dev')][2:])\n"
    registry = await sandbox_registry()
    try:
        result = await run(registry, code)
    finally:
        server.close()
        await server.wait_closed()
    expected = dict.fromkeys([*targets, "dns"], "BLOCKED")
    assert verdicts(result.output) == expected, result.output
    assert "IFACES ['lo']" in result.output


async def test_nothing_outside_the_private_tmp_is_writable(tmp_path: Path) -> None:
    marker = f"llmgw-escape-{uuid.uuid4().hex}"
    targets = {
        "root": f"/{marker}",
        "usr": f"/usr/{marker}",
        "host_tmp_path": str(tmp_path / marker),
        "dev": f"/dev/{marker}",
        "dev_shm": f"/dev/shm/{marker}",
        "proc_sys": "/proc/sys/kernel/hostname",
    }
    code = PRELUDE + "".join(
        f"attempt({label!r}, lambda: open({path!r}, 'w').write('x'))\n"
        for label, path in targets.items()
    )
    code += f"open('/tmp/{marker}', 'w').write('inside'); print('TMP_OK')\n"
    registry = await sandbox_registry()
    result = await run(registry, code)
    assert verdicts(result.output) == dict.fromkeys(targets, "BLOCKED"), result.output
    assert "TMP_OK" in result.output
    # The sandbox's /tmp was private, and nothing reached the host's filesystem.
    assert host_paths_existing([tmp_path / marker, f"/tmp/{marker}", f"/{marker}"]) == []


async def test_filling_the_private_tmp_stops_at_its_size() -> None:
    code = (
        "written = 0\n"
        "try:\n"
        "    for i in range(100):\n"
        "        open(f'/tmp/f{i}', 'wb').write(b'0' * 1024 * 1024)\n"
        "        written += 1\n"
        "    print('ESCAPED fill', written)\n"
        "except OSError as e:\n"
        "    print('BLOCKED fill', written, e.strerror)\n"
    )
    registry = await sandbox_registry()
    result = await run(registry, code)
    assert result.output.startswith("BLOCKED fill"), result.output
    assert "No space left on device" in result.output
    assert int(result.output.split()[2]) <= 4  # the 4 MB tmpfs


async def test_fork_bomb_is_contained() -> None:
    code = (
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    )
    registry = await sandbox_registry(code_executor_wall_timeout_s=2.0)
    result = await run(registry, code)
    assert not result.ok
    assert result.error_code in (ToolErrorCode.TIMEOUT, ToolErrorCode.RESOURCE_LIMIT)
    assert await wait_no_sandbox_processes() == {}
    await assert_still_works(registry)


async def test_process_count_is_limited() -> None:
    code = (
        "import os, time\n"
        "kids = 0\n"
        "for _ in range(200):\n"
        "    try:\n"
        "        pid = os.fork()\n"
        "    except OSError:\n"
        "        print('BLOCKED procs', kids)\n"
        "        break\n"
        "    if pid == 0:\n"
        "        time.sleep(60)\n"
        "        os._exit(0)\n"
        "    kids += 1\n"
        "else:\n"
        "    print('ESCAPED procs', kids)\n"
    )
    registry = await sandbox_registry()
    result = await run(registry, code)
    assert result.output.startswith("BLOCKED procs"), result.output
    assert int(result.output.split()[2]) < 16
    # The sleeping children die with the sandbox instead of outliving the run.
    assert await wait_no_sandbox_processes() == {}


async def test_background_daemon_does_not_outlive_the_run() -> None:
    code = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    time.sleep(60)\n"
        "    os._exit(0)\n"
        "print('parent done')\n"
    )
    registry = await sandbox_registry()
    result = await run(registry, code)
    assert result.ok, result.output
    assert await wait_no_sandbox_processes() == {}


async def test_memory_bomb_is_contained() -> None:
    code = (
        "chunks = []\n"
        "try:\n"
        "    while True:\n"
        "        chunks.append(bytearray(8 * 1024 * 1024))\n"
        "except MemoryError:\n"
        "    print('BLOCKED memory', len(chunks) * 8, 'MB')\n"
    )
    registry = await sandbox_registry()
    result = await run(registry, code)
    assert result.output.startswith("BLOCKED memory"), result.output
    assert int(result.output.split()[2]) < 128
    await assert_still_works(registry)


async def test_infinite_loop_is_stopped() -> None:
    registry = await sandbox_registry()
    result = await run(registry, "while True:\n    pass")
    assert result.error_code in (ToolErrorCode.RESOURCE_LIMIT, ToolErrorCode.TIMEOUT)
    assert await wait_no_sandbox_processes() == {}


async def test_huge_output_is_cut_and_stopped() -> None:
    registry = await sandbox_registry()
    result = await run(registry, "import sys\nwhile True:\n    sys.stdout.write('z' * 65536)")
    assert result.error_code == ToolErrorCode.RESOURCE_LIMIT
    assert len(result.output) < 5000
    assert await wait_no_sandbox_processes() == {}


async def test_killing_the_parent_or_everything_reaches_nothing_outside() -> None:
    # A host process running as the sandbox's uid: kill(-1) would reach it without a PID namespace.
    as_sandbox_user = {"user": SANDBOX_UID, "group": SANDBOX_UID} if os.geteuid() == 0 else {}
    sentinel = await asyncio.create_subprocess_exec("sleep", "60", **as_sandbox_user)  # type: ignore[arg-type]
    code = PRELUDE + (
        "import os, signal\n"
        "print('PPID', os.getppid())\n"
        f"attempt('gateway', lambda: os.kill({os.getpid()}, signal.SIGKILL))\n"
        f"attempt('sentinel', lambda: os.kill({sentinel.pid}, signal.SIGKILL))\n"
        "os.kill(os.getppid(), signal.SIGKILL)\n"
        "os.kill(-1, signal.SIGKILL)\n"
        "print('SURVIVED')\n"
    )
    registry = await sandbox_registry()
    try:
        result = await run(registry, code)
        await asyncio.sleep(0.2)
        assert sentinel.returncode is None, "the host sentinel process was killed"
    finally:
        sentinel.kill()
        await sentinel.wait()
    found = verdicts(result.output)
    assert found == {"gateway": "BLOCKED", "sentinel": "BLOCKED"}, result.output
    assert "PPID 1" in result.output  # its parent is the sandbox's own init
    await assert_still_works(registry)


async def test_no_privileges_inside() -> None:
    code = PRELUDE + (
        "import os, ctypes\n"
        "print('IDS', os.getuid(), os.geteuid(), os.getgid(), os.getgroups())\n"
        "caps = [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')]\n"
        "print('CAPS', caps[0])\n"
        "print('FDS', sorted(os.listdir('/proc/self/fd')))\n"
        "attempt('setuid', lambda: os.setuid(0))\n"
        "attempt('chroot', lambda: os.chroot('/tmp'))\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "def unshare_user():\n"
        "    if libc.unshare(0x10000000) != 0:\n"
        "        raise OSError(ctypes.get_errno(), 'unshare')\n"
        "attempt('userns', unshare_user)\n"
        "def mount():\n"
        "    if libc.mount(b'none', b'/tmp', b'tmpfs', 0, None) != 0:\n"
        "        raise OSError(ctypes.get_errno(), 'mount')\n"
        "attempt('mount', mount)\n"
    )
    registry = await sandbox_registry()
    result = await run(registry, code)
    assert f"IDS {SANDBOX_UID} {SANDBOX_UID} {SANDBOX_UID}" in result.output, result.output
    assert "CAPS 0000000000000000" in result.output
    assert (
        "FDS ['0', '1', '2', '3']" in result.output
    )  # no gateway descriptor leaks in (3: listdir)
    expected = dict.fromkeys(["setuid", "chroot", "userns", "mount"], "BLOCKED")
    assert verdicts(result.output) == expected, result.output


def test_sandbox_runs_under_uvloop() -> None:
    """`llm-gateway serve` runs on uvloop, whose subprocess API is narrower than asyncio's."""
    import uvloop

    from llm_gateway.core.config import ToolSettings
    from llm_gateway.tools.code_executor import execute_code, probe_sandbox
    from llm_gateway.tools.sandbox_limits import plan_run_limits

    async def run() -> tuple[str | None, str]:
        settings = ToolSettings()
        problem = await probe_sandbox(settings)
        code = "import os\nprint(6 * 7, os.getuid() != 0)"
        outcome = await execute_code(settings, code, plan_run_limits(settings))
        return problem, outcome.output

    problem, output = uvloop.run(run())
    assert problem is None
    assert output.split() == ["42", "True"]
