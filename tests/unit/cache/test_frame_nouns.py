"""Session 18: a Korean question's frame said as a noun (신청 절차, 일어난 원인 / 이유, 파는 곳)
is no added content against the same question asked with the matching question word (어떻게 /
방법, 왜, 어디), as English's "process", "reason" and "cause" are not. Whole words only, after
synonym folding (이유 folds to 원인 by its first two syllables): 이유식 (baby food), 원인균,
원인불명, 과정생 and 절차적 are words of their own, and a frame noun the other prompt does not ask
about ("원인과 결과" / "결과") still adds an aspect."""

from __future__ import annotations

import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, pair_features

ADDED = FEATURE_NAMES.index("condition_added")

# true paraphrases from the strangers' files (dev), refused by the added-content test before
FRAME = [
    ("육아휴직 급여 신청 절차를 알려 주세요.", "육아휴직 급여는 어떻게 신청하나요?"),
    ("임진왜란이 일어난 원인을 설명해 줘.", "임진왜란은 왜 일어났어?"),
    (
        "전세 계약할 때 확정일자는 왜 받아야 하나요?",
        "전세 계약 후 확정일자를 받아두는 이유가 뭔가요?",
    ),
    ("실업급여 신청 방법 알려주세요.", "실업급여 신청 절차 알려주세요."),
]

# one side adds a word that starts like a frame noun, or a frame noun the other does not ask about
STILL_ADDED = [
    ("이유식 시작 시기", "시작 시기"),
    ("분유 이유식 추천", "분유 추천"),
    ("식중독 원인균 종류", "식중독 종류"),
    ("원인불명 발열 검사", "발열 검사"),
    ("석사 과정생 장학금", "석사 장학금"),
    ("절차적 정의란", "정의란"),
    ("임진왜란 원인과 결과", "임진왜란 결과"),
]


@pytest.mark.parametrize(("a", "b"), FRAME)
def test_a_frame_noun_against_its_question_word_is_no_added_content(a: str, b: str) -> None:
    assert pair_features(a, b, 0.95)[ADDED] == 0.0
    assert pair_features(b, a, 0.95)[ADDED] == 0.0


@pytest.mark.parametrize(("a", "b"), STILL_ADDED)
def test_a_word_that_only_starts_like_a_frame_noun_still_adds_content(a: str, b: str) -> None:
    assert pair_features(a, b, 0.95)[ADDED] == 1.0
    assert pair_features(b, a, 0.95)[ADDED] == 1.0
