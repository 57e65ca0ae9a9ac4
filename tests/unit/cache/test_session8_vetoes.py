"""Session 8's veto changes, each both ways: a true paraphrase now passes, a meaning change is
still (or newly) refused. Pairs are written here, not copied from the eval files."""

from __future__ import annotations

import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, VETOES, pair_features
from llm_gateway.cache.semantic.typos import is_typo


def _vetoes(a: str, b: str) -> list[str]:
    features = pair_features(a, b, 0.97)
    return [name for name in VETOES if features[FEATURE_NAMES.index(name)]]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # parties exchanged in a yes/no question, the verbs reworded
        (
            "Can a tenant sue a landlord who keeps the deposit?",
            "Can a landlord sue a tenant for unpaid rent?",
        ),
        ("Can my manager fire me over a text?", "Can I fire my manager over a text?"),
        ("Should a nurse report a doctor who drinks?", "Should a doctor report a nurse?"),
    ],
)
def test_subject_swap_vetoes(a: str, b: str) -> None:
    assert "role_swap" in _vetoes(a, b)
    assert "role_swap" in _vetoes(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Can cats eat tuna?", "Is tuna safe for cats?"),  # whom it is for: the same question
        ("Can a landlord enter my flat?", "Can a landlord enter my apartment without notice?"),
        ("Was the bridge built by the Romans?", "Did the Romans build the bridge?"),  # passive
    ],
)
def test_subject_swap_leaves_these_alone(a: str, b: str) -> None:
    assert "role_swap" not in _vetoes(a, b)


def test_a_vowel_slip_in_a_five_letter_word_is_a_typo() -> None:
    assert is_typo("pivot", "pivit")
    assert is_typo("leave", "leeve")
    assert not is_typo("lease", "leave")  # a consonant: another word
    assert _vetoes("How do I make a pivot table?", "how do i make a pivit table") == []


def test_korean_two_letter_change_in_the_first_syllable_is_another_word() -> None:
    assert not is_typo("밥숟가락", "찻숟가락")
    assert is_typo("건강보험료", "건강보헙료")  # later syllable: still a misspelling
    assert "slot_substitution" in _vetoes(
        "밥숟가락 하나가 몇 ml예요?", "찻숟가락 하나가 몇 ml예요?"
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("된장찌개에 뭐 넣으면 맛있어?", "된장찌개에 뭘 넣으면 맛있나요?"),
        ("SQL JOIN 종류 정리해줘", "SQL JOIN 종류 정리해 주실 수 있을까요?"),
    ],
)
def test_korean_request_frame_is_no_slot_substitution(a: str, b: str) -> None:
    assert "slot_substitution" not in _vetoes(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("서울 아파트 청약 조건 알려줘", "지방 아파트 청약 조건 알려줘"),
        ("된장찌개에 뭐 넣으면 맛있어?", "김치찌개에 뭐 넣으면 맛있어?"),
    ],
)
def test_korean_content_swap_is_still_a_slot_substitution(a: str, b: str) -> None:
    assert "slot_substitution" in _vetoes(a, b)
