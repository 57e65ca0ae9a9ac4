"""The trained input classifier: hashed character n-gram tf-idf and one logistic head per category.

The artefact ``data/guard_classifier.npz`` is written by ``scripts/train_guardrails.py``. It holds
the per-bucket idf, a ``(buckets, heads)`` weight matrix, the intercepts, the head names and a
threshold per category chosen on out-of-source dev scores. Scoring a prompt is one feature pass
(``features.tfidf``), a gather of the weight rows of its buckets and a sigmoid per head: no model
server, no network, numpy only.

Categories: ``injection`` (class ``attack``: injection and jailbreak), ``prompt_extraction``
(class ``extraction``) and ``harmful_request`` (class ``harmful``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from llm_gateway.guardrails.features import N_FEATURES, tfidf
from llm_gateway.guardrails.normalize import NormalizedText, normalize
from llm_gateway.guardrails.types import Category, Finding, Stage

ARTEFACT = "guard_classifier.npz"
CLASS_CATEGORY: dict[str, Category] = {
    "attack": "injection",
    "extraction": "prompt_extraction",
    "harmful": "harmful_request",
}


@dataclass(frozen=True, slots=True)
class ClassifierModel:
    """The loaded artefact (read-only arrays, shared by every request)."""

    weights: npt.NDArray[np.float32]
    intercept: npt.NDArray[np.float32]
    idf: npt.NDArray[np.float32]
    classes: tuple[str, ...]
    thresholds: dict[str, float] = field(default_factory=dict)  # by category

    def scores(self, text: str) -> dict[str, float]:
        """Probability of each category for an already normalized text."""
        index, values = tfidf(text, self.idf)
        logits = values @ self.weights[index] + self.intercept
        probs = 1.0 / (1.0 + np.exp(-logits))
        return {
            CLASS_CATEGORY[name]: float(probs[k])
            for k, name in enumerate(self.classes)
            if name in CLASS_CATEGORY
        }


def _read(handle: Any) -> ClassifierModel:
    with np.load(handle, allow_pickle=False) as data:
        weights = data["weights"].astype(np.float32)
        if weights.shape[0] != N_FEATURES:
            raise ValueError("classifier artefact was built for another feature size")
        limits = json.loads(str(data["thresholds"]))
        classes = tuple(str(c) for c in data["classes"])
        model = ClassifierModel(
            weights=weights,
            intercept=data["intercept"].astype(np.float32),
            idf=data["idf"].astype(np.float32),
            classes=classes,
            thresholds={CLASS_CATEGORY[k]: float(v) for k, v in limits.items()},
        )
    for array in (model.weights, model.intercept, model.idf):
        array.setflags(write=False)
    return model


@cache
def load_model() -> ClassifierModel:
    """The shipped artefact, loaded once per process (immutable afterwards)."""
    with resources.files("llm_gateway.guardrails").joinpath("data", ARTEFACT).open("rb") as fh:
        return _read(fh)


@dataclass(frozen=True, slots=True)
class ClassifierRule:
    """The classifier as an input ``Rule``: one finding per category over its threshold.

    ``thresholds`` override the artefact's (per category, from settings). A finding's ``score``
    is 1.0 so it blocks alone, like a weight-1.0 pattern; the probability is in the excerpt.
    """

    model: ClassifierModel
    thresholds: dict[str, float] = field(default_factory=dict)
    id: str = "input.classifier"
    stage: Stage = "input"

    def threshold(self, category: str) -> float:
        return self.thresholds.get(category, self.model.thresholds.get(category, 0.5))

    def scores(self, views: NormalizedText) -> dict[str, float]:
        return self.model.scores(views.classifier)

    def findings(self, scores: dict[str, float]) -> list[Finding]:
        found = []
        for category, score in scores.items():
            if score >= self.threshold(category):
                cat: Category = category  # type: ignore[assignment]
                found.append(
                    Finding(
                        rule_id=f"classifier.{category}",
                        category=cat,
                        span=(0, 0),
                        label=category.upper(),
                        excerpt=f"p={score:.3f}",
                    )
                )
        return found

    def check(self, text: str) -> list[Finding]:
        return self.findings(self.scores(normalize(text)))
