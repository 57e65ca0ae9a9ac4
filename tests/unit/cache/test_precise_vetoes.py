"""Vetoes fire on meaning changes, not on paraphrase: a condition clause added on one side
vetoes (``conditions.py``); a synonym, a misspelt or split word, a chat short form, a request
framed as a command and an aside told in its own sentence do not."""

from __future__ import annotations

import pytest

from llm_gateway.cache.semantic.conditions import condition_added
from llm_gateway.cache.semantic.features import FEATURE_NAMES, VETOES, pair_features


def _vetoes(a: str, b: str) -> list[str]:
    features = pair_features(a, b, 0.95)
    return [name for name in VETOES if features[FEATURE_NAMES.index(name)]]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Which shampoo should I use?", "Which shampoo should I use if I have a dry scalp?"),
        ("How do I bake bread?", "How do I bake bread without yeast?"),
        ("What can I eat for breakfast?", "What can I eat for breakfast while fasting for Lent?"),
        ("두통약 추천해줘", "수유 중에 먹어도 되는 두통약 추천해줘"),
        ("전세 대출 조건", "신용등급이 낮을 때 전세 대출 조건, 무직자인 경우"),
        ("국수 만드는 법", "밀가루 없이 국수 만드는 법"),
        ("운동 루틴 짜줘", "허리 디스크 있는 사람 운동 루틴 짜줘"),
    ],
)
def test_an_added_condition_vetoes(a: str, b: str) -> None:
    assert condition_added(a, b) == 1.0
    assert "condition_added" in _vetoes(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # the same clause on both sides, or a politeness "if"
        ("What should I pack when hiking in autumn?", "When hiking in autumn, what should I pack?"),
        ("How do I boil rice?", "If it's no trouble, could you tell me how to boil rice?"),
        ("What is an index fund?", "Sorry if this is a basic question, but what is an index fund?"),
        ("야근할 때 먹기 좋은 간식", "먹기 좋은 간식? 야근할 때"),
        ("라면 물 얼마나 넣어?", "라면 끓일 때 물은 얼마나 넣어야 하나요?"),
    ],
)
def test_a_restated_or_polite_clause_is_no_condition(a: str, b: str) -> None:
    assert "condition_added" not in _vetoes(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("How do I repair my bike chain?", "How do I fix my bicycle chain?"),  # synonyms
        ("What is the biggest desert on the planet?", "What is the largest desert on the planet?"),
        ("How do I install React.js on Windows?", "how to instal reactjs on windows"),  # joined
        ("how many ppl live in norway", "How many people live in Norway?"),  # short form
        ("Tell me the capital of Peru.", "What is the capital of Peru?"),  # command vs question
        ("Define the word 'entropy'.", "What does the word 'entropy' mean?"),
        ("엄마 생일 선물 추천해줘", "어머니 생일 선물 추천해줘"),
        ("explian the rules of chess", "Explain the rules of chess."),  # typo of a synonym
        ("What is the height of Everest now?", "Now, what is Everest's height?"),  # moved
        ("What are good sci fi films?", "What are good science fiction films?"),  # clipped
        ("실업급여 신청 방법", "실업 급여 접수 방법"),
        ("국민연금 수령 나이", "국연 수령 나이"),  # 줄임말
        ("엘베에 갇혔을 때 어떻게 해?", "엘리베이터에 갇혔을 때 어떻게 해?"),
        ("휴대폰 케이스 바꾸는 법", "휴대폰 케이스 교체하는 법"),
    ],
)
def test_paraphrase_passes_the_vetoes(a: str, b: str) -> None:
    assert _vetoes(a, b) == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("How do I repair my bike chain?", "How do I clean my bike chain?"),
        ("How do I install React.js on Windows?", "how to install vuejs on windows"),
        ("How many people live in Norway?", "How many people live in Sweden?"),
        ("Tell me the capital of Peru.", "Tell me the currency of Peru."),
        ("Explain what a hash map is.", "Implement a hash map in Go."),
        ("엄마 생일 선물 추천해줘", "아빠 생일 선물 추천해줘"),
        ("What are good sci fi films?", "What are good horror films?"),
        ("Convert 3 miles to kilometers.", "Convert 3 nautical miles to kilometers."),
        ("How many feet is 20 meters?", "How many square feet is 20 square meters?"),
        ("국민연금 수령 나이", "국민연금 수령 금액"),
        ("종부세 기준 금액", "종소세 기준 금액"),
        ("휴대폰 케이스 바꾸는 법", "휴대폰 케이스 고르는 법"),
    ],
)
def test_look_alikes_still_veto(a: str, b: str) -> None:
    assert _vetoes(a, b) != []
