"""The second stage of a semantic hit: a small tree-ensemble pair classifier over ``features.py``.

Trained by ``scripts/train_cache_verifier.py`` (gradient-boosted trees, depth 3) and shipped as
``verifier_weights.json``: the trees as plain rows, evaluated here in Python (~0.1 ms a pair, no
scikit-learn at run time), plus per-language decision thresholds chosen on development pairs for
a false-hit target, and the cosine under which a candidate is not even scored. Some features
are vetoes (``features.VETOES``): a pair that shows one is rejected before the trees are asked.
Since session 10 the weights may carry a pair head (``pair_head.py``): a linear score over both
prompts' e5 vectors, one more tree input after the hand-made features. Since session 11 they may
carry span levels (``span_check.py``): the swapped spans' cosine is a tree input (before the
head's) and the slot-substitution veto fires only under the language's level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import orjson

from llm_gateway.cache.semantic.embed import Vectors
from llm_gateway.cache.semantic.features import (
    FEATURE_NAMES,
    VETOES,
    is_korean,
    pair_features,
    too_long,
)
from llm_gateway.cache.semantic.pair_head import HEAD_FEATURE, PairHead
from llm_gateway.cache.semantic.span_check import SPAN_FEATURE, Embed, span_input

WEIGHTS_FILE = Path(__file__).with_name("verifier_weights.json")

_SLOT = FEATURE_NAMES.index("slot_substitution")
_KOREAN = FEATURE_NAMES.index("korean")
_SPAN = len(FEATURE_NAMES)  # the span cosine's place, when the weights carry span levels

# One tree node: feature, threshold, left, right, leaf value, is_leaf, missing goes left.
Node = tuple[int, float, int, int, float, int, int]


@dataclass(frozen=True, slots=True)
class VerifierModel:
    """Sum the trees' leaves, sigmoid."""

    trees: tuple[tuple[Node, ...], ...]
    baseline: float
    thresholds: dict[str, float]  # per language ("en", "ko") on the probability
    cosine_floor: float  # candidates under this cosine are never hits
    vetoes: tuple[int, ...] = ()  # feature indexes: any of them set → probability 0
    head: PairHead | None = None  # its score is the trees' last input when present
    # Per language: a swapped slot vetoes only when its spans' cosine is under the level (None:
    # the slot veto is one of ``vetoes``, as before session 11).
    span_levels: dict[str, float] | None = None

    def probability(self, features: list[float]) -> float:
        """P(same meaning); 0 when a veto feature fires (a negation, number, role... changed)."""
        if self.refusals(features):
            return 0.0
        return self.tree_probability(features)

    def refusals(self, features: list[float]) -> tuple[str, ...]:
        """The vetoes that refuse a pair (``probability`` is 0 when there is one): the weights'
        vetoes that fire, and the slot test unless its spans read as the same (``slot_vetoed``).
        ``features``: the trees' input row (``inputs``)."""
        fired = tuple(FEATURE_NAMES[i] for i in self.vetoes if features[i])
        return (*fired, "slot_substitution") if self.slot_vetoed(features) else fired

    def slot_vetoed(self, features: list[float]) -> bool:
        """A swapped slot whose spans do not read as the same (the overrule's veto)."""
        if self.span_levels is None or not features[_SLOT]:
            return False
        level = self.span_levels["ko" if features[_KOREAN] else "en"]
        return features[_SPAN] < level

    def tree_probability(self, features: list[float]) -> float:
        z = self.baseline
        for tree in self.trees:
            node = tree[0]
            while not node[5]:
                value = features[node[0]]
                go_left = node[6] if math.isnan(value) else value <= node[1]
                node = tree[node[2] if go_left else node[3]]
            z += node[4]
        return 1.0 / (1.0 + math.exp(-max(min(z, 60.0), -60.0)))

    def threshold(self, language: str) -> float:
        return self.thresholds.get(language, max(self.thresholds.values()))

    def score(
        self,
        cached: str,
        asked: str,
        cosine: float,
        vectors: tuple[Vectors, Vectors] | None = None,
        embed: Embed | None = None,
    ) -> tuple[float, str]:
        """(probability the two prompts mean the same, language used for the threshold).

        ``vectors``: the cached and the asked prompt's embeddings, for the pair head (without
        them its input is missing and the trees take their missing-value branch). ``embed``: the
        embedder, for swapped spans when the weights carry span levels (without it a swapped slot
        is vetoed). Spans are embedded only when no other veto fires.
        Prompts past the features' cap are not scored: 0 (a miss, a verifier rejection) unless
        they are the same text. Features of their first words could miss a change further on,
        and the full ones cost seconds on adversarial prompts."""
        if too_long(cached) or too_long(asked):
            korean = is_korean(cached) or is_korean(asked)
            return float(cached == asked), "ko" if korean else "en"
        features = self.inputs(cached, asked, cosine, vectors, embed)
        language = "ko" if features[_KOREAN] else "en"
        return self.probability(features), language

    def inputs(
        self,
        cached: str,
        asked: str,
        cosine: float,
        vectors: tuple[Vectors, Vectors] | None = None,
        embed: Embed | None = None,
    ) -> list[float]:
        """The trees' input row of a pair, as ``score`` builds it: ``pair_features``, then the
        span cosine and the pair head's score when the weights carry them."""
        features = pair_features(cached, asked, cosine)
        if self.span_levels is not None:  # (another veto decides alone: no spans embedded)
            vetoed = any(features[i] for i in self.vetoes)
            features.append(span_input(cached, asked, features, None if vetoed else embed))
        if self.head is not None:
            features.append(self.head.score(*vectors) if vectors is not None else math.nan)
        return features


def prompt_language(text: str) -> str:
    """One prompt's language, by the test ``score`` uses for a pair: Hangul → "ko", else "en"."""
    return "ko" if is_korean(text) else "en"


def load_verifier(path: Path | None = None) -> VerifierModel:
    """The shipped (or a given) model; a file for other features is refused."""
    data = orjson.loads((path or WEIGHTS_FILE).read_bytes())
    head = PairHead.from_json(data["pair_head"]) if "pair_head" in data else None
    levels = data.get("span_levels")
    span = (SPAN_FEATURE,) if levels is not None else ()
    expected = (*FEATURE_NAMES, *span, *((HEAD_FEATURE,) if head is not None else ()))
    if tuple(data["features"]) != expected or data.get("kind") != "trees":
        raise ValueError(f"{path or WEIGHTS_FILE}: trained for other features; retrain it")
    trees = tuple(
        tuple(
            (int(f), float(t), int(lo), int(hi), float(v), int(leaf), int(ml))
            for f, t, lo, hi, v, leaf, ml in tree
        )
        for tree in data["trees"]
    )
    return VerifierModel(
        trees=trees,
        baseline=float(data["baseline"]),
        thresholds={k: float(v) for k, v in data["thresholds"].items()},
        cosine_floor=float(data["cosine_floor"]),
        vetoes=tuple(FEATURE_NAMES.index(name) for name in data.get("vetoes", VETOES)),
        head=head,
        span_levels=None if levels is None else {k: float(v) for k, v in levels.items()},
    )
