"""Train the tool-result head (indirect prompt injection) and choose its thresholds out of writer.

Usage:
    .venv/bin/python scripts/train_tool_screen.py [--data eval/guardrails/tool_results]
        [--alpha 1e-4] [--max-fpr 0.03] [--extra-positives] [--out PATH] [--check]

The prompt heads (``guard_classifier.npz``) learned user prompts, where pasted content is the
mark of an injection: on tool results, which are all pasted content, they blocked a third of
ordinary results (docs/GUARDRAILS.md, "Tool results"). This head learns tool results: every
``*.jsonl`` file under ``--data`` is one writer's set (``text``, ``label`` 1 = an instruction
aimed at the model that reads it, ``kind``, ``lang``), written by hand by helpers who saw
nothing of this repository. Features are the prompt classifier's (hashed character 2–5-grams of
the normalised text, sublinear tf-idf); the head is one logistic regression (SGD, log loss,
balanced classes). ``--extra-positives`` adds the guard sets' ``injection`` rows (a user's ask
around pasted content with a planted instruction) as positives.

Thresholds: each writer is scored by a head fitted on the other writers (leave one writer
out); on those out-of-writer scores one threshold for Hangul results and one for the rest are
chosen: the best pooled F1 whose benign FPR (each script's) is at most ``--max-fpr``. Groups
named ``redteam…`` (rows a red team wrote against one head, with its scorer in hand) train the
head and are scored like the others but do not set the thresholds. ``--include FILE`` adds a
group from outside ``--data`` (default: the red team's rows, ``eval/guardrails/tool_results/
redteam``: session 32's H2, and with session 33's markup-heavy writer ``train_f`` the shipped H3);
``--no-red-team`` builds the writers only (session 32's H1 had no ``train_f``). The printed table
is that leave-one-writer-out run, per writer and pooled: the dev figures. The
artefact (``guardrails/data/tool_screen.npz``) is fitted on every writer at those thresholds;
``--check`` rebuilds it and compares. Paths naming ``sealed.SEALED`` are refused.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.linear_model import SGDClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))
from guard_corpora import refuse_heldout
from train_guardrails import idf_of, same_artefact, weigh

from llm_gateway.guardrails.classifier import is_korean
from llm_gateway.guardrails.features import N_FEATURES, counts
from llm_gateway.guardrails.normalize import normalize
from llm_gateway.guardrails.tool_screen_model import ARTEFACT_PATH, WINDOW

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "eval/guardrails/tool_results"
# Session 32's H2: the red team's rows train the shipped head too (read after ``--data``'s files,
# in this order, so the default build is the declared one byte for byte).
RED_TEAM_ROWS = (REPO / "eval/guardrails/tool_results/redteam/redteam_s32.jsonl",)
ALPHA = 1e-4
MAX_FPR = 0.03
RED_TEAM = "redteam"  # groups named so train the head but do not set its thresholds
SEED = 0
Matrix = sparse.csr_matrix


@dataclass(frozen=True, slots=True)
class Row:
    text: str  # as the head reads it (normalised, the first window)
    label: int
    group: str
    korean: bool


def read_rows(data: Path, extra_positives: bool, include: list[Path] | None = None) -> list[Row]:
    rows: list[Row] = []
    for path in [*sorted(data.glob("*.jsonl")), *(include or ())]:
        for line in refuse_heldout(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                rows.append(_row(item["text"], int(item["label"]), path.stem))
    if extra_positives:
        for path in sorted((REPO / "eval/guardrails/heldout").glob("guard_heldout_v*.jsonl")):
            for line in refuse_heldout(path).read_text(encoding="utf-8").splitlines():
                item = json.loads(line) if line.strip() else {}
                if item.get("category") == "injection":
                    rows.append(_row(item["text"], 1, "guard_injection"))
    return rows


def _row(text: str, label: int, group: str) -> Row:
    view = normalize(text[:WINDOW]).classifier
    return Row(text=view, label=label, group=group, korean=is_korean(view))


def term_matrix(rows: list[Row]) -> Matrix:
    data, indices, indptr = [], [], [0]
    for row in rows:
        index, tf = counts(row.text)
        indices.append(index)
        data.append(tf)
        indptr.append(indptr[-1] + index.size)
    return sparse.csr_matrix(
        (np.concatenate(data), np.concatenate(indices), np.array(indptr)),
        shape=(len(rows), N_FEATURES),
    )


def fit(tf: Matrix, y: npt.NDArray[np.int64], alpha: float) -> tuple[np.ndarray, float, np.ndarray]:
    """(coef, intercept, idf) of one balanced logistic head (the prompt heads' tf-idf)."""
    idf = idf_of(tf)
    x = weigh(tf, idf)
    head = SGDClassifier(
        loss="log_loss",
        alpha=alpha,
        max_iter=30,
        tol=None,
        class_weight="balanced",
        random_state=SEED,
    )
    head.fit(x, y)
    return head.coef_[0], float(head.intercept_[0]), idf


def score(coef: np.ndarray, intercept: float, idf: np.ndarray, tf: Matrix) -> np.ndarray:
    logits = weigh(tf, idf) @ coef + intercept
    return np.asarray(1.0 / (1.0 + np.exp(-logits)))


def out_of_writer(rows: list[Row], tf: Matrix, alpha: float) -> np.ndarray:
    """Each hand-written group's scores from a head fitted without it (extra positives are
    always in training and never scored)."""
    y = np.array([r.label for r in rows])
    groups = np.array([r.group for r in rows])
    scores = np.full(len(rows), np.nan)
    for group in sorted(set(groups) - {"guard_injection"}):
        held = groups == group
        coef, intercept, idf = fit(tf[~held], y[~held], alpha)
        scores[held] = score(coef, intercept, idf, tf[held])
    return scores


def choose(scores: np.ndarray, rows: list[Row], max_fpr: float) -> dict[str, float]:
    """Per script: the threshold with the best F1 whose benign FPR is at most ``max_fpr``, on
    the writers' groups (a red team's rows, written against one head with its scorer in hand,
    train the head but do not set its thresholds)."""
    chosen: dict[str, float] = {}
    for script, korean in (("other", False), ("ko", True)):
        mask = np.array(
            [
                r.korean == korean and not np.isnan(s) and not r.group.startswith(RED_TEAM)
                for r, s in zip(rows, scores, strict=True)
            ]
        )
        y = np.array([r.label for r in rows])[mask]
        s = scores[mask]
        best = (-1.0, 0.99)
        for t in np.unique(np.round(s, 4)):
            flag = s >= t
            fp = int((flag & (y == 0)).sum())
            if fp > max_fpr * max(1, int((y == 0).sum())):
                continue
            tp = int((flag & (y == 1)).sum())
            fn = int((~flag & (y == 1)).sum())
            f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
            if f1 > best[0]:
                best = (f1, float(t))
        chosen[script] = best[1]
    return chosen


def report(scores: np.ndarray, rows: list[Row], limits: dict[str, float]) -> None:
    groups = sorted({r.group for r in rows} - {"guard_injection"})
    print(f"{'group':26} {'n':>4} {'P':>6} {'R':>6} {'F1':>6} {'FPR':>6}")
    for group in [*groups, "pooled"]:
        idx = [i for i, r in enumerate(rows) if r.group != "guard_injection"]
        if group != "pooled":
            idx = [i for i in idx if rows[i].group == group]
        tp = fp = fn = tn = 0
        for i in idx:
            flagged = scores[i] >= limits["ko" if rows[i].korean else "other"]
            label = rows[i].label
            tp += flagged and label == 1
            fp += flagged and label == 0
            fn += (not flagged) and label == 1
            tn += (not flagged) and label == 0
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{group:26} {len(idx):>4} {p:6.3f} {r:6.3f} {f1:6.3f} {fp / max(1, fp + tn):6.3f}")


def save(
    path: Path, coef: np.ndarray, intercept: float, idf: np.ndarray, limits: dict[str, float]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        weights=coef.astype(np.float16),
        intercept=np.array(intercept, dtype=np.float32),
        idf=idf.astype(np.float16),
        thresholds=np.array(json.dumps(limits)),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--alpha", type=float, default=ALPHA)
    parser.add_argument("--max-fpr", type=float, default=MAX_FPR)
    parser.add_argument("--extra-positives", action="store_true")
    parser.add_argument(
        "--include",
        type=Path,
        action="append",
        help="another group's file (default: the red team's)",
    )
    parser.add_argument("--no-red-team", action="store_true", help="H1: the writers only")
    parser.add_argument("--out", type=Path, default=ARTEFACT_PATH)
    parser.add_argument("--check", action="store_true", help="rebuild and compare, write nothing")
    args = parser.parse_args()
    include = [] if args.no_red_team else list(args.include or RED_TEAM_ROWS)
    rows = read_rows(args.data, args.extra_positives, include)
    tf = term_matrix(rows)
    y = np.array([r.label for r in rows])
    scores = out_of_writer(rows, tf, args.alpha)
    limits = choose(scores, rows, args.max_fpr)
    print(f"rows {len(rows)}, alpha {args.alpha}, max FPR {args.max_fpr}, thresholds {limits}")
    print("leave one writer out (dev):")
    report(scores, rows, limits)
    coef, intercept, idf = fit(tf, y, args.alpha)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            built = Path(tmp) / "tool_screen.npz"
            save(built, coef, intercept, idf, limits)
            same = same_artefact(built, args.out)
        print("reproduced" if same else "DIFFERS")
        return 0 if same else 1
    save(args.out, coef, intercept, idf, limits)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
