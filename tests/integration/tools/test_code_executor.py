"""code_executor behaviour: output, exit codes, limits, cancellation and the unsafe mode."""

from __future__ import annotations

import asyncio

import pytest

from llm_gateway.tools import ToolErrorCode
from tests.integration.tools.sandbox_helpers import (
    OUTPUT_CAP,
    assert_still_works,
    run,
    sandbox_processes,
    sandbox_registry,
    wait_no_sandbox_processes,
)


async def test_prints_come_back_with_exit_data() -> None:
    registry = await sandbox_registry()
    result = await run(registry, "import json, math\nprint(json.dumps({'pi': round(math.pi, 3)}))")
    assert result.ok, result.output
    assert result.output == '{"pi": 3.142}\n'
    assert result.data is not None
    assert result.data["exit_code"] == 0
    assert result.data["mode"] == "sandbox"


async def test_unicode_and_stderr_are_returned_in_order() -> None:
    registry = await sandbox_registry()
    code = "import sys\nprint('안녕 ✓', flush=True)\nprint('warn', file=sys.stderr, flush=True)"
    result = await run(registry, code)
    assert result.output == "안녕 ✓\nwarn\n"


async def test_silent_program_says_so() -> None:
    registry = await sandbox_registry()
    result = await run(registry, "x = 1")
    assert result.ok
    assert result.output == "(the program printed nothing)"


async def test_a_failing_program_returns_its_traceback() -> None:
    registry = await sandbox_registry()
    result = await run(registry, "print('before')\n1 / 0")
    assert result.error_code == ToolErrorCode.EXECUTION_ERROR
    assert result.output.startswith("Error (execution_error): the program exited with status 1\n")
    assert "before" in result.output
    assert "ZeroDivisionError" in result.output
    assert result.data is not None
    assert result.data["exit_code"] == 1


async def test_stdin_is_empty_and_the_program_cannot_block_on_it() -> None:
    registry = await sandbox_registry()
    result = await run(registry, "import sys\nprint(repr(sys.stdin.read()))")
    assert result.output == "''\n"


async def test_wall_clock_timeout_keeps_partial_output() -> None:
    registry = await sandbox_registry(code_executor_wall_timeout_s=1.0)
    result = await run(registry, "import time\nprint('started', flush=True)\ntime.sleep(3600)")
    assert result.error_code == ToolErrorCode.TIMEOUT
    assert "ran longer than 1 s" in result.output
    assert "started" in result.output
    assert await wait_no_sandbox_processes() == {}


async def test_output_is_capped_while_reading() -> None:
    registry = await sandbox_registry()
    result = await run(registry, "while True:\n    print('y' * 1000)")
    assert result.error_code == ToolErrorCode.RESOURCE_LIMIT
    assert f"more than {OUTPUT_CAP} characters" in result.output
    assert result.output.count("y") <= OUTPUT_CAP
    assert result.data is not None
    assert result.data["output_capped"] is True


async def test_file_size_limit() -> None:
    registry = await sandbox_registry()
    code = (
        "try:\n"
        "    open('/tmp/big', 'wb').write(b'0' * (3 * 1024 * 1024))\n"
        "    print('WROTE')\n"
        "except OSError as e:\n"
        "    print('LIMITED', e.strerror)"
    )
    result = await run(registry, code)
    assert result.output.strip() == "LIMITED File too large"


async def test_code_length_limit() -> None:
    registry = await sandbox_registry(code_executor_max_code_chars=300)
    result = await run(registry, "#" * 301)
    assert result.error_code == ToolErrorCode.INVALID_INPUT
    assert "limit is 300" in result.output


async def test_concurrent_runs_are_independent() -> None:
    registry = await sandbox_registry()
    first, second = await asyncio.gather(
        run(registry, "open('/tmp/f', 'w').write('one')\nprint(open('/tmp/f').read())"),
        run(registry, "import os\nprint(os.path.exists('/tmp/f'))"),
    )
    assert first.output == "one\n"
    assert second.output == "False\n"  # each run has its own private /tmp


async def test_cancelling_a_run_kills_the_sandbox() -> None:
    registry = await sandbox_registry(code_executor_wall_timeout_s=30.0)
    task = asyncio.create_task(run(registry, "import time\ntime.sleep(3600)"))
    # The leftover check below must be able to see a sandbox, whatever uid the suite runs as.
    for _ in range(100):
        if sandbox_processes():
            break
        await asyncio.sleep(0.05)
    assert sandbox_processes(), "the running sandbox is invisible to the leftover check"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await wait_no_sandbox_processes() == {}
    await assert_still_works(registry)


async def test_unsafe_mode_runs_with_limits_in_a_scratch_directory() -> None:
    registry = await sandbox_registry(code_executor_mode="unsafe-rlimits-only")
    code = (
        "import os, resource\n"
        "print(sorted(os.environ))\n"
        "print(os.path.basename(os.getcwd()).startswith('llmgw-code-'))\n"
        "print(resource.getrlimit(resource.RLIMIT_CPU))"
    )
    result = await run(registry, code)
    assert result.ok, result.output
    assert result.output.splitlines() == ["['HOME', 'LANG', 'PATH']", "True", "(2, 3)"]
    assert result.data is not None
    assert result.data["mode"] == "unsafe-rlimits-only"
