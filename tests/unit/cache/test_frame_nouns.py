"""Session 18: a Korean question's frame said as a noun (신청 절차, 일어난 원인, 받는 이유, 파는 곳)
is no added content against the same question asked with 어떻게 / 왜 / 어디, as English's
"process", "reason" and "cause" are not; a noun that only starts like one (이유식) still counts,
and a detail added beside a frame noun still narrows the question."""

from __future__ import annotations

import pytest

from llm_gateway.cache.semantic.added import content_added
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

STILL_ADDED = [
    # a detail beside the frame noun narrows the question (v22, a negative)
    ("한국 전쟁의 원인을 설명해 주세요.", "한국 전쟁 중 인천상륙작전의 배경을 설명해 주세요."),
    (
        "직장 내 괴롭힘 신고 절차를 알려주세요.",
        "직장 내 괴롭힘 신고 후 회사 조사 기간만 알려주세요.",
    ),
]


@pytest.mark.parametrize(("a", "b"), FRAME)
def test_a_frame_noun_is_no_added_content(a: str, b: str) -> None:
    assert pair_features(a, b, 0.95)[ADDED] == 0.0
    assert pair_features(b, a, 0.95)[ADDED] == 0.0


@pytest.mark.parametrize(("a", "b"), STILL_ADDED)
def test_added_content_beside_or_inside_a_frame_word_still_counts(a: str, b: str) -> None:
    assert pair_features(a, b, 0.95)[ADDED] == 1.0


def test_baby_food_is_content_and_a_reason_is_not() -> None:
    """Forms of 이유 are filler as whole words only: 이유식 starts like one and is a noun."""
    short = ["간식", "시작", "시기"]
    assert content_added(short, ["이유식", "간식", "시작", "시기"], True) == 1.0
    assert content_added(short, ["이유가", "간식", "시작", "시기"], True) == 0.0
