"""Design figures for whole.py: on the design files (never v10-v14 / _10.._14), Korean pairs with an
all / whole word on one side only, and the pairs ``whole_differs`` fires on, by label.

    PYTHONPATH=src python notes/ckoneg3_design.py [-v]
"""

from __future__ import annotations

import sys
from collections import Counter

import orjson

from llm_gateway.cache.semantic.whole import has_all, whole_differs

FILES = (
    ["eval/cache/paraphrase_heldout.jsonl"]
    + [f"eval/cache/paraphrase_heldout_v{i}.jsonl" for i in range(2, 10)]
    + ["eval/cache/train_pairs_written.jsonl"]
    + [f"eval/cache/train_pairs_written_{i}.jsonl" for i in range(2, 10)]
    + ["/work/shared/eval/paraphrase/korean_question_pairs.jsonl"]
)


def main() -> None:
    verbose = "-v" in sys.argv
    one_side: Counter[int] = Counter()
    fired: Counter[int] = Counter()
    total: Counter[int] = Counter()
    for name in FILES:
        with open(name, "rb") as f:
            for i, line in enumerate(f):
                p = orjson.loads(line)
                if p.get("lang", "ko") != "ko":
                    continue
                label = int(p["label"])
                total[label] += 1
                if has_all(p["a"]) != has_all(p["b"]):
                    one_side[label] += 1
                    hit = whole_differs(p["a"], p["b"])
                    fired[label] += bool(hit)
                    if verbose:
                        print(  # noqa: T201
                            "FIRE" if hit else "    ",
                            name.split("/")[-1],
                            i,
                            label,
                            p["a"],
                            "||",
                            p["b"],
                        )
    for label in (0, 1):
        print(  # noqa: T201
            f"label {label}: KO pairs {total[label]}, all/whole one side {one_side[label]},",
            f"veto fires {fired[label]}",
        )


if __name__ == "__main__":
    main()
