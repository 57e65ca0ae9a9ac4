"""The second stage of a semantic hit: a small tree-ensemble pair classifier over ``features.py``.

Trained by ``scripts/train_cache_verifier.py`` (gradient-boosted trees, depth 3) and shipped as
``verifier_weights.json``: the trees as plain rows, evaluated here in Python (~0.1 ms a pair, no
scikit-learn at run time), plus per-language decision thresholds chosen on development pairs for
a false-hit target, and the cosine under which a candidate is not even scored. Some features
are vetoes (``features.VETOES``): a pair that shows one is rejected before the trees are asked.
Since session 10 the weights may carry a pair head (``pair_head.py``): a linear score over both
prompts' e5 vectors, one more tree input after the hand-made features. Since session 11 they may
carry span levels (``span_check.py``): the swapped spans' cosine is a tree input (before the
head's) and the slot-substitution veto fires only under the language's level. Since session
13 they may carry ``slot_form`` (``slot_forms.py``: whether a swapped slot changes the word's
script or form, a loanword or a clipped word), a tree input after the span cosine, and
``slot_lexicon`` (``slot_lexicon.py``: a swapped slot of two lexicon synonyms is no slot
substitution, in the features and the spans alike), with the lexicon file's SHA-256
(``slot_lexicon_sha256``: weights for another lexicon file are refused). Since session 17 they
may carry ``korean_weights``: a whole second set of weights (same schema, same cosine floor, no
pair head, none nested) that scores the pairs the verifier calls Korean, with its own threshold;
the outer weights score the rest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

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
from llm_gateway.cache.semantic.slot_forms import SLOT_FORM_FEATURE, slot_form
from llm_gateway.cache.semantic.slot_lexicon import LEXICON_FILE, lexicon_sha256
from llm_gateway.cache.semantic.span_check import SPAN_FEATURE, Embed, slot_spans, span_inputs

WEIGHTS_FILE = Path(__file__).with_name("verifier_weights.json")

_SLOT = FEATURE_NAMES.index("slot_substitution")
_KOREAN = FEATURE_NAMES.index("korean")
_SPAN = len(FEATURE_NAMES)  # the span cosine's place, when the weights carry span levels

# One tree node: feature, threshold, left, right, leaf value, is_leaf, missing goes left.
Node = tuple[int, float, int, int, float, int, int]
# A candidate to score: (cached prompt, cosine, (cached, asked) vectors for the pair head or None).
Candidate = tuple[str, float, tuple[Vectors, Vectors] | None]


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
    # The weights take ``slot_forms.SLOT_FORM_FEATURE`` (after the span cosine, before the head).
    slot_form: bool = False
    # The slot test reads ``slot_lexicon.py``'s synonyms as no substitution (False: as before).
    slot_lexicon: bool = False
    # Scores the Korean pairs (``is_korean`` of either prompt) when present (``korean_weights``).
    korean: VerifierModel | None = None

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

    def for_pair(self, cached: str, asked: str) -> VerifierModel:
        """The model that scores this pair: ``korean`` for a Korean pair when there is one."""
        if self.korean is not None and (is_korean(cached) or is_korean(asked)):
            return self.korean
        return self

    def threshold(self, language: str) -> float:
        """The decision line of a pair in ``language`` (``korean``'s own for "ko")."""
        if language == "ko" and self.korean is not None:
            return self.korean.threshold(language)
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
        return self.score_all(asked, [(cached, cosine, vectors)], embed)[0]

    def score_all(
        self, asked: str, candidates: Sequence[Candidate], embed: Embed | None = None
    ) -> list[tuple[float, str]]:
        """``score`` of each (cached prompt, cosine, vectors) against ``asked``, the candidates'
        swapped spans embedded together (``inputs_all``); with ``korean``, the Korean pairs are
        scored by it (its spans in a second call) and the rest by these weights."""
        if self.korean is None:
            return self._score_own(asked, candidates, embed)
        korean = [self.for_pair(cached, asked) is self.korean for cached, _, _ in candidates]
        english = [c for c, k in zip(candidates, korean, strict=True) if not k]
        mine = self._score_own(asked, english, embed)
        theirs = self.korean.score_all(
            asked, [c for c, k in zip(candidates, korean, strict=True) if k], embed
        )
        own, other = iter(mine), iter(theirs)
        return [next(other) if k else next(own) for k in korean]

    def _score_own(
        self, asked: str, candidates: Sequence[Candidate], embed: Embed | None = None
    ) -> list[tuple[float, str]]:
        """``score_all`` by these weights alone (``korean`` not consulted)."""
        fits = [not (too_long(cached) or too_long(asked)) for cached, _, _ in candidates]
        fitting = [c for c, fit in zip(candidates, fits, strict=True) if fit]
        rows = iter(self.inputs_all(asked, fitting, embed))
        scored: list[tuple[float, str]] = []
        for (cached, _, _), fit in zip(candidates, fits, strict=True):
            if fit:
                features = next(rows)
                scored.append((self.probability(features), "ko" if features[_KOREAN] else "en"))
            else:
                korean = is_korean(cached) or is_korean(asked)
                scored.append((float(cached == asked), "ko" if korean else "en"))
        return scored

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
        return self.inputs_all(asked, [(cached, cosine, vectors)], embed)[0]

    def inputs_all(
        self, asked: str, candidates: Sequence[Candidate], embed: Embed | None = None
    ) -> list[list[float]]:
        """``inputs`` of each candidate against ``asked``: the spans of every candidate that no
        other veto refuses are embedded in one call, each distinct text once (``span_inputs``)."""
        lexicon = self.slot_lexicon
        rows = [pair_features(cached, asked, cosine, lexicon) for cached, cosine, _ in candidates]
        if self.span_levels is not None:  # (another veto decides alone: no spans embedded)
            asks = [
                (cached, asked, row, not any(row[i] for i in self.vetoes))
                for (cached, _, _), row in zip(candidates, rows, strict=True)
            ]
            for row, span in zip(rows, span_inputs(asks, embed, lexicon), strict=True):
                row.append(span)
        if self.slot_form:
            for row, (cached, _, _) in zip(rows, candidates, strict=True):
                row.append(slot_form_input(cached, asked, row, lexicon))
        if self.head is not None:
            for row, (_, _, vectors) in zip(rows, candidates, strict=True):
                row.append(self.head.score(*vectors) if vectors is not None else math.nan)
        return rows


def slot_form_input(a: str, b: str, features: list[float], lexicon: bool = False) -> float:
    """``SLOT_FORM_FEATURE`` of a pair from its ``pair_features``: 0.0 when no slot is swapped."""
    return slot_form(slot_spans(a, b, lexicon)) if features[_SLOT] else 0.0


def prompt_language(text: str) -> str:
    """One prompt's language, by the test ``score`` uses for a pair: Hangul → "ko", else "en"."""
    return "ko" if is_korean(text) else "en"


def load_verifier(path: Path | None = None) -> VerifierModel:
    """The shipped (or a given) model; a file for other features is refused."""
    where = path or WEIGHTS_FILE
    data = orjson.loads(where.read_bytes())
    model = _model(data, str(where))
    if "korean_weights" not in data:
        return model
    korean = _model(data["korean_weights"], f"{where} (korean_weights)")
    if "korean_weights" in data["korean_weights"] or korean.head is not None:
        raise ValueError(f"{where}: korean_weights may carry no pair head and no korean_weights")
    if korean.cosine_floor != model.cosine_floor:
        raise ValueError(f"{where}: korean_weights must share the cosine floor (one index search)")
    if "ko" not in korean.thresholds or (
        korean.span_levels is not None and "ko" not in korean.span_levels
    ):
        raise ValueError(f"{where}: korean_weights need a 'ko' threshold (and span level)")
    return replace(model, korean=korean)


def _model(data: dict[str, Any], where: str) -> VerifierModel:
    """One set of weights (the file's or its ``korean_weights``) as a model; ``where`` names it."""
    head = PairHead.from_json(data["pair_head"]) if "pair_head" in data else None
    levels = data.get("span_levels")
    span = (SPAN_FEATURE,) if levels is not None else ()
    form = (SLOT_FORM_FEATURE,) if SLOT_FORM_FEATURE in data["features"] else ()
    expected = (*FEATURE_NAMES, *span, *form, *((HEAD_FEATURE,) if head is not None else ()))
    if tuple(data["features"]) != expected or data.get("kind") != "trees":
        raise ValueError(f"{where}: trained for other features; retrain it")
    lexicon = bool(data.get("slot_lexicon", False))
    if lexicon and data.get("slot_lexicon_sha256") != lexicon_sha256():
        raise ValueError(
            f"{where}: trained on another slot lexicon (slot_lexicon_sha256 "
            f"{data.get('slot_lexicon_sha256')}, packaged {LEXICON_FILE.name} "
            f"{lexicon_sha256()}); retrain it"
        )
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
        slot_form=bool(form),
        slot_lexicon=lexicon,
    )
