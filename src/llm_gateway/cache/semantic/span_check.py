"""Does a swapped slot mean the same? The e5 cosine of the two swapped spans, embedded alone.

The slot-substitution veto (``slots.py``) refused more true paraphrases than any other (session
10: 280 EN / 323 KO dev pairs by it alone): a synonym swapped in (laptop / notebook, 구입 / 구매,
휴대폰 / 스마트폰) has the shape of an entity swap (numpy / pandas, 대구 / 대전). Session 9 found
that the spans' cosine alone does not separate the two, so it is not a rule here: it is one more
tree input (``SPAN_FEATURE``), and the slot veto fires only under a level set when training
(``VerifierModel.span_level``). Spans are embedded with the prompts' "query: " convention; a pair
with no swapped span reads 1.0, a slot flagged without a span (a quoted text changed) or with
more than ``MAX_SPANS`` of them 0.0. A lookup's candidates are scored together: the spans of all
of them are embedded in one call, each distinct text once (session 12: four flagged candidates
embedded the asked prompt's span four times, in four calls).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from llm_gateway.cache.semantic.embed import Vectors
from llm_gateway.cache.semantic.features import (
    FEATURE_NAMES,
    SLOT_STOP,
    slot_lexicon,
    slot_tokens,
)
from llm_gateway.cache.semantic.slots import swapped_spans

SPAN_FEATURE = "slot_span_cosine"
_SLOT = FEATURE_NAMES.index("slot_substitution")

# At most this many swapped spans of a pair are embedded (2 texts each): more reads 0.0, a veto.
# Bounds the worst case (a long prompt with many one-word swaps); training pairs have ≤ 4.
MAX_SPANS = 4

Embed = Callable[[Sequence[str]], Vectors]
# (a, b, pair_features(a, b, …), whether its spans may be embedded: no other veto fired).
SpanAsk = tuple[str, str, list[float], bool]


def slot_spans(a: str, b: str, lexicon: bool = False) -> list[tuple[str, str]]:
    """The swapped spans of ``a`` and ``b`` as the slot test sees them (folded tokens; with
    ``lexicon``, none that is a pair of ``slot_lexicon`` synonyms)."""
    ta, tb = slot_tokens(a, b, lexicon)
    pairs = slot_lexicon() if lexicon else frozenset()
    return [(" ".join(x), " ".join(y)) for x, y in swapped_spans(ta, tb, SLOT_STOP, pairs)]


def span_cosines(flagged: Sequence[list[tuple[str, str]]], embed: Embed) -> list[float]:
    """Each flagged pair's lowest cosine of its swapped spans (0.0: none, or over ``MAX_SPANS``).

    One lookup's candidates often share a span (the asked prompt's): every distinct text is
    embedded once, in one ``embed`` call for them all (none when no pair has spans to embed).
    """
    kept = [spans if 0 < len(spans) <= MAX_SPANS else [] for spans in flagged]
    texts = list(dict.fromkeys(t for spans in kept for pair in spans for t in pair))
    if not texts:
        return [0.0] * len(kept)
    vectors = embed(texts)
    row = {text: k for k, text in enumerate(texts)}
    return [
        float(min(np.dot(vectors[row[x]], vectors[row[y]]) for x, y in spans)) if spans else 0.0
        for spans in kept
    ]


def span_inputs(
    pairs: Sequence[SpanAsk], embed: Embed | None, lexicon: bool = False
) -> list[float]:
    """``SPAN_FEATURE`` for each (a, b, ``pair_features(a, b, …)``, may embed): 1.0 when the slot
    test did not fire; when it did, the spans' ``span_cosines`` if embedding is allowed (no
    other veto fired) and ``embed`` is given, else 0.0 (vetoed). One embed call for them all.
    ``lexicon``: as the features were computed (lexicon spans are not embedded)."""
    out = [0.0 if features[_SLOT] else 1.0 for _, _, features, _ in pairs]
    wanted = [i for i, (_, _, f, may) in enumerate(pairs) if f[_SLOT] and may]
    if embed is None or not wanted:
        return out
    flagged = [slot_spans(pairs[i][0], pairs[i][1], lexicon) for i in wanted]
    for i, cosine in zip(wanted, span_cosines(flagged, embed), strict=True):
        out[i] = cosine
    return out
