"""The code_executor tool: runs a Python program in a bubblewrap sandbox with hard limits."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from llm_gateway.core.config import ToolSettings
from llm_gateway.tools.base import Tool, ToolError, ToolErrorCode, ToolResult
from llm_gateway.tools.sandbox import find_bwrap
from llm_gateway.tools.sandbox_limits import RunLimits, plan_run_limits
from llm_gateway.tools.sandbox_runner import RunOutcome, execute_code

_PROBE_MARK = "sandbox-probe-ok"
# Signals that mean a limit stopped the program: SIGXCPU at the CPU soft limit, SIGKILL at the
# hard one (or the kernel's OOM handling).
_LIMIT_SIGNALS: Mapping[int, str] = MappingProxyType(
    {int(signal.SIGXCPU): "the CPU time limit", int(signal.SIGKILL): "a resource limit (killed)"}
)


class CodeExecutor(Tool):
    """Executes untrusted Python with no network, a private /tmp and CPU/memory/process limits."""

    name: ClassVar[str] = "code_executor"
    description: ClassVar[str] = (
        "Run a short Python 3 program in an isolated sandbox and return what it prints "
        "(stdout and stderr). No network, no access to files outside a private /tmp, standard "
        "library only, limited CPU time and memory. Use for data processing, simulations or "
        "checking code; print the values you need."
    )
    parameters: ClassVar[Mapping[str, Any]] = MappingProxyType(
        {
            "type": "object",
            "properties": {
                "code": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200_000,
                    "description": "A complete Python 3 program; print() the results.",
                }
            },
            "required": ["code"],
            "additionalProperties": False,
        }
    )

    def __init__(self, settings: ToolSettings, limits: RunLimits | None = None) -> None:
        # The registry's timeout is a backstop; the program's own wall clock is enforced inside.
        super().__init__(
            timeout_s=settings.code_executor_wall_timeout_s + 5.0,
            max_output_chars=settings.max_output_chars,
        )
        self._settings = settings
        self.limits = limits or plan_run_limits(settings)
        self._slots = asyncio.Semaphore(settings.code_executor_max_concurrency)

    @property
    def mode(self) -> str:
        return self._settings.code_executor_mode

    async def run(self, args: dict[str, Any]) -> ToolResult:
        code = str(args["code"])
        limit = self._settings.code_executor_max_code_chars
        if len(code) > limit:
            raise ToolError(
                ToolErrorCode.INVALID_INPUT, f"code is {len(code)} characters; the limit is {limit}"
            )
        async with self._slots:
            outcome = await execute_code(self._settings, code, self.limits)
        return _to_result(outcome, self._settings)


def _to_result(outcome: RunOutcome, settings: ToolSettings) -> ToolResult:
    data = {
        "exit_code": outcome.exit_code,
        "duration_s": round(outcome.duration_s, 3),
        "mode": settings.code_executor_mode,
        "output_capped": outcome.output_capped,
    }
    output = outcome.output
    if outcome.timed_out:
        raise ToolError(
            ToolErrorCode.TIMEOUT,
            f"the program ran longer than {settings.code_executor_wall_timeout_s:g} s and was "
            "stopped",
            output=output,
            data=data,
        )
    if outcome.output_capped:
        raise ToolError(
            ToolErrorCode.RESOURCE_LIMIT,
            f"the program printed more than {settings.code_executor_max_output_chars} "
            "characters and was stopped",
            output=output,
            data=data,
        )
    code = outcome.exit_code
    if code == 0:
        return ToolResult.success(output or "(the program printed nothing)", data=data)
    # bwrap reports a signal death as 128 + signal; a direct child (unsafe mode) as -signal.
    signum = (code - 128 if code > 128 else -code) if code is not None else 0
    reason = _LIMIT_SIGNALS.get(signum)
    if reason:
        raise ToolError(
            ToolErrorCode.RESOURCE_LIMIT,
            f"the program was stopped by {reason}",
            output=output,
            data=data,
        )
    raise ToolError(
        ToolErrorCode.EXECUTION_ERROR,
        f"the program exited with status {code}",
        output=output,
        data=data,
    )


async def probe_sandbox(settings: ToolSettings, limits: RunLimits | None = None) -> str | None:
    """None when a trivial program runs in the sandbox here; otherwise the reason it cannot."""
    if find_bwrap(settings) is None:
        return "bubblewrap (bwrap) is not installed"
    python = settings.code_executor_python
    if not python.is_file():
        return f"{python} does not exist"
    if not python.resolve().is_relative_to("/usr"):
        return f"{python} is outside /usr, the only system tree the sandbox shows"
    probe = settings.model_copy(update={"code_executor_wall_timeout_s": 15.0})
    try:
        outcome = await execute_code(
            probe,
            f"import os\nprint({_PROBE_MARK!r}, os.getuid())",
            limits or plan_run_limits(settings),
        )
    except ToolError as exc:
        return exc.message
    expected = f"{_PROBE_MARK} 65534"
    if outcome.exit_code != 0 or outcome.output.strip() != expected:
        first = outcome.output.strip().splitlines()[:1]
        return f"bwrap could not start a sandbox: {first[0] if first else outcome.exit_code}"
    return None


__all__ = ["CodeExecutor", "RunOutcome", "execute_code", "probe_sandbox"]
