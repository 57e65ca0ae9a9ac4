"""A learned pair head over the two prompts' e5 vectors: one tree feature, numpy at run time.

The cosine is one number out of the two vectors; the head looks at all of them: per dimension
the product ``a * b`` and the gap ``|a - b|`` of the L2-normalised vectors (768 inputs), and a
linear score fitted by ``scripts/cache_pair_head.py`` (ridge, on the pairs the trees train on).
Its score is only a feature of the tree ensemble (``verifier.py``), which learns how far to trust
it from out-of-fold scores; it never serves a pair on its own and never overrules a veto.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from llm_gateway.cache.semantic.embed import Vectors

HEAD_FEATURE = "pair_head"


def head_inputs(a: Vectors, b: Vectors) -> Vectors:
    """Rows ``[a * b, |a - b|]`` for row-aligned ``a`` and ``b`` (one pair: 1-D in, 1-D out)."""
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    return np.concatenate([a * b, np.abs(a - b)], axis=-1)


@dataclass(frozen=True, slots=True)
class PairHead:
    """``weights · head_inputs(a, b) + bias``: higher means more alike in meaning."""

    weights: Vectors  # float32, 2 × the embedding dimension
    bias: float

    @property
    def dim(self) -> int:
        return int(self.weights.shape[0]) // 2

    def score(self, a: Vectors, b: Vectors) -> float:
        """The head's score for one pair of vectors (any dtype; float16 from the index too).

        Vectors of another dimension (another embedder) give NaN: the trees' missing branch."""
        if np.shape(a) != (self.dim,) or np.shape(b) != (self.dim,):
            return float("nan")
        return float(np.dot(self.weights, head_inputs(a, b))) + self.bias

    def scores(self, a: Vectors, b: Vectors) -> Vectors:
        """Row-wise ``score`` for stacked vectors."""
        return np.asarray(head_inputs(a, b) @ self.weights + self.bias, dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        return {"weights": [float(w) for w in self.weights], "bias": self.bias}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PairHead:
        weights = np.asarray(data["weights"], dtype=np.float32)
        if weights.ndim != 1 or weights.shape[0] % 2:
            raise ValueError("pair head: weights must be one flat list of 2 × dim floats")
        return cls(weights=weights, bias=float(data["bias"]))
