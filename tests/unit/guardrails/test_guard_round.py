"""``scripts/guard_round.py``: a ship round's pooled figures from ``eval_guardrails`` rows files.

Round 24's rule (docs/GUARDRAILS.md, "Session 24") is read off these figures: the guard sets
pooled, the look-alike and persona judges apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.script_modules import import_script


@pytest.fixture(scope="module")
def guard_round() -> Iterator[ModuleType]:
    yield from import_script("guard_round")


def row(file: str, category: str, label: int, flagged: bool, lang: str = "en") -> dict[str, object]:
    return {"file": file, "category": category, "label": label, "flagged": flagged, "lang": lang}


def test_guard_sets_pool_and_look_alike_judges_stay_apart(guard_round: ModuleType) -> None:
    rows = [
        row("guard_a.jsonl", "injection", 1, True),
        row("guard_b.jsonl", "prompt_extraction", 1, False, "ko"),
        row("guard_b.jsonl", "jailbreak", 1, True, "ko"),
        row("guard_a.jsonl", "harmful_request", 1, True),
        row("guard_a.jsonl", "benign", 0, False),
        row("guard_b.jsonl", "benign_hard_negative", 0, True),
        row("guard_b.jsonl", "benign", 0, False),
        row("guard_b.jsonl", "benign", 0, False),
        # blocked look-alikes count in their own cells, never in the guard sets' FPR
        row("lookalike_x.jsonl", "benign_bot_mention", 0, True),
        row("persona_x.jsonl", "benign_persona", 0, False),
    ]
    figures = guard_round.round_figures(rows)
    assert figures["attack_precision"] == pytest.approx(2 / 3)
    assert figures["attack_recall"] == pytest.approx(2 / 3)
    assert figures["benign_fpr"] == pytest.approx(1 / 4)
    assert figures["benign_blocked"] == "1/4"
    assert figures["korean_attack_recall"] == pytest.approx(1 / 2)
    assert figures["prompt_extraction_recall"] == 0.0
    assert figures["harmful_recall"] == 1.0
    assert figures["lookalike_blocked"] == "1/1"
    assert figures["persona_blocked"] == "0/1"
    assert figures["everyday_blocked"] == "0/3"
    assert figures["hard_negative_blocked"] == "1/1"
    assert figures["attack_f1_en"] == pytest.approx(2 / 3)  # one attack caught, one benign flagged
    assert figures["attack_f1_ko"] == pytest.approx(2 / 3)
    assert figures["jailbreak_recall"] == 1.0
    assert figures["harmful_recall_en"] == 1.0
