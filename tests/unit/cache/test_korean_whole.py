"""Korean "all / whole" on one side only vs one item / the most common / a kind (``whole.py``).

A user asking for one thing must not be served the answer for all of them ("카톡 메시지 하나
삭제하는 법" / "카톡 대화방 전체 삭제하는 법"), and the other way round; pairs that say "all" on
both sides, or say it where the other side asks nothing narrower, stay the trees' call; look-alike
words (전부터, 전세, 전화, 완전체) are no quantifier.
"""

from __future__ import annotations

import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, pair_features
from llm_gateway.cache.semantic.verifier import load_verifier
from llm_gateway.cache.semantic.whole import asks_part, has_all, whole_differs

_SCOPE = FEATURE_NAMES.index("scope_differs")


def _refused(a: str, b: str) -> bool:
    """The shipped weights veto the pair on ``scope_differs`` (which ``whole.py`` feeds)."""
    row = pair_features(a, b, 0.95)
    return any(FEATURE_NAMES[i] == "scope_differs" and row[i] for i in load_verifier().vetoes)


ALL_VS_PART = [
    ("고혈압의 가장 흔한 원인", "고혈압 원인 전부"),
    ("카톡 메시지 하나 삭제하는 법", "카톡 대화방 전체 삭제하는 법"),
    ("도커 컨테이너 하나만 멈추는 법", "실행 중인 도커 컨테이너 전부 멈추는 법"),
    ("엑셀 시트 하나만 보호하는 법", "엑셀 통합 문서 전체 보호하는 법"),
    ("갤럭시 갤러리에서 사진 한 장 삭제하는 법", "갤럭시 갤러리 사진 전체 삭제하는 법"),
    ("특정 앱 알림만 끄는 법", "휴대폰 알림 전부 끄는 법"),
    ("강아지 예방접종 종류", "강아지 예방접종 모든 일정"),
    ("근로계약서에서 제일 중요한 조항", "근로계약서 조항 모두 설명해 줘"),
    ("사랑니 하나 뽑는 비용", "사랑니 네 개 한 번에 다 뽑는 비용"),
    ("크롬에서 특정 사이트 쿠키 삭제", "크롬 쿠키 싹 다 삭제"),
    ("사진 한 장 지우는 법", "사진 몽땅 지우는 법"),
]

SERVED = [
    # 전부 / 모두 on both sides: the same question
    (
        "리눅스에서 실행 중인 프로세스를 모두 보려면?",
        "리눅스 돌아가는 프로세스 전부 확인하는 명령어",
    ),
    ("고혈압 원인 전부 알려줘", "고혈압의 원인을 전부 알려 주세요"),
    ("집 전체 도배 비용", "집 전체를 도배하는 비용"),
    # "all" where the other side asks for nothing narrower
    ("자바스크립트에서 배열 안의 값을 전부 더하려면?", "JS 배열 요소들의 합계를 구하는 코드"),
    (
        "고양이 화장실 모래 얼마나 자주 갈아줘야 돼요?",
        "고양이 모래 전체 교체 주기가 어떻게 되나요?",
    ),
    # 하나도 ("not even one") is no part: 하나도 안 들어 = 다 안 들어
    ("마음에 하나도 안 들어", "다 마음에 안 들어"),
]

# 전 starts many words that are no "all": 전부터 (from before), 전세, 전화, 완전체, 전기
LOOKALIKES = [
    ("며칠 전부터 목이 아픈데 하나만 물어볼게요", "며칠 전에 목이 아픈데 하나만 물어볼게요"),
    ("전세 대출 하나만 알려줘", "전세 대출 조건 알려줘"),
    ("전화 한 통만 하는 법", "전화하는 법"),
    ("진짜 완전체가 있어", "회사에 특정 완전체가 있어"),
]


@pytest.mark.parametrize(("a", "b"), ALL_VS_PART)
def test_all_vs_part_refused(a: str, b: str) -> None:
    assert whole_differs(a, b) == 1.0
    assert whole_differs(b, a) == 1.0
    assert pair_features(a, b, 0.95)[_SCOPE] == 1.0
    assert _refused(a, b)


@pytest.mark.parametrize(("a", "b"), SERVED)
def test_all_on_both_sides_or_nothing_narrower_not_vetoed(a: str, b: str) -> None:
    assert whole_differs(a, b) == 0.0
    assert not _refused(a, b)


@pytest.mark.parametrize(("a", "b"), LOOKALIKES)
def test_lookalike_words_are_no_quantifier(a: str, b: str) -> None:
    assert not has_all(a)
    assert not has_all(b)
    assert whole_differs(a, b) == 0.0


@pytest.mark.parametrize("text", ["원인 전부를 알려줘", "전체의 흐름", "모든게 싫어", "싹 다 지워"])
def test_quantifier_read_with_particles(text: str) -> None:
    assert has_all(text)


@pytest.mark.parametrize("text", ["싹 지워", "다시 해", "전부터", "전체적으로 괜찮아"])
def test_no_quantifier(text: str) -> None:
    assert not has_all(text)


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("이 문단만 바꾸는 법", True),
        ("사진 한 장", True),
        ("하지만 비싸요", False),
        ("오랜만에 5만 원", False),
    ],
)
def test_part_words(text: str, part: bool) -> None:
    assert asks_part(text) is part


def test_english_never_fires() -> None:
    assert whole_differs("Delete one message", "Delete all messages") == 0.0
