"""Which occurrence 안 negates (``negation.py``) and rev-ckoneg's time compounds and endings.

A negation moved between two equal verb forms while its spacing changes (우유는 안 마셔도 되고
주스는 마셔도 / 우유는 마셔도 되고 주스는 안마셔도) names another thing to skip: it must veto,
though both sides negate 마셔도 once. The same sentence spaced another way must not.
"""

from __future__ import annotations

import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, pair_features
from llm_gateway.cache.semantic.quantities import times

_NEGATION = FEATURE_NAMES.index("negation_differs")
_TIMES = FEATURE_NAMES.index("times_differ")

# Ours, not the reviewer's: the negation moves to the other of two equal forms.
MOVED_SAME_FORM = [
    ("우유는 안 마셔도 되고 주스는 마셔도 돼요?", "우유는 마셔도 되고 주스는 안마셔도 돼요?"),
    ("토요일엔 안 열고 일요일엔 열어요?", "토요일엔 열고 일요일엔 안열어요?"),
    ("왼쪽은 안 잠가도 되고 오른쪽은 잠가도 돼요?", "왼쪽은 잠가도 되고 오른쪽은 안잠가도 돼요?"),
    (
        "큰애는 데려가도 되고 작은애는 안 데려가도 돼요?",
        "큰애는 안데려가도 되고 작은애는 데려가도 돼요?",
    ),
]

# The same sentences, only the spacing of 안 differs: the same occurrence is negated.
SPACED_SAME_FORM = [
    ("우유는 안 마셔도 되고 주스는 마셔도 돼요?", "우유는 안마셔도 되고 주스는 마셔도 돼요?"),
    ("토요일엔 열고 일요일엔 안 열어요?", "토요일엔 열고 일요일엔 안열어요?"),
    ("먹어도 되나요 아니면 안 먹어도 되나요?", "먹어도 되나요 아니면 안먹어도 되나요?"),
]


@pytest.mark.parametrize(("a", "b"), MOVED_SAME_FORM)
def test_a_negation_moved_between_equal_forms_vetoes(a: str, b: str) -> None:
    assert pair_features(a, b, 0.95)[_NEGATION] == 1.0
    assert pair_features(b, a, 0.95)[_NEGATION] == 1.0


@pytest.mark.parametrize(("a", "b"), SPACED_SAME_FORM)
def test_the_same_occurrence_spaced_another_way_is_no_negation_change(a: str, b: str) -> None:
    assert pair_features(a, b, 0.95)[_NEGATION] == 0.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("아침밥 거르면 안 좋아요?", "저녁밥 거르면 안 좋아요?"),
        ("오전반차 쓰면 점심은요?", "오후반차 쓰면 점심은요?"),
        ("겨울용 장갑 추천해 주세요", "여름용 장갑 추천해 주세요"),
        ("택배 금요일까진 와요?", "택배 목요일까진 와요?"),
        ("약국 일요일인데도 열어요?", "약국 토요일인데도 열어요?"),
        ("저녁쯤이면 도착해요?", "점심쯤이면 도착해요?"),
    ],
)
def test_a_time_compound_or_colloquial_ending_swap_vetoes(a: str, b: str) -> None:
    assert pair_features(a, b, 0.95)[_TIMES] == 1.0


@pytest.mark.parametrize("word", ["전라도", "전용", "전부", "전화", "자기소개서"])
def test_words_that_only_start_like_a_time_word_stay_no_time(word: str) -> None:
    assert times(f"{word} 알려 주세요", []) == set()
