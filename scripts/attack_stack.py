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
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attack_rows import HEADS, HIDDEN, tails
from attack_writers import HEAD_NGRAM, View, Writer, figures, print_table, writer_names
from harm_lowo import writer_limits
from train_harm_stage import add_head_options

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine

EPS = 1e-4


def features(e5: np.ndarray, ngram: np.ndarray, korean: np.ndarray) -> np.ndarray:
    """The stacker's inputs: both logits, Korean, both logits times Korean."""
    logit = [np.log(np.clip(p, EPS, 1 - EPS) / (1 - np.clip(p, EPS, 1 - EPS))) for p in (e5, ngram)]
    ko = korean.astype(float)
    return np.column_stack([*logit, ko, logit[0] * ko, logit[1] * ko])


class Scored:
    """A view's rows with stacker scores, in ``writer_limits``' shape."""

    def __init__(self, view: View, score: np.ndarray) -> None:
        self.fast, self.korean, self.benign = view.fast, view.korean, view.benign
        self.everyday, self.score = view.everyday, score


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


def added(
    writer: Writer,
    writers: dict[str, Writer],
    probs: dict[str, dict[str, np.ndarray]],
    budget: float,
) -> np.ndarray:
    """Rows of ``writer`` the stackers flag, each fitted and thresholded on the other writers."""
    out = np.zeros(len(writer.rows), dtype=bool)
    for head in HEADS:
        views = {n: View(w, head) for n, w in writers.items()}
        others = [n for n, v in views.items() if n != writer.name and not v.probe]
        model = fit([views[n] for n in others], [probs[head][n][views[n].mask] for n in others])

        def score(name: str, head: str = head, model: LogisticRegression = model) -> np.ndarray:
            x = features(
                probs[head][name], writers[name].ngrams[HEAD_NGRAM[head]], writers[name].korean
            )
            return np.asarray(model.predict_proba(x)[:, 1])

        scored = []
        for n in others:
            s = score(n)[views[n].mask]
            scored.append((Scored(views[n], s), s))
        limits = writer_limits(scored, budget / 2)  # type: ignore[arg-type]
        out |= score(writer.name) >= np.where(writer.korean, limits["ko"], limits["other"])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_head_options(parser)
    parser.set_defaults(hidden=HIDDEN)
    parser.add_argument("--probs-in", type=Path, required=True)
    parser.add_argument("--budget", type=float, nargs="+", default=[0.005])
    parser.add_argument("--results-out", type=Path)
    parser.add_argument("--writer", action="append", help="default: all")
    args = parser.parse_args()
    engine = GuardrailEngine(GuardrailSettings(default_policy=GuardrailPolicy(), attack_stage=True))
    writers = [Writer(n, engine, args.cache) for n in writer_names(args.writer, [])]
    for w in writers:
        w.tail = tails(w.rows, args.cache)  # type: ignore[arg-type]
        w.probe |= w.group in args.exclude_group
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
