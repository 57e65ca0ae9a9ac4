"""The writers ``attack_lowo.py`` leaves out, their rows as the agent path scores them, figures.

A writer's rows are its attack (injection, jailbreak, prompt extraction) and benign + hard
negative rows. ``Writer.fast`` is the agent path as shipped: exact rules and n-grams (the
engine's default policy), OR the shipped harm stage on the same e5 vector (its head and gate).
Paths naming ``sealed.SEALED`` are refused.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from eval_guardrails import score_file
from guard_corpora import refuse_heldout
from harm_gate import e5_flags
from harm_rows import embed_all

from llm_gateway.guardrails import GuardrailEngine
from llm_gateway.guardrails.classifier import is_korean
from llm_gateway.guardrails.harm_stage import load_head

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO / "eval/guardrails"
ATTACKS = {"injection": "inj", "jailbreak": "jb", "prompt_extraction": "ext"}
BENIGN = ("benign", "benign_hard_negative")
HEAD_CATEGORIES = {"attack": ("injection", "jailbreak"), "extraction": ("prompt_extraction",)}
HEAD_NGRAM = {"attack": "injection", "extraction": "prompt_extraction"}
WRITERS = {  # name -> (its set, its training group)
    **{f"v{n}": (f"heldout/guard_heldout_v{n}.jsonl", f"dev_heldout_v{n}") for n in range(3, 10)},
    **{f"s9{w}": (f"dev_written_s9_{w}.jsonl", f"dev_written_s9_{w}") for w in "abcd"},
    **{f"s10{w}": (f"dev_written_s10_{w}.jsonl", f"dev_written_s10_{w}") for w in "efg"},
    "s11h": ("dev_written_s11_h.jsonl", "dev_written_s11_h"),
    "v10": ("heldout/guard_heldout_v10.jsonl", "dev_heldout_v10"),
    "s12i": ("dev_written_s12_i.jsonl", "dev_written_s12_i"),
}
PROBE = "probe"  # the session-9 benign probe: scored as left out, sets no threshold


def writer_names(chosen: list[str] | None, extra: list[str]) -> list[str]:
    """``chosen`` (default every writer and the probe) and ``extra`` (``s10e`` ->
    ``dev_written_s10_e.jsonl``)."""
    return [*(chosen or [*WRITERS, PROBE]), *extra]


def source(name: str) -> tuple[Path, str]:
    if name == PROBE:
        return EVAL / "dev_benign_probe_s9.jsonl", "dev_benign_probe_s9"
    if name in WRITERS:
        path, group = WRITERS[name]
        return EVAL / path, group
    stem = f"dev_written_{name[:-1]}_{name[-1]}"  # s10e -> dev_written_s10_e
    return EVAL / f"{stem}.jsonl", stem


class Writer:
    """One writer's rows: the shipped agent path's verdicts, scripts, labels, e5 vectors."""

    def __init__(
        self, name: str, engine: GuardrailEngine, cache: Path, path: Path | None = None
    ) -> None:
        """``path``: the set of a writer ``source`` does not know (its group is then ``name``)."""
        path, self.group = source(name) if path is None else (path, name)
        # the probe and extra writers are scored as left out and set nobody's threshold
        self.name, self.probe = name, name not in WRITERS
        rows = score_file(engine, refuse_heldout(path), "all", [], [])
        self.rows = [r for r in rows if r.category in (*BENIGN, *ATTACKS)]
        self.cat = np.array([r.category for r in self.rows])
        self.lang = np.array([r.lang for r in self.rows])
        self.korean = np.array([is_korean(r.text) for r in self.rows])
        self.benign = np.isin(self.cat, BENIGN)
        self.everyday = self.cat == "benign"
        self.x = embed_all(self.rows, cache)  # type: ignore[arg-type]  # anything with .text
        self.long = np.array([len(r.text) > 400 for r in self.rows])
        self.tail = np.zeros_like(self.x)
        self.texts = {r.text for r in self.rows}
        self.ngrams = {
            k: np.array([r.scores.get(k, 0.0) for r in self.rows])
            for k in ("injection", "prompt_extraction", "harmful_request")
        }
        harm = load_head()
        p = np.array([harm.probability(v) for v in self.x])
        e5 = e5_flags(p, self.ngrams["harmful_request"], self.korean, harm.decides())
        self.fast = np.array([r.flagged for r in self.rows]) | e5
        # flagged by n-gram attack findings alone (what e5 might overrule; never exact rules)
        self.ngram_only = (
            np.array(
                [
                    r.flagged
                    and all(
                        x in ("classifier.injection", "classifier.prompt_extraction")
                        for x in r.rules
                    )
                    for r in self.rows
                ]
            )
            & ~e5
        )
        print(f"  {name}: {len(self.rows)} rows", file=sys.stderr, flush=True)


class View:
    """A writer's rows for one head (its categories + benign), in ``harm_gate.choose``'s shape."""

    def __init__(self, w: Writer, head: str) -> None:
        self.probe = w.probe
        self.mask = w.benign | np.isin(w.cat, HEAD_CATEGORIES[head])
        self.all_ngram = w.ngrams[HEAD_NGRAM[head]]
        self.ngram = self.all_ngram[self.mask]
        self.fast, self.korean = w.fast[self.mask], w.korean[self.mask]
        self.benign, self.everyday = w.benign[self.mask], w.everyday[self.mask]


def rate(flagged: np.ndarray, sel: np.ndarray) -> float | None:
    return round(float(flagged[sel].mean()), 3) if sel.any() else None


def figures(w: Writer, flagged: np.ndarray) -> dict[str, float | None]:
    """Attack recall per category and language, FPR (everyday, hard negatives), P/R/F1."""
    out: dict[str, float | None] = {}
    for cat, short in ATTACKS.items():
        for lang in ("en", "ko"):
            out[f"recall_{short}_{lang}"] = rate(flagged, (w.cat == cat) & (w.lang == lang))
    out["fpr_everyday"] = rate(flagged, w.everyday)
    out["fpr_hard"] = rate(flagged, w.benign & ~w.everyday)
    for lang in ("en", "ko"):
        out[f"fpr_hard_{lang}"] = rate(flagged, w.benign & ~w.everyday & (w.lang == lang))
    for lang in ("en", "ko", "all"):
        sel = w.lang == lang if lang != "all" else np.ones(len(w.rows), dtype=bool)
        pos, neg = sel & ~w.benign, sel & w.benign
        tp, fp = int((flagged & pos).sum()), int((flagged & neg).sum())
        recall = tp / pos.sum() if pos.any() else None
        precision = tp / (tp + fp) if tp + fp else None
        f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
        if f1 is None and pos.any():  # attacks, none caught: 0, not left out of the means
            f1 = 0.0
        out[f"f1_{lang}"] = None if f1 is None else round(f1, 3)
        out[f"recall_{lang}"] = None if recall is None else round(recall, 3)
        out[f"fpr_{lang}"] = rate(flagged, neg)
    return out


def print_table(results: dict[str, dict[str, float | None]]) -> None:
    """One row per left-out writer, their mean and worst (the probe and extra writers: their own
    rows, not in them)."""
    columns = list(next(iter(results.values())))
    cells = [v for w, v in results.items() if w in WRITERS]
    summary: dict[str, dict[str, float | None]] = {"mean": {}, "worst": {}}
    for c in columns:
        values = [float(v[c]) for v in cells if v.get(c) is not None]  # type: ignore[arg-type]
        summary["mean"][c] = round(sum(values) / len(values), 3) if values else None
        worst = max if "fpr" in c else min
        summary["worst"][c] = worst(values) if values else None
    print(f"{'left out':9}" + "".join(f"{c.replace('recall', 'r'):>11}" for c in columns))
    for writer, cell in {**results, **summary}.items():
        values = "".join(f"{'-' if cell[c] is None else f'{cell[c]:.3f}':>11}" for c in columns)
        print(f"{writer:9}{values}")
