"""Session 17's unit vetoes, from strangers' false hits: a currency after a Korean magnitude word
(200만 원 / 200만 엔) is a unit, and numbers that carry different units on the two sides (a
reversed conversion naming the same two units) differ; a number that carries a unit on one side
only, or the same unit written with a hyphen, is no change."""

from __future__ import annotations

import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, pair_features
from llm_gateway.cache.semantic.verifier import load_verifier

UNITS = FEATURE_NAMES.index("units_differ")

CHANGED = [
    ("월급 200만 원이면 달러로 얼마예요?", "월급 200만 엔이면 달러로 얼마예요?"),
    ("월급 300만 원이면 달러로 얼마 정도예요?", "월급 300만 엔이면 달러로 얼마 정도예요?"),
    ("1마일은 몇 km야?", "1km는 몇 마일이야?"),
    ("How many km is 1 mile?", "How many miles is 1 km?"),
    ("3천 원짜리 커피 달러로 얼마야?", "3천 엔짜리 커피 달러로 얼마야?"),
]

SAME = [
    ("5 km in miles?", "How many miles is 5 km?"),
    ("Recommend some fantasy novels for a 12-year-old.", "fantasy novels for a 12 year old"),
    ("What goes in a two weeks notice letter?", "What goes in a 2 weeks notice letter?"),
    ("200만원 달러로 얼마야?", "200만 원 달러로 얼마야?"),
    ("What are some dinners I can make in 20 minutes?", "Dinners I can make in twenty minutes?"),
]


@pytest.mark.parametrize(("a", "b"), CHANGED)
def test_a_changed_or_reversed_unit_is_refused(a: str, b: str) -> None:
    assert pair_features(a, b, 0.95)[UNITS] == 1.0
    assert load_verifier().score(a, b, 0.99)[0] == 0.0


@pytest.mark.parametrize(("a", "b"), SAME)
def test_the_same_units_said_another_way_are_no_change(a: str, b: str) -> None:
    assert pair_features(a, b, 0.95)[UNITS] == 0.0
