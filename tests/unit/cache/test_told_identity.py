"""Session 17: a request prefixed by a told identity or state in a …인데 word ("외국인인데",
"프리랜서인데", "사랑니 뺀 당일인데") asks under a condition the unprefixed request lacks, so the
cached answer is not served; a greeting, or the same told state on both sides, is no condition."""

from __future__ import annotations

import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, pair_features
from llm_gateway.cache.semantic.verifier import load_verifier

ADDED = FEATURE_NAMES.index("condition_added")

TOLD = [
    (
        "한국에서 운전면허 따려면 어떤 절차가 필요해요?",
        "외국인인데 한국에서 운전면허 따려면 어떤 절차가 필요해요?",
    ),
    (
        "육아휴직 급여는 얼마나 받을 수 있나요?",
        "프리랜서인데 육아휴직 급여는 얼마나 받을 수 있나요?",
    ),
    ("치킨 먹어도 될까요?", "사랑니 뺀 당일인데 치킨 먹어도 될까요?"),
    (
        "전세자금대출 받을 때 필요한 서류가 뭐예요?",
        "프리랜서인데 전세자금대출 받을 때 필요한 서류가 뭐예요?",
    ),
]

NOT_TOLD = [
    (
        "육아휴직 급여는 얼마나 받을 수 있나요?",
        "안녕하세요! 육아휴직 급여는 얼마나 받을 수 있나요?",
    ),
    ("외국인인데 운전면허 따려면 어떻게 해요?", "외국인인데 한국 운전면허 따는 절차 알려줘"),
]


@pytest.mark.parametrize(("a", "b"), TOLD)
def test_a_told_identity_is_an_added_condition(a: str, b: str) -> None:
    assert pair_features(a, b, 0.95)[ADDED] == 1.0
    assert pair_features(b, a, 0.95)[ADDED] == 1.0
    assert load_verifier().score(a, b, 0.99)[0] == 0.0


@pytest.mark.parametrize(("a", "b"), NOT_TOLD)
def test_a_greeting_or_the_same_told_state_is_none(a: str, b: str) -> None:
    assert pair_features(a, b, 0.95)[ADDED] == 0.0
