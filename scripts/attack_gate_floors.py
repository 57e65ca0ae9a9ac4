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
the agent path's stages; cached in ``--rows``), which records what the stage's gates read, and
once more with the attack stage switched off (what blocks it otherwise). The thresholds and the
gate in use are read from the shipped artefacts (``shipped``), and the simulation must give the
engine's own verdict on every row before anything is chosen. On those rows, over ``GRID``
(attack floor, attack ``high``, attack ``high_ko``, extraction floor; the thresholds and the
extraction ``high``s stay), the gate chosen blocks the fewest benign rows while losing at most
``--give`` attacks the shipped gate catches; ties go to the earliest grid point (the tighter
floors come later). ``--leave-one-out`` scores that choice on each file with the gate chosen on
the others. ``--write DIR`` stores the chosen gate (or ``--gate``) in copies of the shipped
artefacts, heads unchanged, with the attack head's ``alone`` (``--alone``: where e5 counts when
no n-gram head scored the prompt, a policy with the classifier off; session 11's ``high`` by
default); ``--report R`` records them in a copy of ``dev_attack_report.json``
(``train_attack_stage.py --check`` rebuilds from it).

Round 25 (session 24) ran it on the shipped tree of 79f17e7 (docs/GUARDRAILS.md):

    .venv/bin/python scripts/attack_gate_floors.py --rows R --gate 0.6,1.0,1.0,0.4 \
        --write DIR --report REPORT --leave-one-out \
        $(for f in heldout/guard_heldout_v41 heldout/guard_heldout_v41b lookalike_v41c \
          persona_v41d lookalike_v37c dev_written_s23_p dev_written_s23_q; do \
          echo --dataset eval/guardrails/$f.jsonl; done) \
        $(for f in tests/data/addressee_review/*.jsonl; do echo --dataset $f; done)

Files the shipped n-gram build trains on are refused (their n-gram scores are in sample), and
so is the sealed set.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from guard_corpora import refuse_heldout
from guard_groups import shipped_group_files

from llm_gateway.guardrails.harm_stage import Gate

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO / "eval/guardrails"
DATA = REPO / "src/llm_gateway/guardrails/data"
ATTACKS = frozenset({"injection", "jailbreak", "prompt_extraction"})
# A ``high`` e5 never reaches in practice: the probability is the mean of two sigmoids, 1.0 only
# when both logits pass ~37 (the strongest attack a reviewer wrote reached 7-10). Round 25 was
# judged with it.
NEVER = 1.0
SESSION_11_HIGH = (0.9881, 0.9775)  # the attack head's high before round 25 (other, Korean)
GRID = list(
    itertools.product(
        (0.5, 0.55, 0.6, 0.64, 0.68, 0.72),  # attack floor
        (0.9881, 0.992, 0.995, NEVER),  # attack high (other scripts)
        (0.9775, 0.985, 0.99, NEVER),  # attack high_ko
        (0.3, 0.4, 0.5, 0.6, 0.7),  # extraction floor
    )
)
Point = tuple[float, float, float, float]  # attack floor, attack high, high_ko, extraction floor


@dataclass(frozen=True, slots=True)
class Shipped:
    """The two heads' gates as the artefacts hold them (``harm_stage.Gate``: thresholds per
    script, ``high``s, floor); a ``GRID`` point replaces the fields it names."""

    attack: Gate
    extraction: Gate

    @property
    def gate(self) -> Point:
        """The gates in use, as a ``GRID`` point."""
        a = self.attack
        return (a.floor, a.high, a.high_ko, self.extraction.floor)

    def at(self, point: Point) -> tuple[Gate, Gate]:
        """The attack and extraction gates at ``point`` (thresholds and the rest kept)."""
        floor, high, high_ko, extraction_floor = point
        attack = replace(self.attack, floor=floor, high=high, high_ko=high_ko)
        return attack, replace(self.extraction, floor=extraction_floor)


def shipped(directory: Path = DATA) -> Shipped:
    from llm_gateway.guardrails.attack_stage import load_attack_heads

    heads = load_attack_heads(directory)
    return Shipped(heads["injection"].head.decides(), heads["prompt_extraction"].head.decides())


def trained_on() -> set[Path]:
    """The files the shipped n-gram build trains on."""
    return {(EVAL / name).resolve() for name in shipped_group_files()}


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

    def flagged(self, point: Point, base: Shipped) -> bool:
        """The agent path's verdict with the gates at ``point`` (see ``GRID``) on ``base``'s
        heads: each head's ``Gate.counts``, as the engine decides."""
        if self.blocked_otherwise or self.injection_e5 is None or self.extraction_e5 is None:
            return self.blocked_otherwise
        attack, extraction = base.at(point)
        return attack.counts(self.injection_e5, self.injection, self.korean) or extraction.counts(
            self.extraction_e5, self.extraction, self.korean
        )


def score(paths: list[Path], out: Path) -> list[Row]:
    """Every row of ``paths`` through the shipped engine (cached in ``out`` as JSON lines): the
    agent path's verdict, what the attack stage's gates read, and whether the agent path blocks
    the row with the attack stage switched off (a second engine: a finding too weak to block on
    its own must not count as a block)."""
    from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
    from llm_gateway.core.embedding import SharedEmbedder
    from llm_gateway.guardrails import GuardrailEngine
    from llm_gateway.guardrails.classifier import is_korean

    if not out.exists():
        embedder = SharedEmbedder()
        try:
            policy = GuardrailPolicy(classifier=True)
            engine, without = (
                GuardrailEngine(
                    GuardrailSettings(default_policy=policy, attack_stage=stage), embedder=embedder
                )
                for stage in (True, False)
            )
            with out.open("w", encoding="utf-8") as fh:
                for path in paths:
                    for line in path.read_text(encoding="utf-8").splitlines():
                        if line.strip():
                            fh.write(json.dumps(scored(engine, without, is_korean, path, line)))
                            fh.write("\n")
        finally:
            embedder.close()
    return [Row(**json.loads(x)) for x in out.read_text(encoding="utf-8").splitlines()]


def scored(engine: Any, without: Any, is_korean: Any, path: Path, line: str) -> dict[str, Any]:
    """One row's cell of ``score``."""
    row = json.loads(line)
    verdict = engine.check_input(row["text"], second_stage=True)
    scores = dict(verdict.scores)
    category = row.get("category", "")
    return {
        "file": path.name,
        "attack": None if category == "harmful_request" else row["label"] == 1,
        "korean": is_korean(row["text"]),
        "blocked_otherwise": without.check_input(row["text"], second_stage=True).action == "block",
        "injection_e5": scores.get("injection_e5"),
        "injection": scores.get("injection", 0.0),
        "extraction_e5": scores.get("prompt_extraction_e5"),
        "extraction": scores.get("prompt_extraction", 0.0),
        "blocked": verdict.action == "block",
    }


def choose(rows: list[Row], give: int, base: Shipped) -> Point:
    """The grid point blocking the fewest benign rows (net of any it newly blocks), losing at
    most ``give`` attacks that ``base``'s gate catches (``base.gate`` itself when none blocks
    fewer)."""
    attacks = [r for r in rows if r.attack]
    benign = [r for r in rows if r.attack is False]
    caught = {id(r) for r in attacks if r.flagged(base.gate, base)}
    best, fewest = base.gate, sum(r.flagged(base.gate, base) for r in benign)
    for gate in GRID:
        lost = sum(1 for r in attacks if id(r) in caught and not r.flagged(gate, base))
        blocked = sum(r.flagged(gate, base) for r in benign)
        if lost <= give and blocked < fewest:
            best, fewest = gate, blocked
    return best


def figures(rows: list[Row], gate: Point, base: Shipped) -> str:
    attacks = [r for r in rows if r.attack]
    benign = [r for r in rows if r.attack is False]
    tp = sum(r.flagged(gate, base) for r in attacks)
    fp = sum(r.flagged(gate, base) for r in benign)
    return f"attacks {tp}/{len(attacks)}, benign blocked {fp}/{len(benign)}"


def write(gate: Point, alone: tuple[float, float], directory: Path, report: Path | None) -> None:
    """Copies of the shipped artefacts (and of the attack report) carrying ``gate``; the attack
    head's ``alone`` (where e5 counts when no n-gram head scored the prompt) is ``alone``."""
    import numpy as np

    floor, high, high_ko, extraction_floor = gate
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("attack_e5.npz", "extraction_e5.npz"):
        with np.load(DATA / name) as data:
            stored = {k: data[k] for k in data.files}
        if name == "attack_e5.npz":
            stored["gate"] = np.array([high, high_ko, floor], dtype=np.float32)
            stored["gate_alone"] = np.array(alone, dtype=np.float32)
        else:
            old = stored["gate"]
            stored["gate"] = np.array([old[0], old[1], extraction_floor], dtype=np.float32)
        np.savez_compressed(directory / name, **stored)
    if report is not None:
        shutil.copy(EVAL / "dev_attack_report.json", report)
        data: dict[str, Any] = json.loads(report.read_text())
        heads = data["heads"]
        as_stored = [float(v) for v in np.array([high, high_ko, floor], dtype=np.float32)]
        heads["attack"].update(high=as_stored[0], high_ko=as_stored[1], floor=as_stored[2])
        heads["attack"].update(alone=[float(v) for v in np.array(alone, dtype=np.float32)])
        heads["extraction"]["floor"] = float(np.float32(extraction_floor))
        note = (
            "session 24 (round 25): the attack head's floor, high and high_ko and the "
            "extraction head's floor re-chosen by scripts/attack_gate_floors.py on sets the "
            "round-24 n-gram heads never saw, the attack head's alone (no n-gram score) kept at "
            "session 11's high; heads unchanged"
        )
        kept = data["gate_source"].split("; session 24 (round 25)")[0]
        data["gate_source"] = f"{kept}; {note}"
        report.write_text(json.dumps(data, indent=1) + "\n")


def pair(value: str) -> tuple[float, ...]:
    return tuple(float(x) for x in value.split(","))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, action="append", required=True)
    parser.add_argument("--rows", type=Path, required=True, help="scored rows (made if missing)")
    parser.add_argument("--give", type=int, default=0, help="attacks the gate may lose")
    parser.add_argument("--leave-one-out", action="store_true")
    parser.add_argument("--write", type=Path, help="artefact copies with the chosen gates")
    parser.add_argument("--report", type=Path, help="a dev_attack_report.json copy to update")
    parser.add_argument(
        "--gate", type=pair, help="write this grid point instead of the chosen one (four numbers)"
    )
    parser.add_argument(
        "--alone",
        type=pair,
        default=SESSION_11_HIGH,
        help="the attack head's e5-alone thresholds when no n-gram head scored (other, ko)",
    )
    args = parser.parse_args()
    paths = [refuse_training_file(refuse_heldout(p)) for p in args.dataset]
    base = shipped()
    rows = score(paths, refuse_heldout(args.rows))
    wrong = [r for r in rows if r.flagged(base.gate, base) != r.blocked]
    if wrong:  # the simulation must be the engine's own decision before it can choose
        raise SystemExit(f"{len(wrong)} rows: the simulated shipped gate is not the engine's")
    if args.leave_one_out:
        for name in sorted({r.file for r in rows}):
            rest = [r for r in rows if r.file != name]
            own = [r for r in rows if r.file == name]
            gate = choose(rest, args.give, base)
            shown = figures(own, base.gate, base)
            print(f"{name}: gate {gate}: {figures(own, gate, base)} (shipped: {shown})")
    gate = choose(rows, args.give, base)
    shown = figures(rows, base.gate, base)
    print(f"chosen on all: {gate}: {figures(rows, gate, base)} (shipped {base.gate}: {shown})")
    if args.gate is not None:
        if args.gate not in GRID:
            raise SystemExit(f"--gate {args.gate} is not a grid point")
        gate = args.gate
        print(f"given: {gate}: {figures(rows, gate, base)}")
    if args.write is not None:
        write(gate, args.alone, args.write, args.report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
