"""Attack second stage: heads for injection/jailbreak and prompt extraction over e5 embeddings.

The character n-grams learn the wording of the attacks they were trained on; strangers' role-play
jailbreaks and politely phrased extraction requests share their meaning, not their wording. This
stage scores the same e5 vector the harm stage computes (``HarmStage.embed``: one embedding per
prompt for both), so its added cost is a head: two small matrix products. It runs where the harm
stage runs (the agent path; the proxy path under a policy with ``harm_stage: true``).

Artefacts (``data/attack_e5.npz``, ``data/extraction_e5.npz``, in ``harm_stage``'s format,
written by ``scripts/train_attack_stage.py``): a head, a threshold per script and a ``Gate``
whose floor is the n-gram classifier's probability for the same category, all chosen leaving
one writer out (``scripts/attack_lowo.py``). An artefact may carry a ``Stacker`` instead
(``attack_fusion``, written by ``scripts/attack_stack.py --save``): a logistic fusion of the e5
and n-gram scores with its own threshold per script, which then decides in place of the gate.
A head whose artefact has ``tail`` set also scores
the last ``HEAD_CHARS`` characters of a longer prompt (a second embedding, long prompts only):
an injection pasted into a document usually sits in its middle or end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from llm_gateway.guardrails.attack_fusion import Stacker, stacker_from
from llm_gateway.guardrails.classifier import is_korean
from llm_gateway.guardrails.harm_stage import HEAD_CHARS, HarmHead, load_head
from llm_gateway.guardrails.types import Category, Finding

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vector = npt.NDArray[np.float32]

RULE_ID = "attack_stage.e5"
# finding category -> (artefact, the n-gram score its gate's floor reads)
HEADS: dict[Category, tuple[str, str]] = {
    "injection": ("attack_e5.npz", "injection"),
    "prompt_extraction": ("extraction_e5.npz", "prompt_extraction"),
}


@dataclass(frozen=True, slots=True)
class AttackHead:
    """One category's head, whether it also scores a long prompt's tail, and the stacker that
    decides in place of the head's gate (None: the gate decides, as in older artefacts)."""

    head: HarmHead
    tail: bool = False
    stacker: Stacker | None = None

    def counts(self, probability: float, ngram: float | None, korean: bool) -> bool:
        """Whether e5's ``probability`` with the n-gram score ``ngram`` (None: no n-gram head
        scored the prompt) makes a finding."""
        if self.stacker is not None:
            return self.stacker.counts(probability, 0.0 if ngram is None else ngram, korean)
        return self.head.decides().counts(probability, ngram, korean)


def load_attack_head(category: Category, directory: Path | None = None) -> AttackHead:
    """The shipped head of ``category`` (a key of ``HEADS``; or ``directory``'s, a dev build)."""
    import numpy as np

    name = HEADS[category][0]
    data_dir = resources.files("llm_gateway.guardrails").joinpath("data")
    source = data_dir.joinpath(name) if directory is None else directory / name
    with source.open("rb") as fh, np.load(fh, allow_pickle=False) as data:
        tail = bool(data["tail"][0]) if "tail" in data.files else False
        stacker = stacker_from(data, list(data.files))
    head = load_head(None if directory is None else directory / name, name)
    return AttackHead(head, tail, stacker)


def load_attack_heads(directory: Path | None = None) -> dict[Category, AttackHead]:
    """Every category's head (shipped, or ``directory``'s)."""
    return {category: load_attack_head(category, directory) for category in HEADS}


class AttackStage:
    """Scores a prompt's e5 vector for attacks; loads its heads on first use (thread-safe)."""

    def __init__(self, heads: dict[Category, AttackHead] | None = None) -> None:
        self._heads = heads
        self._lock = threading.Lock()

    def _load(self) -> dict[Category, AttackHead]:
        with self._lock:
            if self._heads is None:
                self._heads = load_attack_heads()
            return self._heads

    def probabilities(
        self, text: str, vector: Vector, embed: Callable[[str], Vector]
    ) -> dict[Category, float]:
        """Each head's probability for ``text`` (``vector``: its first ``HEAD_CHARS``
        characters' embedding; ``embed``: how to embed its tail, called at most once)."""
        tail: Vector | None = None
        out: dict[Category, float] = {}
        for category, attack in self._load().items():
            probability = attack.head.probability(vector)
            if attack.tail and len(text) > HEAD_CHARS:
                tail = embed(text[-HEAD_CHARS:]) if tail is None else tail
                probability = max(probability, attack.head.probability(tail))
            out[category] = probability
        return out

    def findings(
        self,
        text: str,
        vector: Vector,
        embed: Callable[[str], Vector],
        ngram: Mapping[str, float],
    ) -> tuple[dict[Category, float], list[Finding]]:
        """Probabilities and a finding per category whose ``Gate`` or ``Stacker`` counts it
        (``ngram``: the n-gram classifier's scores). Without one (the classifier switched off)
        nothing can agree: e5 counts alone at its gate's ``alone`` (``high`` when the artefact
        sets none), or where the stacker trusts e5 alone (its n-gram score read as 0)."""
        probabilities = self.probabilities(text, vector, embed)
        heads, korean = self._load(), is_korean(text)
        found = []
        for category, probability in probabilities.items():
            if heads[category].counts(probability, ngram.get(HEADS[category][1]), korean):
                label = category.upper()
                found.append(Finding(RULE_ID, category, (0, 0), label, 1.0, f"p={probability:.3f}"))
        return probabilities, found
