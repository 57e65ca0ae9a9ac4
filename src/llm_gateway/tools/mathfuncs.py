"""Functions, constants and bounded operations for the calculator's expression evaluator."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

Number = int | float

MAX_INT_BITS = 3322  # about 1000 decimal digits: plenty for arithmetic, cheap to compute
MAX_FACTORIAL = 400  # 400! has 869 digits
MAX_ARGS = 100


class MathError(ValueError):
    """An operation the calculator refuses or cannot do (domain, size, arity)."""


CONSTANTS: Mapping[str, Number] = MappingProxyType(
    {"pi": math.pi, "e": math.e, "tau": math.tau, "π": math.pi}
)


def check_size(value: Number) -> Number:
    """``value`` unless it is an integer too large to keep working with."""
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise MathError("result is too large (more than about 1000 digits)")
    return value


def as_int(value: Number, what: str) -> int:
    """``value`` as an exact integer, or a MathError naming ``what`` expected one."""
    if isinstance(value, int):
        return value
    if value.is_integer():
        return int(value)
    raise MathError(f"{what} expects an integer, got {value:g}")


def power(base: Number, exponent: Number) -> Number:
    """``base ** exponent`` with the size checked before an integer power is computed."""
    if base == 0 and exponent < 0:
        raise MathError("division by zero")
    if isinstance(base, int) and isinstance(exponent, int) and exponent >= 0:
        if abs(base) > 1 and (abs(base).bit_length() - 1) * exponent > MAX_INT_BITS:
            raise MathError("result is too large (more than about 1000 digits)")
        return check_size(base**exponent)
    return math.pow(base, exponent)  # ValueError for (-8) ** 0.5, OverflowError for huge


def factorial(value: Number) -> int:
    """``value!`` for integers 0..MAX_FACTORIAL."""
    n = as_int(value, "factorial")
    if n < 0:
        raise MathError("factorial of a negative number is undefined")
    if n > MAX_FACTORIAL:
        raise MathError(f"factorial is limited to n <= {MAX_FACTORIAL}")
    return math.factorial(n)


def _sqrt(x: Number) -> Number:
    if isinstance(x, int) and x >= 0:
        root = math.isqrt(x)
        if root * root == x:
            return root  # exact for perfect squares, even beyond float range
    return math.sqrt(x)


def _round(x: Number, digits: Number = 0) -> Number:
    places = as_int(digits, "round's second argument")
    if abs(places) > 15:
        raise MathError("round supports at most 15 digits")
    return round(x) if places == 0 else round(x, places)


def _log(x: Number, base: Number | None = None) -> float:
    return math.log(x) if base is None else math.log(x, base)


def _int_pair(name: str, fn: Callable[[int, int], int]) -> Callable[[Number, Number], Number]:
    def apply(a: Number, b: Number) -> Number:
        return check_size(fn(as_int(a, name), as_int(b, name)))

    return apply


# name -> (min args, max args, implementation)
_FUNCTIONS: Mapping[str, tuple[int, int, Callable[..., Number]]] = MappingProxyType(
    {
        "sqrt": (1, 1, _sqrt),
        "cbrt": (1, 1, math.cbrt),
        "abs": (1, 1, abs),
        "round": (1, 2, _round),
        "floor": (1, 1, math.floor),
        "ceil": (1, 1, math.ceil),
        "trunc": (1, 1, math.trunc),
        "log": (1, 2, _log),
        "ln": (1, 1, math.log),
        "log10": (1, 1, math.log10),
        "log2": (1, 1, math.log2),
        "exp": (1, 1, math.exp),
        "sin": (1, 1, math.sin),
        "cos": (1, 1, math.cos),
        "tan": (1, 1, math.tan),
        "asin": (1, 1, math.asin),
        "acos": (1, 1, math.acos),
        "atan": (1, 1, math.atan),
        "atan2": (2, 2, math.atan2),
        "sinh": (1, 1, math.sinh),
        "cosh": (1, 1, math.cosh),
        "tanh": (1, 1, math.tanh),
        "hypot": (1, MAX_ARGS, math.hypot),
        "degrees": (1, 1, math.degrees),
        "radians": (1, 1, math.radians),
        "min": (1, MAX_ARGS, min),
        "max": (1, MAX_ARGS, max),
        "factorial": (1, 1, factorial),
        "gcd": (2, 2, _int_pair("gcd", math.gcd)),
        "lcm": (2, 2, _int_pair("lcm", math.lcm)),
    }
)

FUNCTION_NAMES: tuple[str, ...] = tuple(sorted(_FUNCTIONS))


def call_function(name: str, args: Sequence[Number]) -> Number:
    """Apply function ``name`` to ``args``; MathError for unknown names or a wrong arity."""
    entry = _FUNCTIONS.get(name)
    if entry is None:
        raise MathError(f"unknown function {name!r}")
    low, high, fn = entry
    if not low <= len(args) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise MathError(f"{name} takes {expected} argument(s), got {len(args)}")
    result: Number = fn(*args)
    return check_size(result)
