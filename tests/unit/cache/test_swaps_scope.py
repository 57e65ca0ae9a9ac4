"""Phrase and owner swaps, audience (scope) changes, Korean unit words, compare/pros-and-cons
questions: the vetoes added after held-out v3 (now dev) leaked these kinds."""

from __future__ import annotations

import pytest

from llm_gateway.cache.semantic.features import (
    FEATURE_NAMES,
    VETOES,
    canonical,
    pair_features,
    tokens,
)
from llm_gateway.cache.semantic.scope import audiences
from llm_gateway.cache.semantic.swaps import phrase_swap


def _flag(a: str, b: str, name: str) -> float:
    return pair_features(a, b, 0.95)[FEATURE_NAMES.index(name)]


@pytest.mark.parametrize(
    ("a", "b", "name"),
    [
        # phrases exchanged around a middle word, articles and pronoun case aside
        ("How do I cast an int to a String?", "How do I cast a String to an int?", "role_swap"),
        ("Can a parent claim an adult child?", "Can an adult child claim a parent?", "role_swap"),
        ("Can my employer sue me?", "Can I sue my employer?", "role_swap"),
        ("What if a customer owes me money?", "What if I owe a customer money?", "role_swap"),
        ("My dog bit my neighbor's kid.", "My neighbor's dog bit my kid.", "role_swap"),
        ("고양이 사료를 강아지가 먹어도 돼?", "강아지 사료를 고양이가 먹어도 돼?", "role_swap"),
        ("예금 이자가 대출 이자보다 높으면?", "대출 이자가 예금 이자보다 높으면?", "role_swap"),
        ("엑셀 파일을 CSV로 바꾸는 법", "CSV 파일을 엑셀로 바꾸는 법", "role_swap"),
        # audience / level
        ("Explain DNS for a beginner.", "Explain DNS for an advanced engineer.", "scope_differs"),
        ("What shots does a puppy need?", "What shots does an adult dog need?", "scope_differs"),
        ("어린이용 영어 동화책 추천", "성인 학습자용 영어 원서 추천", "scope_differs"),
        ("등산 초보를 위한 코스", "등산 고수를 위한 코스", "scope_differs"),
        # units named without a digit, question kinds
        ("30평은 몇 제곱미터예요?", "30평은 몇 제곱피트예요?", "units_differ"),
        ("Tax rules for a resident", "Tax rules for a non-resident", "negation_differs"),
        ("List the planets.", "Compare the sizes of the planets.", "question_differs"),
        ("ETF가 뭐야?", "ETF랑 펀드 중에 뭐가 나아?", "question_differs"),
        ("ETF가 뭐야?", "ETF랑 펀드 중에 뭐 살까?", "question_differs"),
        ("재택근무가 뭐야?", "재택근무 장단점이 뭐야?", "question_differs"),
    ],
)
def test_leaked_kinds_are_flagged(a: str, b: str, name: str) -> None:
    assert _flag(a, b, name) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Using only buses, how do I get to the airport?",
            "How do I get to the airport using only buses?",
        ),
        ("Who painted the Mona Lisa?", "The Mona Lisa was painted by whom?"),
        (
            "철수가 학교에서 영희를 만났어?",
            "영희를 학교에서 철수가 만났어?",
        ),  # particles moved along
        ("How do I reverse a list in Python?", "In Python, how do I reverse a list?"),
    ],
)
def test_harmless_reorderings_are_not_swaps(a: str, b: str) -> None:
    assert _flag(a, b, "role_swap") == 0


def test_items_joined_by_and_are_not_a_phrase_swap() -> None:
    # (roles.swapped, the single-word test, still calls this a swap: a known miss)
    a, b = "Compare cats and dogs as pets.", "Compare dogs and cats as pets."
    ta, tb = canonical(tokens(a), tokens(b))
    assert phrase_swap(a, b, ta, tb, frozenset({"and", "as"})) == 0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Guitar tips for beginners", "Guitar tips for newbies"),
        ("초보자를 위한 요가", "요가 입문자용 동작"),
        ("How do I start guitar as an adult?", "I'm an adult beginner: how do I start guitar?"),
        ("재택근무 장단점 알려 줘", "재택근무의 좋은 점과 나쁜 점이 뭐야?"),
    ],
)
def test_same_audience_and_question_are_not_flagged(a: str, b: str) -> None:
    assert _flag(a, b, "scope_differs") == 0
    assert _flag(a, b, "question_differs") == 0


def test_audience_words_need_a_known_tail_in_korean() -> None:
    assert audiences("아이폰 배터리") == set()  # 아이 (child) is not a prefix match
    assert audiences("고수익 투자") == set()
    assert audiences("어린이용 책") == {"child"}


def test_purpose_phrases_with_nothing_in_common_veto() -> None:
    a, b = "Summarize the GDPR for a small business owner.", "Summarize the GDPR for a lawyer."
    assert "purpose_differs" in VETOES
    assert _flag(a, b, "purpose_differs") == 1
    assert (
        _flag(
            "Boil an egg for a runny yolk", "For a soft runny yolk, boil an egg", "purpose_differs"
        )
        == 0
    )
    assert (
        _flag("초보자용 요가 동작", "입문자를 위한 요가 동작", "purpose_differs") == 0
    )  # one class


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("오늘 저녁 메뉴 추천해 줘", "오늘 저녁 메뉴 추천해 주세요"),
        ("빈혈에 좋은 음식 뭐 있어?", "빈혈에 좋은 음식이 뭐가 있나요?"),
    ],
)
def test_register_and_wh_forms_are_not_slot_substitutions(a: str, b: str) -> None:
    assert _flag(a, b, "slot_substitution") == 0
