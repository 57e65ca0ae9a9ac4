"""Choose the fast path's attack thresholds on strangers' sets no build trained on.

Usage:
    .venv/bin/python scripts/calibrate_guard_thresholds.py \
        --dataset eval/guardrails/heldout/guard_heldout_v28.jsonl --dataset ... \
        [--budget 0.025] [--json /tmp/threshold_report.json] [--leave-one-out]

The n-gram heads' thresholds in the artefact were chosen on out-of-source scores of their own
training groups at a 1.25-1.4 % benign budget; on strangers' sets no build trained on the same
thresholds block 1-1.5 points more benign rows and miss a fifth of the attacks (docs/GUARDRAILS.md,
"Session 23"). This script picks the classifier thresholds of ``injection`` (injection and
jailbreak) and ``prompt_extraction`` where the fast path (exact rules + classifier, the default
policy) flags the most attacks: the pair with the highest pooled attack F1 whose pooled benign
false-positive rate (a benign row blocked for any reason) is at most ``--budget``; ties go to the
higher thresholds. Thresholds compare with the script-calibrated score (Korean prompts' logits
are shifted as the artefact says), so one value per head keeps the trained Hangul/other offset.

Two passes per row pick the pair: one with both heads switched off (what the rules and the
harmful head block alone, and the heads' first scores) and one with both at the grid's floor
(the scores after the classifier's context rescoring, where it applies); ``Row.flagged`` then
decides as the engine does at any pair, rescoring only when a first score reaches its threshold.
The chosen pair is then scored exactly, per file and pooled.
``--leave-one-out`` also scores the procedure itself: each file in turn by the pair chosen on the
others. Refused: the sealed set (``sealed.SEALED``) and any file the shipped n-gram build trains on.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from guard_corpora import refuse_heldout
from guard_groups import (
    FIRST_INDEPENDENT_SET,
    FOURTH_INDEPENDENT_SET,
    OPTIONAL_GROUPS,
    SECOND_INDEPENDENT_SET,
    THIRD_INDEPENDENT_SET,
)

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine
from llm_gateway.guardrails.classifier import ClassifierRule, load_model

ATTACKS = frozenset({"injection", "jailbreak", "prompt_extraction"})
# Benign rows: the strangers' everyday asks and hard negatives, and the look-alike judges'
# harmless bot mentions and persona set-ups (rounds 21-22 lost on those).
BENIGN = frozenset({"benign", "benign_hard_negative", "benign_bot_mention", "benign_persona"})
HEADS = ("injection", "prompt_extraction")
EVAL = Path(__file__).resolve().parents[1] / "eval/guardrails"  # group files are relative to it
OFF = 1.01  # above any probability: the head never fires
GRID = [round(0.60 + 0.01 * k, 2) for k in range(31)]  # 0.60 ... 0.90
TRAINED_ON = {
    FIRST_INDEPENDENT_SET,
    SECOND_INDEPENDENT_SET,
    THIRD_INDEPENDENT_SET,
    FOURTH_INDEPENDENT_SET,
    *OPTIONAL_GROUPS.values(),
}


@dataclass(frozen=True, slots=True)
class Row:
    file: str
    attack: bool  # label 1 of an attack category (False: a benign row)
    blocked_without_heads: bool
    injection: float  # the score as first computed
    prompt_extraction: float
    injection_context: float  # after the classifier's context rescoring, when it applies
    prompt_extraction_context: float

    def flagged(self, t_inj: float, t_ext: float) -> bool:
        """What the engine decides at (t_inj, t_ext): it rescores a prompt without its benign
        context only when a first score reaches its threshold (``ClassifierRule.scores``)."""
        if self.blocked_without_heads:
            return True
        if self.injection >= t_inj or self.prompt_extraction >= t_ext:
            return self.injection_context >= t_inj or self.prompt_extraction_context >= t_ext
        return False


def refuse_training_file(path: Path) -> Path:
    """``path``, unless the shipped n-gram build trains on it (calibrate on strangers only)."""
    if path.resolve() in {(EVAL / name).resolve() for name in TRAINED_ON}:
        raise SystemExit(f"refusing a training group of the shipped build: {path}")
    return path


def engine(thresholds: dict[str, float], artefact: Path | None = None) -> GuardrailEngine:
    """The fast path at ``thresholds`` ({}: the artefact's own), with a dev artefact if given."""
    policy = GuardrailPolicy(classifier=True)
    settings = GuardrailSettings(default_policy=policy, classifier_thresholds=thresholds)
    built = GuardrailEngine(settings)
    if artefact is not None:
        built.use_classifier(ClassifierRule(load_model(artefact), thresholds))
    built.check_input("warm-up")
    return built


def labelled(path: Path) -> list[tuple[str, bool]]:
    """(text, is attack) of each attack and benign row of ``path`` (harmful requests are another
    task)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            if data["category"] in ATTACKS | BENIGN:
                attack = data["category"] in ATTACKS and int(data["label"]) == 1
                out.append((data["text"], attack))
    return out


def read_rows(paths: list[Path], artefact: Path | None) -> list[Row]:
    """Attack and benign rows with both passes' results."""
    off = engine(dict.fromkeys(HEADS, OFF), artefact)
    floor = engine(dict.fromkeys(HEADS, GRID[0]), artefact)
    rows = []
    for path in paths:
        for text, attack in labelled(path):
            # heads off: no threshold is reached, so the scores are the first ones; at the floor
            # every threshold of the grid is, so they are the rescored ones where that applies
            verdict = off.check_input(text)
            first = dict(verdict.scores)
            context = dict(floor.check_input(text).scores)
            rows.append(
                Row(
                    file=str(path),
                    attack=attack,
                    blocked_without_heads=verdict.action == "block",
                    injection=first.get("injection", 0.0),
                    prompt_extraction=first.get("prompt_extraction", 0.0),
                    injection_context=context.get("injection", 0.0),
                    prompt_extraction_context=context.get("prompt_extraction", 0.0),
                )
            )
    return rows


def metrics(flags: list[tuple[bool, bool]]) -> dict[str, float]:
    """Recall, precision, F1 and benign FPR of (is attack, flagged) pairs."""
    tp = sum(a and f for a, f in flags)
    fp = sum(f and not a for a, f in flags)
    positives = sum(a for a, _ in flags)
    negatives = len(flags) - positives
    recall = tp / positives if positives else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    fpr = fp / negatives if negatives else 0.0
    return {"recall": recall, "precision": precision, "f1": f1, "fpr": fpr}


def simulated(rows: list[Row], t_inj: float, t_ext: float) -> dict[str, float]:
    return metrics([(r.attack, r.flagged(t_inj, t_ext)) for r in rows])


def choose(rows: list[Row], budget: float) -> tuple[float, float]:
    """The (injection, extraction) pair of the best pooled F1 within the benign budget."""
    best: tuple[float, float, float] | None = None  # (f1, t_inj, t_ext)
    for t_inj in reversed(GRID):  # high thresholds first: a tie keeps the stricter pair
        for t_ext in reversed(GRID):
            m = simulated(rows, t_inj, t_ext)
            if m["fpr"] <= budget and (best is None or m["f1"] > best[0] + 1e-12):
                best = (m["f1"], t_inj, t_ext)
    if best is None:
        raise SystemExit(f"no threshold pair keeps the benign FPR within {budget:.2%}")
    return best[1], best[2]


def exact_flags(
    path: Path, thresholds: dict[str, float], artefact: Path | None
) -> list[tuple[bool, bool]]:
    """(is attack, blocked) of each attack and benign row of ``path`` on the fast path."""
    scorer = engine(thresholds, artefact)
    return [(attack, scorer.check_input(text).action == "block") for text, attack in labelled(path)]


def exact(
    paths: list[Path], thresholds: dict[str, float], artefact: Path | None
) -> dict[str, dict[str, float]]:
    """The fast path's attack figures at ``thresholds``, per file and pooled."""
    by_file = {str(path): exact_flags(path, thresholds, artefact) for path in paths}
    out = {name: metrics(flags) for name, flags in by_file.items()}
    out["all"] = metrics([f for flags in by_file.values() for f in flags])
    return out


def blocked_share(path: Path, thresholds: dict[str, float], artefact: Path | None) -> float:
    """The share of ``path``'s rows (all read as benign) the fast path blocks at ``thresholds``."""
    scorer = engine(thresholds, artefact)
    texts = [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines() if line]
    return sum(scorer.check_input(t).action == "block" for t in texts) / len(texts)


def leave_one_out(
    paths: list[Path], rows: list[Row], budget: float, artefact: Path | None
) -> dict[str, dict[str, float]]:
    """Each file scored exactly at the pair chosen on the other files (the procedure's estimate)."""
    out: dict[str, dict[str, float]] = {}
    flags: list[tuple[bool, bool]] = []
    for path in paths:
        t_inj, t_ext = choose([r for r in rows if r.file != str(path)], budget)
        pair = {"injection": t_inj, "prompt_extraction": t_ext}
        table = exact([path], pair, artefact)
        out[f"{path.name} ({t_inj:.2f}/{t_ext:.2f})"] = table[str(path)]
        flags += exact_flags(path, pair, artefact)
    out["all"] = metrics(flags)
    return out


def show(title: str, table: dict[str, dict[str, float]]) -> None:
    print(f"\n== {title}")
    print(f"{'file':32}{'recall':>9}{'precision':>11}{'f1':>8}{'fpr':>8}")
    for key, m in table.items():
        name = Path(key).name
        print(f"{name:32}{m['recall']:9.3f}{m['precision']:11.3f}{m['f1']:8.3f}{m['fpr']:8.2%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", action="append", required=True, type=Path)
    parser.add_argument("--budget", type=float, default=0.025, help="pooled benign FPR cap")
    parser.add_argument("--json", type=Path, help="write the choice and both tables here")
    parser.add_argument("--leave-one-out", action="store_true", help="each file by the others")
    parser.add_argument(
        "--classifier-artefact", type=Path, help="a dev build instead of the shipped"
    )
    parser.add_argument(
        "--watch",
        action="append",
        default=[],
        type=Path,
        help="a benign set to report (share blocked at both pairs), never used to choose",
    )
    args = parser.parse_args()
    paths = [refuse_training_file(refuse_heldout(p)) for p in args.dataset]
    artefact = args.classifier_artefact
    rows = read_rows(paths, artefact)
    t_inj, t_ext = choose(rows, args.budget)
    chosen = {"injection": t_inj, "prompt_extraction": t_ext}
    print(f"chosen (budget {args.budget:.2%}): {json.dumps(chosen)}")
    own = {h: load_model(artefact).thresholds[h] for h in HEADS}  # the artefact's own pair
    before, after = exact(paths, own, artefact), exact(paths, chosen, artefact)
    show(f"the artefact's thresholds {json.dumps(own)}", before)
    show(f"chosen {json.dumps(chosen)}", after)
    sim = simulated(rows, t_inj, t_ext)
    if any(abs(sim[k] - after["all"][k]) > 1e-9 for k in sim):  # the choice's premise
        print(f"WARNING: the simulated pooled figures {sim} differ from the exact ones")
    watched = {
        path.name: {
            "artefact": blocked_share(path, own, artefact),
            "calibrated": blocked_share(path, chosen, artefact),
        }
        for path in (refuse_heldout(p) for p in args.watch)
    }
    for name, shares in watched.items():
        print(
            f"watched {name}: blocked {shares['artefact']:.2%} at the artefact's pair, "
            f"{shares['calibrated']:.2%} at the chosen"
        )
    left_out = leave_one_out(paths, rows, args.budget, artefact) if args.leave_one_out else None
    if left_out is not None:
        show("each file by the pair chosen on the others", left_out)
    if args.json is not None:
        report = {
            "budget": args.budget,
            "datasets": [p.as_posix() for p in args.dataset],
            "chosen": chosen,
            "artefact": before,
            "calibrated": after,
            "leave_one_out": left_out,
            "watched": watched,
        }
        args.json.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
