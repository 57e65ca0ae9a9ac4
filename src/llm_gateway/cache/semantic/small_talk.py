"""The small-talk gate: personal remarks are cached for exact repeats only, never semantically.

A reply to "my coworkers threw me a birthday lunch, so sweet" does not fit "my coworkers forgot
my birthday and it kinda stung", yet the two read alike to an embedder and to the pair verifier,
whose features look for the changes that flip a *question's* answer (numbers, negation,
entities, roles). On strangers' small-talk pairs the verifier served 2–6 % false hits in English
(docs/CACHE.md, rounds 16–19) while questions sat under 1 %. Chit-chat is also where a semantic
hit is worth least: the replies are short and personal.

So a logistic head over the prompt's e5 vector (the one the lookup computes anyway: one dot
product, no second embedding) says whether a prompt is small talk (feelings, moods, greetings,
personal news) rather than a task or a question of fact. Such a prompt is neither looked up nor
added to the semantic index (the exact cache still serves its repeats), unless the alias opts in
with ``cache.semantic_small_talk: true``. Weights: ``data/small_talk_head.json``, written by
``scripts/train_small_talk.py`` (the command is in docs/CACHE.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

from llm_gateway.cache.semantic.embed import Vectors

HEAD_FILE = Path(__file__).with_name("data") / "small_talk_head.json"


@dataclass(frozen=True, slots=True)
class SmallTalkGate:
    """``probability(vector)`` that a prompt is small talk; ``holds(vector)`` at the threshold."""

    coef: np.ndarray  # float32, the embedder's dimension
    bias: float
    threshold: float

    def probability(self, vector: Vectors) -> float:
        z = float(np.dot(self.coef, np.asarray(vector, dtype=np.float32))) + self.bias
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def holds(self, vector: Vectors) -> bool:
        return self.probability(vector) >= self.threshold


def load_small_talk_gate(path: Path | None = None, dim: int | None = None) -> SmallTalkGate:
    """The shipped (or a given) head; ``dim`` checks it against the embedder's dimension."""
    where = path or HEAD_FILE
    data = orjson.loads(where.read_bytes())
    if data.get("kind") != "small_talk_logistic":
        raise ValueError(f"{where}: not a small-talk head")
    coef = np.asarray(data["coef"], dtype=np.float32)
    if dim is not None and coef.shape != (dim,):
        raise ValueError(f"{where}: {coef.shape[0]} weights for a {dim}-dimensional embedder")
    threshold = float(data["threshold"])
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"{where}: threshold {threshold} outside (0, 1)")
    return SmallTalkGate(coef, float(data["bias"]), threshold)
