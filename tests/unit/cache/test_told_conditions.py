"""A state of the asker told in a sentence before the question vetoes a hit (``told.py``).

Each declared kind, in English and Korean, against the bare question: the ``condition_added``
veto fires. Background told the same way (a greeting, thanks, why they ask, feelings, a child
named without an age) does not fire it.
"""

from __future__ import annotations

import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, pair_features
from llm_gateway.cache.semantic.told import condition_told

_CONDITION = FEATURE_NAMES.index("condition_added")

# (kind, bare question, the question with the state told before it)
TOLD = [
    ("pregnancy", "Can I take ibuprofen?", "I'm pregnant. Can I take ibuprofen?"),
    ("pregnancy", "타이레놀 먹어도 돼요?", "모유수유 중이에요. 타이레놀 먹어도 돼요?"),
    (
        "medication",
        "Can I drink grapefruit juice?",
        "I'm on warfarin. Can I drink grapefruit juice?",
    ),
    ("medication", "감기약 먹어도 되나요?", "고혈압 약 먹고 있어요. 감기약 먹어도 되나요?"),
    ("illness", "Is fasting safe?", "I was diagnosed with diabetes. Is fasting safe?"),
    ("illness", "라면 먹어도 돼요?", "장염 걸렸어요. 라면 먹어도 돼요?"),
    ("age", "How much melatonin can I take?", "She is 6 years old. How much melatonin can I take?"),
    ("age", "해열제 얼마나 먹여요?", "우리 애가 세 살이에요. 해열제 얼마나 먹여요?"),
    ("allergy", "Is this vaccine safe?", "I'm allergic to eggs. Is this vaccine safe?"),
    ("allergy", "이 백신 맞아도 돼요?", "달걀 알레르기 있어요. 이 백신 맞아도 돼요?"),
    ("alcohol", "Can I drive this morning?", "I was drunk last night. Can I drive this morning?"),
    ("alcohol", "오늘 운전해도 돼요?", "어제 밤새 술 마셨어요. 오늘 운전해도 돼요?"),
    ("status", "How do I file my taxes?", "I'm self-employed. How do I file my taxes?"),
    ("status", "종합소득세 신고 어떻게 해요?", "프리랜서예요. 종합소득세 신고 어떻게 해요?"),
    ("housing", "Who pays for a broken boiler?", "I'm a tenant. Who pays for a broken boiler?"),
    ("housing", "보일러 고장 누가 고쳐요?", "전세 살아요. 보일러 고장 누가 고쳐요?"),
    ("pet", "Can I eat chocolate?", "This is for my dog. Can I eat chocolate?"),
    ("pet", "초콜릿 먹어도 돼요?", "우리 강아지예요. 초콜릿 먹어도 돼요?"),
    (
        "vehicle",
        "How often should I change the oil?",
        "I drive a hybrid. How often should I change the oil?",
    ),
    ("vehicle", "엔진오일 언제 갈아요?", "오토바이 타요. 엔진오일 언제 갈아요?"),
    ("debt", "Can I get a credit card?", "I have a lot of debt. Can I get a credit card?"),
    ("debt", "신용카드 만들 수 있어요?", "연체 중이에요. 신용카드 만들 수 있어요?"),
    ("abroad", "How do I vote?", "I live abroad. How do I vote?"),
    ("abroad", "투표 어떻게 해요?", "해외에 살아요. 투표 어떻게 해요?"),
    ("device", "How do I open a HWP file?", "I use a MacBook. How do I open a HWP file?"),
    ("device", "한글 파일 여는 법", "맥북임. 한글 파일 여는 법"),
]

# Background before the same question: the asker's situation, not a condition on the answer.
BACKGROUND = [
    ("How do I boil an egg?", "Hi there! How do I boil an egg?"),
    ("How do I boil an egg?", "Thanks for the help yesterday. How do I boil an egg?"),
    (
        "Is a tomato a fruit?",
        "My friend and I were arguing about this at dinner. Is a tomato a fruit?",
    ),
    (
        "What is the chemical symbol for gold?",
        "I'm helping my kid with homework tonight. What is the chemical symbol for gold?",
    ),
    ("보드게임 추천해줘", "비 와서 심심해서요. 보드게임 추천해줘"),
    ("김밥 싸는 법 알려줘", "안녕하세요! 김밥 싸는 법 알려줘"),
    ("김밥 싸는 법 알려줘", "내일 소풍이라 너무 설레요. 김밥 싸는 법 알려줘"),
    ("중학교 배정은 어떻게 돼요?", "아이가 내년에 졸업해요. 중학교 배정은 어떻게 돼요?"),
]


@pytest.mark.parametrize(("kind", "bare", "told"), TOLD, ids=[f"{k}-{b}" for k, b, _ in TOLD])
def test_a_state_told_before_the_question_is_a_condition(kind: str, bare: str, told: str) -> None:
    assert condition_told(bare, told) == 1.0, kind
    assert condition_told(told, bare) == 1.0, kind  # whichever side is cached
    assert pair_features(bare, told, 0.97)[_CONDITION] == 1.0, kind


@pytest.mark.parametrize(("bare", "told"), BACKGROUND)
def test_background_told_before_the_question_is_no_condition(bare: str, told: str) -> None:
    assert condition_told(bare, told) == 0.0
    assert pair_features(bare, told, 0.97)[_CONDITION] == 0.0


def test_the_same_state_on_both_sides_is_no_condition() -> None:
    assert (
        condition_told("임신 중에 타이레놀 먹어도 돼요?", "임신 중이에요. 타이레놀 먹어도 돼요?")
        == 0.0
    )
    assert (
        condition_told("Can my toddler have honey?", "My son is 2 years old. Can he have honey?")
        == 0.0
    )


def test_a_state_told_after_the_question_is_left_to_the_other_vetoes() -> None:
    # only sentences before the request sentence are read here
    assert condition_told("How do I open a HWP file?", "How do I open a HWP file? Thanks!") == 0.0


def test_a_kind_the_other_prompt_names_in_other_words_is_no_condition() -> None:
    # a child named on the other side covers an age told (the kind, not the word, is compared)
    bare = "How do I help my child make friends?"
    assert (
        condition_told(bare, "My son is 7 years old. How do I help my child make friends?") == 0.0
    )
    assert (
        condition_told(
            "아이 말 늦으면 어떻게 해요?", "우리 애가 28개월이에요. 아이 말 늦으면 어떻게 해요?"
        )
        == 0.0
    )
