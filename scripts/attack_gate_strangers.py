"""The shipped e5 attack heads' gates, re-chosen leaving one stranger writer out (no refit).

Session 11's heads (``attack_e5.npz``, ``extraction_e5.npz``) were trained on 17 writers; the
writers after them (``STRANGERS``: v10 and s12_i, excluded from training in session 12, and
v11-v14, s13_j, s14_k, s15_l, never groups) score out of sample, and there the stage added
false positives, mostly Korean. This script keeps the heads and re-chooses only their ``Gate``
(threshold per script, agreement floor, ``high`` per script) on those strangers:

for each left-out writer, on the other writers' pooled rows, per head and per script, the
loosest (``THRESHOLDS`` x ``HIGHS``) gate whose *added* benign FPR (benign rows the agent
path's other layers pass and the head flags) is at most ``--budget``, loosest meaning the most
added attack recall of the head's own classes; per head the ``FLOORS`` value with the most added
recall over both scripts. The left-out writer is then scored on the agent path (exact rules,
n-grams, harm stage, and the two heads under the chosen gates) against the shipped gates.
``--final`` prints the gate chosen on all the strangers (what ``--write DIR`` stores, gates only).

    PYTHONPATH=src .venv/bin/python scripts/attack_gate_strangers.py --cache /work/cache-attack \
        [--budget 0.0025] [--final] [--write DIR]
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from attack_writers import EVAL, Writer, figures
from harm_gate import e5_flags

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine
from llm_gateway.guardrails.attack_stage import HEADS as ATTACK_FILES
from llm_gateway.guardrails.attack_stage import load_attack_heads
from llm_gateway.guardrails.harm_stage import Gate

STRANGERS = {  # writer -> its set; none of them trained the shipped heads
    "v10": "heldout/guard_heldout_v10.jsonl",
    "s12i": "dev_written_s12_i.jsonl",
    **{f"v{n}": f"heldout/guard_heldout_v{n}.jsonl" for n in range(11, 15)},
    "s13j": "dev_written_s13_j.jsonl",
    "s14k": "dev_written_s14_k.jsonl",
    "s15l": "dev_written_s15_l.jsonl",
}
# head -> (attack_stage category, the classes it is meant to find)
HEADS = {
    "attack": ("injection", ("injection", "jailbreak")),
    "extraction": ("prompt_extraction", ("prompt_extraction",)),
}
OFF = 1.01  # a threshold no probability reaches: the head never counts in that script
THRESHOLDS = (*(round(0.90 + 0.005 * i, 4) for i in range(20)), 0.9975, 0.999, OFF)
HIGHS = (0.97, 0.975, 0.98, 0.985, 0.99, 0.995, 0.999, OFF)
FLOORS = (0.1, 0.2, 0.3, 0.5, 0.7, 0.9)


@dataclass
class Rows:
    """One writer's attack and benign rows on the agent path less the attack stage."""

    name: str
    rows: list[object]
    cat: np.ndarray
    lang: np.ndarray
    korean: np.ndarray
    benign: np.ndarray
    everyday: np.ndarray
    base: np.ndarray  # exact rules, n-grams, harm stage
    prob: dict[str, np.ndarray]  # head -> e5 probability
    ngram: dict[str, np.ndarray]  # head -> the n-gram score its floor reads


def load(name: str, engine: GuardrailEngine, cache: Path) -> Rows:
    """``attack_writers.Writer``'s rows (the agent path less the attack stage: ``fast``) with
    the shipped heads' probabilities and the n-gram score each head's floor reads."""
    w = Writer(name, engine, cache, EVAL / STRANGERS[name])
    heads = load_attack_heads()
    prob = {
        h: np.array([heads[c].head.probability(v) for v in w.x])  # type: ignore[index]
        for h, (c, _) in HEADS.items()
    }
    ngram = {h: w.ngrams[c] for h, (c, _) in HEADS.items()}
    return Rows(name, w.rows, w.cat, w.lang, w.korean, w.benign, w.everyday, w.fast, prob, ngram)


def pooled(ws: list[Rows]) -> Rows:
    cat = lambda f: np.concatenate([f(w) for w in ws])  # noqa: E731
    return Rows(
        "pool",
        [],
        cat(lambda w: w.cat),
        cat(lambda w: w.lang),
        cat(lambda w: w.korean),
        cat(lambda w: w.benign),
        cat(lambda w: w.everyday),
        cat(lambda w: w.base),
        {h: cat(lambda w, h=h: w.prob[h]) for h in HEADS},
        {h: cat(lambda w, h=h: w.ngram[h]) for h in HEADS},
    )


def pick_script(
    p: np.ndarray, ng: np.ndarray, benign: np.ndarray, pos: np.ndarray, floor: float, budget: float
) -> tuple[float, float, int, float]:
    """(threshold, high, added recall count, added FPR) of the loosest gate within ``budget``
    on one script's rows not already flagged (``benign``/``pos`` masks there)."""
    n_benign = max(int(benign.sum()), 1)
    best = (OFF, OFF, 0, 0.0)
    for t in THRESHOLDS:
        for h in (t, *(x for x in HIGHS if x > t)):
            flag = (p >= t) & ((ng >= floor) | (p >= h))
            fpr = float((flag & benign).sum()) / n_benign
            gain = int((flag & pos).sum())
            # the most added recall; then the least added FPR; then the strictest gate
            if fpr <= budget and (gain, -fpr, t, h) > (best[2], -best[3], best[0], best[1]):
                best = (t, h, gain, fpr)
    return best


def choose(ws: list[Rows], budget: float) -> dict[str, Gate]:
    """Each head's gate chosen on ``ws``'s pooled rows."""
    pool, gates = pooled(ws), {}
    for head, (_, classes) in HEADS.items():
        fresh = ~pool.base  # rows the stage can newly flag
        pos = np.isin(pool.cat, classes) & fresh
        best: tuple[int, float, float, Gate] | None = None
        for floor in FLOORS:
            cells = {}
            for ko in (False, True):
                s = pool.korean == ko
                cells[ko] = pick_script(
                    pool.prob[head][s],
                    pool.ngram[head][s],
                    (pool.benign & fresh)[s],
                    pos[s],
                    floor,
                    budget,
                )
            gain = cells[False][2] + cells[True][2]
            fpr = cells[False][3] + cells[True][3]
            gate = Gate(cells[False][0], cells[True][0], cells[False][1], cells[True][1], floor)
            if best is None or (gain, -fpr, floor) > (best[0], -best[1], best[2]):
                best = (gain, fpr, floor, gate)
        assert best is not None
        gates[head] = best[3]
    return gates


KO_GRID = (*(round(0.93 + 0.0025 * i, 4) for i in range(28)), OFF)


def mean_figures(ws: list[Rows], gates: dict[str, Gate]) -> dict[str, float]:
    """The writers' mean F1, KO hard-negative FPR and KO attack recall under ``gates``."""
    cells = [figures(w, flagged(w, gates)) for w in ws]  # type: ignore[arg-type]
    keys = ("f1_all", "fpr_hard_ko", "recall_ko")
    return {k: float(np.mean([c[k] for c in cells if c[k] is not None])) for k in keys}


def choose_ko(ws: list[Rows], shipped: dict[str, Gate], give: float = 0.005) -> dict[str, Gate]:
    """The second family: only each head's Korean threshold, never below the shipped one; the
    pair that cuts ``ws``'s mean KO hard-negative FPR most with their mean KO recall down at
    most ``give`` and their mean F1 not lower."""
    base = mean_figures(ws, shipped)
    best: tuple[float, float, float, float] | None = None
    gates = shipped
    grid = {
        h: [shipped[h].threshold_ko, *(t for t in KO_GRID if t > shipped[h].threshold_ko)]
        for h in HEADS
    }
    for ta in grid["attack"]:
        for te in grid["extraction"]:
            cand = {
                "attack": replace(shipped["attack"], threshold_ko=ta),
                "extraction": replace(shipped["extraction"], threshold_ko=te),
            }
            m = mean_figures(ws, cand)
            loss = base["recall_ko"] - m["recall_ko"]
            if loss > give + 1e-9 or m["f1_all"] < base["f1_all"] - 1e-9:
                continue
            key = (base["fpr_hard_ko"] - m["fpr_hard_ko"], -loss, -ta, -te)
            if best is None or key > best:
                best, gates = key, cand
    return gates


def flagged(w: Rows, gates: dict[str, Gate] | None) -> np.ndarray:
    """The agent path's verdicts: ``gates`` None is the stage off."""
    out = w.base.copy()
    for head, gate in (gates or {}).items():
        out |= e5_flags(w.prob[head], w.ngram[head], w.korean, gate)
    return out


def write_gates(directory: Path, gates: dict[str, Gate]) -> None:
    """Store ``gates`` in ``directory``'s two artefacts: only ``thresholds`` and ``gate`` change,
    every head array is copied as loaded (a gate choice is no refit)."""
    for head, (category, _) in HEADS.items():
        path = directory / ATTACK_FILES[category][0]
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        g = gates[head]
        arrays["thresholds"] = np.array([g.threshold, g.threshold_ko], dtype=np.float32)
        arrays["gate"] = np.array([g.high, g.high_ko, g.floor], dtype=np.float32)
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]


KEYS = ("f1_all", "fpr_all", "fpr_hard_ko", "fpr_hard_en", "recall_ko", "recall_en", "fpr_everyday")


def table(results: dict[str, dict[str, dict[str, float | None]]]) -> dict[str, dict[str, float]]:
    """Per arm, the mean over the left-out writers of each figure in ``KEYS``."""
    means: dict[str, dict[str, float]] = {}
    for arm, per in results.items():
        means[arm] = {}
        for k in KEYS:
            vals = [float(v[k]) for v in per.values() if v.get(k) is not None]  # type: ignore[arg-type]
            means[arm][k] = round(float(np.mean(vals)), 4)
    return means


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True, help="e5 vector cache dir")
    ap.add_argument("--rows", type=Path, help="a pickle of the scored rows (made if missing)")
    ap.add_argument("--budget", type=float, default=0.0025, help="added FPR per head and script")
    ap.add_argument(
        "--family",
        choices=("budget", "ko"),
        default="budget",
        help="budget: the committed first family; ko: Korean thresholds only",
    )
    ap.add_argument("--final", action="store_true", help="print the gate chosen on all writers")
    ap.add_argument("--write", type=Path, help="write the final gates into copies of the artefacts")
    args = ap.parse_args()
    if args.rows is not None and args.rows.exists():
        # this script's own cache of scored rows, written below
        ws: list[Rows] = pickle.loads(args.rows.read_bytes())  # noqa: S301
    else:
        engine = GuardrailEngine(GuardrailSettings(default_policy=GuardrailPolicy()))
        ws = [load(n, engine, args.cache) for n in STRANGERS]
        if args.rows is not None:
            args.rows.write_bytes(pickle.dumps(ws))
    heads = load_attack_heads()
    shipped = {h: heads[c].head.decides() for h, (c, _) in HEADS.items()}  # type: ignore[index]

    def pick(xs: list[Rows]) -> dict[str, Gate]:
        return choose_ko(xs, shipped) if args.family == "ko" else choose(xs, args.budget)

    if args.final or args.write:
        final = pick(ws)
        print(json.dumps({h: g.__repr__() for h, g in final.items()}, indent=1))
        if args.write:
            write_gates(args.write, final)
        return 0
    results: dict[str, dict[str, dict[str, float | None]]] = {"off": {}, "shipped": {}, "lowo": {}}
    for i, w in enumerate(ws):
        gates = pick([o for j, o in enumerate(ws) if j != i])
        print(f"  {w.name}: {gates}", file=sys.stderr, flush=True)
        for arm, g in (("off", None), ("shipped", shipped), ("lowo", gates)):
            results[arm][w.name] = figures(w, flagged(w, g))  # type: ignore[arg-type]
    for arm, per in results.items():
        print(arm)
        for name, cell in per.items():
            print(f"  {name:6}" + "".join(f"{k}={cell[k]} " for k in KEYS))
    print(json.dumps(table(results), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
