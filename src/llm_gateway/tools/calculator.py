"""The calculator tool: evaluates arithmetic and math expressions with a real parser (no eval)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from llm_gateway.tools.base import Tool, ToolError, ToolErrorCode, ToolResult
from llm_gateway.tools.mathexpr import ExpressionError, evaluate, format_number
from llm_gateway.tools.mathfuncs import FUNCTION_NAMES


class Calculator(Tool):
    """Exact integer and floating-point arithmetic with common math functions."""

    name: ClassVar[str] = "calculator"
    description: ClassVar[str] = (
        "Evaluate a math expression exactly, e.g. '(3.5 + 2) * 4^2', '2**64', 'sqrt(2) / 3', "
        "'factorial(20)', 'log(1000, 10)', 'sin(pi / 6)'. Operators: + - * / // % ^ ** ! and "
        "parentheses; constants pi, e, tau; functions: " + ", ".join(FUNCTION_NAMES) + ". "
        "Use for any arithmetic instead of computing in your head."
    )
    parameters: ClassVar[Mapping[str, Any]] = MappingProxyType(
        {
            "type": "object",
            "properties": {
                "expression": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 4000,
                    "description": "The expression to evaluate (angles in radians).",
                }
            },
            "required": ["expression"],
            "additionalProperties": False,
        }
    )

    def __init__(
        self, *, timeout_s: float, max_output_chars: int, max_expression_chars: int = 1000
    ) -> None:
        super().__init__(timeout_s=timeout_s, max_output_chars=max_output_chars)
        self._max_chars = max_expression_chars

    async def run(self, args: dict[str, Any]) -> ToolResult:
        expression = str(args["expression"])
        if len(expression) > self._max_chars:
            raise ToolError(
                ToolErrorCode.INVALID_INPUT,
                f"expression is {len(expression)} characters; the limit is {self._max_chars}",
            )
        try:
            value = evaluate(expression)
        except ExpressionError as exc:
            pointer = " " * (exc.position - 1) + "^"
            raise ToolError(
                ToolErrorCode.INVALID_INPUT, str(exc), output=f"{expression}\n{pointer}"
            ) from None
        result = format_number(value)
        return ToolResult.success(
            f"{expression.strip()} = {result}",
            data={"expression": expression, "result": result},
        )
