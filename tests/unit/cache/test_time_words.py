"""Session 19's round 9b: ``times_differ`` is a tree input, no longer a veto.

On nineteen strangers' files (dev) the veto refused 58 true pairs the trees serve ("in winter" /
"during the cold season", "주말" / "weekend", a time told aside) and one negative they would
serve; on the sealed ``paraphrase_heldout_v28`` (dev since) the change served 3 more true pairs
in each language and no more false ones (docs/CACHE.md, "Round 9"). A time that changes the
answer is still refused — by the trees, or by another veto beside it. The lookup is
``pair_lookup.Lookup``: the shipped weights and the bundled embedder, as ``eval_cache.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES
from llm_gateway.cache.semantic.verifier import load_verifier
from tests.unit.cache.pair_lookup import Lookup, Row, opened

# True pairs the veto refused and the trees serve: v28 rows (the first six) and dev rows.
NOW_SERVED = [
    ("What are some cheap dinner ideas for a family of four?",
     "Suggest budget-friendly evening meals that would feed four people.", "en"),
    ("What's a good way to fall asleep faster at night?",
     "Any methods that help you drift off more quickly at bedtime?", "en"),
    ("What's the weather usually like in Lisbon in February?",
     "whats the wether usualy like in lisbon in febuary", "en"),
    ("전세 계약할 때 확인해야 할 서류가 뭐예요?",
     "전셋집 계약 전에 꼭 챙겨봐야 하는 서류 좀 알려주세요", "ko"),
    ("희한하게 밤만 되면 기침이 심해져요", "희안하게 밤만되면 기침이 심해져요", "ko"),
    ("주말에 아이랑 갈 만한 서울 실내 놀거리 있을까?",
     "서울 실내 놀거리 있을까? 주말에 아이랑 갈 만한", "ko"),
    ("Is it safe to travel to Iceland in winter?",
     "Is it secure to visit Iceland during the cold season?", "en"),
    ("What are some ways to reduce anxiety before bed?",
     "I'd like some methods for easing anxiety at bedtime.", "en"),
    ("아이와 함께하는 주말 놀이 아이디어", "키즈랑 weekend에 할 만한 activity 아이디어", "ko"),
    ("KTX 표를 출발 직전에 취소하면 수수료가 얼마나 붙어요?",
     "기차 떠나기 바로 전에 KTX 승차권 환불하면 위약금 얼마나 떼여요?", "ko"),
]  # fmt: skip

# A time that changes the answer: v28's date_time negatives (the first eight) and probes.
STILL_REFUSED = [
    ("Is the DMV open on Saturdays in California?",
     "Is the DMV open on Sundays in California?", "en"),
    ("Write a cron expression that runs every day at 3 AM.",
     "Write a cron expression that runs every day at 3 PM.", "en"),
    ("Can I plant tomatoes outside in March in Ohio?",
     "Can I plant tomatoes outside in May in Ohio?", "en"),
    ("Weather in Bali in August: is it rainy season?",
     "Weather in Bali in January: is it rainy season?", "en"),
    ("설날 연휴에 은행 문 열어요?", "추석 연휴에 은행 문 열어요?", "ko"),
    ("봄에 심기 좋은 채소", "가을에 심기 좋은 채소", "ko"),
    ("밤 11시에 운동하면 잠에 방해될까?", "아침 7시에 운동하면 잠에 방해될까?", "ko"),
    ("어제 먹다 남은 치킨 먹어도 돼?", "일주일 전에 먹다 남은 치킨 먹어도 돼?", "ko"),
    ("What's the weather in Seattle?", "What's the weather in Seattle tomorrow?", "en"),
    ("What time does the pharmacy close today?",
     "What time does the pharmacy close tomorrow?", "en"),
    ("Is the museum open on Monday?", "Is the museum open on Sunday?", "en"),
    ("내일 서울 날씨 어때?", "오늘 서울 날씨 어때?", "ko"),
]  # fmt: skip
# The one dev negative the veto refused alone and the trees serve (0.974): a known false hit.
KNOWN_FALSE_HIT = ("일요일에 대형마트 문 열어요?", "월요일에 대형마트 문 열어요?", "ko")


def _row(a: str, b: str, lang: str, label: int) -> Row:
    return Row(0, a, b, label, lang, "time")


@pytest.fixture(scope="module")
def lookup() -> Iterator[Lookup]:
    rows = [_row(a, b, lang, 1) for a, b, lang in NOW_SERVED]
    rows += [_row(a, b, lang, 0) for a, b, lang in [*STILL_REFUSED, KNOWN_FALSE_HIT]]
    with opened(rows) as built:
        yield built


def test_times_differ_is_a_tree_input_and_no_veto() -> None:
    model = load_verifier()
    assert "times_differ" in FEATURE_NAMES
    assert "times_differ" not in {FEATURE_NAMES[i] for i in model.vetoes}
    assert {"numbers_differ", "units_differ", "question_differs"} <= {
        FEATURE_NAMES[i] for i in model.vetoes
    }


@pytest.mark.parametrize(("a", "b", "lang"), NOW_SERVED)
def test_the_same_question_with_a_time_word_is_served(
    lookup: Lookup, a: str, b: str, lang: str
) -> None:
    assert lookup.served(_row(a, b, lang, 1)), f"refused {b!r} for {a!r}"


@pytest.mark.parametrize(
    ("a", "b", "lang"),
    [
        *STILL_REFUSED,
        pytest.param(*KNOWN_FALSE_HIT, marks=pytest.mark.xfail(strict=True, reason="trees: 0.974")),
    ],
)
def test_a_changed_time_is_still_refused(lookup: Lookup, a: str, b: str, lang: str) -> None:
    assert not lookup.served(_row(a, b, lang, 0)), f"served {b!r} the answer cached for {a!r}"
