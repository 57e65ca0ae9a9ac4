"""Korean 안 spacing and whole time words in the vetoes (``negation.py``, ``quantities.py``).

N1: 안돼요 and 안 돼요 are one negation (the spacing differs, not the meaning), but a negation
moved to another verb (안 먹으면 돼요 / 먹으면 안돼요) still vetoes. N2: a time word counts
as a whole word, with a particle or a question's ending (오늘은요, 어제였는데), not as the start
of a longer word (전화, 전부, 자기소개서), and reading it takes linear time.
"""

from __future__ import annotations

import time

import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, pair_features
from llm_gateway.cache.semantic.negation import negation_differs
from llm_gateway.cache.semantic.quantities import times

_NEGATION = FEATURE_NAMES.index("negation_differs")
_TIMES = FEATURE_NAMES.index("times_differ")


def _features(a: str, b: str) -> list[float]:
    return pair_features(a, b, 0.95)


# The reviewer's pairs #1-10 (tests/data/cache_veto_review) and ours: 안 moved to another verb,
# joined on one side, so the count of negations is the same once 안X is read as 안 X.
MOVED = [
    ("약 안 먹으면 돼요?", "약 먹으면 안돼요?"),
    ("머리 안 감고 자도 돼요?", "머리 감고 자면 안돼요?"),
    ("밥 안 먹고 운동해도 돼요?", "밥 먹고 운동하면 안돼요?"),
    ("렌즈 안 빼고 자도 돼요?", "렌즈 빼고 자면 안돼요?"),
    ("커피 안 마시면 잠이 와요?", "커피 마시면 잠이 안와요?"),
    ("강아지 안 씻기면 냄새 나요?", "강아지 씻기면 냄새 안나요?"),
    ("선인장 물 안 주면 죽어요?", "선인장 물 주면 안죽어요?"),
    ("김치 냉장고에 안 넣으면 상해요?", "김치 냉장고에 넣으면 안상해요?"),
    ("선크림 안 바르면 타요?", "선크림 바르면 안타요?"),
    ("감기약 안 먹으면 낫나요?", "감기약 먹으면 안낫나요?"),
    ("창문 안 열고 자도 돼요?", "창문 열고 자면 안돼요?"),
    ("우산 안 쓰면 젖어요?", "우산 쓰면 안젖어요?"),
    ("에어컨 안 끄면 전기세 많이 나와요?", "에어컨 끄면 전기세 많이 안나와요?"),
    ("아이스크림 냉동실에 안 넣으면 녹아요?", "아이스크림 냉동실에 넣으면 안녹아요?"),
    ("충전기 안 꽂으면 켜져요?", "충전기 꽂으면 안켜져요?"),
    ("운동 안하면 살 빠져요?", "운동 하면 살 안빠져요?"),  # joined on both sides
    ("세수 안 하고 화장해도 돼요?", "세수 하고 화장하면 안돼요?"),
]

# The same negation spaced another way (the reviewer's #71-75 and ours): no negation veto.
SPACED = [
    ("와이파이가 안돼요", "와이파이가 안 돼요"),
    ("프린터가 안 켜져요", "프린터가 안켜져요"),
    ("카톡 알림이 안와요", "카톡 알림이 안 와요"),
    ("노트북 소리가 안 나와요", "노트북 소리가 안나와요"),
    ("밤에 잠이 안 와요 어떻게 해요?", "밤에 잠이 안와요 어떻게 해요?"),
    ("세탁기가 안 돌아가요", "세탁기가 안돌아가요"),
    ("에어컨 안켜지는데 어떻게 해요?", "에어컨 안 켜지는데 어떻게 해요?"),
    ("숙제 안했는데 어떡해요?", "숙제 안 했는데 어떡해요?"),
    ("밥 안 먹으면 안돼요?", "밥 안먹으면 안 돼요?"),  # two negations, each spaced the other way
]


@pytest.mark.parametrize(("a", "b"), MOVED)
def test_a_negation_moved_to_another_verb_still_vetoes(a: str, b: str) -> None:
    assert _features(a, b)[_NEGATION] == 1.0
    assert _features(b, a)[_NEGATION] == 1.0


@pytest.mark.parametrize(("a", "b"), SPACED)
def test_a_negation_spaced_another_way_is_the_same_negation(a: str, b: str) -> None:
    assert _features(a, b)[_NEGATION] == 0.0
    assert _features(b, a)[_NEGATION] == 0.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("홈페이지 로그인이 안돼요", "홈페이지 로그인이 돼요?"),
        ("이 코트 드라이클리닝 안해도 돼요?", "이 코트 드라이클리닝 해도 돼요?"),
        ("주문한 택배가 안와요", "주문한 택배가 와요?"),
        ("예방접종 안 하면 안 돼요?", "예방접종 하면 안돼요?"),  # two against one
    ],
)
def test_a_joined_negation_against_none_vetoes(a: str, b: str) -> None:
    assert _features(a, b)[_NEGATION] == 1.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("공항 안내 데스크 어디예요?", "공항 내 데스크 어디예요?"),  # 안내: guidance
        ("안경 어디서 맞춰요?", "경 어디서 맞춰요?"),  # 안경: glasses
        ("가방 안에 뭐 넣어요?", "가방 에 뭐 넣어요?"),  # 안에: inside
    ],
)
def test_a_word_starting_with_an_is_no_negation_unless_its_rest_is_the_other_word(
    a: str, b: str
) -> None:
    assert negation_differs(a, b, [], []) == 0.0


def test_english_negation_reads_as_before() -> None:
    assert negation_differs("Don't eat it", "Eat it", ["don't", "eat", "it"], ["eat", "it"])
    assert not negation_differs("Not now", "Never now", ["not", "now"], ["never", "now"])


# The reviewer's time swaps (#19-36): a time word with a question's ending on both sides.
TIME_SWAPS = [
    ("구매한 게 어제였는데 환불 되나요?", "구매한 게 작년이었는데 환불 되나요?"),
    ("시험이 모레인데요 어떻게 공부해요?", "시험이 내년인데요 어떻게 공부해요?"),
    ("지금 새벽인데요 세탁기 돌려도 돼요?", "지금 오후인데요 세탁기 돌려도 돼요?"),
    ("여름이라서 실내 적정 온도가 몇 도예요?", "겨울이라서 실내 적정 온도가 몇 도예요?"),
    ("주말이니까 늦잠 자도 괜찮죠?", "평일이니까 늦잠 자도 괜찮죠?"),
    (
        "출국이 내일이라서 급한데 여권 재발급 얼마나 걸려요?",
        "출국이 다음주라서 급한데 여권 재발급 얼마나 걸려요?",
    ),
    ("은행 오늘은요 몇 시까지 해요?", "은행 토요일은요 몇 시까지 해요?"),
    ("병원 일요일엔요 문 열어요?", "병원 평일엔요 문 열어요?"),
    ("서류 제출 마감 오늘까지요?", "서류 제출 마감 모레까지요?"),
    ("먹은 게 아침이었는데 또 먹어도 돼요?", "먹은 게 저녁이었는데 또 먹어도 돼요?"),
    ("생일이 어제였는데 쿠폰 쓸 수 있어요?", "생일이 지난주였는데 쿠폰 쓸 수 있어요?"),
    ("서울 내일은요 비 와요?", "서울 주말은요 비 와요?"),
    ("이 버스 막차 평일이요 몇 시예요?", "이 버스 막차 주말이요 몇 시예요?"),
    ("택배 접수 오늘이면 언제 도착해요?", "택배 접수 금요일이면요 언제 도착해요?"),
    ("마감이 어제였어 이제 어떡해?", "마감이 내일이었어 이제 어떡해?"),
]


@pytest.mark.parametrize(("a", "b"), TIME_SWAPS)
def test_a_time_word_with_a_question_ending_still_vetoes(a: str, b: str) -> None:
    assert _features(a, b)[_TIMES] == 1.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("개, 고양이, 토끼 키워도 돼요?", "개, 고양이, 토끼 전부 키워도 돼요?"),  # 전부: all
        ("크롬 전체화면 단축키", "크롬 풀스크린 단축키"),  # 전체: whole
        ("이 파일 전체 삭제하는 법", "이 파일 삭제하는 법"),
        ("통화 예절 알려줘", "전화 예절 알려줘"),  # 전화: phone
        ("팀장님께 말하면 될까요?", "팀장님께 전달드리면 될까요?"),  # 전달: pass on
        ("월세 계약할 때 주의할 점", "전세 계약할 때 주의할 점"),  # 전세: a lease, no time
        ("자기소개서 잘 쓰는 법", "자소서 잘 쓰는 법"),  # 자기소개서: a cover letter
    ],
)
def test_a_word_that_starts_like_a_time_word_is_no_time(a: str, b: str) -> None:
    assert _features(a, b)[_TIMES] == 0.0


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("전부 다 알려줘", set()),
        ("전체 목록", set()),
        ("3일 전에 샀어요", {"전"}),  # 전에 folds to 전 (session 19's round 12)
        ("내일아침에 비 와요?", {"내일", "아침"}),
        ("퇴근 후에요 뭐 해요?", {"후에"}),
        ("자기 전에 뭐 먹어요?", {"자기", "전"}),
    ],
)
def test_korean_time_words_are_read_whole(text: str, found: set[str]) -> None:
    assert times(text, []) == found


def test_a_long_run_of_particles_after_a_time_word_is_read_in_linear_time() -> None:
    """The review's ReDoS: 오늘 + 에는×n took ×3 per 에는 (6.4 s at n = 24) on a rejected branch."""
    prompt = "오늘" + "에는" * 30 + " 날씨 어때?"
    start = time.perf_counter()
    features = _features(prompt, "오늘 날씨 어때?")
    assert time.perf_counter() - start < 1.0
    assert features[_TIMES] == 1.0  # the run is no ending: 오늘에는에는… is not read as 오늘
    start = time.perf_counter()
    assert times("오늘" + "에는" * 20_000, []) == set()
    assert time.perf_counter() - start < 1.0


def test_english_time_words_read_as_before() -> None:
    assert _features("What's the weather tomorrow?", "What's the weather today?")[_TIMES] == 1.0
    assert _features("Weather tomorrow?", "What's the weather tomorrow?")[_TIMES] == 0.0
