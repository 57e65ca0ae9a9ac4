"""Threshold rules and slot-veto levels on a leave-one-writer-out run's raw scores, without refits.

    cd scripts && ../.venv/bin/python cache_lowo_rules.py /tmp/lowo-dump

``cache_leave_writer_out.py --dump-dir`` keeps, per left-out file and variant, every training
pair's raw tree probability (the left-out file's from the model without it, every other file's
from a model without it *and* the left-out file) and the ``--check`` files'. Vetoes, the cosine
floor and the thresholds are applied here, so session 10's rule (``choose``) and session 11's
(``choose_pooled``), and the span level of the slot veto, are compared on the same fits. The
level is chosen per language **without the left-out file**: the one whose thresholds (set by
the rule on the other files) serve most of the other files' true pairs out of source. Prints a
table per variant and rule: per left-out file, mean, worst, pooled false hits.
"""

from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path

import numpy as np
from cache_span import LEVELS, Rule, choose_levels, gate
from cache_thresholds import Scores, choose, choose_pooled
from cache_verifier_fit import Array, raise_for_check


def rules(file_min: int) -> dict[str, Rule]:
    def old(s: Scores, written: list[int]) -> dict[str, float]:
        return choose(s, written, 0.01, file_min, 3, (0.005, 0.0025, 0.0))[0]

    def pooled(s: Scores, written: list[int]) -> dict[str, float]:
        return choose_pooled(s, written, 0.03, file_min)[0]

    return {"session 10 rule": old, "pooled rule": pooled}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dump_dir", type=Path)
    parser.add_argument("--file-min-negatives", type=int, default=80)
    parser.add_argument("--levels", type=float, nargs="*", default=LEVELS)
    args = parser.parse_args()
    d = dict(np.load(args.dump_dir / "rows.npz"))
    names = [str(n) for n in d["names"]]
    written = [int(w) for w in d["written"]]
    checks = sorted({k.split("_")[0] for k in d if k.startswith("check")})
    variants = sorted({p.name.split(".jsonl.")[1][:-4] for p in args.dump_dir.glob("*.npz")
                       if ".jsonl." in p.name})  # fmt: skip
    for variant in variants:
        overrule = "span1" in variant.split(".")
        for rule_name, rule in rules(args.file_min_negatives).items():
            rows = []
            for path in sorted(args.dump_dir.glob(f"*.jsonl.{variant}.npz")):
                run = dict(np.load(path))
                levels = args.levels if overrule else (None,)
                rows += left_out_rows(d, run, checks, rule, levels, names, written)
            print(f"\n### {variant}, {rule_name}")
            print_rows(rows)


def left_out_rows(
    d: dict[str, Array],
    run: dict[str, Array],
    checks: list[str],
    rule: Rule,
    levels: tuple[float | None, ...],
    names: list[str],
    written: list[int],
) -> list[tuple[str, str, float, float | None, int, int, int, int]]:
    held, floor = int(run["held"]), float(run["floor"])
    y, langs, groups, original = d["y"], d["langs"], d["groups"], d["original"]
    s = Scores(run["raw"], y, langs, groups, original)
    excluded = set(run["excluded"].tolist()) if "excluded" in run else set()
    rest = [w for w in written if w != held and w not in excluded]
    # a variant's own feature columns when its dump has them (--lexicon's .lex1), else the run's
    x, span = run.get("x", d["x"]), run.get("span", d["span"])
    chosen, thresholds = choose_levels(run["raw"], x, span, floor, s, rest, rule, levels)
    out = []
    for lang, level in chosen.items():
        with contextlib.redirect_stdout(io.StringIO()):
            for c in checks:
                cx = run.get(f"{c}_x", d[f"{c}_x"])
                scored = gate(run[c], cx, run.get(f"{c}_span", d[f"{c}_span"]), floor, level)
                labels, check_langs = d[f"{c}_y"], d[f"{c}_langs"]
                raise_for_check(c, scored, labels, check_langs, thresholds, 0.01)
        oos = gate(run["raw"], x, span, floor, level)
        part = (groups == held) & (langs == lang) & original
        if not part.any():
            continue
        hits, labels = oos[part] >= thresholds[lang], y[part]
        out.append(
            (
                names[held], lang, thresholds[lang], level,
                int(hits[labels == 1].sum()), int((labels == 1).sum()),
                int(hits[labels == 0].sum()), int((labels == 0).sum()),
            )
        )  # fmt: skip
    return out


def print_rows(rows: list[tuple[str, str, float, float | None, int, int, int, int]]) -> None:
    print("| left out | lang | threshold | span level | hits | false hits |")
    print("|---|---|---|---|---|---|")
    for name, lang, t, level, th, nt, fh, nf in rows:
        shown = "—" if level is None else f"{level:.2f}"
        print(
            f"| {name} | {lang} | {t:.3f} | {shown} | {th / nt:.1%} ({th}/{nt}) | "
            f"{fh / nf:.2%} ({fh}/{nf}) |"
        )
    for lang in ("en", "ko"):
        mine = [r for r in rows if r[1] == lang]
        if not mine:
            continue
        hit = [r[4] / r[5] for r in mine]
        false, negatives = sum(r[6] for r in mine), sum(r[7] for r in mine)
        print(
            f"| mean | {lang} | | | {np.mean(hit):.1%} | pooled {false / negatives:.2%} "
            f"({false}/{negatives}) |\n| worst | {lang} | | | {min(hit):.1%} | "
            f"{max(r[6] / r[7] for r in mine):.2%} |"
        )


if __name__ == "__main__":
    main()
