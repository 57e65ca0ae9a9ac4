"""Process memory per entry of the in-process semantic indexes (what the entry budget bounds).

    PYTHONPATH=$PWD/src nice -n 10 .venv/bin/python bench/cache_index_memory.py --entries 50000

Builds ``--indexes`` indexes of 384-dim unit vectors (usearch HNSW, float16, as the cache does)
holding ``--entries`` together, and reports the growth of the process's resident set over the
build divided by the entries: the vectors, the HNSW graph and the digest maps. The digests are
made before the first reading, so their strings are not counted (~90 bytes each more).
``LLMGW_CACHE__SEMANTIC_INDEX_BUDGET`` times this figure is the indexes' memory at most.
"""

from __future__ import annotations

import argparse
import gc
import hashlib

import numpy as np

from llm_gateway.cache.semantic.index import NamespaceIndex

DIM = 384


def resident_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--indexes", type=int, default=5)
    args = parser.parse_args()
    vectors = np.random.default_rng(0).standard_normal((args.entries, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    digests = [hashlib.blake2b(b"%d" % i, digest_size=20).hexdigest() for i in range(args.entries)]
    gc.collect()
    before = resident_bytes()
    held = []
    per = args.entries // args.indexes
    for start in range(0, per * args.indexes, per):
        index = NamespaceIndex(DIM)
        index.add_many(digests[start : start + per], vectors[start : start + per])
        held.append(index)
    gc.collect()
    grown = resident_bytes() - before
    entries = sum(len(index) for index in held)
    print(
        f"{entries} entries in {len(held)} indexes: {grown / 2**20:.1f} MiB resident, "
        f"{grown / entries:.0f} bytes per entry"
    )


if __name__ == "__main__":
    main()
