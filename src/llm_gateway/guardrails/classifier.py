"""The trained input classifier: hashed character n-gram tf-idf and one logistic head per category.

The artefact ``data/guard_classifier.npz`` is written by ``scripts/train_guardrails.py``. It holds
the per-bucket idf, a ``(buckets, heads)`` weight matrix, the intercepts, the head names and a
threshold per category chosen on out-of-source dev scores, plus a second set for prompts written
mostly in Hangul (Korean benign text scores lower than English hard negatives, so one shared
threshold would spend the whole false-positive budget on English). Korean prompts' logits are
shifted by the difference, so every score compares against the one threshold per category.
Scoring a prompt is one feature pass (``features.tfidf``), a gather of the weight rows of its
buckets and a sigmoid per head: no model server, no network, numpy only.

Categories: ``injection`` (class ``attack``: injection and jailbreak), ``prompt_extraction``
(class ``extraction``) and ``harmful_request`` (class ``harmful``).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm_gateway.guardrails.input_context import CONTEXT_CATEGORIES, context_view
from llm_gateway.guardrails.normalize import NormalizedText, normalize
from llm_gateway.guardrails.types import Category, Finding, Stage

# numpy (and ``features``, built on it) is imported where the artefact is read or a prompt scored:
# importing the guardrails costs a proxy nothing it does not use.
if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

ARTEFACT = "guard_classifier.npz"
CLASS_CATEGORY: dict[str, Category] = {
    "attack": "injection",
    "extraction": "prompt_extraction",
    "harmful": "harmful_request",
}
_HANGUL = re.compile(r"[\u3131-\u318e\uac00-\ud7a3]")
_LETTER = re.compile(r"[^\W\d_]")


def is_korean(text: str) -> bool:
    """Whether at least 30 % of the letters of ``text`` (head and tail if long) are Hangul."""
    from llm_gateway.guardrails.features import clip

    view = clip(text)
    return len(_HANGUL.findall(view)) >= 0.3 * max(1, len(_LETTER.findall(view)))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@dataclass(frozen=True, slots=True)
class ClassifierModel:
    """The loaded artefact (read-only arrays, shared by every request)."""

    weights: npt.NDArray[np.float32]
    intercept: npt.NDArray[np.float32]
    idf: npt.NDArray[np.float32]
    classes: tuple[str, ...]
    thresholds: dict[str, float] = field(default_factory=dict)  # by category
    korean_shift: npt.NDArray[np.float32] | None = None  # logit shift per head, Hangul prompts

    def scores(self, text: str) -> dict[str, float]:
        """Probability of each category for an already normalized text (script-calibrated)."""
        import numpy as np  # loaded already: the model's arrays are numpy arrays

        from llm_gateway.guardrails.features import tfidf

        index, values = tfidf(text, self.idf)
        logits = values @ self.weights[index] + self.intercept
        if self.korean_shift is not None and is_korean(text):
            logits = logits + self.korean_shift
        probs = 1.0 / (1.0 + np.exp(-logits))
        return {
            CLASS_CATEGORY[name]: float(probs[k])
            for k, name in enumerate(self.classes)
            if name in CLASS_CATEGORY
        }


def _read(handle: Any) -> ClassifierModel:
    import numpy as np

    from llm_gateway.guardrails.features import N_FEATURES

    with np.load(handle, allow_pickle=False) as data:
        weights = data["weights"].astype(np.float32)
        if weights.shape[0] != N_FEATURES:
            raise ValueError("classifier artefact was built for another feature size")
        limits = json.loads(str(data["thresholds"]))
        classes = tuple(str(c) for c in data["classes"])
        shift = None
        if "thresholds_ko" in data.files:
            korean = json.loads(str(data["thresholds_ko"]))
            shift = np.array(
                [_logit(limits[c]) - _logit(korean[c]) for c in classes], dtype=np.float32
            )
        model = ClassifierModel(
            weights=weights,
            intercept=data["intercept"].astype(np.float32),
            idf=data["idf"].astype(np.float32),
            classes=classes,
            thresholds={CLASS_CATEGORY[k]: float(v) for k, v in limits.items()},
            korean_shift=shift,
        )
    for array in (model.weights, model.intercept, model.idf):
        array.setflags(write=False)
    return model


@cache
def load_model(path: Path | None = None) -> ClassifierModel:
    """The shipped artefact (or ``path``: a dev experiment's), immutable once loaded."""
    if path is not None:
        with path.open("rb") as fh:
            return _read(fh)
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
        """Per-category probabilities; injection and extraction judged without benign context.

        When either reaches its threshold and the prompt quotes an attack to ask about it, or
        revises the user's own earlier instruction (``input_context``), those two are scored
        again on the prompt less that part: the head learned the phrase, not who it is for.
        Only flagged prompts pay for the second pass.
        """
        scores = self.model.scores(views.classifier)
        if any(scores.get(c, 0.0) >= self.threshold(c) for c in CONTEXT_CATEGORIES):
            rest = context_view(views)
            if rest is not None:
                again = self.model.scores(rest.classifier)
                for category in CONTEXT_CATEGORIES & again.keys():
                    scores[category] = again[category]
        return scores

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
