"""The fake model fills the agent tools' common arguments from the user's words."""

from __future__ import annotations

from llm_gateway.fake_upstream.content import _sample


def _schema(*names: str) -> dict[str, object]:
    return {"type": "object", "properties": {n: {"type": "string"} for n in names}}


def test_expression_is_the_arithmetic_in_the_question() -> None:
    args = _sample(_schema("expression"), "What is 12*7+3, roughly?")
    assert args == {"expression": "12*7+3"}


def test_query_is_the_question_and_code_is_the_fenced_block() -> None:
    said = "please run\n```python\nprint(2 ** 10)\n```"
    assert _sample(_schema("query"), "latest llm news") == {"query": "latest llm news"}
    assert _sample(_schema("code"), said) == {"code": "print(2 ** 10)\n"}


def test_other_strings_and_unmatched_names_stay_deterministic_placeholders() -> None:
    assert _sample(_schema("city", "expression"), "no numbers here") == {
        "city": "test",
        "expression": "test",
    }
