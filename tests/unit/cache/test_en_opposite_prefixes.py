"""Session 9: an English stem under opposite prefixes (hyper- / hypo-, over- / under-) is an
antonym swap, never a typo; a swapped co-hyponym or antonym is still refused. Pairs are written
here, not copied from the eval files."""

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
        ("How do I read a CSV file in Python?", "How do I read a CSV file in Java?"),
        ("How do I freeze a row in Excel?", "How do I freeze a row in Word?"),
        ("What does a nurse earn in Ohio?", "What does a doctor earn in Ohio?"),
        ("Why is my red shirt fading?", "Why is my blue shirt fading?"),
    ],
)
def test_a_co_hyponym_swap_is_still_refused(a: str, b: str) -> None:
    assert "slot_substitution" in _vetoes(a, b)
    assert "slot_substitution" in _vetoes(b, a)


def test_an_antonym_swap_is_still_refused() -> None:
    vetoes = _vetoes("Is it cheaper to buy a car?", "Is it cheaper to sell a car?")
    assert vetoes


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("What are the signs of hyperglycemia?", "What are the signs of hypoglycemia?"),
        ("Am I overpaid as a junior nurse?", "Am I underpaid as a junior nurse?"),
        ("Is prenatal yoga safe?", "Is postnatal yoga safe?"),
    ],
)
def test_opposite_english_prefixes_are_an_antonym_swap_not_a_typo(a: str, b: str) -> None:
    assert not is_typo("hyperglycemia", "hypoglycemia")
    assert "antonym_swap" in _vetoes(a, b)
    assert "antonym_swap" in _vetoes(b, a)


def test_a_shared_prefix_is_no_antonym_swap() -> None:
    assert "antonym_swap" not in _vetoes(
        "Is prenatal yoga safe?", "Is prenatal yoga safe for twins?"
    )
