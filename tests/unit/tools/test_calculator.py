"""The calculator: correct arithmetic, clear errors with positions, and no way to run code."""

from __future__ import annotations

import math

import pytest

from llm_gateway.tools import ToolErrorCode, ToolRegistry
from llm_gateway.tools.calculator import Calculator
from llm_gateway.tools.mathexpr import ExpressionError, evaluate, format_number


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2 * 3", "7"),
        ("(1 + 2) * 3", "9"),
        ("10 - 4 - 3", "3"),
        ("2 ** 3 ** 2", "512"),
        ("2 ^ 3 ^ 2", "512"),
        ("-2 ** 2", "-4"),
        ("(-2) ** 2", "4"),
        ("2 ** -1", "0.5"),
        ("--3", "3"),
        ("-3!", "-6"),
        ("7 / 2", "3.5"),
        ("6 / 3", "2"),
        ("7 // 2", "3"),
        ("-7 // 2", "-4"),
        ("7 % 3", "1"),
        ("-7 % 3", "2"),
        ("7.5 % 2", "1.5"),
        ("1.5e3 + .5", "1500.5"),
        ("2E-3 * 1000", "2"),
        ("0.1 + 0.2", "0.3"),
        ("2 ** 64", "18446744073709551616"),
        ("factorial(20)", "2432902008176640000"),
        ("5!", "120"),
        ("sqrt(16)", "4"),
        ("sqrt(2)", "1.4142135623731"),
        ("sqrt(10 ** 400)", "1" + "0" * 200),
        ("abs(-3.5)", "3.5"),
        ("round(2.675, 2)", "2.67"),
        ("round(7.5)", "8"),
        ("floor(-1.5) + ceil(1.2)", "0"),
        ("log(1000, 10)", "3"),
        ("ln(e)", "1"),
        ("log10(0.001)", "-3"),
        ("log2(1024)", "10"),
        ("exp(0)", "1"),
        ("sin(pi / 6)", "0.5"),
        ("cos(0) + tan(0)", "1"),
        ("degrees(atan(1))", "45"),
        ("min(3, 1, 2) + max(4, 9)", "10"),
        ("gcd(12, 18) * lcm(4, 6)", "72"),
        ("3 × 4 ÷ 2 − 1", "5"),
        ("  PI * 2 ", "6.28318530717959"),
    ],
)
async def test_evaluates(expression: str, expected: str) -> None:
    calc = Calculator(timeout_s=1, max_output_chars=5000)
    result = await calc.run({"expression": expression})
    assert result.output == f"{expression.strip()} = {expected}"
    assert result.data is not None
    assert result.data["result"] == expected


@pytest.mark.parametrize(
    ("expression", "message", "position"),
    [
        ("1 / 0", "division by zero", 3),
        ("5 % 0", "division by zero", 3),
        ("0 ** -1", "division by zero", 3),
        ("2 + * 3", "unexpected '*'", 5),
        ("(1 + 2", "expected ')' but found end of expression", 7),
        ("1 + 2)", "unexpected ')'", 6),
        ("3 +", "unexpected end of expression", 4),
        ("2 3", "unexpected '3'", 3),
        ("foo + 1", "unknown name 'foo'", 1),
        ("bar(1)", "unknown function 'bar'", 1),
        ("sqrt(1, 2)", "sqrt takes 1 argument(s), got 2", 1),
        ("sqrt(-1)", "math domain error", 1),
        ("log(0)", "math domain error", 1),
        ("1 $ 2", "unexpected character '$'", 3),
        ("factorial(2.5)", "factorial expects an integer", 1),
        ("(-8) ** 0.5", "math domain error", 6),
    ],
)
def test_errors_say_what_and_where(expression: str, message: str, position: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression)
    assert message in str(caught.value)
    assert caught.value.position == position


@pytest.mark.parametrize(
    "expression",
    [
        "9 ** 9 ** 9",
        "10 ** 100000",
        "factorial(100000)",
        "1e999",
        "exp(1000)",
        "2.0 ** 100000",
        "(" * 100 + "1" + ")" * 100,
        "-" * 200 + "1",
        "10**500 * 10**500 * 10**500 * 10**500",
    ],
)
def test_resource_bombs_are_refused(expression: str) -> None:
    with pytest.raises(ExpressionError, match=r"too large|limited|finite|nested too deeply"):
        evaluate(expression)


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('id')",
        "().__class__",
        "open('/etc/passwd')",
        "exec('1')",
        "lambda: 1",
        "[1, 2]",
        "x = 1",
        "1 if 1 else 2",
    ],
)
def test_python_syntax_is_not_evaluated(expression: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(expression)


async def test_errors_reach_the_model_with_a_pointer() -> None:
    registry = ToolRegistry([Calculator(timeout_s=1, max_output_chars=1000)])
    result = await registry.execute("calculator", '{"expression": "2 + * 3"}')
    assert result.error_code == ToolErrorCode.INVALID_INPUT
    assert result.output == "Error (invalid_input): unexpected '*' at position 5\n2 + * 3\n    ^"


async def test_long_expressions_are_refused() -> None:
    registry = ToolRegistry(
        [Calculator(timeout_s=1, max_output_chars=1000, max_expression_chars=20)]
    )
    result = await registry.execute("calculator", {"expression": "1+" * 20 + "1"})
    assert result.error_code == ToolErrorCode.INVALID_INPUT
    assert "limit is 20" in result.output


def test_large_exact_integers_and_float_formatting() -> None:
    assert evaluate("2 ** 3000") == 2**3000
    assert format_number(1e20) == "1e+20"
    assert format_number(-0.000001234) == "-1.234e-06"
    assert format_number(3.0) == "3"
    assert math.isclose(evaluate("hypot(3, 4)"), 5.0)
