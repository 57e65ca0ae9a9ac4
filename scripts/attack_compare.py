"""Session 12's ship rule for the attack stage: a candidate's left-out tables against the shipped
recipe's (both from ``attack_lowo.py --results-out``, or ``attack_stack.py --results-out``).

Usage:
    .venv/bin/python scripts/attack_compare.py SHIPPED.json CANDIDATE.json \
        [--key "False|0.005|strict agreement|False"] [--candidate-key KEY]

The rule (commit 3a73ac9), on the means over ``attack_writers.WRITERS`` (the probe in no mean),
candidate minus shipped: attack F1 not lower, pooled benign FPR at most 0.3 points higher,
hard-negative FPR per language at most 0.5 points higher. A table's key is
``tail|budget|gate|veto``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attack_writers import WRITERS

Table = dict[str, dict[str, float | None]]
# the rule: column -> the least it must gain (F1), and column -> the most it may rise (rates)
MIN_GAIN = {"f1_all": 0.0}
MAX_RISE = {"fpr_all": 0.003, "fpr_hard_en": 0.005, "fpr_hard_ko": 0.005}
SHOWN = ("f1_all", "recall_all", "fpr_all", "fpr_hard_en", "fpr_hard_ko")
MEANS = (*SHOWN, "f1_en", "f1_ko", "recall_en", "recall_ko", "fpr_en", "fpr_ko", "fpr_everyday")


def mean(table: Table, column: str) -> float:
    """``column``'s mean over the writers that have it (writers weighted equally)."""
    cells = [
        float(v) for w, r in table.items() if w in WRITERS and (v := r.get(column)) is not None
    ]
    return float(np.mean(cells))


def verdict(shipped: Table, candidate: Table) -> tuple[bool, str]:
    """Whether ``candidate`` passes the rule (``MIN_GAIN``, ``MAX_RISE``) against ``shipped``,
    and why. Both tables must hold the same writers: means over different writers are no
    before/after comparison."""
    if {w for w in shipped if w in WRITERS} != {w for w in candidate if w in WRITERS}:
        raise SystemExit("the two tables hold different writers: run both on the same ones")
    parts, ok = [], True
    for column in (*MIN_GAIN, *MAX_RISE):
        gain = round(mean(candidate, column) - mean(shipped, column), 6)  # cells have 3 digits
        met = gain >= MIN_GAIN[column] if column in MIN_GAIN else gain <= MAX_RISE[column]
        ok &= met
        parts.append(f"{column} {gain:+.4f} ({'ok' if met else 'FAILS'})")
    return ok, f"rule: {'PASS' if ok else 'FAIL'}: " + ", ".join(parts)


def cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shipped", type=Path)
    parser.add_argument("candidate", type=Path)
    parser.add_argument("--key", default="False|0.005|strict agreement|False")
    parser.add_argument("--candidate-key", help="default: --key")
    args = parser.parse_args()
    shipped = json.loads(args.shipped.read_text())[args.key]
    candidate = json.loads(args.candidate.read_text())[args.candidate_key or args.key]
    print(f"{'left out':9}" + "".join(f"{c:>22}" for c in SHOWN))
    for writer in candidate:
        pairs = (f"{cell(shipped[writer][c])} -> {cell(candidate[writer][c])}" for c in SHOWN)
        print(f"{writer:9}" + "".join(f"{p:>22}" for p in pairs))
    for column in MEANS:
        print(f"mean {column:13} {mean(shipped, column):.3f} -> {mean(candidate, column):.3f}")
    ok, text = verdict(shipped, candidate)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
