"""Session 19's round 10: three misreadings of a question's kind that vetoed true pairs.

``question_differs`` vetoes a pair whose two prompts ask strongly different things (why vs when).
On the strangers' files (dev) it also refused true pairs whose kind it misread: a subordinate
*when* clause read as a *when* question, "what's causing that?" read as *what* against a *why*,
and the misspelt 어떡게 / 어떻케 read as no question word (docs/CACHE.md, "Round 10").
"""

from __future__ import annotations

import pytest

from llm_gateway.cache.semantic.features import tokens
from llm_gateway.cache.semantic.questions import question_kinds, questions_differ


def _kinds(text: str) -> set[str]:
    return question_kinds(text, tokens(text))


def _differ(a: str, b: str) -> bool:
    return bool(questions_differ(_kinds(a), _kinds(b)))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # dev true pairs the veto refused (the strangers' files)
        ("When traveling to Japan, do I need to carry cash?",
         "Do I need to carry cash when traveling to Japan?"),
        ("When I'm traveling abroad, how can I avoid high phone roaming fees?",
         "How can I avoid high phone roaming fees when I'm traveling abroad?"),
        ("When painting a room, should I do the ceiling or the walls first?",
         "Should I do the ceiling or the walls first when painting a room?"),
        ("Why does my laptop fan get so loud when I open Chrome?",
         "Whenever I launch Chrome my laptop's fan becomes really noisy — what's causing that?"),
        ("dude why does my car make a squeaky noise when i brake",
         "What could be the cause of a squealing sound when I apply my car's brakes?"),
        ("bruh why does my sourdough come out flat every time",
         "What might cause my sourdough loaves to consistently turn out flat?"),
        ("어떻게 하면 영어 회화 실력이 늘까요?", "어떡게 하면 영어회화 실력이 늘까요?"),
        ("실업급여 신청하려면 어떻게 해야 되나요?", "실업급여 신청할려면 어떻케 해야되나요?"),
    ],
)  # fmt: skip
def test_the_same_question_read_right_is_no_question_change(a: str, b: str) -> None:
    assert not _differ(a, b), (_kinds(a), _kinds(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # a real when question still asks when (dev negatives the trees would serve)
        ("When is the SAT offered?", "What's a good SAT score for state schools?"),
        ("When should a child start kindergarten?",
         "How do I choose a good kindergarten for my child?"),
        ("When do I need to renew my passport?", "Why do I need to renew my passport?"),
        ("When's the deadline to file taxes?", "Where do I file my taxes?"),
        ("Why does my basil wilt?", "How much water does basil need?"),
        # a when question that no auxiliary follows (the session's review)
        ("When to plant tomatoes?", "How to plant tomatoes?"),
        ("When must I renew my passport?", "Where must I renew my passport?"),
        ("When exactly is the tax deadline?", "Why is there a tax deadline?"),
        ("When shouldn't you use a semicolon?", "Why shouldn't you use a semicolon?"),
    ],
)  # fmt: skip
def test_a_different_question_still_differs(a: str, b: str) -> None:
    assert _differ(a, b), (_kinds(a), _kinds(b))


def test_a_subordinate_when_clause_sets_the_scene() -> None:
    assert _kinds("When traveling abroad, how should I carry my cash?") == {"how"}
    assert "when" in _kinds("When is the SAT offered?")
    assert "when" in _kinds("When, exactly, is the deadline?")
    assert "when" in _kinds("When to plant tomatoes, and how deep?")
    assert "when" in _kinds("when exactly is the deadline")


@pytest.mark.parametrize(
    "text",
    [
        "What could be causing my headaches?",
        "What's been causing this?",
        "What might be causing it?",
    ],
)
def test_what_is_causing_asks_why(text: str) -> None:
    """Round 12: the commonest *why* wordings the second review found still read as *what*."""
    assert "why" in _kinds(text)
