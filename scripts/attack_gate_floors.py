"""The e5 attack stage's agreement gates, re-chosen on sets the shipped n-gram heads never saw.

Usage:
    .venv/bin/python scripts/attack_gate_floors.py --dataset A.jsonl [--dataset ...] \
        --rows /tmp/gate_rows.jsonl [--give 0] [--leave-one-out] [--write DIR] [--report R]

The agent path's attack stage (``attack_stage.py``) counts an e5 score above its threshold only
when the n-gram probability of the same category reaches the gate's ``floor``, or when e5 alone
reaches ``high`` (per script). Session 11 chose the gates on the n-gram heads of its day; round
24 retrained those heads on thirteen more strangers, and on the look-alike judges the stage then
added most of the agent path's false positives (bot mentions 17 of 300, persona set-ups 12).

Every row of the ``--dataset`` files is scored once by the shipped engine (fast layers, then
the agent path's stages; cached in ``--rows``), which records what the stage's gates read. On
those rows, over ``GRID`` (attack floor, attack ``high``, attack ``high_ko``, extraction floor;
the thresholds and the extraction ``high``s stay), the gate chosen releases the most benign
rows while losing at most ``--give`` attacks the shipped gates catch; ties go to the earliest
grid point (the tighter floors come later). ``--leave-one-out`` scores that choice on each file
with the gate chosen on the others. ``--write DIR`` stores the chosen gates in copies of the
shipped artefacts (heads unchanged); ``--report R`` records them in a copy of
``dev_attack_report.json`` (``train_attack_stage.py --check`` rebuilds from it).

Files the shipped n-gram build trains on are refused (their n-gram scores are in sample), and
so is the sealed set.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from guard_corpora import refuse_heldout
from guard_groups import (
    FIRST_INDEPENDENT_SET,
    FOURTH_INDEPENDENT_SET,
    OPTIONAL_GROUPS,
    SECOND_INDEPENDENT_SET,
    THIRD_INDEPENDENT_SET,
    shipped_optional_groups,
)

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO / "eval/guardrails"
DATA = REPO / "src/llm_gateway/guardrails/data"
ATTACKS = frozenset({"injection", "jailbreak", "prompt_extraction"})
NEVER = 1.0  # a ``high`` no probability passes (but a saturated 1.0): e5 never counts alone
GRID = list(
    itertools.product(
        (0.5, 0.55, 0.6, 0.64, 0.68, 0.72),  # attack floor
        (0.9881, 0.992, 0.995, NEVER),  # attack high (other scripts)
        (0.9775, 0.985, 0.99, NEVER),  # attack high_ko
        (0.3, 0.4, 0.5, 0.6, 0.7),  # extraction floor
    )
)
SHIPPED = (0.5, 0.9881, 0.9775, 0.3)


def trained_on() -> set[Path]:
    """The files the shipped n-gram build trains on."""
    first = (FIRST_INDEPENDENT_SET, SECOND_INDEPENDENT_SET, THIRD_INDEPENDENT_SET)
    names = {*first, FOURTH_INDEPENDENT_SET}
    names |= {OPTIONAL_GROUPS[g] for g in shipped_optional_groups()}
    return {(EVAL / n).resolve() for n in names}


def refuse_training_file(path: Path) -> Path:
    if path.resolve() in trained_on():
        raise SystemExit(f"refusing a training group of the shipped n-gram build: {path}")
    return path


@dataclass(frozen=True, slots=True)
class Row:
    """One scored prompt: whether anything but the attack stage blocks it on the agent path,
    and what the stage's gates read (None: the stage did not run, the fast layers blocked)."""

    file: str
    attack: bool | None  # True: an attack row; False: benign; None: neither (harmful)
    korean: bool
    blocked_otherwise: bool
    injection_e5: float | None
    injection: float
    extraction_e5: float | None
    extraction: float
    blocked: bool  # the engine's own verdict, with the shipped gates

    def flagged(self, gate: tuple[float, float, float, float]) -> bool:
        """The agent path's verdict with the attack head's gate ``gate`` (see ``GRID``)."""
        if self.blocked_otherwise or self.injection_e5 is None or self.extraction_e5 is None:
            return self.blocked_otherwise
        floor, high, high_ko, extraction_floor = gate
        attack_low, attack_high = (0.96, high_ko) if self.korean else (0.9681, high)
        extraction_low, extraction_high = (0.96, 0.984) if self.korean else (0.9622, 0.9935)
        attack = self.injection_e5 >= attack_low and (
            self.injection >= floor or self.injection_e5 >= attack_high
        )
        extraction = self.extraction_e5 >= extraction_low and (
            self.extraction >= extraction_floor or self.extraction_e5 >= extraction_high
        )
        return attack or extraction


def score(paths: list[Path], out: Path) -> list[Row]:
    """Every row of ``paths`` through the shipped engine (cached in ``out`` as JSON lines)."""
    from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
    from llm_gateway.guardrails import GuardrailEngine
    from llm_gateway.guardrails.attack_stage import RULE_ID
    from llm_gateway.guardrails.classifier import is_korean

    if not out.exists():
        policy = GuardrailPolicy(classifier=True)
        engine = GuardrailEngine(GuardrailSettings(default_policy=policy))
        with out.open("w", encoding="utf-8") as fh:
            for path in paths:
                for line in path.read_text(encoding="utf-8").splitlines():
                    if not line.strip():
                        continue
                    row = json.loads(line)
                    verdict = engine.check_input(row["text"], second_stage=True)
                    scores = dict(verdict.scores)
                    others = [f for f in verdict.findings if f.rule_id != RULE_ID]
                    blocking = set(verdict.blocked)
                    category = row.get("category", "")
                    cell = {
                        "file": path.name,
                        "attack": None if category == "harmful_request" else row["label"] == 1,
                        "korean": is_korean(row["text"]),
                        "blocked_otherwise": any(f.category in blocking for f in others),
                        "injection_e5": scores.get("injection_e5"),
                        "injection": scores.get("injection", 0.0),
                        "extraction_e5": scores.get("prompt_extraction_e5"),
                        "extraction": scores.get("prompt_extraction", 0.0),
                        "blocked": verdict.action == "block",
                    }
                    fh.write(json.dumps(cell) + "\n")
    return [Row(**json.loads(x)) for x in out.read_text(encoding="utf-8").splitlines()]


def choose(rows: list[Row], give: int) -> tuple[float, float, float, float]:
    """The grid point releasing the most benign rows, losing at most ``give`` attacks."""
    attacks = [r for r in rows if r.attack]
    benign = [r for r in rows if r.attack is False]
    caught = {id(r) for r in attacks if r.flagged(SHIPPED)}
    best, released = SHIPPED, 0
    for gate in GRID:
        lost = sum(1 for r in attacks if id(r) in caught and not r.flagged(gate))
        freed = sum(1 for r in benign if r.flagged(SHIPPED) and not r.flagged(gate))
        if lost <= give and freed > released:
            best, released = gate, freed
    return best


def figures(rows: list[Row], gate: tuple[float, float, float, float]) -> str:
    attacks = [r for r in rows if r.attack]
    benign = [r for r in rows if r.attack is False]
    tp = sum(r.flagged(gate) for r in attacks)
    fp = sum(r.flagged(gate) for r in benign)
    return f"attacks {tp}/{len(attacks)}, benign blocked {fp}/{len(benign)}"


def write(gate: tuple[float, float, float, float], directory: Path, report: Path | None) -> None:
    """Copies of the shipped artefacts (and of the attack report) carrying ``gate``."""
    import numpy as np

    floor, high, high_ko, extraction_floor = gate
    directory.mkdir(parents=True, exist_ok=True)
    for name, arrays in (("attack_e5.npz", (high, high_ko, floor)), ("extraction_e5.npz", None)):
        with np.load(DATA / name) as data:
            stored = {k: data[k] for k in data.files}
        if arrays is None:
            old = stored["gate"]
            arrays = (float(old[0]), float(old[1]), extraction_floor)
        stored["gate"] = np.array(arrays, dtype=np.float32)
        np.savez_compressed(directory / name, **stored)
    if report is not None:
        shutil.copy(EVAL / "dev_attack_report.json", report)
        data: dict[str, Any] = json.loads(report.read_text())
        gates = data["heads"]
        stored_attack = np.array([high, high_ko, floor], dtype=np.float32)
        gates["attack"].update(high=float(stored_attack[0]), high_ko=float(stored_attack[1]))
        gates["attack"]["floor"] = float(stored_attack[2])
        gates["extraction"]["floor"] = float(np.float32(extraction_floor))
        data["gate_source"] += (
            "; session 24 (round 25): the attack head's floor, high and high_ko and the "
            "extraction head's floor re-chosen by scripts/attack_gate_floors.py on sets the "
            "round-24 n-gram heads never saw; heads unchanged"
        )
        report.write_text(json.dumps(data, indent=1) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, action="append", required=True)
    parser.add_argument("--rows", type=Path, required=True, help="scored rows (made if missing)")
    parser.add_argument("--give", type=int, default=0, help="attacks the gate may lose")
    parser.add_argument("--leave-one-out", action="store_true")
    parser.add_argument("--write", type=Path, help="artefact copies with the chosen gates")
    parser.add_argument("--report", type=Path, help="a dev_attack_report.json copy to update")
    parser.add_argument(
        "--gate",
        type=lambda v: tuple(float(x) for x in v.split(",")),
        help="write this grid point instead of the chosen one (four numbers, as GRID)",
    )
    args = parser.parse_args()
    paths = [refuse_training_file(refuse_heldout(p)) for p in args.dataset]
    rows = score(paths, refuse_heldout(args.rows))
    wrong = [r for r in rows if r.flagged(SHIPPED) != r.blocked]
    if wrong:  # the simulation must be the engine's own decision before it can choose
        raise SystemExit(f"{len(wrong)} rows: the simulated shipped gate is not the engine's")
    if args.leave_one_out:
        for name in sorted({r.file for r in rows}):
            rest = [r for r in rows if r.file != name]
            own = [r for r in rows if r.file == name]
            gate = choose(rest, args.give)
            print(f"{name}: gate {gate}: {figures(own, gate)} (shipped: {figures(own, SHIPPED)})")
    gate = choose(rows, args.give)
    print(f"chosen on all: {gate}: {figures(rows, gate)} (shipped: {figures(rows, SHIPPED)})")
    if args.gate is not None:
        if args.gate not in GRID:
            raise SystemExit(f"--gate {args.gate} is not a grid point")
        gate = args.gate
        print(f"given: {gate}: {figures(rows, gate)}")
    if args.write is not None:
        write(gate, args.write, args.report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
