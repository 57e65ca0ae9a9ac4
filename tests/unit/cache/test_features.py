"""The verifier's meaning-change features fire on the changes they are named for."""

from __future__ import annotations

import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, pair_features


def _feature(a: str, b: str, name: str) -> float:
    return pair_features(a, b, 0.95)[FEATURE_NAMES.index(name)]


@pytest.mark.parametrize(
    ("a", "b", "name"),
    [
        ("Is the museum open on Monday?", "Is the museum not open on Monday?", "negation_differs"),
        ("I can go today", "I can't go today", "negation_differs"),
        ("내일 비가 와?", "내일 비가 안 와?", "negation_differs"),
        ("회의에 갈 수 있어", "회의에 갈 수 없어", "negation_differs"),
        ("Convert 5 km to miles", "Convert 50 km to miles", "numbers_differ"),
        ("3명 예약해줘", "4명 예약해줘", "numbers_differ"),
        ("Convert 5 km to miles", "Convert 5 kg to pounds", "units_differ"),
        (
            "Who founded Apple in California?",
            "Who founded Microsoft in California?",
            "entities_differ",
        ),
        ("Did John call Mary yesterday?", "Did Mary call John yesterday?", "order_changed"),
        ("When did the war start?", "Why did the war start?", "question_word_differs"),
        ("서울에서 언제 출발해?", "서울에서 어디로 출발해?", "question_word_differs"),
    ],
)
def test_meaning_changes_are_flagged(a: str, b: str, name: str) -> None:
    assert _feature(a, b, name) > 0


@pytest.mark.parametrize(
    "name", ["negation_differs", "numbers_differ", "units_differ", "entities_differ"]
)
def test_a_plain_paraphrase_raises_no_flag(name: str) -> None:
    a, b = "How tall is the Eiffel Tower?", "How high is the Eiffel Tower?"
    assert _feature(a, b, name) == 0


def test_identical_prompts_overlap_fully() -> None:
    values = dict(zip(FEATURE_NAMES, pair_features("같은 문장", "같은 문장", 1.0), strict=True))
    assert values["word_jaccard"] == values["char3_jaccard"] == 1.0
    assert values["korean"] == 1.0
