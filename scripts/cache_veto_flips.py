"""Which pairs a veto change moves: dump one veto feature over pair files, then compare two dumps.

A veto (``features.VETOES``) refuses a pair before the verifier's trees score it, so a change to
one is judged by the pairs whose value flips: true pairs newly refused are the cost, negatives
newly refused the gain, and the other way round for what a change newly clears. Run ``dump``
on the tree before and after the change, then ``compare``::

    cd scripts && PYTHONPATH=../src python cache_veto_flips.py dump ../eval/cache \
        --feature units_differ --out before.json
    (apply the change, dump again to after.json)
    python cache_veto_flips.py compare before.json after.json

"Alone" counts the flips no other veto of the shipped weights already refused.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sealed import names_sealed


def dump(directory: Path, feature: str, out: Path) -> None:
    from llm_gateway.cache.semantic.features import FEATURE_NAMES, pair_features
    from llm_gateway.cache.semantic.verifier import load_verifier

    index = FEATURE_NAMES.index(feature)
    others = [i for i in load_verifier().vetoes if i != index]
    rows = []
    for path in sorted(directory.glob("*.jsonl")):
        if names_sealed(str(path)):
            continue  # the lead's held-out set is never read
        for line in path.read_text(encoding="utf-8").splitlines():
            pair = json.loads(line) if line.strip() else {}
            if "a" in pair:
                values = pair_features(pair["a"], pair["b"], 0.95)
                refused = any(values[i] for i in others)
                rows.append(
                    [path.name, pair["label"], values[index], refused, pair["a"], pair["b"]]
                )
    out.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    print(f"{len(rows)} pairs")


def compare(before: Path, after: Path) -> None:
    """Print each flipped pair, then the counts: newly set (true pairs newly refused are the
    cost, negatives the gain) and newly cleared (true pairs the gain, negatives the cost)."""
    old, new = json.loads(before.read_text("utf-8")), json.loads(after.read_text("utf-8"))
    true_pairs = sum(1 for row in old if row[1] == 1)
    # direction -> label -> [pairs, of them alone (no other veto refuses the pair)]
    flips = {d: {1: [0, 0], 0: [0, 0]} for d in ("set", "cleared")}
    for x, y in zip(old, new, strict=True):
        if bool(x[2]) == bool(y[2]):
            continue
        direction = "set" if y[2] else "cleared"
        flips[direction][x[1]][0] += 1
        flips[direction][x[1]][1] += not x[3]
        alone = "alone" if not x[3] else "also"
        print(f"{direction} {x[1]} {alone} {x[0]} | {x[4]} | {x[5]}")
    print(f"{len(old)} pairs, {true_pairs} true")
    for direction in ("set", "cleared"):
        counts = flips[direction]
        print(
            f"newly {direction}: true {counts[1][0]} (alone {counts[1][1]}), "
            f"negatives {counts[0][0]} (alone {counts[0][1]})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("directory", type=Path)
    d.add_argument("--feature", required=True)
    d.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.directory, args.feature, args.out)
    else:
        compare(args.before, args.after)


if __name__ == "__main__":
    main()
