"""Builds the tool registry from settings once, in the lifespan (``AppState.tools``)."""

from __future__ import annotations

import aiohttp

from llm_gateway.core.config import ToolSettings
from llm_gateway.core.logging import get_logger
from llm_gateway.tools.base import Tool, ToolErrorCode, ToolRegistry, ToolSpec
from llm_gateway.tools.calculator import Calculator
from llm_gateway.tools.code_executor import CodeExecutor, probe_sandbox
from llm_gateway.tools.current_time import CurrentTime
from llm_gateway.tools.sandbox_limits import plan_run_limits
from llm_gateway.tools.web_search import WebSearch, create_search_backend

_log = get_logger("llm_gateway.tools")

BUILTIN_TOOLS: tuple[type[Tool], ...] = (Calculator, CurrentTime, WebSearch, CodeExecutor)


def builtin_tool_specs() -> list[ToolSpec]:
    """Name, description and schema of every built-in tool, enabled or not (no settings needed)."""
    return [cls.spec() for cls in BUILTIN_TOOLS]


async def create_tool_registry(settings: ToolSettings, http: aiohttp.ClientSession) -> ToolRegistry:
    """The enabled tools. Probes the code sandbox (a short subprocess), so call it once at startup.

    A tool that is configured but cannot work here (disabled, no sandbox) is left out of the
    registry's ``openai_tools()`` and calls to it get a structured error saying why.
    """
    limit = settings.max_output_chars
    tools: list[Tool] = []
    unavailable: dict[str, tuple[ToolErrorCode, str]] = {}

    def off(name: str, code: ToolErrorCode, message: str) -> None:
        unavailable[name] = (code, message)

    if settings.calculator_enabled:
        tools.append(
            Calculator(
                timeout_s=settings.calculator_timeout_s,
                max_output_chars=limit,
                max_expression_chars=settings.calculator_max_expression_chars,
            )
        )
    else:
        off(Calculator.name, ToolErrorCode.DISABLED, "the calculator is disabled by the operator")

    if settings.current_time_enabled:
        tools.append(
            CurrentTime(
                timeout_s=1.0,
                max_output_chars=limit,
                default_timezone=settings.current_time_default_timezone,
            )
        )
    else:
        off(CurrentTime.name, ToolErrorCode.DISABLED, "current_time is disabled by the operator")

    if settings.web_search_enabled and not settings.web_search_url:
        # Listed as unavailable so the intent analyzer never routes a question to it.
        off(
            WebSearch.name,
            ToolErrorCode.NOT_CONFIGURED,
            "web_search has no backend (set LLMGW_TOOLS__WEB_SEARCH_URL to a SearxNG server)",
        )
    elif settings.web_search_enabled:
        backend = create_search_backend(settings, http)
        tools.append(
            WebSearch(
                backend,
                timeout_s=settings.web_search_timeout_s + 1.0,
                max_output_chars=limit,
                max_results=settings.web_search_max_results,
            )
        )
    else:
        off(WebSearch.name, ToolErrorCode.DISABLED, "web_search is disabled by the operator")

    mode = settings.code_executor_mode
    if mode == "disabled":
        off(CodeExecutor.name, ToolErrorCode.DISABLED, "code_executor is disabled by the operator")
    else:
        limits = plan_run_limits(settings)
        problem = await probe_sandbox(settings, limits) if mode == "sandbox" else None
        if problem:
            _log.warning("code sandbox unavailable; code_executor refuses to run", reason=problem)
            off(
                CodeExecutor.name,
                ToolErrorCode.SANDBOX_UNAVAILABLE,
                f"no code sandbox is available on this server ({problem}); code is not run",
            )
        else:
            if mode != "sandbox":
                _log.warning("code_executor runs WITHOUT a sandbox (unsafe-rlimits-only mode)")
            _log.info(
                "code_executor run bound",
                run_memory_mb=settings.code_executor_run_memory_mb,
                cgroup=limits.uses_cgroup,
                max_processes=limits.max_processes,
                how=limits.reason,
            )
            tools.append(CodeExecutor(settings, limits))

    registry = ToolRegistry(
        tools, unavailable=unavailable, max_argument_chars=settings.max_argument_chars
    )
    _log.info("tools ready", enabled=registry.names(), unavailable=sorted(unavailable))
    return registry
