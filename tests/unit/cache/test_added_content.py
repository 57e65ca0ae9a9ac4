"""The added-content veto (``added.py``): a prompt that says all the other says and adds
content (a platform, a person's state, a scope such as *every*, *only where*, 자세히) is never
served the other's answer; one that adds only greetings, thanks, hedges or the request's
frame still is."""

from __future__ import annotations

import pytest

from llm_gateway.cache.semantic.added import content_added
from llm_gateway.cache.semantic.features import (
    FEATURE_NAMES,
    VETOES,
    canonical,
    is_korean,
    pair_features,
    tokens,
)


def _added(a: str, b: str) -> float:
    ta, tb = canonical(tokens(a), tokens(b))
    return content_added(ta, tb, is_korean(a) or is_korean(b))


def _vetoed(a: str, b: str) -> bool:
    features = pair_features(a, b, 0.97)
    return any(features[FEATURE_NAMES.index(name)] for name in VETOES)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("How do I sort a list in Python?", "How do I sort a list in Python by the second field?"),
        ("How do I delete a user?", "How do I delete a user from every server in the cluster?"),
        ("How do I open a ZIP file?", "How do I open a ZIP file on a Chromebook?"),
        ("Best pasta recipe?", "Best vegan pasta recipe?"),
        ("PDF 파일 합치는 법", "아이패드에서 PDF 파일 합치는 법"),
        (
            "제주도 3박 4일 여행 코스 추천해 줘",
            "렌터카 없이 뚜벅이로 제주도 3박 4일 여행 코스 추천해 줘",
        ),
        ("이사 체크리스트 알려줘", "이사 체크리스트 항목별로 자세히 알려줘"),
        ("녹차 매일 마셔도 괜찮아요?", "빈혈 약 먹는 중인데 녹차 매일 마셔도 괜찮아요?"),
    ],
)
def test_added_content_vetoes(a: str, b: str) -> None:
    assert _added(a, b) == 1.0
    assert _added(b, a) == 1.0
    assert _vetoed(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("How do I sort a list in Python?", "Hi! Quick question, how do I sort a list in Python?"),
        ("What is a REST API?", "Sorry if this is a dumb question, but what is a REST API?"),
        ("How do I reset my router?", "how do I reset my router? thanks in advance!"),
        ("How do I install Node.js on Ubuntu?", "how do i install nodejs on ubuntu"),
        ("HTML이 뭐야?", "혹시 HTML이 뭐야? ㅎㅎ"),
        (
            "파이썬 가상환경 만드는 법",
            "안녕하세요 파이썬 가상환경 만드는 법 좀 알려 주세요 감사합니다",
        ),
        # a rephrasing, not an addition: the other features judge it
        ("What is the capital of Canada?", "Which city is Canada's capital?"),
    ],
)
def test_filler_and_rephrasing_do_not_count(a: str, b: str) -> None:
    assert _added(a, b) == 0.0
    assert _added(b, a) == 0.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("김밥 오래 보관하는 법", "내일 소풍이라 김밥을 쌌어요. 김밥 오래 보관하는 법 있나요?"),
        ("노트북 팬 소음 줄이는 법", "요즘 잠을 못 자요. 노트북 팬 소음 줄이는 법 알려 주세요."),
        (
            "How do I descale a kettle?",
            "My kettle is full of limescale again today. How do I descale a kettle?",
        ),
    ],
)
def test_a_personal_aside_before_the_question_is_no_added_content(a: str, b: str) -> None:
    """Since session 8 an aside told in sentences of its own before the same question is the
    asker's situation (the strangers' v6/v7 ``context`` pairs): no veto fires; the trees and
    the threshold decide. Its time and negation do not count either."""
    features = pair_features(a, b, 0.97)
    assert [name for name in VETOES if features[FEATURE_NAMES.index(name)]] == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # after the question, or in the same sentence: still a narrowing
        (
            "How do I take a screenshot on my laptop?",
            "How do I take a screenshot on my laptop? It's a Chromebook.",
        ),
        ("HWP 파일 여는 법", "맥북에서 HWP 파일 여는 법"),
        ("How do I make a sourdough starter?", "How do I make a gluten-free sourdough starter?"),
        # an aside before a question that itself adds content
        (
            "How do I rename a file in Linux?",
            "I'm new to servers. How do I rename all files in a folder in Linux?",
        ),
    ],
)
def test_content_added_after_or_inside_the_question_still_vetoes(a: str, b: str) -> None:
    features = pair_features(a, b, 0.97)
    assert features[FEATURE_NAMES.index("condition_added")] == 1.0
