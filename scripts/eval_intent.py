"""Evaluate the intent analyzer on any labelled prompt set, one table per language.

Usage:
    .venv/bin/python scripts/eval_intent.py [--dataset eval/intent/prompts.jsonl] [--json]
        [--errors N] [--llm-base-url http://127.0.0.1:8000/v1 --model small-alias [--api-key K]]
        [--fake-upstream]

Rows are JSON lines with ``text``, ``label`` and ``lang`` (``complexity`` optional). Reported per
language, and for all rows:

- **fast pass**: rules, the n-gram classifier, and the e5 second opinion below the threshold: the
  best guess on every prompt, which is what the gateway answers when the intent LLM is down,
  absent, or answers something unusable; **rules + n-grams only** for comparison;
- **decided without the LLM**: the share at or above the threshold, and its accuracy;
- **oracle LLM (upper bound)**: as if the intent LLM were always right on the uncertain middle
  (below the threshold). No model was called: it bounds what the LLM stage can add;
- with ``--llm-base-url``, the real pipeline against an OpenAI-compatible endpoint; with
  ``--fake-upstream``, against the bundled fake upstream (its JSON answers are not intents, so
  every uncertain prompt takes the fallback path: the pipeline's code, not an LLM's skill).

Each table also gives the source mix (rules / classifier / llm / fallback).

``--errors`` prints misclassified prompts for development sets; it refuses files whose name
says ``heldout``, which are scored in aggregate only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp

from llm_gateway.agent.intent import IntentAnalyzer, IntentLLM, IntentResult
from llm_gateway.core.config import GuardrailSettings
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.guardrails import GuardrailEngine

DEFAULT_DATASET = Path(__file__).resolve().parents[1] / "eval" / "intent" / "prompts.jsonl"
LABELS = (
    "general",
    "tool:calculator",
    "tool:current_time",
    "tool:web_search",
    "tool:code_executor",
    "dangerous",
)
SHORT = {label: label.removeprefix("tool:")[:8] for label in LABELS}


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


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


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 3) if total else None


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def score(
    rows: list[dict[str, Any]], results: list[IntentResult], threshold: float
) -> dict[str, Any]:
    """Accuracy, per-label P/R/F1, confusion, LLM-free share, oracle bound, safety figures."""
    gold = [r["label"] for r in rows]
    pred = [res.label for res in results]
    sure = [
        res.source in ("rules", "classifier") and res.confidence >= threshold for res in results
    ]
    n = len(rows)
    per_label: dict[str, dict[str, float | int | None]] = {}
    for label in LABELS:
        tp = sum(g == p == label for g, p in zip(gold, pred, strict=True))
        predicted = sum(p == label for p in pred)
        support = sum(g == label for g in gold)
        precision, recall = _ratio(tp, predicted), _ratio(tp, support)
        f1 = (
            round(2 * precision * recall / (precision + recall), 3)
            if precision and recall
            else None
        )
        per_label[label] = {"p": precision, "r": recall, "f1": f1, "n": support}
    decided = [(g, p) for g, p, s in zip(gold, pred, sure, strict=True) if s]
    dangerous = [p for g, p in zip(gold, pred, strict=True) if g == "dangerous"]
    oracle = sum(g == p or not s for g, p, s in zip(gold, pred, sure, strict=True))
    return {
        "n": n,
        "accuracy": _ratio(sum(g == p for g, p in zip(gold, pred, strict=True)), n),
        "decided_without_llm": len(decided),
        "decided_share": _ratio(len(decided), n),
        "accuracy_decided": _ratio(sum(g == p for g, p in decided), len(decided)),
        "oracle_llm_accuracy": _ratio(oracle, n),
        "dangerous_recall": _ratio(dangerous.count("dangerous"), len(dangerous)),
        "sources": dict(sorted(Counter(res.source for res in results).items())),
        "dangerous_to_tool": sum(p.startswith("tool:") for p in dangerous),
        "per_label": per_label,
        "confusion": {
            g: dict(Counter(p for gg, p in zip(gold, pred, strict=True) if gg == g)) for g in LABELS
        },
        "complexity_accuracy": _ratio(
            sum(
                r.get("complexity") == res.complexity for r, res in zip(rows, results, strict=True)
            ),
            sum("complexity" in r for r in rows),
        ),
        "language_accuracy": _ratio(
            sum(r.get("lang") == res.language for r, res in zip(rows, results, strict=True)), n
        ),
    }


def print_table(title: str, data: dict[str, Any]) -> None:
    print(f"\n== {title}: n={data['n']}")
    print(
        f"accuracy {data['accuracy']}   dangerous recall {data['dangerous_recall']}   "
        f"dangerous routed to a tool {data['dangerous_to_tool']}"
    )
    print(
        f"decided without LLM {data['decided_without_llm']}/{data['n']} "
        f"({data['decided_share']}), accuracy there {data['accuracy_decided']}   "
        f"oracle-LLM upper bound {data['oracle_llm_accuracy']}"
    )
    print(
        f"complexity accuracy {data['complexity_accuracy']}   "
        f"language accuracy {data['language_accuracy']}   sources {data['sources']}"
    )
    print(f"{'label':12}{'P':>7}{'R':>7}{'F1':>7}{'n':>5}")
    for label, m in data["per_label"].items():
        cells = "".join(f"{'-' if m[k] is None else m[k]:>7}" for k in ("p", "r", "f1"))
        print(f"{SHORT[label]:12}{cells}{m['n']:>5}")
    print(f"{'gold / predicted':18}" + "".join(f"{SHORT[k]:>10}" for k in LABELS))
    for g in LABELS:
        row = data["confusion"].get(g, {})
        print(f"{SHORT[g]:18}" + "".join(f"{row.get(k, 0):>10}" for k in LABELS))


def by_language(
    rows: list[dict[str, Any]], results: list[IntentResult], threshold: float
) -> dict[str, dict[str, Any]]:
    out = {"all": score(rows, results, threshold)}
    for lang in sorted({r["lang"] for r in rows}):
        keep = [i for i, r in enumerate(rows) if r["lang"] == lang]
        out[lang] = score([rows[i] for i in keep], [results[i] for i in keep], threshold)
    return out


def timed(analyzer: IntentAnalyzer, messages: list[list[dict[str, str]]]) -> tuple[Any, Any]:
    """Every prompt's best guess without the LLM, and latency percentiles (µs) over them."""
    for m in messages[:20]:  # warm up caches (and load the embedder) before timing
        analyzer.guess(m)
    timings: list[float] = []
    guesses: list[IntentResult] = []
    for m in messages:
        t0 = time.perf_counter()
        guesses.append(analyzer.guess(m))
        timings.append((time.perf_counter() - t0) * 1e6)
    latency = {
        "mean": round(statistics.fmean(timings), 1),
        "p50": _percentile(timings, 0.5),
        "p90": _percentile(timings, 0.9),
        "p99": _percentile(timings, 0.99),
        "max": round(max(timings), 1),
    }
    return guesses, latency


async def pipeline(
    args: argparse.Namespace, analyzer: IntentAnalyzer, messages: list[list[dict[str, str]]]
) -> list[IntentResult]:
    """``analyze`` with its LLM stage: the given endpoint, or the bundled fake upstream."""
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        base_url, model = args.llm_base_url, args.model
        if args.fake_upstream:
            fake = await stack.enter_async_context(FakeUpstream(seed=7))
            base_url, model = fake.base_url + "/v1", "demo"
        llm = make_llm(base_url, model, args.api_key, session)
        return [await analyzer.analyze(m, llm, args.timeout) for m in messages]


async def run(args: argparse.Namespace) -> int:
    if args.errors and "heldout" in args.dataset.name:
        print("--errors is refused on a held-out set: score it in aggregate only", file=sys.stderr)
        return 2
    rows = load(args.dataset)
    guardrails = GuardrailEngine(GuardrailSettings())
    analyzer = IntentAnalyzer(guardrails=guardrails)
    ngrams = IntentAnalyzer(guardrails=guardrails, embeddings=False)
    messages = [[{"role": "user", "content": r["text"]}] for r in rows]
    guesses, latency = timed(analyzer, messages)
    plain, plain_latency = timed(ngrams, messages)
    output: dict[str, Any] = {
        "dataset": str(args.dataset),
        "threshold": analyzer.confident_at,
        "fast_pass": by_language(rows, guesses, analyzer.confident_at),
        "latency_us": latency,
        "ngrams_only": by_language(rows, plain, analyzer.confident_at),
        "ngrams_only_latency_us": plain_latency,
    }
    if args.llm_base_url or args.fake_upstream:
        results = await pipeline(args, analyzer, messages)
        output["pipeline"] = by_language(rows, results, analyzer.confident_at)
    if args.json:
        json.dump(output, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    print(f"dataset {args.dataset}, threshold {analyzer.confident_at}")
    print("Fast pass = rules + n-gram classifier + e5 second opinion below the threshold: the best")
    print("guess everywhere, no LLM. The oracle-LLM figure is an upper bound that counts every")
    print("prompt below the threshold as right; no LLM was called for it.")
    for lang, data in output["fast_pass"].items():
        print_table(f"fast pass, {lang}", data)
    print(f"\nfast pass latency per prompt (µs, guardrail check included): {latency}")
    for lang, data in output["ngrams_only"].items():
        print_table(f"rules + n-grams only (no e5), {lang}", data)
    print(f"\nrules + n-grams latency per prompt (µs): {plain_latency}")
    llm_name = "fake upstream" if args.fake_upstream else args.model
    for lang, data in output.get("pipeline", {}).items():
        print_table(f"full pipeline, LLM stage = {llm_name}, {lang}", data)
    shown = 0
    for row, guess in zip(rows, guesses, strict=True):
        if shown >= args.errors or guess.label == row["label"]:
            continue
        shown += 1
        print(
            f"  {row['label']:>18} → {guess.label:18} {guess.confidence:.2f} {row['text'][:90]!r}"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--errors", type=int, default=0, help="print N misclassified prompts")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--llm-base-url", help="OpenAI-compatible base URL, e.g. .../v1")
    parser.add_argument("--model", default="small", help="model alias for the intent call")
    parser.add_argument("--api-key")
    parser.add_argument(
        "--fake-upstream", action="store_true", help="the LLM stage against the bundled fake"
    )
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
