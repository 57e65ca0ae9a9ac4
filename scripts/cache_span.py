"""The swapped-span cosine column (``span_check.SPAN_FEATURE``) for training pairs, embedded once.

Only pairs the slot test flags have spans; their texts go through the same per-text embedding
cache as the prompts (``pairs.embed_texts``), so a rerun costs the features alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from llm_gateway.cache.semantic.embed import Embedder
from llm_gateway.cache.semantic.features import FEATURE_NAMES
from llm_gateway.cache.semantic.pairs import Pair, embed_texts
from llm_gateway.cache.semantic.span_check import slot_spans

Array = np.ndarray
SLOT = FEATURE_NAMES.index("slot_substitution")


def span_column(pairs: list[Pair], x: Array, embedder: Embedder, cache: Path | None) -> Array:
    """Each pair's lowest swapped-span cosine: 1.0 without a slot, 0.0 a slot without spans."""
    out = np.ones(len(pairs))
    flagged = [i for i in range(len(pairs)) if x[i, SLOT]]
    spans = {i: slot_spans(pairs[i].a, pairs[i].b) for i in flagged}
    texts = sorted({t for s in spans.values() for pair in s for t in pair})
    vectors = embed_texts(texts, embedder, cache)
    row = {t: vectors[k] for k, t in enumerate(texts)}
    for i in flagged:
        cosines = [float(np.dot(row[s], row[t])) for s, t in spans[i]]
        out[i] = min(cosines) if cosines else 0.0
    return out
