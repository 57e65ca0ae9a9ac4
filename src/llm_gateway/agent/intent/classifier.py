"""The shipped intent classifier: char + word n-gram TF-IDF features, a linear model, softmax.

Pure Python at inference (no numpy): a prompt has a few hundred features, and a dict lookup per
feature plus six multiply-adds is cheaper than building arrays. ``scripts/train_intent.py``
fits the weights with scikit-learn from the same ``features`` and ``tfidf`` functions, so
training and inference cannot drift apart, and writes ``intent_model.json.gz`` next to this
file. Probabilities are temperature-scaled (fit on out-of-fold predictions), and shrunk toward
uniform when few of the prompt's features were ever seen in training: unknown text is not a
confident anything.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from llm_gateway.agent.intent.embedding import EmbeddingHead

MODEL_PATH = Path(__file__).with_name("intent_model.json.gz")
FORMAT_VERSION = 1

# A pasted document is judged by where people put the ask: its start and its end.
_HEAD, _TAIL = 1200, 400
_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"[a-z]+|[가-힣]+|0+|[^\sa-z가-힣0]")
_FENCE = re.compile(r"```")
_INLINE_CODE = re.compile(r"`[^`\n]{3,}`")
_EXPRESSION = re.compile(r"0\s*[-+*/×÷^%]\s*\(?\s*0")


def normalize(text: str) -> str:
    """NFKC, case-folded, digits as ``0``, whitespace collapsed, long text cut to head + tail."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if len(folded) > _HEAD + _TAIL:
        folded = folded[:_HEAD] + " \n " + folded[-_TAIL:]
    return _SPACE.sub(" ", _DIGIT.sub("0", folded)).strip()


def features(text: str) -> Counter[str]:
    """Raw counts of char 2-4-grams, word unigrams and bigrams, and a few structural flags."""
    raw = unicodedata.normalize("NFKC", text)
    norm = normalize(text)
    counts: Counter[str] = Counter()
    padded = f" {norm} "
    for n in (2, 3, 4):
        counts.update("c" + padded[i : i + n] for i in range(len(padded) - n + 1))
    tokens = _TOKEN.findall(norm)
    counts.update("w " + t for t in tokens)
    counts.update(f"b {a} {b}" for a, b in pairwise(tokens))
    if _FENCE.search(raw):
        counts["f fence"] = 1
    if _INLINE_CODE.search(raw):
        counts["f inline_code"] = 1
    if _EXPRESSION.search(norm):
        counts["f expression"] = 1
    if "0" in norm:
        counts["f digit"] = 1
    counts["f len" + str(min(len(tokens) // 8, 6))] = 1
    return counts


def tfidf(counts: Counter[str], idf: dict[str, float]) -> tuple[dict[str, float], float]:
    """Sublinear TF times IDF over known features, L2-normalised; and the share of the prompt's
    feature mass that is known (1.0 = every n-gram was seen in training)."""
    vector: dict[str, float] = {}
    total = known = 0.0
    for feature, count in counts.items():
        total += count
        weight = idf.get(feature)
        if weight is None:
            continue
        known += count
        vector[feature] = (1.0 + math.log(count)) * weight
    norm = math.sqrt(sum(v * v for v in vector.values()))
    if norm > 0:
        vector = {f: v / norm for f, v in vector.items()}
    return vector, (known / total if total else 0.0)


@dataclass(frozen=True, slots=True)
class Prediction:
    """Calibrated probabilities per label (summing to 1) and the known-feature coverage."""

    probabilities: dict[str, float]
    coverage: float

    def best(self, allowed: frozenset[str] | None = None) -> tuple[str, float]:
        """The most probable label among ``allowed`` (all when None), renormalised."""
        probs = self.restricted(allowed)
        label = max(probs, key=probs.__getitem__)
        return label, probs[label]

    def restricted(self, allowed: frozenset[str] | None = None) -> dict[str, float]:
        """Probabilities over ``allowed`` labels only, summing to 1."""
        if allowed is None:
            return dict(self.probabilities)
        kept = {k: v for k, v in self.probabilities.items() if k in allowed}
        total = sum(kept.values()) or 1.0
        return {k: v / total for k, v in kept.items()}


class IntentClassifier:
    """A multinomial logistic model over ``features``; build with ``load``.

    ``embedding``: the optional second-opinion head for uncertain prompts (``embedding.py``).
    """

    def __init__(
        self,
        labels: tuple[str, ...],
        idf: dict[str, float],
        weights: dict[str, tuple[float, ...]],
        bias: tuple[float, ...],
        temperature: float,
        full_coverage_at: float,
        embedding: EmbeddingHead | None = None,
    ) -> None:
        self.labels = labels
        self.embedding = embedding
        self._idf = idf
        self._weights = weights
        self._bias = bias
        self.temperature = temperature
        self.full_coverage_at = full_coverage_at

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> IntentClassifier:
        """Read a model written by ``scripts/train_intent.py`` (``ValueError`` if malformed)."""
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data: dict[str, Any] = json.load(handle)
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path}: unsupported intent model format {data.get('format')!r}")
        labels = tuple(str(label) for label in data["labels"])
        idf: dict[str, float] = {}
        weights: dict[str, tuple[float, ...]] = {}
        for feature, row in data["features"].items():
            if len(row) != len(labels) + 1:
                raise ValueError(f"{path}: feature {feature!r} has {len(row)} values")
            idf[feature] = float(row[0])
            if any(row[1:]):
                weights[feature] = tuple(float(w) for w in row[1:])
        bias = tuple(float(b) for b in data["bias"])
        head = data.get("embedding")
        return cls(
            labels,
            idf,
            weights,
            bias,
            float(data["temperature"]),
            float(data["full_coverage_at"]),
            EmbeddingHead.from_payload(labels, head) if head is not None else None,
        )

    def logits(self, text: str) -> tuple[list[float], float]:
        """Raw (untempered) class scores and the known-feature coverage."""
        vector, coverage = tfidf(features(text), self._idf)
        scores = list(self._bias)
        for feature, value in vector.items():
            row = self._weights.get(feature)
            if row is not None:
                for i, w in enumerate(row):
                    scores[i] += w * value
        return scores, coverage

    def predict(self, text: str) -> Prediction:
        """Calibrated probabilities; low coverage flattens them toward uniform."""
        scores, coverage = self.logits(text)
        # Unseen text carries little evidence: scale the logits down with the coverage.
        trust = min(1.0, coverage / self.full_coverage_at) if self.full_coverage_at > 0 else 1.0
        scaled = [s * trust / self.temperature for s in scores]
        top = max(scaled)
        exps = [math.exp(s - top) for s in scaled]
        total = sum(exps)
        probs = {label: e / total for label, e in zip(self.labels, exps, strict=True)}
        return Prediction(probs, coverage)


@cache
def shipped_classifier() -> IntentClassifier:
    """The artefact in the package, read once per process (it is never mutated after loading;
    every app the tests build would otherwise parse the same file again)."""
    return IntentClassifier.load(MODEL_PATH)
