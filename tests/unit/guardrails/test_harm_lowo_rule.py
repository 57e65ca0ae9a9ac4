"""The leave-one-writer-out threshold rule of the e5 stage (``scripts/harm_lowo.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace

import numpy as np
import pytest

from tests.script_modules import import_script

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def lowo() -> Iterator[ModuleType]:
    yield from import_script("harm_lowo")


def writer(fast: list[bool], korean: bool = False) -> SimpleNamespace:
    """A writer whose rows are all benign (the rule reads benign rows only)."""
    n = len(fast)
    return SimpleNamespace(fast=np.array(fast), benign=np.ones(n, bool), korean=np.full(n, korean))


def test_only_e5s_own_flags_spend_the_budget(lowo: ModuleType) -> None:
    """A row the fast layers already block costs e5 nothing: the 0.99 row below is theirs, so
    at a 10 % budget e5 may also flag the one 0.95 row of ten it alone would add."""
    probs = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.55, 0.52, 0.51, 0.5])
    over_flagged = writer([True] + [False] * 9)
    limits = lowo.writer_limits([(over_flagged, probs)], 0.1)
    assert limits["other"] == pytest.approx(0.95)
    assert limits["ko"] == 1.0  # no Hangul rows: the stage stays off for them


def test_writers_count_equally_whatever_their_size(lowo: ModuleType) -> None:
    small = writer([False] * 10, korean=True)
    large = writer([False] * 1000, korean=True)
    small_probs = np.linspace(0.5, 0.99, 10)  # its top row alone is 10 % of it
    large_probs = np.full(1000, 0.5)
    limits = lowo.writer_limits([(small, small_probs), (large, large_probs)], 0.05)
    assert limits["ko"] == pytest.approx(0.99)  # (10 % + 0 %) / 2 = 5 %


def test_the_shipped_thresholds_were_chosen_on_every_writer(lowo: ModuleType) -> None:
    """The dev report behind the shipped thresholds names every writer ``harm_lowo.py`` scores
    (v3–v7, s9a–s9d): a writer added to the yardstick and not to the report means the artefact
    was not rebuilt with it."""
    report = json.loads((ROOT / "eval/guardrails/dev_harm_report.json").read_text())
    assert sorted(report["writers"]) == sorted([*lowo.WRITERS, *lowo.LATER_WRITERS])  # 15 (s12)
    assert report["thresholds"] == report["thresholds_by_fpr"][str(report["fpr"])]


def test_the_floor_rule_gives_up_no_more_recall_than_allowed(lowo: ModuleType) -> None:
    """``harm_gate.choose``: ``high`` keeps e5 alone off the others' everyday rows (budget 0),
    and the floor is the largest that keeps their harmful recall within ``give``."""
    import harm_gate

    n = 100
    benign = np.arange(n) < 50
    probs = np.where(benign, 0.3, 0.97)
    probs[0] = 0.96  # one everyday prompt e5 flags, the n-grams near zero
    ngram = np.where(benign, 0.001, 0.9)
    ngram[50:55], ngram[55:60] = 0.03, 0.3  # ten harmful asks the n-grams barely see
    w = SimpleNamespace(
        fast=np.zeros(n, bool),
        benign=benign,
        everyday=benign,
        korean=np.zeros(n, bool),
        ngram=ngram,
    )
    plain, floor, everyday = harm_gate.choose([(w, probs)], lowo.writer_limits, 0.02, 0.0, 0.06)
    assert plain.threshold == pytest.approx(0.96)
    assert plain.floor == 0.0
    assert floor.high == 1.0  # e5 alone adds no everyday flag
    assert floor.floor == pytest.approx(0.02)  # 0.05 would lose five of 50 asks: 10 % > 6 %
    flagged = harm_gate.e5_flags(probs, ngram, w.korean, floor)
    assert not flagged[0]
    assert flagged[~benign].all()
    assert everyday.threshold == 1.0
