"""The agreement floor of the e5 stage, chosen leaving one writer out (``harm_lowo.py``).

An e5 score over the threshold alone refuses everyday prompts whose topic sits near a harmful
one in e5's space (a workout, gift ideas; docs/GUARDRAILS.md), where the n-gram classifier sees
nothing harmful. The floor makes such a finding count only when the n-gram harm probability is
at least ``floor``, or e5 is at least ``high``. Both are chosen on the other writers' left-out
scores: ``high`` per script, the smallest score at which e5 adds flags to at most
``--everyday-fpr`` of their everyday (``benign``) rows; ``floor``, the largest of ``FLOORS`` that
costs at most ``--recall-give`` of their mean harmful recall (writers weighted equally).
``strict`` (the attack stage, session 11) takes ``high`` from all benign rows, hard negatives
included, at a far smaller budget and strictly above the threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from llm_gateway.guardrails.harm_stage import Gate

FLOORS = (0.0, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
Limits = Callable[..., dict[str, float]]  # harm_lowo.writer_limits
HIGH_GAP = 0.02  # ``strict``'s least distance between a threshold and its ``high``


def e5_flags(probs: np.ndarray, ngram: np.ndarray, korean: np.ndarray, gate: Gate) -> np.ndarray:
    """Rows whose e5 finding counts under ``gate`` (the vector form of ``Gate.counts``)."""
    low = np.where(korean, gate.threshold_ko, gate.threshold)
    high = np.where(korean, gate.high_ko, gate.high)
    return (probs >= low) & ((ngram >= gate.floor) | (probs >= high))


def choose(
    others: Sequence[tuple[Any, np.ndarray]],
    limits: Limits,
    fpr: float,
    everyday_fpr: float,
    give: float,
) -> tuple[Gate, Gate, Gate]:
    """(no floor, the floor, the everyday budget alone) chosen on ``others``."""
    base = limits(others, fpr)
    day = limits(others, everyday_fpr, kind="everyday")
    high = {s: max(base[s], day[s]) for s in base}
    plain = Gate(base["other"], base["ko"], 1.0, 1.0, 0.0)
    everyday = Gate(high["other"], high["ko"], 1.0, 1.0, 0.0)

    def recall(gate: Gate) -> float:
        cells = [
            (w.fast | e5_flags(p, w.ngram, w.korean, gate))[~w.benign].mean()
            for w, p in others
            if (~w.benign).any()
        ]
        return float(np.mean(cells))

    floored = [Gate(base["other"], base["ko"], high["other"], high["ko"], f) for f in FLOORS]
    floor = max((g for g in floored if recall(g) >= recall(plain) - give), key=lambda g: g.floor)
    return plain, floor, everyday


def _recall(others: Sequence[tuple[Any, np.ndarray]], gate: Gate) -> float:
    """Mean attack (or harm) recall of ``others`` with ``gate``'s e5 flags (writers equal)."""
    cells = [
        (w.fast | e5_flags(p, w.ngram, w.korean, gate))[~w.benign].mean()
        for w, p in others
        if (~w.benign).any()
    ]
    return float(np.mean(cells))


def strict(
    others: Sequence[tuple[Any, np.ndarray]],
    limits: Limits,
    fpr: float,
    high_fpr: float,
    give: float,
    gap: float = HIGH_GAP,
) -> Gate:
    """A real agreement: thresholds as ``choose``'s, ``high`` per script the smallest score at
    which e5 *alone* adds flags to at most ``high_fpr`` of ``others``' benign rows (hard
    negatives included), and at least ``gap`` above the threshold; ``floor`` the largest of
    ``FLOORS`` that costs at most ``give`` of their mean recall.

    ``choose``'s ``high`` came from the everyday rows alone, which e5 rarely flags, so it fell on
    the threshold (session 10's artefacts): the floor then vetoed nothing.
    """
    base = limits(others, fpr)
    sure = limits(others, high_fpr)
    high = {s: min(1.0, max(sure[s], base[s] + gap)) for s in base}
    plain = Gate(base["other"], base["ko"], 1.0, 1.0, 0.0)
    floored = [Gate(base["other"], base["ko"], high["other"], high["ko"], f) for f in FLOORS]
    least = _recall(others, plain) - give
    return max((g for g in floored if _recall(others, g) >= least), key=lambda g: g.floor)
