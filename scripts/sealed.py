"""The lead's next held-out set: the one name every evaluation and training script refuses.

A sealed set is written by a stranger and kept outside every checkout until a session's ship
decisions are made; once scored it becomes dev data and the lead moves this name on. Guardrail
scripts refuse it through ``guard_corpora.refuse_heldout``, cache scripts through ``names_sealed``.
"""

from __future__ import annotations

SEALED = "v63"


def names_sealed(path: str) -> bool:
    """Whether ``path`` (a file, a directory or a ``PATH:SPLIT:N`` spec) names the sealed set."""
    return SEALED in path.lower()
