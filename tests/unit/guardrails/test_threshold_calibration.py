"""Session 23's calibration tools: thresholds chosen on strangers' sets no build trained on.

``scripts/calibrate_guard_thresholds.py`` picks the injection and extraction thresholds with the
best pooled attack F1 within a benign budget; ``train_guardrails.py --calibration`` writes them
into an artefact with the Korean offset kept. Rounds 20-22 built their candidates this way (none
shipped; the record of round 22's is ``eval/guardrails/threshold_report_round22.json``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.script_modules import import_script, scripts_on_path

REPO = Path(__file__).resolve().parents[3]


def import_module_sealed() -> str:
    """The sealed name (``scripts/sealed.py``), read as the scripts read it."""
    with scripts_on_path():
        import sealed

    return str(sealed.SEALED)


@pytest.fixture(scope="module")
def calibrate() -> Iterator[ModuleType]:
    yield from import_script("calibrate_guard_thresholds")


@pytest.fixture(scope="module")
def calibration() -> Iterator[ModuleType]:
    yield from import_script("guard_calibration")


def row(calibrate: ModuleType, attack: bool, injection: float, other: bool = False) -> object:
    return calibrate.Row("f.jsonl", attack, other, injection, 0.0, injection, 0.0)


def test_a_row_is_rescored_only_when_a_first_score_reaches_its_threshold(
    calibrate: ModuleType,
) -> None:
    # first score 0.75, 0.40 without the benign context (a quoted attack asked about)
    quoted = calibrate.Row("f.jsonl", False, False, 0.75, 0.10, 0.40, 0.10)
    assert not quoted.flagged(0.70, 0.90)  # reached: rescored, and 0.40 is under 0.70
    assert not quoted.flagged(0.80, 0.90)  # not reached: 0.75 is under 0.80
    # a first score under the threshold is never replaced, even by a higher rescored one
    assert not calibrate.Row("f.jsonl", True, False, 0.60, 0.10, 0.90, 0.10).flagged(0.70, 0.90)
    # the extraction score reaching its threshold rescores the injection score too
    both = calibrate.Row("f.jsonl", True, False, 0.65, 0.95, 0.72, 0.50)
    assert both.flagged(0.70, 0.90)


def test_the_pair_is_the_best_f1_within_the_budget(calibrate: ModuleType) -> None:
    scores = (0.95, 0.90, 0.85, 0.80, 0.75, 0.70, 0.65, 0.62, 0.55, 0.50)
    attacks = [row(calibrate, True, s) for s in scores]
    benign = [row(calibrate, False, 0.78)] + [row(calibrate, False, 0.10) for _ in range(19)]
    # no false positive allowed: above 0.78; 0.79 and 0.80 both catch four, the stricter wins
    assert calibrate.choose(attacks + benign, budget=0.0)[0] == pytest.approx(0.80)
    # one in twenty allowed: down to 0.62 catches eight attacks for that one row
    assert calibrate.choose(attacks + benign, budget=0.05)[0] == pytest.approx(0.62)


def test_a_row_the_rules_block_counts_at_every_threshold(calibrate: ModuleType) -> None:
    rows = [row(calibrate, True, 0.0, other=True), row(calibrate, False, 0.0, other=True)]
    m = calibrate.simulated(rows, 0.9, 0.9)
    assert m["recall"] == 1.0
    assert m["fpr"] == 1.0
    with pytest.raises(SystemExit, match="no threshold pair"):
        calibrate.choose(rows, budget=0.5)


def test_training_files_and_the_sealed_set_are_refused(calibrate: ModuleType) -> None:
    sealed = import_module_sealed()
    with pytest.raises(SystemExit, match="held-out"):
        calibrate.refuse_heldout(Path(f"/work/heldout_{sealed}/a/guard_heldout_{sealed}.jsonl"))
    with pytest.raises(SystemExit, match="training group"):
        calibrate.refuse_training_file(REPO / "eval/guardrails/heldout/guard_heldout_v5.jsonl")
    with pytest.raises(SystemExit, match="training group"):
        calibrate.refuse_training_file(REPO / "tests/data/addressee_review/benign_lookalikes.jsonl")
    report = json.loads((REPO / "eval/guardrails/threshold_report_round22.json").read_text())
    for path in report["datasets"]:  # round 22's strangers train the build since session 24
        with pytest.raises(SystemExit, match="training group"):
            calibrate.refuse_training_file(REPO / path)


def test_the_artefact_keeps_the_korean_offset(calibration: ModuleType) -> None:
    def logit(p: float) -> float:
        return math.log(p / (1 - p))

    limits = {
        "other": {"attack": 0.79, "extraction": 0.85, "harmful": 0.86},
        "ko": {"attack": 0.70, "extraction": 0.85, "harmful": 0.70},
    }
    out = calibration.calibrated(limits, {"injection": 0.72, "prompt_extraction": 0.80})
    assert out["other"]["attack"] == 0.72
    assert out["other"]["extraction"] == 0.80
    for cls in ("attack", "extraction"):
        before = logit(limits["other"][cls]) - logit(limits["ko"][cls])
        after = logit(out["other"][cls]) - logit(out["ko"][cls])
        assert after == pytest.approx(before)
    assert out["other"]["harmful"] == 0.86  # untouched
    assert out["ko"]["harmful"] == 0.70
    assert limits["other"]["attack"] == 0.79  # the input is not changed
