"""The addressee rules (session 14) on vs off, same artefacts: rows each path gains and loses.

Usage:
    .venv/bin/python scripts/addressee_compare.py --dataset PATH [--dataset PATH ...]
        [--harm-stage] [--show N]

*On* is the shipped rule table; *off* drops ``injection.addressed_action`` /
``injection.ko.addressed_action`` (session 14's first version also turned off a human-addressee
excuse, since removed). A
verdict depends only on the text and the rule findings (the classifier and e5 stages read the
text), so only rows whose rule findings differ are scored on the full path, once per variant;
every other row has the same verdict either way. Printed (``--json``-like dict): attack rows
gained and lost, benign rows newly flagged and no longer flagged, per path.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine
from llm_gateway.guardrails.input_rules import PatternRule

NEW_RULES = ("injection.addressed_action", "injection.ko.addressed_action")
ATTACKS = ("injection", "jailbreak", "prompt_extraction")


def _rows(paths: list[Path]) -> list[dict[str, object]]:
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                data = json.loads(line)
                data["file"] = path.name
                rows.append(data)
    return rows


def _key(rule: PatternRule, text: str) -> list[tuple[str, float]]:
    return sorted((f.rule_id, f.score) for f in rule.check(text))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", action="append", required=True, type=Path)
    parser.add_argument("--harm-stage", action="store_true", help="the agent path (e5 stages)")
    parser.add_argument("--show", type=int, default=0, help="print N changed rows (dev only)")
    args = parser.parse_args()

    on, off = PatternRule(), PatternRule.without(NEW_RULES)
    rows = _rows(args.dataset)
    changed = [r for r in rows if _key(on, str(r["text"])) != _key(off, str(r["text"]))]
    engine = GuardrailEngine(GuardrailSettings(default_policy=GuardrailPolicy(classifier=True)))
    counts = {"gained": 0, "lost": 0, "benign_new_fp": 0, "benign_fp_removed": 0}
    shown: list[str] = []
    for row in changed:
        text = str(row["text"])
        flagged = {}
        for name, rule in (("on", on), ("off", off)):
            engine._patterns = rule
            flagged[name] = engine.check_input(text, second_stage=args.harm_stage).action == "block"
        if flagged["on"] == flagged["off"]:
            continue
        attack = row.get("category") in ATTACKS
        kind = (
            ("gained" if flagged["on"] else "lost")
            if attack
            else ("benign_new_fp" if flagged["on"] else "benign_fp_removed")
        )
        if int(str(row["label"])) == 1 and not attack:
            kind = "harmful_" + ("gained" if flagged["on"] else "lost")
        counts[kind] = counts.get(kind, 0) + 1
        shown.append(f"  {kind} [{row['file']}/{row.get('category')}] {text[:140]!r}")
    path = "agent" if args.harm_stage else "fast"
    report = {"path": path, "rows": len(rows), "rule_findings_changed": len(changed), **counts}
    print(json.dumps(report))
    for line in shown[: args.show]:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
