"""Long prompts are never semantic hits, and the features look at a bounded number of words.

The verifier runs on every near candidate; its word-exchange and phrase-rotation features are
quadratic or worse in the prompt, so the work is capped (``features.MAX_TOKENS``) and a pair past
the cap is a miss rather than a verdict on truncated text. Costs are measured in docs/CACHE.md.
"""

from __future__ import annotations

import threading

import pytest

from llm_gateway.cache.semantic.embed import run_off_loop
from llm_gateway.cache.semantic.features import (
    FEATURE_NAMES,
    MAX_CHARS,
    MAX_TOKENS,
    pair_features,
    too_long,
)
from llm_gateway.cache.semantic.roles import swapped
from llm_gateway.cache.semantic.verifier import load_verifier
from llm_gateway.core.embedding import THREAD_NAME, SharedEmbedder

_WORDS = "please explain how the garbage collector in this runtime decides when to run".split()


def _prose(count: int) -> str:
    return " ".join(_WORDS[i % len(_WORDS)] for i in range(count))


def test_the_cap_counts_words_and_characters() -> None:
    assert not too_long(_prose(MAX_TOKENS))
    assert too_long(_prose(MAX_TOKENS + 1))
    assert too_long("가" * (MAX_CHARS + 1))  # one Korean "word" with no space in it


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # a harmless change past the cap: scored on its first words it would look the same
        (_prose(80), _prose(80) + " quickly"),
        (" ".join(f"w{i}" for i in range(100)), " ".join(f"w{i}" for i in reversed(range(100)))),
        (" ".join(["a"] * 2000), " ".join(["a"] * 1999 + ["b"])),
        ("가" * 1990 + "을 위한 용", "나" * 1990 + "을 위한 용"),
    ],
)
def test_long_prompts_that_differ_are_a_miss(a: str, b: str) -> None:
    model = load_verifier()
    for cached, asked in ((a, b), (b, a)):
        probability, _ = model.score(cached, asked, 0.99)
        assert probability == 0.0


def test_a_long_prompt_asked_again_verbatim_still_scores() -> None:
    model = load_verifier()
    assert model.score(_prose(80), _prose(80), 0.99)[0] == 1.0


def test_pair_features_read_the_first_max_tokens_words_only() -> None:
    # The prompts differ only after the cap: the word-level features see no edit at all.
    a, b = _prose(MAX_TOKENS) + " alpha beta", _prose(MAX_TOKENS) + " gamma delta"
    features = pair_features(a, b, 0.99)
    assert features[FEATURE_NAMES.index("diff_tokens")] == 0.0
    assert features[FEATURE_NAMES.index("word_jaccard")] == 1.0


async def test_scoring_runs_on_the_embedders_thread() -> None:
    embedder = SharedEmbedder()  # no model is loaded: only its thread is used
    try:
        name = await run_off_loop(embedder, lambda: threading.current_thread().name)
    finally:
        embedder.close()
    assert name.startswith(THREAD_NAME)


def test_word_exchanges_are_looked_for_among_the_first_shared_words() -> None:
    other = [f"{c}{c}x" for c in "bcdfghjklmnp"]  # 12 content words that stay put
    ab, ba = ["alpha"] * 6 + ["beta"] * 6, ["beta"] * 6 + ["alpha"] * 6  # one exchange
    assert swapped(ab + other, ba + other, frozenset()) == 1.0
    assert swapped(other + ab, other + ba, frozenset()) == 0.0  # the 13th and 14th shared words
