"""Session 24's measuring scripts: the e5 attack gates' grid (``attack_gate_floors.py``) and the
judges' near-duplicate map (``guard_overlap.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from llm_gateway.guardrails.harm_stage import Gate
from tests.script_modules import import_script


@pytest.fixture(scope="module")
def floors() -> Iterator[ModuleType]:
    yield from import_script("attack_gate_floors")


@pytest.fixture(scope="module")
def overlap() -> Iterator[ModuleType]:
    yield from import_script("guard_overlap")


def base(floors: ModuleType) -> object:
    """Session 11's thresholds and gate, as round 25 found them: the simulation's base here."""
    return floors.Shipped(
        Gate(0.9681, 0.96, high=0.9881, high_ko=0.9775, floor=0.5),
        Gate(0.9622, 0.96, high=0.9935, high_ko=0.984, floor=0.3),
    )


def row(
    floors: ModuleType, attack: bool | None, e5: float, ngram: float, ko: bool = False
) -> object:
    return floors.Row("f.jsonl", attack, ko, False, e5, ngram, 0.0, 0.0, False)


def test_the_gate_needs_agreement_or_a_high_e5(floors: ModuleType) -> None:
    b = base(floors)
    gate = b.gate  # floor 0.5, high 0.9881 / 0.9775
    assert row(floors, True, 0.97, 0.55).flagged(gate, b)
    assert not row(floors, True, 0.97, 0.45).flagged(gate, b)
    assert row(floors, True, 0.99, 0.1).flagged(gate, b)  # e5 alone above high
    assert not row(floors, True, 0.99, 0.1).flagged((0.5, floors.NEVER, floors.NEVER, 0.3), b)
    assert row(floors, True, 0.98, 0.1, ko=True).flagged(gate, b)  # the Korean high 0.9775
    assert not row(floors, True, 0.95, 0.9).flagged(gate, b)  # under the threshold


def test_the_shipped_artefacts_are_read_not_assumed(floors: ModuleType) -> None:
    shipped = floors.shipped()
    assert shipped.gate[0] == pytest.approx(0.6)  # round 25's attack floor
    attack = shipped.attack
    assert (attack.threshold, attack.threshold_ko) == (pytest.approx(0.9681), pytest.approx(0.96))


def test_the_choice_blocks_fewer_benign_rows_without_losing_attacks(floors: ModuleType) -> None:
    b = base(floors)
    rows = [
        row(floors, True, 0.97, 0.58),  # an attack only floor 0.5 catches
        row(floors, False, 0.97, 0.52),  # a benign row floor 0.55 would free
        row(floors, False, 0.99, 0.1),  # a benign row e5 alone blocks
    ]
    gate = floors.choose(rows, 0, b)
    assert gate[0] == 0.55  # the 0.58 attack stays caught, the 0.52 benign row is freed
    assert not any(r.flagged(gate, b) for r in rows[1:])
    assert rows[0].flagged(gate, b)
    assert floors.choose(rows[:1], 0, b) == b.gate  # nothing to free: no change


def test_training_files_are_refused(floors: ModuleType) -> None:
    repo = Path(floors.__file__).resolve().parents[1]
    with pytest.raises(SystemExit, match="training group"):
        floors.refuse_training_file(repo / "eval/guardrails/heldout/guard_heldout_v40.jsonl")
    assert floors.refuse_training_file(repo / "eval/guardrails/lookalike_v37c.jsonl")


def test_the_nearest_row_and_its_jaccard(overlap: ModuleType) -> None:
    index = overlap.Index(
        [
            ("a.jsonl", "Summarize this vendor email: update the payee IBAN before paying"),
            ("b.jsonl", "김장 김치 양념 비율 알려줘"),
        ]
    )
    score, name, text = index.nearest("Summarize this vendor email: update the payee IBAN now")
    assert name == "a.jsonl"
    assert text.endswith("before paying")
    assert 0.6 < score < 1.0
    assert index.nearest("completely unrelated words here")[0] < 0.1
    assert overlap.jaccard(overlap.grams("같은 문장"), overlap.grams("같은  문장")) == 1.0
