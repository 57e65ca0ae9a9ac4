"""The exact input rules alone, as the rule tests query them: which rules fire, and their weight."""

from __future__ import annotations

from llm_gateway.guardrails.input_rules import PatternRule

RULE = PatternRule()


def ids(text: str) -> set[str]:
    """The ids of the rules that fire on ``text``."""
    return {f.rule_id for f in RULE.check(text)}


def weight(text: str) -> float:
    """The summed score of the rules that fire (1.0 blocks; cues weigh less)."""
    return sum(f.score for f in RULE.check(text))
