"""Measure the tool-result screen (indirect prompt injection) on labelled JSONL sets.

Usage:
    .venv/bin/python scripts/eval_tool_results.py --dataset PATH [--dataset PATH ...]
        [--layers head|rules|both] [--artefact NPZ] [--errors N] [--rows-out FILE]

Each line holds ``text`` (a tool result: a web page, an e-mail, a file, API JSON, database rows
…), ``label`` (1 = it holds an instruction aimed at the model that reads it), ``kind`` and
``lang``. A row is *flagged* when the tool-result screen (``guardrails/tool_results.py``) finds
injection in it under a policy with ``tool_results`` on, exactly as the proxy and agent paths
screen a tool message: in overlapping windows, the harmful-request category left out.
``--layers``: ``head`` (the shipped screen: the tool-result head alone), ``rules`` (the prompt's
exact attack rules alone), ``both``; ``--artefact`` scores a dev build of the head.

Printed: precision, recall, F1 and FPR per language and overall; the flag rate per ``kind`` and
label; latency per result (p50, p99, max; wall clock and this thread's CPU time). ``--errors N``
prints misclassified rows: development data only, never a held-out set. ``--rows-out`` writes
each row's verdict (label, flagged, rule ids) to compare trees row by row.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine
from llm_gateway.guardrails.tool_results import ToolResultScreen
from llm_gateway.guardrails.tool_screen_model import load_tool_model

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_guardrails import Counts, latency
from guard_corpora import refuse_heldout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", action="append", required=True, type=Path)
    parser.add_argument("--layers", choices=("head", "rules", "both"), default="head")
    parser.add_argument("--artefact", type=Path, help="a dev build of the tool-result head")
    parser.add_argument("--errors", type=int, default=0, help="N misclassified rows (dev only)")
    parser.add_argument("--rows-out", type=Path, help="each row's verdict, one JSON a line")
    args = parser.parse_args()

    policy = GuardrailPolicy(tool_results="block", classifier=args.layers != "rules")
    engine = GuardrailEngine(GuardrailSettings(default_policy=policy))
    model = load_tool_model(args.artefact)
    screen = ToolResultScreen(engine.check_input, lambda: model, rules=args.layers != "head")
    screen.findings("warm-up: load the classifier", policy)
    by_lang: dict[str, Counts] = defaultdict(Counts)
    by_kind: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    wall: list[float] = []
    cpu: list[float] = []
    rows: list[dict[str, object]] = []
    for path in args.dataset:
        for line in refuse_heldout(path).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            data = json.loads(line)
            started, thread = time.perf_counter(), time.thread_time()
            found = screen.findings(data["text"], policy)
            wall.append(time.perf_counter() - started)
            cpu.append(time.thread_time() - thread)
            label, flagged = int(data["label"]), bool(found)
            lang = str(data.get("lang", "?"))
            for key in (lang, "all"):
                by_lang[key].add(label, flagged)
            cell = by_kind[(str(data.get("kind", "?")), label)]
            cell[0] += flagged
            cell[1] += 1
            rules = sorted({f.rule_id for f in found})
            rows.append(
                {
                    "file": path.name,
                    "lang": lang,
                    "kind": data.get("kind"),
                    "label": label,
                    "flagged": flagged,
                    "rules": rules,
                    "text": data["text"],
                }
            )
    print(f"tool-result screen (layers: {args.layers})")
    print(f"{'lang':6} {'n':>5} {'P':>6} {'R':>6} {'F1':>6} {'FPR':>6}")
    for key in sorted(by_lang, key=lambda k: (k == "all", k)):
        m = by_lang[key].metrics()
        print(
            f"{key:6} {m['n']:>5} {m['precision']!s:>6} {m['recall']!s:>6} "
            f"{m['f1']!s:>6} {m['fpr']!s:>6}"
        )
    print("\nflagged / rows by kind (label 1 | label 0)")
    for kind in sorted({k for k, _ in by_kind}):
        pos, neg = by_kind.get((kind, 1), [0, 0]), by_kind.get((kind, 0), [0, 0])
        print(f"  {kind:15} {pos[0]:>3}/{pos[1]:<3} | {neg[0]:>3}/{neg[1]:<3}")
    print(f"\nlatency per result (wall clock): {latency(wall)}")
    print(f"CPU time per result (thread): {latency(cpu)}")
    errors = [r for r in rows if r["flagged"] != bool(r["label"])][: args.errors]
    for r in errors:
        kind = "FN" if r["label"] else "FP"
        print(f"    {kind} [{r['kind']}/{r['lang']}] {r['rules']} {str(r['text'])[:160]!r}")
    if args.rows_out is not None:
        args.rows_out.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
