"""Quoted text (``quoted.py``): the direction of a translation (the quote's script) and a
different quoted text veto; the same text, quoted on one side only, does not."""

from __future__ import annotations

import pytest

from llm_gateway.cache.semantic.features import FEATURE_NAMES, VETOES, pair_features
from llm_gateway.cache.semantic.quoted import quoted_differs


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Translate 'Good night' into Korean.", "Translate '잘 자' into English."),
        ("Translate 'Thank you' into French.", "Translate 'Merci beaucoup, ça va' into English."),
        ("Translate 'see you soon' into Spanish.", "Translate 'hasta luego' into English."),
        ("'사랑해'를 일본어로 번역해줘", "'愛してる'를 한국어로 번역해줘"),
    ],
)
def test_a_different_quote_vetoes(a: str, b: str) -> None:
    assert quoted_differs(a, b) == 1.0
    features = pair_features(a, b, 0.97)
    assert any(features[FEATURE_NAMES.index(name)] for name in VETOES)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("What's the plural of 'cactus'?", "Is the plural of cactus 'cacti'? What's the plural?"),
        ("Define the word 'entropy'.", 'What does the word "entropy" mean?'),
        ("Translate 'Good night' into Korean.", "How do you say good night in Korean?"),
        ("What's the difference between 'affect' and 'effect'?", "affect vs effect"),
    ],
)
def test_the_same_quote_does_not(a: str, b: str) -> None:
    assert quoted_differs(a, b) == 0.0
