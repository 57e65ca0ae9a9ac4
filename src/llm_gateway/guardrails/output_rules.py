"""Output rules: secret and PII patterns confirmed by validators, and span masking."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from llm_gateway.guardrails.output_patterns import (
    PII_PATTERNS,
    PII_TRIGGER,
    SECRET_PATTERNS,
    SECRET_TRIGGER,
    Family,
    OutputPattern,
)
from llm_gateway.guardrails.types import Finding, Stage

_EXCERPT_CHARS = 12  # enough to tell which key it was in a log, never the whole secret


@dataclass(frozen=True, slots=True)
class OutputPatternRule:
    """Every pattern of one family (secrets, or PII) over the raw answer."""

    id: str
    family: Family
    patterns: tuple[OutputPattern, ...]
    trigger: re.Pattern[str]  # every pattern's matches contain a trigger match
    stage: Stage = "output"

    def check(self, text: str) -> list[Finding]:
        # One scan for the characters every pattern needs beats a dozen scans of plain prose.
        if self.trigger.search(text) is None:
            return []
        findings: list[Finding] = []
        for pattern in self.patterns:
            for match in pattern.regex.finditer(text):
                value = match.group(pattern.group)
                if pattern.validator is not None and not pattern.validator(value):
                    continue
                findings.append(
                    Finding(
                        rule_id=pattern.id,
                        category=self.family,
                        span=match.span(pattern.group),
                        label=pattern.label,
                        excerpt=value[:4] + "…" if len(value) > _EXCERPT_CHARS else "",
                    )
                )
        return findings


def secret_rule(disabled: Iterable[str] = ()) -> OutputPatternRule:
    off = set(disabled)
    kept = tuple(p for p in SECRET_PATTERNS if p.id not in off)
    return OutputPatternRule("output.secrets", "secret", kept, SECRET_TRIGGER)


def pii_rule(disabled: Iterable[str] = ()) -> OutputPatternRule:
    off = set(disabled)
    kept = tuple(p for p in PII_PATTERNS if p.id not in off)
    return OutputPatternRule("output.pii", "pii", kept, PII_TRIGGER)


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Non-overlapping findings in text order; where two overlap the earlier, then longer, wins.

    A JWT inside a PEM block or a card number that also looks like a phone number is masked once.
    """
    ordered = sorted(findings, key=lambda f: (f.span[0], -(f.span[1] - f.span[0])))
    kept: list[Finding] = []
    for finding in ordered:
        if kept and finding.span[0] < kept[-1].span[1]:
            continue
        kept.append(finding)
    return kept


def mask_text(text: str, findings: Sequence[Finding]) -> str:
    """``text`` with each (non-overlapping, ordered) finding replaced by ``[REDACTED:<label>]``."""
    if not findings:
        return text
    parts: list[str] = []
    position = 0
    for finding in findings:
        start, end = finding.span
        parts.append(text[position:start])
        parts.append(f"[REDACTED:{finding.label}]")
        position = end
    parts.append(text[position:])
    return "".join(parts)
