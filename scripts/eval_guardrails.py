"""Measure the input guardrail on labelled JSONL prompt sets: P/R/F1/FPR, AUC, latency.

Usage:
    .venv/bin/python scripts/eval_guardrails.py --dataset PATH [--dataset PATH ...]
        [--rules-only] [--harm-stage [--no-attack-stage] [--attack-artefacts DIR]]
        [--split all|tune|holdout] [--errors N] [--json] [--rows-out FILE]

Each line holds ``text``, ``label`` (1 = should be flagged), ``category`` (injection, jailbreak,
prompt_extraction, harmful_request, benign, benign_hard_negative) and ``lang``. A row is
*flagged* when the engine's default policy blocks it (exact rules, then the classifier; with
``--harm-stage`` also the agent path's e5 stages: the harmful-request stage and the attack
stage (injection/jailbreak and extraction heads on the same embedding; on by default since
session 11, as in the gateway; ``--no-attack-stage`` drops it, as a policy with
``attack_stage: false`` does), whose probabilities then stand in for a task's score when
higher).

Printed per dataset and for all datasets together:

* one table per task and language: *attacks* (injection + jailbreak + prompt extraction against
  benign rows) and *harmful* (harmful requests against benign rows), with precision, recall, F1,
  FPR and AUC (of the task's score: 1.0 when blocked, else the classifier's probability);
* one table per category and language: rows, flag rate (recall for attack categories, FPR for
  benign ones) and AUC of the category's score against the benign rows of that language;
* latency per prompt of ``check_input`` (p50, p99, max), wall clock and this thread's CPU time
  (on a loaded machine the wall clock is mostly scheduling delay).

``--errors N`` prints misclassified rows: use it on development data only, never on a held-out
set (reading its errors is tuning on it). ``--rows-out FILE`` writes every row's verdict (file,
category, language, label, flagged, text) to compare two trees row by row: on a held-out set,
count and compare its rows, do not read them, until the set is scored and becomes dev data.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine
from llm_gateway.guardrails.attack_stage import AttackStage, load_attack_heads
from llm_gateway.guardrails.classifier import ClassifierRule, load_model
from llm_gateway.guardrails.harm_stage import HarmStage, load_head

ATTACKS = ("injection", "jailbreak", "prompt_extraction")
BENIGN = ("benign", "benign_hard_negative")
# The classifier score that ranks a category's rows against benign ones.
SCORE_OF = {
    "injection": "injection",
    "jailbreak": "injection",
    "prompt_extraction": "prompt_extraction",
    "harmful_request": "harmful_request",
}


@dataclass(frozen=True, slots=True)
class Scored:
    category: str
    lang: str
    label: int
    flagged: bool
    scores: dict[str, float]
    text: str
    rules: tuple[str, ...]

    def score(self, task: str) -> float:
        """The row's score for ``task``: 1.0 when blocked, else the classifier's probability."""
        return 1.0 if self.flagged else self._raw(task)

    def _raw(self, task: str) -> float:
        if task == "attacks":
            keys = ("injection", "prompt_extraction", "injection_e5", "prompt_extraction_e5")
            return max(self.scores.get(k, 0.0) for k in keys)
        if task == "harmful_request":
            return max(self.scores.get(task, 0.0), self.scores.get("harmful_request_e5", 0.0))
        return self.scores.get(task, 0.0)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, label: int, flagged: bool) -> None:
        if label:
            self.tp += flagged
            self.fn += not flagged
        else:
            self.fp += flagged
            self.tn += not flagged

    def metrics(self) -> dict[str, float | int | None]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 3) if b else None

        p, r = ratio(self.tp, self.tp + self.fp), ratio(self.tp, self.tp + self.fn)
        f1 = round(2 * p * r / (p + r), 3) if p and r else None
        n = self.tp + self.fp + self.fn + self.tn
        fpr = ratio(self.fp, self.fp + self.tn)
        return {"n": n, "precision": p, "recall": r, "f1": f1, "fpr": fpr}


def auc(positives: list[float], negatives: list[float]) -> float | None:
    """Probability that a random positive outscores a random negative (ties count half)."""
    if not positives or not negatives:
        return None
    ranked = sorted([(s, 1) for s in positives] + [(s, 0) for s in negatives])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + j + 1) / 2  # 1-based average rank of the tie block
        rank_sum += mean_rank * sum(1 for k in range(i, j) if ranked[k][1])
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return round((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg), 3)


def in_split(text: str, split: str) -> bool:
    if split == "all":
        return True
    half = hashlib.sha256(text.encode()).digest()[0] % 2
    return half == (0 if split == "tune" else 1)


def score_file(
    engine: GuardrailEngine,
    path: Path,
    split: str,
    latencies: list[float],
    cpu_times: list[float],
    second_stage: bool = False,
) -> list[Scored]:
    rows: list[Scored] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        data = json.loads(line)
        text = data["text"]
        if not in_split(text, split):
            continue
        started, cpu = time.perf_counter(), time.thread_time()
        verdict = engine.check_input(text, second_stage=second_stage)
        latencies.append(time.perf_counter() - started)
        cpu_times.append(time.thread_time() - cpu)
        flagged = verdict.action == "block"
        rows.append(
            Scored(
                category=data.get("category", "?"),
                lang=data.get("lang", "?"),
                label=int(data["label"]),
                flagged=flagged,
                scores=dict(verdict.scores),
                text=text,
                rules=verdict.rule_ids if flagged else (),
            )
        )
    return rows


def task_table(rows: list[Scored]) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    langs = [*sorted({r.lang for r in rows}), "all"]
    for task, members in (("attacks", ATTACKS), ("harmful", ("harmful_request",))):
        for lang in langs:
            sel = [r for r in rows if lang in ("all", r.lang)]
            pos = [r for r in sel if r.category in members]
            neg = [r for r in sel if r.category in BENIGN]
            if not pos:  # FPR alone is in the category table
                continue
            counts = Counts()
            for r in pos:
                counts.add(1, r.flagged)
            for r in neg:
                counts.add(0, r.flagged)
            task_key = "attacks" if task == "attacks" else "harmful_request"
            cell: dict[str, object] = dict(counts.metrics())
            cell["auc"] = auc([r.score(task_key) for r in pos], [r.score(task_key) for r in neg])
            out[f"{task}/{lang}"] = cell
    return out


def category_table(rows: list[Scored]) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    groups: dict[tuple[str, str], list[Scored]] = defaultdict(list)
    for r in rows:
        groups[(r.category, r.lang)].append(r)
        groups[(r.category, "all")].append(r)
    for (category, lang), members in sorted(groups.items()):
        rate = round(sum(r.flagged for r in members) / len(members), 3)
        cell: dict[str, object] = {"n": len(members), "flag_rate": rate}
        key = SCORE_OF.get(category)
        if key is not None:
            neg = [r.score(key) for r in rows if r.category in BENIGN and lang in ("all", r.lang)]
            cell["auc"] = auc([r.score(key) for r in members], neg)
        out[f"{category}/{lang}"] = cell
    return out


def latency(values: list[float]) -> dict[str, float]:
    ms = sorted(v * 1000 for v in values)
    if not ms:
        return {}
    pick = lambda q: round(ms[min(len(ms) - 1, int(len(ms) * q))], 3)  # noqa: E731
    return {
        "prompts": len(ms),
        "p50_ms": pick(0.5),
        "p99_ms": pick(0.99),
        "max_ms": round(ms[-1], 3),
    }


def fmt(value: object) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def print_tables(
    title: str, tasks: dict[str, dict[str, object]], cats: dict[str, dict[str, object]]
) -> None:
    print(f"\n== {title}")
    cols = ("n", "precision", "recall", "f1", "fpr", "auc")
    print(f"{'task/lang':28}" + "".join(f"{c:>10}" for c in cols))
    for key, cell in tasks.items():
        print(f"{key:28}" + "".join(f"{fmt(cell.get(c)):>10}" for c in cols))
    print(f"{'category/lang':28}{'n':>10}{'flagged':>10}{'auc':>10}")
    for key, cell in cats.items():
        print(f"{key:28}{fmt(cell['n']):>10}{fmt(cell['flag_rate']):>10}{fmt(cell.get('auc')):>10}")


@dataclass
class Run:
    files: dict[str, object] = field(default_factory=dict)
    rows: list[Scored] = field(default_factory=list)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", action="append", required=True, type=Path)
    parser.add_argument("--split", choices=("all", "tune", "holdout"), default="all")
    parser.add_argument("--rules-only", action="store_true", help="exact rules, no classifier")
    parser.add_argument("--harm-stage", action="store_true", help="add the agent path's e5 stages")
    parser.add_argument("--errors", type=int, default=0, help="N misclassified rows (dev only)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--classifier-artefact", type=Path, help="a dev build instead of the shipped"
    )
    parser.add_argument("--harm-artefact", type=Path, help="a dev e5 head instead of the shipped")
    parser.add_argument(
        "--attack-stage",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the e5 attack stage with --harm-stage (on by default, as in the gateway)",
    )
    parser.add_argument("--attack-artefacts", type=Path, help="a dir of dev e5 attack heads")
    parser.add_argument("--rows-out", type=Path, help="each row's verdict, one JSON a line")
    args = parser.parse_args()

    policy = GuardrailPolicy(classifier=not args.rules_only)
    settings = GuardrailSettings(default_policy=policy, attack_stage=args.attack_stage)
    engine = GuardrailEngine(settings)
    if args.attack_artefacts is not None:
        engine.attack_stage = AttackStage(load_attack_heads(args.attack_artefacts))
    if args.classifier_artefact is not None:  # a leave-one-set-out build, for dev figures
        engine.use_classifier(ClassifierRule(load_model(args.classifier_artefact), {}))
    if args.harm_artefact is not None:
        engine.harm_stage = HarmStage(head=load_head(args.harm_artefact))
    # The first call pays for lazy imports and loading, not the prompt.
    engine.check_input("warm-up", second_stage=args.harm_stage)
    run = Run()
    origins: list[str] = []  # each row's file, for --rows-out
    latencies: list[float] = []
    cpu_times: list[float] = []  # this thread's CPU time: what a loaded machine's wall clock hides
    for path in args.dataset:
        rows = score_file(engine, path, args.split, latencies, cpu_times, args.harm_stage)
        run.rows += rows
        origins += [path.name] * len(rows)
        tasks, cats = task_table(rows), category_table(rows)
        run.files[path.name] = {"tasks": tasks, "categories": cats}
        if not args.json:
            print_tables(f"{path.name} (split {args.split})", tasks, cats)
        errors = [r for r in rows if r.flagged != bool(r.label)][: args.errors]
        for r in errors:
            kind = "FN" if r.label else "FP"
            print(f"    {kind} [{r.category}/{r.lang}] {r.rules} {r.text[:150]!r}")
    if args.rows_out is not None:  # per-row verdicts: two trees compared row by row
        keys = ("category", "lang", "label", "flagged", "text")
        lines = [
            json.dumps({"file": name, **{k: getattr(r, k) for k in keys}}, ensure_ascii=False)
            for name, r in zip(origins, run.rows, strict=True)
        ]
        args.rows_out.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    summary = {"tasks": task_table(run.rows), "categories": category_table(run.rows)}
    lat = {"wall": latency(latencies), "cpu": latency(cpu_times)}
    if args.json:
        json.dump({"files": run.files, "all": summary, "latency": lat}, sys.stdout, indent=1)
        print()
        return 0
    if len(args.dataset) > 1:
        print_tables("all files", summary["tasks"], summary["categories"])
    print(f"\ncheck_input latency per prompt (wall clock): {lat['wall']}")
    print(f"check_input CPU time per prompt (thread): {lat['cpu']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
