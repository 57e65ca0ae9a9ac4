"""Semantic cache lookup latency at N entries in one namespace (embedding excluded).

    nice -n 10 .venv/bin/python bench/cache_index.py --entries 100000 --queries 2000

Builds one ``NamespaceIndex`` of N unit vectors (384 dims, like multilingual-e5-small) and times
``search`` for queries near stored entries, for several HNSW search depths (``ef``) on the same
index, plus the verifier's scoring of one candidate pair. Reported per depth: wall-clock p50/p99
(what a request waits, including time the OS gave other processes) and thread CPU-time p50/p99
(the search's own work), and recall@1 of the entry the query was made from. Random vectors are
a hard case for HNSW (no cluster structure), so real embeddings do no worse. The machine is
shared: compare runs made at the same time, and read the load average printed with them.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from llm_gateway.cache.semantic.index import NamespaceIndex
from llm_gateway.cache.semantic.verifier import load_verifier


def _percentiles(values: list[float]) -> str:
    ms = np.array(values) * 1000
    return f"p50 {np.percentile(ms, 50):.3f} ms, p99 {np.percentile(ms, 99):.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--ef", type=int, action="append", default=None)
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
