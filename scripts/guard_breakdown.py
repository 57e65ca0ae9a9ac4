"""Which fast layer makes each error: a breakdown of ``guard_lowo.py --rows`` output.

Usage:
    .venv/bin/python scripts/guard_lowo.py ../shared/eval $W --workdir /tmp/lowo --rows rows.jsonl
    .venv/bin/python scripts/guard_breakdown.py rows.jsonl [more.jsonl ...] [--show N] [--tables]

For benign and hard-negative rows that were blocked: how many per language, and which layer
blocked them (an exact rule id, or ``classifier.<head>`` when only the n-gram heads fired; a row
blocked by several rules counts once for each). For attacks (injection, jailbreak, extraction)
that passed: how many per category and language, with the n-gram head's mean score. Dev data
only: ``--show`` prints the rows themselves. ``--tables`` prints instead the pooled per-writer,
per-task and per-category tables of the rows files given (e.g. two halves of the writers run in
parallel by ``guard_lowo.py --writer ...``), as ``guard_lowo.py`` prints them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_guardrails import Scored, category_table, print_tables, task_table

ATTACKS = ("injection", "jailbreak", "prompt_extraction")
BENIGN = ("benign", "benign_hard_negative")


def layers(row: dict[str, object]) -> list[str]:
    """The rule ids that blocked a row; the classifier heads only when no exact rule did."""
    ids = [str(r) for r in row["rules"]]  # type: ignore[attr-defined]
    exact = [r for r in ids if not r.startswith("classifier.")]
    return sorted(set(exact)) or sorted(set(ids)) or ["?"]


def tables(rows: list[dict[str, object]]) -> None:
    """Per-writer summary (as ``guard_lowo.py`` prints it), then the pooled tables."""
    from guard_lowo import COLUMNS, summary  # lazily: it imports the trainer (sklearn)

    scored: dict[str, list[Scored]] = defaultdict(list)
    for r in rows:
        fields = {k: v for k, v in r.items() if k != "writer"}
        scored[str(r["writer"])].append(Scored(**{**fields, "rules": tuple(fields["rules"])}))  # type: ignore[arg-type]
    print(f"{'left out':10}" + "".join(f"{c:>19}" for c in COLUMNS))
    for writer, members in scored.items():
        cells = summary(members).values()
        print(f"{writer:10}" + "".join(f"{'-' if v is None else f'{v:.3f}':>19}" for v in cells))
    pooled = [s for members in scored.values() for s in members]
    print_tables("pooled over the writers", task_table(pooled), category_table(pooled))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=Path, nargs="+")
    parser.add_argument("--show", type=int, default=0, help="print up to N rows per cell")
    parser.add_argument("--tables", action="store_true", help="pooled tables instead")
    args = parser.parse_args()
    rows = [
        json.loads(line)
        for path in args.rows
        for line in path.read_text("utf-8").splitlines()
        if line
    ]
    if args.tables:
        tables(rows)
        return 0
    print("== benign rows blocked, by language and layer (count; writers)")
    for lang in sorted({r["lang"] for r in rows}):
        for cat in BENIGN:
            sel = [r for r in rows if r["lang"] == lang and r["category"] == cat]
            fp = [r for r in sel if r["flagged"]]
            if not sel:
                continue
            print(f"{lang} {cat}: {len(fp)} / {len(sel)} ({len(fp) / len(sel):.1%})")
            by: dict[str, list[dict[str, object]]] = defaultdict(list)
            for r in fp:
                for layer in layers(r):
                    by[layer].append(r)
            for layer, members in sorted(by.items(), key=lambda kv: -len(kv[1])):
                writers = Counter(str(m["writer"]) for m in members)
                print(f"   {len(members):4}  {layer:45} {dict(writers)}")
                for m in members[: args.show]:
                    print(f"          [{m['writer']}] {str(m['text'])[:160]!r}")
    print("\n== attacks missed, by category and language (n-gram attack/extraction mean score)")
    for lang in sorted({r["lang"] for r in rows}):
        for cat in ATTACKS:
            sel = [r for r in rows if r["lang"] == lang and r["category"] == cat]
            miss = [r for r in sel if not r["flagged"]]
            if not sel:
                continue
            score = [
                max(r["scores"].get("injection", 0), r["scores"].get("prompt_extraction", 0))
                for r in miss
            ]
            mean = sum(score) / len(score) if score else 0.0
            writers = Counter(str(m["writer"]) for m in miss)
            print(
                f"{lang} {cat:18} missed {len(miss):3} / {len(sel):3}  score {mean:.2f} "
                f"{dict(writers)}"
            )
            for m in miss[: args.show]:
                print(f"          [{m['writer']}] {str(m['text'])[:160]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
