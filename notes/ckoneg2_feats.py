"""Dump pair_features(a, b, 0.95) of every pair (tree chosen by PYTHONPATH).

    PYTHONPATH=<tree>/src python notes/ckoneg2_feats.py OUT.jsonl F [F ...]

Pairs whose features are equal on two trees get the same decision on both (same embeddings).
"""

from __future__ import annotations

import sys

import orjson

from llm_gateway.cache.semantic.features import pair_features
from llm_gateway.cache.semantic.pairs import load_pair_spec


def main() -> None:
    with open(sys.argv[1], "wb") as out:
        for spec in sys.argv[2:]:
            name, pairs = load_pair_spec(spec)
            for i, p in enumerate(pairs):
                row = {
                    "file": name,
                    "i": i,
                    "lang": p.lang,
                    "label": p.label,
                    "f": pair_features(p.a, p.b, 0.95),
                    "fl": pair_features(p.a, p.b, 0.95, True),
                }
                out.write(orjson.dumps(row) + b"\n")


if __name__ == "__main__":
    main()
