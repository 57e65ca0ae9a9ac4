"""Labelled sentence pairs (``{"a", "b", "label"}`` JSONL) and their cached embeddings.

Used by ``scripts/train_cache_verifier.py`` and ``scripts/eval_cache.py``. Embedding thousands
of texts takes minutes on two cores, so vectors are kept in an ``.npz`` next to nothing but a
hash of the texts: the same file, sample and model always give the same vectors.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

from llm_gateway.cache.semantic.embed import Embedder, Vectors


@dataclass(frozen=True, slots=True)
class Pair:
    a: str
    b: str
    label: int
    lang: str
    source: str


def load_pairs(path: Path, *, limit: int | None = None, seed: int = 13) -> list[Pair]:
    """The file's pairs; with ``limit``, a label-stratified random sample of that size."""
    pairs: list[Pair] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = orjson.loads(line)
        a, b = str(row["a"]), str(row["b"])
        lang = row.get("lang") or ("ko" if any("\uac00" <= ch <= "\ud7a3" for ch in a) else "en")
        pairs.append(Pair(a, b, int(row["label"]), str(lang), str(row.get("source") or path.stem)))
    if limit is None or limit >= len(pairs):
        return pairs
    rng = random.Random(seed)
    positives = [p for p in pairs if p.label == 1]
    negatives = [p for p in pairs if p.label == 0]
    share = round(limit * len(positives) / len(pairs))
    sample = rng.sample(positives, min(share, len(positives)))
    sample += rng.sample(negatives, min(limit - len(sample), len(negatives)))
    rng.shuffle(sample)
    return sample


def embed_pairs(
    pairs: list[Pair], embedder: Embedder, cache_dir: Path | None, *, batch: int = 32
) -> tuple[Vectors, Vectors]:
    """Vectors of every ``a`` and every ``b``, read from / written to ``cache_dir``."""
    texts = [p.a for p in pairs] + [p.b for p in pairs]
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:24]
    path = None if cache_dir is None else cache_dir / f"emb-{digest}.npz"
    if path is not None and path.exists():
        vectors = np.load(path)["v"]
    else:
        parts = [embedder.embed(texts[i : i + batch]) for i in range(0, len(texts), batch)]
        vectors = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), np.float32)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(path, v=vectors)
    n = len(pairs)
    return vectors[:n], vectors[n:]
