"""A learned fusion in place of the attack stage's hand gate, measured leaving one writer out.

Usage (the left-out e5 scores of an ``attack_lowo.py --probs-out`` run):
    nice -n 10 .venv/bin/python scripts/attack_stack.py ../shared/eval $W \
        --cache /work/cache-attack-guard --probs-in F [--budget 0.005 ...] [--results-out F]

Per head and left-out writer, a logistic stacker is fitted on the other writers' left-out rows
of that head (its categories against benign; each writer weighted equally, classes balanced):
features the e5 head's logit, the n-gram logit of the same category, Korean, and both logits
times Korean. Its per-script threshold is chosen on the same rows as the gate's
(``harm_lowo.writer_limits``: the stacker may add flags to at most ``budget / 2`` of their
benign rows per head). The left-out writer's rows are flagged where the agent path flags them
or the stacker reaches its threshold. Tables as ``attack_lowo.py``'s (key
``False|budget|stacker|False``).

``--ngram-rows FILE`` (session 15): the stacker's n-gram input is each writer's LEFT-OUT n-gram
score, read by text from a ``guard_lowo.py --rows`` file (builds that never saw the writer),
instead of the tree's n-gram heads' score, which is in-sample for every writer they train on
(session 14 found the stacker then weighs the n-gram logit 5-16 times the e5 logit). The agent
path before the stage (``Writer.fast``) is unchanged: the shipped arm reads the same.

``--save DIR`` ships it (session 14): per head, the stacker fitted on every writer's left-out
rows and its thresholds chosen on them (the first ``--budget``), the e5 head on every row (as
``attack_lowo.py --save`` fits it), both in the head's artefact (``attack_fusion.Stacker``:
the gateway decides with it instead of the gate), and the dev report (``--report``) that
``train_attack_stage.py --check`` rebuilds them from.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attack_lowo import full_head
from attack_rows import HEADS, HIDDEN, tails
from attack_writers import HEAD_NGRAM, View, Writer, figures, print_table, writer_names
from harm_lowo import writer_limits
from train_harm_stage import add_head_options

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine
from llm_gateway.guardrails.attack_fusion import Stacker, features
from llm_gateway.guardrails.harm_stage import save_head

ARTEFACTS = {"attack": "attack_e5.npz", "extraction": "extraction_e5.npz"}


class Scored:
    """A view's rows with stacker scores, in ``writer_limits``' shape."""

    def __init__(self, view: View, score: np.ndarray) -> None:
        self.fast, self.korean, self.benign = view.fast, view.korean, view.benign
        self.everyday, self.score = view.everyday, score


# attack_writers' writer names -> guard_lowo's (``s9a`` -> ``s9_a``; ``v3`` stays)
def lowo_name(name: str) -> str:
    return name if name.startswith("v") else f"{name[:-1]}_{name[-1]}"


def left_out_ngrams(path: Path, writers: list[Writer]) -> None:
    """Put each writer's left-out n-gram scores (``guard_lowo.py --rows``) in ``w.ngrams``, by
    text; every non-probe writer's rows must all be there (the probe, in no mean and setting no
    threshold, keeps the tree's scores)."""
    by_text: dict[tuple[str, str], dict[str, float]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        by_text[(row["writer"], row["text"])] = row["scores"]
    for w in writers:
        if w.probe:
            continue
        name = lowo_name(w.name)
        missing = [r.text for r in w.rows if (name, r.text) not in by_text]
        if missing:
            raise SystemExit(f"{w.name}: {len(missing)} rows not in {path}, e.g. {missing[0]!r}")
        for key in HEAD_NGRAM.values():
            w.ngrams[key] = np.array([by_text[(name, r.text)].get(key, 0.0) for r in w.rows])


def fit(views: list[View], e5: list[np.ndarray]) -> LogisticRegression:
    """The stacker on ``views``' rows (writers weighted equally, classes balanced)."""
    x = np.concatenate([features(p, v.ngram, v.korean) for v, p in zip(views, e5, strict=True)])
    y = np.concatenate([~v.benign for v in views]).astype(int)
    w = np.concatenate([np.full(len(v.benign), 1.0 / len(v.benign)) for v in views])
    for label in (0, 1):  # each class half the total; the total the row count (as unweighted)
        w[y == label] *= len(y) / 2 / w[y == label].sum()
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(x, y, sample_weight=w)
    return model


def decide(
    model: LogisticRegression,
    e5: np.ndarray,
    ngram: np.ndarray,
    korean: np.ndarray,
    limits: dict[str, float],
) -> np.ndarray:
    """Rows the fitted stacker flags at ``limits`` (``other`` and ``ko``): the decision the
    measured tables count and ``attack_fusion.Stacker`` must repeat in the gateway."""
    score = np.asarray(model.predict_proba(features(e5, ngram, korean))[:, 1])
    return score >= np.where(korean, limits["ko"], limits["other"])


def stacker_of(model: LogisticRegression, limits: dict[str, float]) -> Stacker:
    """The gateway's form of a fitted stacker and its thresholds."""
    coef = tuple(float(v) for v in model.coef_[0])
    return Stacker(coef, float(model.intercept_[0]), limits["other"], limits["ko"])


def fitted(
    writers: dict[str, Writer],
    probs: dict[str, dict[str, np.ndarray]],
    head: str,
    others: list[str],
    budget: float,
) -> tuple[LogisticRegression, dict[str, float]]:
    """``head``'s stacker fitted on ``others``' left-out rows, and its thresholds on them."""
    views = {n: View(writers[n], head) for n in others}
    model = fit([views[n] for n in others], [probs[head][n][views[n].mask] for n in others])
    scored = []
    for n in others:
        w = writers[n]
        x = features(probs[head][n], w.ngrams[HEAD_NGRAM[head]], w.korean)
        s = np.asarray(model.predict_proba(x)[:, 1])[views[n].mask]
        scored.append((Scored(views[n], s), s))
    return model, writer_limits(scored, budget / 2)  # type: ignore[arg-type]


def added(
    writer: Writer,
    writers: dict[str, Writer],
    probs: dict[str, dict[str, np.ndarray]],
    budget: float,
) -> np.ndarray:
    """Rows of ``writer`` the stackers flag, each fitted and thresholded on the other writers."""
    out = np.zeros(len(writer.rows), dtype=bool)
    for head in HEADS:
        others = [n for n, w in writers.items() if n != writer.name and not w.probe]
        model, limits = fitted(writers, probs, head, others, budget)
        ngram = writer.ngrams[HEAD_NGRAM[head]]
        out |= decide(model, probs[head][writer.name], ngram, writer.korean, limits)
    return out


def save(
    args: argparse.Namespace,
    writers: dict[str, Writer],
    probs: dict[str, dict[str, np.ndarray]],
) -> None:
    """Both artefacts and the dev report: stackers and thresholds on every writer's left-out
    rows, e5 heads on every row."""
    args.save.mkdir(parents=True, exist_ok=True)
    names = [n for n, w in writers.items() if not w.probe]
    report: dict[str, object] = {
        "rule": "writers",
        "writers": names,
        "budget": args.budget[0],
        "fusion": "stacker",
        "tail": False,  # measured on the first 400 characters' scores alone
        "exclude_group": args.exclude_group,
        # the n-gram scores the stackers were fitted on: left out per writer, or the tree's
        "stack_ngram": "guard_lowo --one-pass --rows" if args.ngram_rows else "in-sample",
        "heads": {},
    }
    for head, name in ARTEFACTS.items():
        model, limits = fitted(writers, probs, head, names, args.budget[0])
        stacker = stacker_of(model, limits)
        coef, bias, mlp = full_head(args, head)
        save_head(args.save / name, coef, bias, limits, mlp, more=stacker.arrays())
        report["heads"][head] = {  # type: ignore[index]
            "kind": "stacker",
            "coef": list(stacker.coef),
            "intercept": stacker.intercept,
            "threshold": stacker.threshold,
            "threshold_ko": stacker.threshold_ko,
        }
    target = args.report or args.save / "dev_attack_report.json"
    target.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {args.save}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_head_options(parser)
    parser.set_defaults(hidden=HIDDEN)
    parser.add_argument("--probs-in", type=Path, required=True)
    parser.add_argument("--budget", type=float, nargs="+", default=[0.005])
    parser.add_argument("--results-out", type=Path)
    parser.add_argument("--writer", action="append", help="default: all")
    parser.add_argument("--ngram-rows", type=Path, help="left-out n-gram scores (guard_lowo)")
    parser.add_argument("--save", type=Path, help="ship: both artefacts into this directory")
    parser.add_argument("--report", type=Path, help="dev report (default: in --save)")
    args = parser.parse_args()
    engine = GuardrailEngine(GuardrailSettings(default_policy=GuardrailPolicy(), attack_stage=True))
    writers = [Writer(n, engine, args.cache) for n in writer_names(args.writer, [])]
    for w in writers:
        w.tail = tails(w.rows, args.cache)  # type: ignore[arg-type]
        w.probe |= w.group in args.exclude_group
    if args.ngram_rows is not None:
        left_out_ngrams(args.ngram_rows, writers)
    with np.load(args.probs_in) as data:
        probs = {h: {w.name: data[f"{h}|False|{w.name}"] for w in writers} for h in HEADS}
    by_name = {w.name: w for w in writers}
    tables = {}
    for budget in args.budget:
        results = {
            w.name: {
                **{
                    f"b_{k}": x for k, x in figures(w, w.fast).items() if k in ("f1_all", "fpr_all")
                },
                **figures(w, w.fast | added(w, by_name, probs, budget)),
            }
            for w in writers
        }
        print(f"\n== stacker, budget {budget}")
        print_table(results)
        tables[f"False|{budget}|stacker|False"] = results
    if args.results_out is not None:
        args.results_out.write_text(json.dumps(tables, indent=0) + "\n")
    if args.save is not None:
        save(args, by_name, probs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
