"""The tool interface (``Tool``, ``ToolResult``) and the ``ToolRegistry`` that runs tools safely.

A tool declares ``name``, ``description`` and JSON-schema ``parameters`` (an OpenAI ``tools``
entry), has a ``timeout_s`` and ``max_output_chars``, and implements ``async run(args)``; for an
expected failure it raises ``ToolError(code, message)``. Callers go through
``ToolRegistry.execute``, which validates, bounds and turns every failure into
``ToolResult(ok=False)`` the model can read.
"""

from __future__ import annotations

import asyncio
import copy
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, ClassVar

import orjson
from jsonschema import Draft202012Validator

from llm_gateway.core import tracing
from llm_gateway.core.exceptions import GatewayError
from llm_gateway.core.logging import get_logger

_log = get_logger("llm_gateway.tools")


class ToolErrorCode(StrEnum):
    """Machine-readable reasons a tool call failed; the model sees them in the result text."""

    UNKNOWN_TOOL = "unknown_tool"  # no enabled tool has this name
    INVALID_JSON = "invalid_json"  # the arguments string is not a JSON object
    INVALID_ARGUMENTS = "invalid_arguments"  # the arguments fail the tool's JSON schema
    TIMEOUT = "timeout"  # the tool (or the sandboxed program) ran out of time
    NOT_CONFIGURED = "not_configured"  # e.g. web_search without a backend URL
    DISABLED = "disabled"  # turned off by the operator
    SANDBOX_UNAVAILABLE = "sandbox_unavailable"  # code_executor: no working sandbox here
    INVALID_INPUT = "invalid_input"  # well-formed arguments the tool cannot use (bad expression)
    EXECUTION_ERROR = "execution_error"  # the tool ran and its work failed (program exit != 0)
    RESOURCE_LIMIT = "resource_limit"  # a CPU/memory/output/size limit stopped the work
    UPSTREAM_ERROR = "upstream_error"  # an external service (search backend) failed
    INTERNAL_ERROR = "internal_error"  # a bug in the tool; details are logged, not shown


class ToolError(GatewayError):
    """Raised inside ``Tool.run`` for an expected failure; the registry turns it into a result."""

    error_type = "tool_error"
    code = ToolErrorCode.INTERNAL_ERROR.value

    def __init__(
        self,
        code: ToolErrorCode,
        message: str,
        *,
        output: str = "",
        data: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code.value)
        self.error_code = code
        self.partial_output = output  # e.g. what a failing program printed before it failed
        self.data = data


@dataclass(frozen=True, slots=True)
class ToolResult:
    """The outcome of one tool call; ``output`` is the tool message content for the model."""

    ok: bool
    output: str  # on failure: "Error (<code>): <message>" then any partial output
    error_code: ToolErrorCode | None = None  # set when not ok
    error_message: str | None = None  # set when not ok (also inside output)
    data: Mapping[str, Any] | None = None  # structured result for metadata/UIs, not the model
    truncated: bool = False  # output was cut at the tool's max_output_chars
    duration_ms: float = 0.0  # filled in by the registry
    name: str = ""  # filled in by the registry

    @classmethod
    def success(cls, output: str, *, data: Mapping[str, Any] | None = None) -> ToolResult:
        """A successful result with model-facing ``output`` and optional structured ``data``."""
        return cls(ok=True, output=output, data=data)

    @classmethod
    def failure(
        cls,
        code: ToolErrorCode,
        message: str,
        *,
        output: str = "",
        data: Mapping[str, Any] | None = None,
    ) -> ToolResult:
        """A failed result; ``output`` (partial program output, say) follows the error line."""
        text = f"Error ({code.value}): {message}"
        if output:
            text = f"{text}\n{output}"
        return cls(ok=False, output=text, error_code=code, error_message=message, data=data)

    def summary(self, max_chars: int = 200) -> str:
        """A one-line preview for progress events (``ToolEvent.summary``)."""
        line = " ".join(self.output.split())
        return line if len(line) <= max_chars else line[: max_chars - 1] + "…"


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """What the intent classifier and prompts need to know about a tool, without running it."""

    name: str
    description: str
    parameters: Mapping[str, Any] = field(default_factory=dict)


class Tool(ABC):
    """One agent tool. Subclasses set the class attributes and implement ``run``.

    ``name``, ``description`` and ``parameters`` are class attributes so the catalogue of tools can
    be read without settings (``Calculator.name``); limits are per instance, from settings.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    parameters: ClassVar[Mapping[str, Any]]  # a JSON schema with "type": "object"

    def __init__(self, *, timeout_s: float, max_output_chars: int) -> None:
        self.timeout_s = timeout_s
        self.max_output_chars = max_output_chars

    @classmethod
    def spec(cls) -> ToolSpec:
        """Name, description and parameter schema of this tool."""
        return ToolSpec(name=cls.name, description=cls.description, parameters=cls.parameters)

    @abstractmethod
    async def run(self, args: dict[str, Any]) -> ToolResult:
        """Do the work with arguments already validated against ``parameters``.

        Raises:
            ToolError: For an expected failure (bad input, upstream down, limit hit).
        """

    async def aclose(self) -> None:  # noqa: B027 - optional hook, most tools hold nothing
        """Release anything the tool holds; called once at shutdown."""


class ToolRegistry:
    """The enabled tools, by name, and the one safe way to call them.

    ``unavailable`` maps names of configured-but-unusable tools (disabled, no sandbox) to the
    error a call gets, so the model learns why instead of seeing ``unknown_tool``.
    """

    def __init__(
        self,
        tools: Iterable[Tool],
        *,
        unavailable: Mapping[str, tuple[ToolErrorCode, str]] | None = None,
        max_argument_chars: int = 100_000,
    ) -> None:
        self._tools: dict[str, Tool] = {}
        self._schemas: dict[str, dict[str, Any]] = {}
        self._validators: dict[str, Draft202012Validator] = {}
        for tool in tools:
            schema = copy.deepcopy(dict(tool.parameters))  # plain dicts; callers may mutate
            Draft202012Validator.check_schema(schema)
            self._tools[tool.name] = tool
            self._schemas[tool.name] = schema
            self._validators[tool.name] = Draft202012Validator(schema)
        self._unavailable = dict(unavailable or {})
        self._max_argument_chars = max_argument_chars

    def get(self, name: str) -> Tool | None:
        """The enabled tool called ``name``, or None."""
        return self._tools.get(name)

    def names(self) -> list[str]:
        """Names of the enabled tools, in registration order."""
        return list(self._tools)

    def specs(self) -> list[ToolSpec]:
        """Name, description and schema of each enabled tool (for the intent classifier)."""
        return [tool.spec() for tool in self._tools.values()]

    def unavailable(self) -> dict[str, tuple[ToolErrorCode, str]]:
        """Tools that are configured off or cannot run here, with the reason."""
        return dict(self._unavailable)

    def openai_tools(self) -> list[dict[str, Any]]:
        """The enabled tools as an OpenAI chat-completions ``tools`` list."""
        return [
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": copy.deepcopy(self._schemas[tool.name]),
                },
            }
            for tool in self._tools.values()
        ]

    async def execute(self, name: str, raw_arguments: str | Mapping[str, Any] | None) -> ToolResult:
        """Run tool ``name`` with the model's arguments (a JSON string or an already-parsed dict).

        Never raises for a bad call: unknown tools, invalid JSON, schema violations, timeouts,
        sandbox failures and unexpected exceptions all come back as ``ToolResult(ok=False)``
        with ``name`` and ``duration_ms`` set. Cancellation still propagates.
        """
        started = time.perf_counter()
        with tracing.span("gen_ai.execute_tool", {"gen_ai.tool.name": name}) as current:
            result = await self._execute(name, raw_arguments)
            if current is not None:
                current.set_attribute("llmgw.tool.ok", result.ok)
        elapsed_ms = (time.perf_counter() - started) * 1000
        return replace(result, name=name, duration_ms=round(elapsed_ms, 3))

    async def aclose(self) -> None:
        """Release what the tools hold; called once at shutdown."""
        for tool in self._tools.values():
            await tool.aclose()

    async def _execute(
        self, name: str, raw_arguments: str | Mapping[str, Any] | None
    ) -> ToolResult:
        tool = self._tools.get(name)
        if tool is None:
            if name in self._unavailable:
                code, message = self._unavailable[name]
                return ToolResult.failure(code, message)
            known = ", ".join(self._tools) or "none"
            return ToolResult.failure(
                ToolErrorCode.UNKNOWN_TOOL, f"no tool named {name!r} (available: {known})"
            )
        parsed = self._parse(raw_arguments)
        if isinstance(parsed, ToolResult):
            return parsed
        problem = self._schema_problem(name, parsed)
        if problem:
            return ToolResult.failure(ToolErrorCode.INVALID_ARGUMENTS, problem)
        try:
            async with asyncio.timeout(tool.timeout_s):
                result = await tool.run(parsed)
        except ToolError as exc:
            result = ToolResult.failure(
                exc.error_code, exc.message, output=exc.partial_output, data=exc.data
            )
        except TimeoutError:
            result = ToolResult.failure(
                ToolErrorCode.TIMEOUT, f"{name} did not finish within {tool.timeout_s:g} s"
            )
        except Exception:  # a tool bug must not take the agent run down
            _log.exception("tool failed unexpectedly", tool=name)
            result = ToolResult.failure(
                ToolErrorCode.INTERNAL_ERROR, f"{name} failed unexpectedly; this was logged"
            )
        return _limit_output(result, tool.max_output_chars)

    def _parse(self, raw: str | Mapping[str, Any] | None) -> dict[str, Any] | ToolResult:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return {}  # models send "" for tools without parameters
        if isinstance(raw, Mapping):
            return dict(raw)
        if len(raw) > self._max_argument_chars:
            return ToolResult.failure(
                ToolErrorCode.INVALID_ARGUMENTS,
                f"arguments are {len(raw)} characters; the limit is {self._max_argument_chars}",
            )
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return ToolResult.failure(
                ToolErrorCode.INVALID_JSON, f"arguments are not valid JSON: {exc}"
            )
        if not isinstance(value, dict):
            return ToolResult.failure(
                ToolErrorCode.INVALID_JSON,
                f"arguments must be a JSON object, got {type(value).__name__}",
            )
        return value

    def _schema_problem(self, name: str, args: dict[str, Any]) -> str | None:
        errors = sorted(self._validators[name].iter_errors(args), key=lambda e: list(e.path))
        if not errors:
            return None
        parts = []
        for err in errors[:3]:
            where = ".".join(str(p) for p in err.path)
            parts.append(f"{where}: {err.message}" if where else err.message)
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        return "; ".join(parts) + more


def _limit_output(result: ToolResult, max_chars: int) -> ToolResult:
    """Cut ``output`` at ``max_chars`` and say so, so the model knows it saw only part."""
    if len(result.output) <= max_chars:
        return result
    dropped = len(result.output) - max_chars
    text = f"{result.output[:max_chars]}\n[output truncated: {dropped} more characters]"
    return replace(result, output=text, truncated=True)
