"""Labelled sentence pairs (``{"a", "b", "label"}`` JSONL) and their cached embeddings.

Used by ``scripts/train_cache_verifier.py`` and ``scripts/eval_cache.py``. Embedding thousands
of texts takes minutes on two cores, so vectors are kept in an ``.npz`` next to nothing but a
hash of the texts: the same file, sample and model always give the same vectors.
"""

from __future__ import annotations

import hashlib
import os
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


def load_pairs(
    path: Path, *, limit: int | None = None, seed: int = 13, splits: frozenset[str] | None = None
) -> list[Pair]:
    """The file's pairs (only ``splits`` if rows name one); ``limit``: a label-stratified sample."""
    pairs: list[Pair] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = orjson.loads(line)
        if splits is not None and row.get("split") not in (None, *splits):
            continue
        a, b = str(row["a"]), str(row["b"])
        lang = row.get("lang") or row.get("language") or _guess_lang(a)
        lang = str(lang).lower()[:2]  # "ko", "KO", "korean" → "ko"
        pairs.append(Pair(a, b, int(row["label"]), lang, str(row.get("source") or path.stem)))
    if limit is None or limit >= len(pairs):
        return pairs
    rng = random.Random(seed)
    positives = [p for p in pairs if p.label == 1]
    negatives = [p for p in pairs if p.label == 0]
    share = round(limit * len(positives) / len(pairs))
    rng.shuffle(positives)  # shuffle-then-take: a smaller limit gives a subset of a larger one
    rng.shuffle(negatives)
    sample = positives[:share]
    sample += negatives[: limit - len(sample)]
    rng.shuffle(sample)
    return sample


def _guess_lang(text: str) -> str:
    return "ko" if any("\uac00" <= ch <= "\ud7a3" for ch in text) else "en"


def load_pair_spec(spec: str, seed: int = 13) -> tuple[str, list[Pair]]:
    """``PATH[:SPLIT[:LIMIT]]`` (the scripts' dataset argument): its display name and pairs."""
    path, _, rest = spec.partition(":")
    split, _, limit = rest.partition(":")
    pairs = load_pairs(
        Path(path),
        limit=int(limit) if limit else None,
        seed=seed,
        splits=frozenset({split}) if split else None,
    )
    return Path(path).name + (f":{split}" if split else ""), pairs


def embed_texts(
    texts: list[str], embedder: Embedder, cache_dir: Path | None, *, batch: int = 32
) -> Vectors:
    """One vector per text; vectors already computed are read from ``cache_dir/texts.npz``."""
    path = None if cache_dir is None else cache_dir / "texts.npz"
    known: dict[str, Vectors] = {}
    if path is not None and path.exists():
        data = np.load(path)
        known = dict(zip(data["k"].tolist(), data["v"], strict=True))
    keys = [hashlib.sha256(t.encode()).hexdigest()[:32] for t in texts]
    missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in known))
    for i in range(0, len(missing), batch):
        chunk = missing[i : i + batch]
        for text, vector in zip(chunk, embedder.embed(chunk), strict=True):
            known[hashlib.sha256(text.encode()).hexdigest()[:32]] = vector
        if path is not None and (i // batch) % 20 == 19:
            _save(path, known)
    if path is not None and missing:
        _save(path, known)
    if not texts:
        return np.zeros((0, embedder.dim), np.float32)
    return np.stack([known[k] for k in keys]).astype(np.float32)


def _save(path: Path, known: dict[str, Vectors]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # One temporary file per process: two evaluations sharing a cache directory used to write
    # the same temporary name at once and leave an unreadable zip behind (session 15).
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
    np.savez(tmp, k=np.array(list(known)), v=np.stack(list(known.values())))
    tmp.replace(path)


def embed_pairs(
    pairs: list[Pair], embedder: Embedder, cache_dir: Path | None
) -> tuple[Vectors, Vectors]:
    """Vectors of every ``a`` and every ``b`` (cached per text in ``cache_dir``)."""
    vectors = embed_texts([p.a for p in pairs] + [p.b for p in pairs], embedder, cache_dir)
    n = len(pairs)
    return vectors[:n], vectors[n:]
