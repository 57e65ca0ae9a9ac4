"""Evaluate the intent analyzer on a labelled prompt set (accuracy, per-class recall, coverage).

Usage:
    .venv/bin/python scripts/eval_intent.py [--dataset eval/intent/prompts.jsonl]
        [--split all|tune|holdout] [--errors N] [--json]
        [--llm-base-url http://127.0.0.1:8000/v1 --model small-alias [--api-key KEY]]

Without ``--llm-base-url`` only the local fast pass runs: it reports the share it decides alone
(confidence at or above the threshold) and its accuracy there, and the accuracy of its best
guess on every prompt (what the gateway answers when the intent LLM is down). With an
OpenAI-compatible endpoint, prompts the fast pass is unsure of go to the model, as in production.
The holdout split (``sha256(id)`` first byte mod 10 < 3) was not looked at while tuning rules.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import aiohttp

from llm_gateway.agent.intent import IntentAnalyzer, IntentLLM, IntentResult
from llm_gateway.core.config import GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine

DEFAULT_DATASET = Path(__file__).resolve().parents[1] / "eval" / "intent" / "prompts.jsonl"
LABELS = (
    "general",
    "tool:calculator",
    "tool:web_search",
    "tool:code_executor",
    "tool:current_time",
    "dangerous",
)
SHORT = {label: label.removeprefix("tool:")[:8] for label in LABELS}


def in_split(row_id: str, split: str) -> bool:
    holdout = hashlib.sha256(row_id.encode()).digest()[0] % 10 < 3
    return split == "all" or (split == "holdout") == holdout


def load(path: Path, split: str) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [r for r in rows if in_split(r["id"], split)]


def make_llm(
    base_url: str, model: str, api_key: str | None, session: aiohttp.ClientSession
) -> IntentLLM:
    url = base_url.rstrip("/") + "/chat/completions"
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    async def call(request: dict[str, Any]) -> dict[str, Any]:
        async with session.post(url, json={**request, "model": model}, headers=headers) as resp:
            resp.raise_for_status()
            body: dict[str, Any] = await resp.json()
            return body

    return call


_TOKEN = re.compile(r"[a-z]+|[가-힣]+|\d+|[^\sa-z가-힣\d]")


def _features(text: str) -> set[str]:
    folded = text.casefold()
    tokens = _TOKEN.findall(folded)
    found = {"w:" + t for t in tokens}
    for token in tokens:  # Hangul bigrams stand in for a morphological analyzer
        if "가" <= token[0] <= "힣":
            found.update("c:" + token[i : i + 2] for i in range(len(token) - 1))
    found.add("digit" if any(ch.isdigit() for ch in folded) else "nodigit")
    found.add("code" if "`" in folded else "nocode")
    return found


def nb_experiment(path: Path, analyzer: IntentAnalyzer) -> dict[str, Any]:
    """Would a tiny offline classifier help? Bernoulli-ish naive Bayes, trained on ``tune``,
    consulted only where the rules are unsure, measured on ``holdout``."""
    train, test = load(path, "tune"), load(path, "holdout")
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    prior: Counter[str] = Counter()
    for row in train:
        prior[row["label"]] += 1
        counts[row["label"]].update(_features(row["text"]))
    vocab = set().union(*counts.values())
    totals = {label: sum(c.values()) for label, c in counts.items()}

    def predict(text: str) -> tuple[str, float]:
        seen = _features(text) & vocab
        scores = {
            label: math.log(prior[label] / len(train))
            + sum(math.log((c[f] + 0.5) / (totals[label] + 0.5 * len(vocab))) for f in seen)
            for label, c in counts.items()
        }
        top = max(scores.values())
        norm = sum(math.exp(v - top) for v in scores.values())
        return max(scores, key=scores.__getitem__), 1 / norm

    alone = accuracy([(r["label"], predict(r["text"])[0]) for r in test])
    combined: list[tuple[str, str]] = []
    covered: list[tuple[str, str]] = []
    for row in test:
        guess = analyzer.guess([{"role": "user", "content": row["text"]}])
        label, confident = guess.label, guess.confidence >= analyzer.confident_at
        if not confident:
            predicted, probability = predict(row["text"])
            if probability >= 0.9 and predicted != "dangerous":
                label, confident = predicted, True
        combined.append((row["label"], label))
        if confident:
            covered.append((row["label"], label))
    return {
        "nb_alone_accuracy": alone,
        "rules_plus_nb_accuracy": accuracy(combined),
        "rules_plus_nb_decided_without_llm": round(len(covered) / len(test), 3),
        "rules_plus_nb_accuracy_there": accuracy(covered),
    }


def accuracy(pairs: list[tuple[str, str]]) -> float | None:
    return round(sum(g == p for g, p in pairs) / len(pairs), 3) if pairs else None


def report(
    rows: list[dict[str, Any]], results: list[IntentResult], threshold: float
) -> dict[str, Any]:
    pairs = [(r["label"], res.label) for r, res in zip(rows, results, strict=True)]
    covered = [
        (r["label"], res.label)
        for r, res in zip(rows, results, strict=True)
        if res.source in ("rules", "classifier") and res.confidence >= threshold
    ]
    rest = [
        (r["label"], res.label)
        for r, res in zip(rows, results, strict=True)
        if not (res.source in ("rules", "classifier") and res.confidence >= threshold)
    ]
    recall: dict[str, float | None] = {}
    for label in LABELS:
        mine = [(g, p) for g, p in pairs if g == label]
        recall[label] = accuracy(mine)
    by_lang: dict[str, float | None] = {}
    for lang in sorted({r["lang"] for r in rows}):
        by_lang[lang] = accuracy(
            [
                (r["label"], res.label)
                for r, res in zip(rows, results, strict=True)
                if r["lang"] == lang
            ]
        )
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for gold, pred in pairs:
        confusion[gold][pred] += 1
    complexity = accuracy(
        [(r["complexity"], res.complexity) for r, res in zip(rows, results, strict=True)]
    )
    # Complexity only routes answered requests: a refused one never reaches a model.
    routed = accuracy(
        [
            (r["complexity"], res.complexity)
            for r, res in zip(rows, results, strict=True)
            if r["label"] != "dangerous"
        ]
    )
    language = accuracy([(r["lang"], res.language) for r, res in zip(rows, results, strict=True)])
    return {
        "n": len(rows),
        "accuracy": accuracy(pairs),
        "decided_without_llm": round(len(covered) / len(rows), 3) if rows else None,
        "accuracy_on_decided_without_llm": accuracy(covered),
        "accuracy_on_the_rest": accuracy(rest),
        "recall": recall,
        "accuracy_by_language": by_lang,
        "complexity_accuracy": complexity,
        "complexity_accuracy_routed": routed,
        "language_accuracy": language,
        "sources": dict(Counter(res.source for res in results)),
        "confusion": {g: dict(c) for g, c in confusion.items()},
    }


def print_report(title: str, data: dict[str, Any]) -> None:
    print(f"\n== {title}: n={data['n']}")
    print(f"accuracy {data['accuracy']}   by language {data['accuracy_by_language']}")
    print(
        f"decided without LLM {data['decided_without_llm']} "
        f"(accuracy there {data['accuracy_on_decided_without_llm']}, on the rest "
        f"{data['accuracy_on_the_rest']})   sources {data['sources']}"
    )
    print(
        f"complexity accuracy {data['complexity_accuracy']} "
        f"(non-dangerous {data['complexity_accuracy_routed']})   "
        f"language {data['language_accuracy']}"
    )
    print("recall " + "  ".join(f"{SHORT[k]} {v}" for k, v in data["recall"].items()))
    print(f"{'gold / predicted':18}" + "".join(f"{SHORT[k]:>10}" for k in LABELS))
    for gold in LABELS:
        row = data["confusion"].get(gold, {})
        print(f"{SHORT[gold]:18}" + "".join(f"{row.get(k, 0):>10}" for k in LABELS))


async def run(args: argparse.Namespace) -> int:
    rows = load(args.dataset, args.split)
    analyzer = IntentAnalyzer(guardrails=GuardrailEngine(GuardrailSettings()))
    messages = [[{"role": "user", "content": r["text"]}] for r in rows]
    started = time.perf_counter()
    timings: list[float] = []
    guesses = []
    for m in messages:
        t0 = time.perf_counter()
        guesses.append(analyzer.guess(m))
        timings.append((time.perf_counter() - t0) * 1e6)
    output: dict[str, Any] = {"fast_pass": report(rows, guesses, analyzer.confident_at)}
    output["fast_pass"]["latency_us"] = {
        "mean": round(statistics.fmean(timings), 1),
        "p50": round(statistics.median(timings), 1),
        "max": round(max(timings), 1),
    }
    if args.nb_experiment:
        output["naive_bayes_experiment"] = nb_experiment(args.dataset, analyzer)
    if args.llm_base_url:
        async with aiohttp.ClientSession() as session:
            llm = make_llm(args.llm_base_url, args.model, args.api_key, session)
            results = [await analyzer.analyze(m, llm, args.timeout) for m in messages]
        output["with_llm"] = report(rows, results, analyzer.confident_at)
    if args.json:
        json.dump(output, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    print(f"dataset {args.dataset.name}, split {args.split}, threshold {analyzer.confident_at}")
    print_report("fast pass alone (best guess everywhere)", output["fast_pass"])
    print(f"fast pass latency (µs): {output['fast_pass']['latency_us']}")
    if "naive_bayes_experiment" in output:
        print(f"naive Bayes experiment (holdout): {output['naive_bayes_experiment']}")
    if "with_llm" in output:
        print_report(f"fast pass + LLM ({args.model})", output["with_llm"])
    shown = 0
    for row, guess in zip(rows, guesses, strict=True):
        if shown >= args.errors or guess.label == row["label"]:
            continue
        shown += 1
        print(
            f"  {row['label']:>18} → {guess.label:18} {guess.confidence:.2f} {row['text'][:90]!r}"
        )
    print(f"({time.perf_counter() - started:.1f}s)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--split", choices=("all", "tune", "holdout"), default="all")
    parser.add_argument("--errors", type=int, default=0, help="print N misclassified prompts")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--nb-experiment",
        action="store_true",
        help="train a naive Bayes model on the tune split and report it on the holdout",
    )
    parser.add_argument("--llm-base-url", help="OpenAI-compatible base URL, e.g. .../v1")
    parser.add_argument("--model", default="small", help="model alias for the intent call")
    parser.add_argument("--api-key")
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
