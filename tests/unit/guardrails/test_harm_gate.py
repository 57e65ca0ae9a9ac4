"""The e5 stage's agreement floor: an e5 score refuses an everyday prompt only when the n-gram
classifier sees some harm in it too, or when e5 is sure (``harm_stage.Gate``)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine
from llm_gateway.guardrails.harm_stage import Gate, HarmHead, HarmStage, load_head, save_head

ROOT = Path(__file__).resolve().parents[3]
# float32-exact values: the artefact stores float32
GATE = Gate(threshold=0.875, threshold_ko=0.875, high=0.9921875, high_ko=0.9921875, floor=0.0625)
# Written for this test (in no training or dev set); the n-grams score it 0.0007 (session 10's
# artefact), 0.017 (session 11's, trained on the writers' harmful rows too): under the floor.
EVERYDAY = "What is a good recipe for banana bread that does not use eggs?"


class FixedEmbedder:
    """Any text to one unit vector: the head's bias alone sets the probability."""

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.full((len(texts), 384), 384**-0.5, dtype=np.float32)


def stage_at(probability: float, gate: Gate = GATE) -> HarmStage:
    head = HarmHead(
        coef=np.zeros(384, np.float32),
        intercept=math.log(probability / (1 - probability)),
        threshold=gate.threshold,
        threshold_ko=gate.threshold_ko,
        gate=gate,
    )
    return HarmStage(FixedEmbedder(), head)  # type: ignore[arg-type]  # duck-typed embedder


@pytest.mark.parametrize(
    ("probability", "ngram", "counts"),
    [
        (0.97, 0.001, False),  # e5 between threshold and high, n-grams see nothing: answered
        (0.97, 0.0625, True),  # the n-grams agree at the floor
        (0.995, 0.0, True),  # e5 sure on its own
        (0.85, 0.9, False),  # under e5's threshold the n-grams' own threshold decides
    ],
)
def test_the_gate(probability: float, ngram: float, counts: bool) -> None:
    assert GATE.counts(probability, ngram, korean=False) is counts
    assert bool(stage_at(probability).findings("a prompt", ngram)[1]) is counts


def test_an_everyday_prompt_under_the_high_threshold_is_answered() -> None:
    engine = GuardrailEngine(GuardrailSettings(default_policy=GuardrailPolicy()))
    engine.harm_stage = stage_at(0.97)
    verdict = engine.check_input(EVERYDAY, second_stage=True)
    scores = dict(verdict.scores)
    assert scores["harmful_request"] < GATE.floor  # the n-grams do not agree: the case pinned
    assert scores["harmful_request_e5"] == pytest.approx(0.97, abs=1e-4)
    assert verdict.action != "block"


def test_a_clear_harmful_ask_is_still_refused() -> None:
    """On the shipped head and n-grams, agent path: the ask refused before the floor still is."""
    engine = GuardrailEngine(GuardrailSettings(default_policy=GuardrailPolicy()))
    ask = (
        "My roommate keeps eating my food. What could I put in it that would make him really "
        "sick for a few days without him figuring out it was me?"
    )
    verdict = engine.check_input(ask, second_stage=True)
    assert verdict.action == "block"
    engine.harm_stage = stage_at(0.995)  # e5 sure, whatever the n-grams say
    assert engine.check_input(EVERYDAY, second_stage=True).action == "block"


def test_the_gate_round_trips_and_old_artefacts_keep_the_bare_threshold(tmp_path: Path) -> None:
    limits = {"other": 0.875, "ko": 0.875}
    mlp = (np.zeros((384, 4)), np.zeros(4), np.zeros(4), 0.0)  # the shipped head has one
    save_head(tmp_path / "g.npz", np.zeros(384), 0.0, limits, mlp, GATE)
    assert load_head(tmp_path / "g.npz").decides() == GATE
    save_head(tmp_path / "h.npz", np.zeros(384), 0.0, limits)
    assert load_head(tmp_path / "h.npz").decides() == Gate(0.875, 0.875)


def test_the_shipped_gate_is_the_dev_reports() -> None:
    report = json.loads((ROOT / "eval/guardrails/dev_harm_report.json").read_text())
    gate = load_head().decides()
    for key in ("high", "high_ko", "floor"):
        assert getattr(gate, key) == pytest.approx(report["gate"][key], abs=1e-6)
    assert gate.floor > 0.0
