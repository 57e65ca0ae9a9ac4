"""The swapped-span cosine column (``span_check.SPAN_FEATURE``) for training pairs, embedded once.

Only pairs the slot test flags have spans; their texts go through the same per-text embedding
cache as the prompts (``pairs.embed_texts``), so a rerun costs the features alone. The slot
veto's level is chosen here too (``choose_levels``), on out-of-source scores, for the trainer
and the leave-one-writer-out tools alike.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
from cache_thresholds import Scores

from llm_gateway.cache.semantic.embed import Embedder
from llm_gateway.cache.semantic.features import FEATURE_NAMES, VETOES
from llm_gateway.cache.semantic.pairs import Pair, embed_texts
from llm_gateway.cache.semantic.span_check import slot_spans, span_cosines
from llm_gateway.cache.semantic.verifier import slot_form_input

Array = np.ndarray
SLOT = FEATURE_NAMES.index("slot_substitution")


def span_column(
    pairs: list[Pair], x: Array, embedder: Embedder, cache: Path | None, lexicon: bool = False
) -> Array:
    """Each pair's lowest swapped-span cosine: 1.0 without a slot, 0.0 a slot without spans
    (``span_check.span_cosines``, as the gateway scores them, each distinct text once).
    ``lexicon``: ``x`` was computed with the slot lexicon (its spans are not embedded)."""
    out = np.ones(len(pairs))
    flagged = [i for i in range(len(pairs)) if x[i, SLOT]]
    spans = [slot_spans(pairs[i].a, pairs[i].b, lexicon) for i in flagged]
    out[flagged] = span_cosines(spans, lambda texts: embed_texts(list(texts), embedder, cache))
    return out


def form_column(pairs: list[Pair], x: Array, lexicon: bool = False) -> Array:
    """Each pair's ``slot_forms.SLOT_FORM_FEATURE`` as the gateway computes it (no embedding)."""
    return np.array(
        [slot_form_input(p.a, p.b, list(row), lexicon) for p, row in zip(pairs, x, strict=True)]
    )


_VETO_COLUMNS = [FEATURE_NAMES.index(n) for n in VETOES]
_OTHER_VETOES = [c for c in _VETO_COLUMNS if c != SLOT]
# The level the trees are fitted at (only a slot without spans, a quoted text changed, stays
# vetoed), and the scoring levels tried, per language, without the files they are judged on.
FIT_LEVEL = 0.5
LEVELS = (0.5, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94)
Rule = Callable[[Scores, list[int]], dict[str, float]]


def veto_mask(x: Array, span: Array, level: float | None) -> Array:
    """The vetoed rows: every veto, or (``level`` set) the slot veto only under that span cosine."""
    if level is None:
        return np.asarray((x[:, _VETO_COLUMNS] > 0).any(axis=1))
    others = (x[:, _OTHER_VETOES] > 0).any(axis=1)
    return np.asarray(others | ((x[:, SLOT] > 0) & (span < level)))


def gate(raw: Array, x: Array, span: Array, floor: float, level: float | None) -> Array:
    """Raw tree probabilities with the vetoes (slot: at ``level``) and the cosine floor at 0."""
    out = raw.copy()
    out[veto_mask(x, span, level) | (x[:, 0] < floor)] = 0.0
    return out


def choose_levels(
    raw: Array,
    x: Array,
    span: Array,
    floor: float,
    s: Scores,
    written: list[int],
    rule: Rule,
    levels: tuple[float | None, ...] = LEVELS,
) -> tuple[dict[str, float | None], dict[str, float]]:
    """Per language, the level whose thresholds (``rule`` on ``written``) serve most of the
    written files' true pairs out of source; and those thresholds."""
    best: dict[str, tuple[float, float | None, float]] = {}
    for level in levels:
        oos = gate(raw, x, span, floor, level)
        scored = Scores(oos, s.y, s.langs, s.groups, s.original)
        with contextlib.redirect_stdout(io.StringIO()):
            thresholds = rule(scored, written)
        for lang in ("en", "ko"):
            part = np.isin(s.groups, written) & s.original & (s.langs == lang) & (s.y == 1)
            served = float((oos[part] >= thresholds[lang]).mean())
            if lang not in best or served > best[lang][0]:
                best[lang] = (served, level, thresholds[lang])
    return {k: v[1] for k, v in best.items()}, {k: v[2] for k, v in best.items()}
