"""The tool-result head: one logistic head over the prompt classifier's n-gram features.

Trained by ``scripts/train_tool_screen.py`` on hand-written tool results (web pages, e-mails,
files, API JSON, tickets …), some holding an instruction aimed at the model that reads them;
artefact ``data/tool_screen.npz``: the head's weights, intercept and idf, and one threshold for
Hangul windows and one for the rest, chosen leaving one writer out. A window of a tool result is
scored with one feature pass and a dot product: numpy only, loaded on first use.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from llm_gateway.guardrails.classifier import is_korean

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

ARTEFACT = "tool_screen.npz"
ARTEFACT_PATH = Path(__file__).resolve().parent / "data" / ARTEFACT
WINDOW = 1200  # characters of a tool result the head reads at once (its training rows' length)


@dataclass(frozen=True, slots=True)
class ToolScreenModel:
    """The loaded artefact (read-only arrays, shared by every request)."""

    weights: npt.NDArray[np.float32]
    intercept: float
    idf: npt.NDArray[np.float32]
    thresholds: dict[str, float]  # "other", "ko"

    def score(self, view: str) -> float:
        """Probability that ``view`` (a window's normalised classifier view) addresses the model."""
        from llm_gateway.guardrails.features import tfidf

        index, values = tfidf(view, self.idf)
        logit = float(values @ self.weights[index]) + self.intercept
        return 1.0 / (1.0 + math.exp(-max(min(logit, 60.0), -60.0)))

    def threshold(self, view: str) -> float:
        return self.thresholds["ko" if is_korean(view) else "other"]


@cache
def load_tool_model(path: Path | None = None) -> ToolScreenModel:
    """The shipped artefact (or ``path``: a dev build), immutable once loaded."""
    import numpy as np

    shipped = resources.files("llm_gateway.guardrails").joinpath("data", ARTEFACT)
    handle = path.open("rb") if path is not None else shipped.open("rb")
    with handle, np.load(handle, allow_pickle=False) as data:
        model = ToolScreenModel(
            weights=data["weights"].astype(np.float32),
            intercept=float(data["intercept"]),
            idf=data["idf"].astype(np.float32),
            thresholds={k: float(v) for k, v in json.loads(str(data["thresholds"])).items()},
        )
    model.weights.setflags(write=False)
    model.idf.setflags(write=False)
    return model
