"""Does a swapped slot mean the same? The e5 cosine of the two swapped spans, embedded alone.

The slot-substitution veto (``slots.py``) refused more true paraphrases than any other (session
10: 280 EN / 323 KO dev pairs by it alone): a synonym swapped in (laptop / notebook, 구입 / 구매,
휴대폰 / 스마트폰) has the shape of an entity swap (numpy / pandas, 대구 / 대전). Session 9 found
that the spans' cosine alone does not separate the two, so it is not a rule here: it is one more
tree input (``SPAN_FEATURE``), and the slot veto fires only under a level set when training
(``VerifierModel.span_level``). Spans are embedded with the prompts' "query: " convention; a pair
with no swapped span reads 1.0, a slot flagged without a span (a quoted text changed) or with
more than ``MAX_SPANS`` of them 0.0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from llm_gateway.cache.semantic.embed import Vectors
from llm_gateway.cache.semantic.features import (
    FEATURE_NAMES,
    MAX_TOKENS,
    SLOT_STOP,
    canonical,
    tokens,
)
from llm_gateway.cache.semantic.questions import fold_when
from llm_gateway.cache.semantic.slots import swapped_spans

SPAN_FEATURE = "slot_span_cosine"
_SLOT = FEATURE_NAMES.index("slot_substitution")

# At most this many swapped spans are embedded (2 texts each, one call): more reads 0.0, a veto.
# Bounds the worst case (a long prompt with many one-word swaps); training pairs have ≤ 4.
MAX_SPANS = 4

Embed = Callable[[Sequence[str]], Vectors]


def slot_spans(a: str, b: str) -> list[tuple[str, str]]:
    """The swapped spans of ``a`` and ``b`` as the slot test sees them (folded tokens)."""
    raw_a, raw_b = tokens(fold_when(a))[:MAX_TOKENS], tokens(fold_when(b))[:MAX_TOKENS]
    ta, tb = canonical(raw_a, raw_b)
    return [(" ".join(x), " ".join(y)) for x, y in swapped_spans(ta, tb, SLOT_STOP)]


def span_cosine(spans: list[tuple[str, str]], slot_flag: float, embed: Embed) -> float:
    """The lowest cosine of a swapped pair of spans (1.0: none; 0.0: a slot with no span)."""
    if not slot_flag:
        return 1.0
    if not spans or len(spans) > MAX_SPANS:
        return 0.0
    texts = [t for pair in spans for t in pair]
    vectors = embed(texts)
    return float(min(np.dot(vectors[2 * i], vectors[2 * i + 1]) for i in range(len(spans))))


def span_input(a: str, b: str, features: list[float], embed: Embed | None) -> float:
    """``SPAN_FEATURE`` for ``pair_features(a, b, …)``: spans embedded only when the slot test
    fired and ``embed`` is given (without it a swapped slot reads 0.0: vetoed)."""
    slot = features[_SLOT]
    if slot and embed is not None:
        return span_cosine(slot_spans(a, b), slot, embed)
    return 0.0 if slot else 1.0
