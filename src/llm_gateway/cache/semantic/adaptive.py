"""Per-entry acceptance thresholds learned from observed right and wrong hits (after vCache).

vCache's idea: one global similarity threshold is wrong for most entries; each cached entry
should learn its own from evidence, so that the rate of wrong hits stays under a bound the user
sets. This is our own small version of that idea (not its code): every entry keeps the verifier
scores at which it was checked and found right or wrong, and its threshold is

* never below the trained global threshold unless enough right answers at lower scores give an
  upper confidence bound on the error that is within ``error_bound`` (rule of three: with ``w``
  wrong out of ``n`` checks at or above a score, the bound is ``(w + 3) / n``);
* raised just above the highest score at which the entry was ever found wrong, if that score
  passed the current threshold.

Evidence comes from grey-zone candidates whose fresh upstream answer is compared with the cached
one, and from users flagging a served answer as wrong.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

MAX_OBSERVATIONS = 64
EPSILON = 1e-4


@dataclass(slots=True)
class EntryEvidence:
    """Scores at which this entry's answer was checked, and whether it held."""

    right: list[float] = field(default_factory=list)
    wrong: list[float] = field(default_factory=list)

    def add(self, score: float, correct: bool) -> None:
        target = self.right if correct else self.wrong
        target.append(score)
        del target[:-MAX_OBSERVATIONS]


def entry_threshold(evidence: EntryEvidence | None, base: float, error_bound: float) -> float:
    """The score a candidate must reach to be served from this entry."""
    if evidence is None or not (evidence.right or evidence.wrong):
        return base
    threshold = base
    # Lower: the lowest observed score from which the error's upper bound is within the bound.
    for score in sorted(set(evidence.right)):
        if score >= base:
            break
        n = sum(1 for s in evidence.right if s >= score) + sum(
            1 for s in evidence.wrong if s >= score
        )
        w = sum(1 for s in evidence.wrong if s >= score)
        if n and (w + 3) / n <= error_bound:
            threshold = score
            break
    # Raise: never accept at or below a score where this entry was wrong.
    if evidence.wrong:
        worst = max(evidence.wrong)
        if worst >= threshold:
            threshold = min(worst + EPSILON, 1.0 + EPSILON)
    return threshold


class EvidenceBook:
    """Bounded per-entry evidence (LRU), kept in process."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, EntryEvidence] = OrderedDict()

    def get(self, digest: str) -> EntryEvidence | None:
        evidence = self._entries.get(digest)
        if evidence is not None:
            self._entries.move_to_end(digest)
        return evidence

    def observe(self, digest: str, score: float, correct: bool) -> None:
        evidence = self._entries.get(digest)
        if evidence is None:
            evidence = self._entries[digest] = EntryEvidence()
            if len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        evidence.add(score, correct)

    def forget(self, digest: str) -> None:
        self._entries.pop(digest, None)
