"""A safe arithmetic expression evaluator: tokenizer plus Pratt parser, no ``eval`` anywhere.

Integers stay exact (``2**64``, ``factorial(30)``); ``/`` and the transcendental functions give
floats. Every operation is bounded so a short expression cannot burn CPU or memory: integer
results are capped in size (``MAX_INT_BITS``), exponents are checked before computing, nesting
depth is limited, and factorial has an upper bound.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from llm_gateway.tools.mathfuncs import (
    CONSTANTS,
    MAX_INT_BITS,
    MathError,
    Number,
    call_function,
    check_size,
    factorial,
    power,
)

MAX_DEPTH = 64  # nested parentheses / unary operators; bounds recursion

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<op>\*\*|//|[-+*/%^!(),])"
    r")"
)
# Typographic operators people paste from documents.
_ALIASES = str.maketrans({"×": "*", "÷": "/", "−": "-", "–": "-", "·": "*"})
# Binary operators: (left binding power, right binding power). Right-assoc power has rbp < lbp.
_BINARY = {
    "+": (10, 11),
    "-": (10, 11),
    "*": (20, 21),
    "/": (20, 21),
    "//": (20, 21),
    "%": (20, 21),
    "**": (41, 40),
    "^": (41, 40),
}
_UNARY_BP = 30  # binds looser than power, so -2**2 == -4 as in Python and maths
_POSTFIX_BP = 50  # factorial "!"


class ExpressionError(MathError):
    """Syntax error, unknown name or failed operation, with the 1-based position."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at position {position}")
        self.position = position
        self.reason = message


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "num" | "name" | "op" | "end"
    text: str
    pos: int  # 1-based column in the (normalised) expression


def tokenize(source: str) -> list[_Token]:
    """Split ``source`` into tokens; raises ExpressionError on a character it does not know."""
    tokens: list[_Token] = []
    index = 0
    while index < len(source):
        match = _TOKEN.match(source, index)
        if match is None or match.lastgroup is None:
            if source[index:].strip() == "":
                break
            column = index + len(source[index:]) - len(source[index:].lstrip()) + 1
            raise ExpressionError(f"unexpected character {source[column - 1]!r}", column)
        kind = match.lastgroup
        tokens.append(_Token(kind, match.group(kind), match.start(kind) + 1))
        index = match.end()
    tokens.append(_Token("end", "", len(source) + 1))
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self._tokens = tokens
        self._index = 0
        self._depth = 0

    def parse(self) -> Number:
        value = self._expr(0)
        token = self._peek()
        if token.kind != "end":
            raise ExpressionError(f"unexpected {_describe(token)}", token.pos)
        return value

    def _peek(self) -> _Token:
        return self._tokens[self._index]

    def _advance(self) -> _Token:
        token = self._tokens[self._index]
        self._index += 1
        return token

    def _expect(self, text: str) -> _Token:
        token = self._advance()
        if token.text != text or token.kind != "op":
            raise ExpressionError(f"expected {text!r} but found {_describe(token)}", token.pos)
        return token

    def _expr(self, min_bp: int) -> Number:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ExpressionError("expression is nested too deeply", self._peek().pos)
        left = self._prefix()
        while True:
            token = self._peek()
            if token.kind != "op":
                break
            if token.text == "!":
                if _POSTFIX_BP < min_bp:
                    break
                self._advance()
                with _at(token.pos):
                    left = factorial(left)
                continue
            binding = _BINARY.get(token.text)
            if binding is None or binding[0] < min_bp:
                break
            self._advance()
            right = self._expr(binding[1])
            with _at(token.pos):
                left = _finite(_binary(token.text, left, right))
        self._depth -= 1
        return left

    def _prefix(self) -> Number:
        token = self._advance()
        if token.kind == "num":
            with _at(token.pos):
                return _finite(_number(token.text))
        if token.kind == "op" and token.text in "+-":
            operand = self._expr(_UNARY_BP)
            return -operand if token.text == "-" else operand
        if token.kind == "op" and token.text == "(":
            value = self._expr(0)
            self._expect(")")
            return value
        if token.kind == "name":
            return self._name(token)
        raise ExpressionError(f"unexpected {_describe(token)}", token.pos)

    def _name(self, token: _Token) -> Number:
        name = token.text.lower()
        if self._peek().text != "(":
            if name in CONSTANTS:
                return CONSTANTS[name]
            raise ExpressionError(f"unknown name {token.text!r}", token.pos)
        self._advance()
        args: list[Number] = []
        if self._peek().text != ")":
            args.append(self._expr(0))
            while self._peek().text == ",":
                self._advance()
                args.append(self._expr(0))
        self._expect(")")
        with _at(token.pos):
            return _finite(call_function(name, args))


def _describe(token: _Token) -> str:
    return "end of expression" if token.kind == "end" else repr(token.text)


def _number(text: str) -> Number:
    if any(c in text for c in ".eE"):
        return float(text)
    return check_size(int(text))


def _binary(op: str, a: Number, b: Number) -> Number:
    if op == "+":
        return check_size(a + b)
    if op == "-":
        return check_size(a - b)
    if op == "*":
        return check_size(a * b)
    if op in ("**", "^"):
        return power(a, b)
    if b == 0:
        raise MathError("division by zero")
    if op == "/":
        if isinstance(a, int) and isinstance(b, int) and a % b == 0:
            return a // b  # keep exact integers exact (6/3 == 2)
        return a / b
    # Python's floor division and modulo already follow the sign of the divisor for both types.
    return a // b if op == "//" else a % b


def _finite(value: Number) -> Number:
    if isinstance(value, float) and not math.isfinite(value):
        raise MathError("result is not a finite number")
    return value


@contextmanager
def _at(position: int) -> Iterator[None]:
    """Turn arithmetic failures inside the block into an ExpressionError at ``position``."""
    try:
        yield
    except ExpressionError:
        raise
    except MathError as exc:
        raise ExpressionError(str(exc), position) from None
    except ZeroDivisionError:
        raise ExpressionError("division by zero", position) from None
    except OverflowError:
        raise ExpressionError("result is too large", position) from None
    except ValueError:
        raise ExpressionError("math domain error (argument out of range)", position) from None


def evaluate(expression: str) -> Number:
    """The value of ``expression``.

    Raises:
        ExpressionError: With the 1-based position of the offending token.
    """
    source = expression.translate(_ALIASES)
    if not source.strip():
        raise ExpressionError("empty expression", 1)
    return _Parser(tokenize(source)).parse()


def format_number(value: Number) -> str:
    """Integers exactly; floats to 15 significant digits, whole ones without a fraction."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".15g")


__all__ = ["MAX_INT_BITS", "ExpressionError", "evaluate", "format_number", "tokenize"]
