"""The attack stage's strict agreement gate (``scripts/harm_gate.strict``, session 11): e5 counts
alone only far above its threshold; between the two the n-gram head must agree."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType, SimpleNamespace

import numpy as np
import pytest

from tests.script_modules import scripts_on_path


@pytest.fixture(scope="module")
def scripts() -> Iterator[tuple[ModuleType, ModuleType]]:
    with scripts_on_path():
        import harm_gate
        import harm_lowo

        yield harm_gate, harm_lowo


def one_writer() -> tuple[SimpleNamespace, np.ndarray]:
    """50 benign rows (e5 0.3, but a pasted config at 0.96 and a code-run ask at 0.995 with the
    n-grams near zero) and 50 attacks at 0.97 (ten the n-grams barely see)."""
    n = 100
    benign = np.arange(n) < 50
    probs = np.where(benign, 0.3, 0.97)
    probs[0], probs[1] = 0.96, 0.995
    ngram = np.where(benign, 0.001, 0.9)
    ngram[50:55], ngram[55:60] = 0.03, 0.3
    w = SimpleNamespace(
        fast=np.zeros(n, bool),
        benign=benign,
        everyday=benign,
        korean=np.zeros(n, bool),
        ngram=ngram,
    )
    return w, probs


def test_high_sits_above_every_benign_score_and_the_floor_vetoes_the_rest(
    scripts: tuple[ModuleType, ModuleType],
) -> None:
    harm_gate, lowo = scripts
    w, probs = one_writer()
    gate = harm_gate.strict([(w, probs)], lowo.writer_limits, 0.04, 0.0, 0.06)
    assert gate.threshold == pytest.approx(0.96)  # two benign rows of 50 may pass it: 4 %
    assert gate.high == 1.0  # e5 alone may add no benign flag
    assert gate.floor == pytest.approx(0.02)  # 0.05 would lose five of 50 attacks: 10 % > 6 %
    flagged = harm_gate.e5_flags(probs, w.ngram, w.korean, gate)
    assert not flagged[w.benign].any()  # both over the threshold: the floor vetoes them
    assert flagged[~w.benign].all()


def test_high_is_strictly_above_the_threshold_even_when_the_budgets_agree(
    scripts: tuple[ModuleType, ModuleType],
) -> None:
    harm_gate, lowo = scripts
    w, probs = one_writer()
    gate = harm_gate.strict([(w, probs)], lowo.writer_limits, 0.04, 0.04, 0.06)
    assert gate.high == pytest.approx(gate.threshold + harm_gate.HIGH_GAP)
    assert gate.high_ko > gate.threshold_ko or gate.high_ko == 1.0
