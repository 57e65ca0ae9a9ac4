"""ToolRegistry: every bad call becomes a structured result the model can read, never a crash."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import pytest

from llm_gateway.tools import Tool, ToolError, ToolErrorCode, ToolRegistry, ToolResult


class Echo(Tool):
    """Repeats its text ``times`` times; sleeps or fails on request."""

    name: ClassVar[str] = "echo"
    description: ClassVar[str] = "Repeat text."
    parameters: ClassVar[Mapping[str, Any]] = MappingProxyType(
        {
            "type": "object",
            "properties": {
                "text": {"type": "string"},
                "times": {"type": "integer", "minimum": 1, "maximum": 1000},
                "sleep_s": {"type": "number"},
                "fail": {"enum": ["tool_error", "crash"]},
            },
            "required": ["text"],
            "additionalProperties": False,
        }
    )

    async def run(self, args: dict[str, Any]) -> ToolResult:
        if args.get("sleep_s"):
            await asyncio.sleep(args["sleep_s"])
        if args.get("fail") == "tool_error":
            raise ToolError(ToolErrorCode.UPSTREAM_ERROR, "backend down", output="partial")
        if args.get("fail") == "crash":
            raise RuntimeError("secret internal detail")
        return ToolResult.success(args["text"] * args.get("times", 1), data={"n": 1})


@pytest.fixture
def registry() -> ToolRegistry:
    return ToolRegistry(
        [Echo(timeout_s=0.2, max_output_chars=50)],
        unavailable={"code_executor": (ToolErrorCode.SANDBOX_UNAVAILABLE, "no sandbox here")},
        max_argument_chars=2000,
    )


async def test_valid_call_returns_output_with_name_and_duration(registry: ToolRegistry) -> None:
    result = await registry.execute("echo", '{"text": "hi", "times": 2}')
    assert result.ok
    assert result.output == "hihi"
    assert result.name == "echo"
    assert result.duration_ms >= 0
    assert result.data == {"n": 1}
    assert not result.truncated


async def test_already_parsed_arguments_are_accepted(registry: ToolRegistry) -> None:
    result = await registry.execute("echo", {"text": "x"})
    assert result.ok
    assert result.output == "x"


@pytest.mark.parametrize(
    ("raw", "code", "fragment"),
    [
        ('{"text": ', ToolErrorCode.INVALID_JSON, "not valid JSON"),
        ('["text"]', ToolErrorCode.INVALID_JSON, "must be a JSON object"),
        ("{}", ToolErrorCode.INVALID_ARGUMENTS, "'text' is a required property"),
        ('{"text": 5}', ToolErrorCode.INVALID_ARGUMENTS, "text: 5 is not of type 'string'"),
        ('{"text": "a", "times": 0}', ToolErrorCode.INVALID_ARGUMENTS, "times: 0 is less than"),
        ('{"text": "a", "times": true}', ToolErrorCode.INVALID_ARGUMENTS, "times: True is not"),
        ('{"text": "a", "x": 1}', ToolErrorCode.INVALID_ARGUMENTS, "'x' was unexpected"),
        ("", ToolErrorCode.INVALID_ARGUMENTS, "'text' is a required property"),
    ],
)
async def test_bad_arguments_become_structured_errors(
    registry: ToolRegistry, raw: str, code: ToolErrorCode, fragment: str
) -> None:
    result = await registry.execute("echo", raw)
    assert not result.ok
    assert result.error_code == code
    assert fragment in (result.error_message or "")
    assert result.output.startswith(f"Error ({code.value}): ")
    assert result.name == "echo"


async def test_oversized_arguments_are_refused_before_parsing(registry: ToolRegistry) -> None:
    result = await registry.execute("echo", '{"text": "' + "a" * 5000 + '"}')
    assert result.error_code == ToolErrorCode.INVALID_ARGUMENTS
    assert "limit is 2000" in result.output


async def test_unknown_tool_lists_the_available_ones(registry: ToolRegistry) -> None:
    result = await registry.execute("rm_rf", "{}")
    assert result.error_code == ToolErrorCode.UNKNOWN_TOOL
    assert "available: echo" in result.output


async def test_unavailable_tool_explains_why(registry: ToolRegistry) -> None:
    result = await registry.execute("code_executor", '{"code": "print(1)"}')
    assert result.error_code == ToolErrorCode.SANDBOX_UNAVAILABLE
    assert "no sandbox here" in result.output
    assert "code_executor" not in registry.names()


async def test_timeout_is_a_structured_error(registry: ToolRegistry) -> None:
    result = await registry.execute("echo", {"text": "a", "sleep_s": 5})
    assert result.error_code == ToolErrorCode.TIMEOUT
    assert "0.2 s" in result.output


async def test_long_output_is_truncated_and_flagged(registry: ToolRegistry) -> None:
    result = await registry.execute("echo", {"text": "abc", "times": 100})
    assert result.ok
    assert result.truncated
    assert result.output.startswith("abc" * 16)
    assert "[output truncated: 250 more characters]" in result.output


async def test_tool_error_keeps_code_message_and_partial_output(registry: ToolRegistry) -> None:
    result = await registry.execute("echo", {"text": "a", "fail": "tool_error"})
    assert result.error_code == ToolErrorCode.UPSTREAM_ERROR
    assert result.output == "Error (upstream_error): backend down\npartial"


async def test_unexpected_exception_is_contained_and_not_leaked(registry: ToolRegistry) -> None:
    result = await registry.execute("echo", {"text": "a", "fail": "crash"})
    assert result.error_code == ToolErrorCode.INTERNAL_ERROR
    assert "secret internal detail" not in result.output


async def test_cancellation_still_propagates(registry: ToolRegistry) -> None:
    task = asyncio.create_task(registry.execute("echo", {"text": "a", "sleep_s": 0.15}))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_openai_tools_are_function_specs_callers_cannot_corrupt(registry: ToolRegistry) -> None:
    specs = registry.openai_tools()
    assert specs == [
        {
            "type": "function",
            "function": {
                "name": "echo",
                "description": "Repeat text.",
                "parameters": dict(Echo.parameters),
            },
        }
    ]
    specs[0]["function"]["parameters"]["required"].append("times")
    assert registry.openai_tools()[0]["function"]["parameters"]["required"] == ["text"]
    assert [s.name for s in registry.specs()] == ["echo"]
    assert registry.get("echo") is not None
    assert registry.get("nope") is None


def test_an_invalid_schema_is_rejected_at_startup() -> None:
    class Broken(Echo):
        name: ClassVar[str] = "broken"
        parameters: ClassVar[Mapping[str, Any]] = MappingProxyType({"type": "objekt"})

    with pytest.raises(Exception, match="objekt"):
        ToolRegistry([Broken(timeout_s=1, max_output_chars=10)])


def test_summary_is_one_short_line() -> None:
    result = ToolResult.success("line one\nline two " + "x" * 500)
    summary = result.summary(40)
    assert "\n" not in summary
    assert len(summary) == 40
    assert summary.startswith("line one line two")
