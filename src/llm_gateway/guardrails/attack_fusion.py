"""The attack stage's learned fusion: a logistic stacker over a category's e5 and n-gram scores.

The hand gate (``harm_stage.Gate``: an e5 threshold, and the n-grams agreeing at a floor or e5
at a ``high``) treats both scores as yes/no. Leaving one writer out (session 12,
``scripts/attack_stack.py``), a logistic regression over both logits, a Korean flag and both
logits times that flag, thresholded per script at the gate's benign budget, found more attacks
at a lower false-positive rate than the gate (docs/GUARDRAILS.md). An artefact that carries
one (``stack_*`` arrays beside the head's) decides with it instead of its gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported where a stacker is used: the proxy path never needs it
    from collections.abc import Mapping

    import numpy as np
    import numpy.typing as npt

EPS = 1e-4  # probabilities are clipped to [EPS, 1 - EPS] before their logit
FEATURES = ("e5 logit", "n-gram logit", "korean", "e5 logit x korean", "n-gram logit x korean")
ARRAYS = ("stack_coef", "stack_intercept", "stack_thresholds")


def features(
    e5: npt.NDArray[np.float64], ngram: npt.NDArray[np.float64], korean: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    """The stacker's inputs per row (``FEATURES``); the training script calls this too, so both
    compute them the same way."""
    import numpy as np

    def logit(p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        q = np.clip(np.asarray(p, dtype=np.float64), EPS, 1 - EPS)
        out: npt.NDArray[np.float64] = np.log(q / (1 - q))
        return out

    ko = np.asarray(korean).astype(np.float64)
    first, second = logit(e5), logit(ngram)
    return np.column_stack([first, second, ko, first * ko, second * ko])


@dataclass(frozen=True, slots=True)
class Stacker:
    """A logistic regression over ``FEATURES`` and its threshold per script (float64
    throughout: the artefact stores what the script fitted, unrounded)."""

    coef: tuple[float, ...]
    intercept: float
    threshold: float
    threshold_ko: float

    def scores(
        self,
        e5: npt.NDArray[np.float64],
        ngram: npt.NDArray[np.float64],
        korean: npt.NDArray[np.bool_],
    ) -> npt.NDArray[np.float64]:
        """The stacker's probability per row, as ``LogisticRegression.predict_proba`` gives it."""
        import numpy as np

        z = features(e5, ngram, korean) @ np.asarray(self.coef, dtype=np.float64) + self.intercept
        out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z))
        return out

    def counts(self, e5: float, ngram: float, korean: bool) -> bool:
        """Whether one prompt's scores make a finding."""
        import numpy as np

        score = float(self.scores(np.array([e5]), np.array([ngram]), np.array([korean]))[0])
        return score >= (self.threshold_ko if korean else self.threshold)

    def arrays(self) -> dict[str, npt.NDArray[np.float64]]:
        """Its ``ARRAYS``, for an artefact (``harm_stage.save_head``'s ``extra``)."""
        import numpy as np

        return {
            "stack_coef": np.asarray(self.coef, dtype=np.float64),
            "stack_intercept": np.array([self.intercept], dtype=np.float64),
            "stack_thresholds": np.array([self.threshold, self.threshold_ko], dtype=np.float64),
        }


def stacker_from(data: Mapping[str, Any], files: list[str]) -> Stacker | None:
    """The stacker of a loaded artefact (``data``, holding ``files``), or None: an older
    artefact, decided by its gate."""
    if "stack_coef" not in files:
        return None
    coef = tuple(float(v) for v in data["stack_coef"])
    if len(coef) != len(FEATURES):
        raise ValueError(f"a stacker takes {len(FEATURES)} weights, the artefact has {len(coef)}")
    other, ko = (float(v) for v in data["stack_thresholds"])
    return Stacker(coef, float(data["stack_intercept"][0]), other, ko)
