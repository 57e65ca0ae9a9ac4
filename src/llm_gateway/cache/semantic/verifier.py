"""The second stage of a semantic hit: a small logistic pair classifier over ``features.py``.

Its weights are trained by ``scripts/train_cache_verifier.py`` and shipped in the package as
``verifier_weights.json`` (feature standardisation, coefficients, and per-language thresholds
chosen on the training sources for the target false-hit rate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import orjson

from llm_gateway.cache.semantic.features import FEATURE_NAMES, pair_features

WEIGHTS_FILE = Path(__file__).with_name("verifier_weights.json")


@dataclass(frozen=True, slots=True)
class VerifierModel:
    """Standardise, dot, sigmoid."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    thresholds: dict[str, float]  # per language ("en", "ko") on the probability
    cosine_floor: float  # candidates under this cosine are never hits

    def probability(self, features: list[float]) -> float:
        z = self.intercept
        for x, m, s, w in zip(features, self.mean, self.scale, self.coef, strict=True):
            z += w * (x - m) / s
        return 1.0 / (1.0 + math.exp(-max(min(z, 60.0), -60.0)))

    def threshold(self, language: str) -> float:
        return self.thresholds.get(language, max(self.thresholds.values()))

    def score(self, cached: str, asked: str, cosine: float) -> tuple[float, str]:
        """(probability the two prompts mean the same, language used for the threshold)."""
        features = pair_features(cached, asked, cosine)
        language = "ko" if features[FEATURE_NAMES.index("korean")] else "en"
        return self.probability(features), language


def load_verifier(path: Path | None = None) -> VerifierModel:
    """The shipped (or a given) model; a file for other features is refused."""
    data = orjson.loads((path or WEIGHTS_FILE).read_bytes())
    if tuple(data["features"]) != FEATURE_NAMES:
        raise ValueError(f"{path or WEIGHTS_FILE}: trained for other features; retrain it")
    return VerifierModel(
        mean=tuple(data["mean"]),
        scale=tuple(data["scale"]),
        coef=tuple(data["coef"]),
        intercept=float(data["intercept"]),
        thresholds={k: float(v) for k, v in data["thresholds"].items()},
        cosine_floor=float(data["cosine_floor"]),
    )
