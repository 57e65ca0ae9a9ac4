"""Measure the input guardrail on labelled JSONL prompt sets (precision, recall, F1, FPR, latency).

Usage:
    .venv/bin/python scripts/eval_guardrails.py \
        --dataset ../shared/eval/injection/deepset_prompt_injections.jsonl [--dataset ...] \
        [--split all|tune|holdout] [--errors N] [--json]

Each line holds ``text``, ``label`` (1 = should be flagged) and ``category``. The rules target
injection, jailbreak and prompt extraction: ``harmful_request`` positives (a harmful question
asked plainly) are out of scope for patterns and are reported separately, so the headline
"in-scope" figures leave them out. ``--split`` halves every file by a hash of the text: tune the
rules looking at ``tune`` only and report ``holdout`` as the honest figure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from llm_gateway.core.config import GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine

OUT_OF_SCOPE = {"harmful_request"}


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, label: int, flagged: bool) -> None:
        if label and flagged:
            self.tp += 1
        elif label:
            self.fn += 1
        elif flagged:
            self.fp += 1
        else:
            self.tn += 1

    def metrics(self) -> dict[str, float | int | None]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 3) if b else None

        precision = ratio(self.tp, self.tp + self.fp)
        recall = ratio(self.tp, self.tp + self.fn)
        f1 = (
            round(2 * precision * recall / (precision + recall), 3)
            if precision and recall
            else None
        )
        return {
            "n": self.tp + self.fp + self.fn + self.tn,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "fpr": ratio(self.fp, self.fp + self.tn),
        }


@dataclass
class Report:
    in_scope: Counts = field(default_factory=Counts)
    with_harmful: Counts = field(default_factory=Counts)
    by_category: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    errors: list[tuple[int, str, str, tuple[str, ...]]] = field(default_factory=list)


def in_split(text: str, split: str) -> bool:
    if split == "all":
        return True
    half = hashlib.sha256(text.encode()).digest()[0] % 2
    return half == (0 if split == "tune" else 1)


def evaluate(
    engine: GuardrailEngine, path: Path, split: str, latencies: dict[str, list[float]]
) -> Report:
    report = Report()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            text, label, category = row["text"], int(row["label"]), row.get("category", "?")
            if not in_split(text, split):
                continue
            started = time.perf_counter()
            verdict = engine.check_input(text)
            latencies["check_input"].append(time.perf_counter() - started)
            # The same text run through the output rules: their cost on ordinary prose.
            started = time.perf_counter()
            engine.check_output(text)
            latencies["check_output"].append(time.perf_counter() - started)
            flagged = verdict.action == "block"
            report.with_harmful.add(label, flagged)
            report.by_category[category].add(label, flagged)
            if category not in OUT_OF_SCOPE:
                report.in_scope.add(label, flagged)
            if flagged != bool(label):
                report.errors.append((label, category, text, verdict.rule_ids))
    return report


def fmt(value: float | int | None) -> str:
    return "  -  " if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def print_report(name: str, report: Report, errors: int) -> None:
    print(f"\n== {name}")
    header = f"{'':24}{'n':>6}{'prec':>8}{'recall':>8}{'f1':>8}{'fpr':>8}"
    print(header)
    for title, counts in (("in scope", report.in_scope), ("incl. harmful", report.with_harmful)):
        m = counts.metrics()
        if title == "incl. harmful" and report.with_harmful.tp + report.with_harmful.fn == (
            report.in_scope.tp + report.in_scope.fn
        ):
            continue
        cells = "".join(f"{fmt(m[k]):>8}" for k in ("precision", "recall", "f1", "fpr"))
        print(f"{title:24}{m['n']:>6}{cells}")
    for category, counts in sorted(report.by_category.items()):
        m = counts.metrics()
        # One category is all positives or all negatives: recall or FPR is its figure.
        what = f"recall {fmt(m['recall'])}" if m["tp"] or m["fn"] else f"fpr {fmt(m['fpr'])}"
        scope = " (out of scope)" if category in OUT_OF_SCOPE else ""
        print(f"  {category:22}{m['n']:>6}  {what}{scope}")
    for label, category, text, rules in report.errors[:errors]:
        kind = "FN" if label else "FP"
        print(f"    {kind} [{category}] {rules} {text[:150]!r}")


def latency_summary(latencies: list[float]) -> dict[str, float]:
    micros = sorted(x * 1e6 for x in latencies)
    return {
        "checks": len(micros),
        "mean_us": round(statistics.fmean(micros), 1),
        "p50_us": round(micros[len(micros) // 2], 1),
        "p95_us": round(micros[int(len(micros) * 0.95)], 1),
        "max_us": round(micros[-1], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", action="append", required=True, type=Path)
    parser.add_argument("--split", choices=("all", "tune", "holdout"), default="all")
    parser.add_argument("--errors", type=int, default=0, help="print N misclassified rows")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()

    engine = GuardrailEngine(GuardrailSettings())
    results: dict[str, object] = {}
    latencies: dict[str, list[float]] = {"check_input": [], "check_output": []}
    total = Report()
    for path in args.dataset:
        report = evaluate(engine, path, args.split, latencies)
        for mine, theirs in (
            (total.in_scope, report.in_scope),
            (total.with_harmful, report.with_harmful),
        ):
            for attr in ("tp", "fp", "fn", "tn"):
                setattr(mine, attr, getattr(mine, attr) + getattr(theirs, attr))
        for category, counts in report.by_category.items():
            for attr in ("tp", "fp", "fn", "tn"):
                merged = total.by_category[category]
                setattr(merged, attr, getattr(merged, attr) + getattr(counts, attr))
        results[path.name] = {
            "in_scope": report.in_scope.metrics(),
            "including_harmful": report.with_harmful.metrics(),
            "by_category": {k: v.metrics() for k, v in sorted(report.by_category.items())},
        }
        if not args.json:
            print_report(f"{path.name} (split {args.split})", report, args.errors)
    lat = {name: latency_summary(values) for name, values in latencies.items()}
    if args.json:
        results["all"] = {
            "in_scope": total.in_scope.metrics(),
            "including_harmful": total.with_harmful.metrics(),
            "by_category": {k: v.metrics() for k, v in sorted(total.by_category.items())},
        }
        results["latency"] = lat
        json.dump(results, sys.stdout, indent=2)
        print()
    else:
        if len(args.dataset) > 1:
            print_report(f"all files (split {args.split})", total, 0)
        for name, summary in lat.items():
            print(f"{name} latency: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
