"""Input rules: weighted injection/jailbreak patterns matched on the normalized prompt."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from llm_gateway.guardrails.input_context import drop_self_revisions
from llm_gateway.guardrails.input_mention import drop_mentions
from llm_gateway.guardrails.input_pasted import keep_pasted
from llm_gateway.guardrails.input_patterns import EN_PATTERNS, OTHER_PATTERNS, InputPattern
from llm_gateway.guardrails.input_patterns_addressee import ADDRESSEE_PATTERNS
from llm_gateway.guardrails.input_patterns_harm import HARM_PATTERNS
from llm_gateway.guardrails.input_patterns_harm_acts import HARM_ACT_PATTERNS
from llm_gateway.guardrails.input_patterns_harm_evasion import HARM_EVASION_PATTERNS
from llm_gateway.guardrails.input_patterns_harm_intent import HARM_INTENT_PATTERNS
from llm_gateway.guardrails.input_patterns_indirect import INDIRECT_PATTERNS
from llm_gateway.guardrails.input_patterns_ko import KO_PATTERNS
from llm_gateway.guardrails.normalize import NormalizedText, normalize
from llm_gateway.guardrails.types import Finding, Stage

_EXCERPT_CHARS = 80
ALL_PATTERNS: tuple[InputPattern, ...] = (
    EN_PATTERNS
    + INDIRECT_PATTERNS
    + ADDRESSEE_PATTERNS
    + OTHER_PATTERNS
    + KO_PATTERNS
    + HARM_PATTERNS
    + HARM_ACT_PATTERNS
    + HARM_INTENT_PATTERNS
    + HARM_EVASION_PATTERNS
)


@dataclass(frozen=True, slots=True)
class PatternRule:
    """Every input pattern in one pass over one normalization (the costly part is shared).

    Each matched pattern gives one finding (its first match) whose ``score`` is the pattern's
    weight; the engine sums them. Findings are named by pattern id so operators can disable one.
    Attack findings that only quote the phrase a question is about are dropped
    (``input_mention``), and so are injection/extraction findings that only match the user
    revising their own earlier instruction (``input_context``). Orders to an AI reader count only
    inside pasted third-party content (``input_pasted``).
    """

    patterns: tuple[InputPattern, ...] = ALL_PATTERNS
    id: str = "input.patterns"
    stage: Stage = "input"

    @classmethod
    def without(cls, disabled: Iterable[str]) -> PatternRule:
        """The default table minus the pattern ids in ``disabled``."""
        off = set(disabled)
        return cls(tuple(p for p in ALL_PATTERNS if p.id not in off))

    def check(self, text: str) -> list[Finding]:
        return self.check_views(normalize(text))

    def check_views(self, views: NormalizedText) -> list[Finding]:
        """The findings on an already normalized prompt (shared with the classifier)."""
        findings: list[Finding] = []
        matched: dict[str, InputPattern] = {}
        for pattern in self.patterns:
            if pattern.view != "text" and not views.hangul:
                continue
            haystack = views.compact if pattern.view == "compact" else views.text
            match = pattern.regex.search(haystack)
            if match is None:
                continue
            matched[pattern.id] = pattern
            findings.append(
                Finding(
                    rule_id=pattern.id,
                    category=pattern.category,
                    span=match.span(),
                    label=pattern.category.upper(),
                    score=pattern.weight,
                    excerpt=match.group(0)[:_EXCERPT_CHARS],
                )
            )
        findings = keep_pasted(findings, views)
        return drop_self_revisions(drop_mentions(findings, views, matched), views, matched)
