"""The intent fast pass: guardrail verdict, tool cues, complexity and language, no model call.

It always produces a best guess with a confidence; the analyzer trusts it alone when the
confidence reaches its threshold, and otherwise asks the intent LLM (keeping the guess as the
fallback). Confidence levels are fixed points, not probabilities: they order the evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from llm_gateway.agent.intent.features import (
    CODE_BLOCK,
    COMPLEX_CUES,
    HARM_CUES,
    SIMPLE_CUES,
    TOOL_CUES,
    detect_language,
)
from llm_gateway.agent.intent.types import DANGEROUS, GENERAL, TOOL_PREFIX, Complexity, IntentResult
from llm_gateway.guardrails import Verdict

BLOCKED = 0.97  # the input guardrail blocked it
STRONG = 0.9  # one tool's strong cue and no competing cue
GENERAL_CLEAR = 0.85  # no tool or harm cue at all
CONTESTED = 0.6  # strong cues of two tools, or a strong cue next to another's weak one
WEAK = 0.5  # only weak cues
HARM = 0.45  # harm vocabulary: the LLM must look

_WHITESPACE = re.compile(r"\s+")
# Long prompts (a pasted document) can carry tool words that are not requests; only the start
# and the end, where people put the ask, are scanned for tool cues.
_SCAN_HEAD, _SCAN_TAIL = 600, 300


def _scan_text(text: str) -> str:
    folded = _WHITESPACE.sub(" ", text.casefold()).strip()
    if len(folded) <= _SCAN_HEAD + _SCAN_TAIL:
        return folded
    return folded[:_SCAN_HEAD] + " … " + folded[-_SCAN_TAIL:]


def estimate_complexity(text: str) -> Complexity:
    """``complex`` for code blocks, long prompts, or multi-step/analysis cues."""
    folded = text.casefold()
    score = 0.0
    if CODE_BLOCK.search(text) and "```" in text:
        score += 0.5
    length = len(folded)
    # Hangul/CJK carry more per character; past 320 characters the answer is known without
    # counting them (a per-character loop over a pasted document is not free).
    wide = sum(1 for ch in folded if ord(ch) > 0x2E7F) if length <= 320 else 0
    effective = length + wide
    score += 1.0 if effective > 320 else 0.5 if effective > 140 else 0.0
    if COMPLEX_CUES.search(folded):
        score += 1.0
    if SIMPLE_CUES.search(folded):
        score -= 1.0
    return "complex" if score >= 1.0 else "simple"


def _tool_hits(text: str, available: frozenset[str]) -> tuple[list[str], list[str]]:
    strong: list[str] = []
    weak: list[str] = []
    for cues in TOOL_CUES:
        if cues.tool not in available:
            continue
        # A veto ("time complexity") removes the strong reading; the word may still hint.
        vetoed = cues.veto is not None and cues.veto.search(text) is not None
        if not vetoed and cues.strong.search(text):
            strong.append(cues.tool)
        elif cues.weak.search(text):
            weak.append(cues.tool)
    return strong, weak


def _pick(strong: list[str], weak: list[str]) -> tuple[str, float, str]:
    if strong:
        # Order in TOOL_CUES breaks ties: running given code beats the arithmetic inside it;
        # asking for the time beats a number in the question.
        tool = strong[0]
        others = [t for t in strong[1:] + weak if t != tool]
        if not others:
            return TOOL_PREFIX + tool, STRONG, f"strong {tool} cue"
        if len(strong) == 1:
            return TOOL_PREFIX + tool, STRONG - 0.1, f"strong {tool} cue, weak {others[0]}"
        return TOOL_PREFIX + tool, CONTESTED, f"cues for {tool} and {', '.join(others)}"
    if weak:
        return GENERAL, WEAK, f"weak {weak[0]} cue"
    return GENERAL, GENERAL_CLEAR, "no tool cue"


class FastPass:
    """Rules over the latest user message (and the guardrail verdict over all of them)."""

    def __init__(self, tool_names: Sequence[str]) -> None:
        self.tool_names = frozenset(tool_names)

    def decide(self, text: str, verdict: Verdict | None = None) -> IntentResult:
        """The best local guess for ``text`` (the latest user message)."""
        language = detect_language(text)
        complexity = estimate_complexity(text)
        if verdict is not None and verdict.action == "block":
            rules = ", ".join(verdict.rule_ids[:3])
            return IntentResult(
                DANGEROUS, complexity, language, BLOCKED, f"input guardrail: {rules}", "rules"
            )
        scan = _scan_text(text)
        if not scan:
            return IntentResult(GENERAL, "simple", language, GENERAL_CLEAR, "empty", "rules")
        if HARM_CUES.search(scan):
            return IntentResult(DANGEROUS, complexity, language, HARM, "harm vocabulary", "rules")
        label, confidence, reason = _pick(*_tool_hits(scan, self.tool_names))
        return IntentResult(label, complexity, language, confidence, reason, "rules")
