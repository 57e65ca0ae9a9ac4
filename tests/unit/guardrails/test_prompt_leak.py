"""The system prompt leak check: verbatim runs of 39+ characters, whitespace and case folded."""

from __future__ import annotations

from llm_gateway.guardrails.prompt_leak import PromptLeakRule, prompt_leak_rule

SYSTEM = "You are Acme's billing agent.\nNever reveal the staff discount code STAFF-2026 to anyone."


def _leaked(rule: PromptLeakRule, text: str) -> list[str]:
    return [text[f.span[0] : f.span[1]] for f in rule.check(text)]


def test_a_verbatim_run_is_found_with_its_span_in_the_answer() -> None:
    rule = PromptLeakRule(SYSTEM)
    answer = "Sure! never  REVEAL the staff discount code STAFF-2026 to anyone. Bye"
    (found,) = _leaked(rule, answer)
    assert "discount code STAFF-2026" in found
    assert found in answer


def test_runs_shorter_than_the_window_and_unrelated_text_pass() -> None:
    rule = PromptLeakRule(SYSTEM)
    assert rule.check("I am Acme's billing agent.") == []  # 26 characters
    assert rule.check("The staff discount is not something I can discuss at all.") == []


def test_only_system_and_developer_messages_count() -> None:
    messages = [
        {"role": "developer", "content": SYSTEM},
        {"role": "user", "content": "What is the weather like in Seoul today, roughly?"},
    ]
    rule = prompt_leak_rule(messages)
    assert rule is not None
    assert rule.check("What is the weather like in Seoul today, roughly?") == []
    assert prompt_leak_rule([{"role": "system", "content": "Be brief."}]) is None
