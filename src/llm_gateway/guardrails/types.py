"""The guardrail vocabulary: findings, verdicts and the rule interface every check implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

Stage = Literal["input", "output"]
InputAction = Literal["allow", "block"]
OutputAction = Literal["allow", "mask", "regenerate"]
# What the agent does after applying the regeneration bound to an output verdict.
OutputStep = Literal["allow", "mask", "regenerate", "refuse"]
# Input categories match the labels of the evaluation data; output ones name what leaked.
Category = Literal[
    "injection",
    "jailbreak",
    "prompt_extraction",
    "secret",
    "pii",
    "harmful_request",
    "system_prompt",
]


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule match.

    ``span`` is a ``(start, end)`` offset: into the original text for output rules (masking
    replaces exactly that slice), into the normalized text for input rules (whose patterns run on
    an evasion-resistant rewrite). ``label`` is the mask placeholder name (``EMAIL``, ``API_KEY``).
    """

    rule_id: str
    category: Category
    span: tuple[int, int]
    label: str
    score: float = 1.0
    excerpt: str = ""


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of one check: what to do, why, and the text with findings masked."""

    stage: Stage
    action: InputAction | OutputAction
    findings: tuple[Finding, ...] = ()
    masked_text: str | None = None  # output stage: the text with every finding masked
    score: float = 0.0  # input stage: the summed weight of the matched rules
    scores: tuple[tuple[str, float], ...] = ()  # input stage: classifier probability by category
    logged: tuple[str, ...] = ()  # input stage: flagged categories the policy only logs
    blocked: tuple[str, ...] = ()  # input stage: flagged categories the policy blocks

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Distinct rule ids in match order (for events, headers and logs)."""
        return tuple(dict.fromkeys(f.rule_id for f in self.findings))

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.category for f in self.findings))

    @property
    def allowed(self) -> bool:
        return self.action == "allow"


@runtime_checkable
class Rule(Protocol):
    """A guardrail check. Regex rules now; a later issue can add ML classifiers behind it.

    ``check`` receives the raw text and returns its findings (empty when clean). It must be pure
    and thread-safe: one rule instance serves every request.
    """

    @property
    def id(self) -> str: ...

    @property
    def stage(self) -> Stage: ...

    def check(self, text: str) -> list[Finding]: ...


@dataclass(frozen=True, slots=True)
class StreamDecision:
    """What a ``StreamGuard`` releases after a chunk: text safe to send, and whether to stop."""

    text: str
    stop: bool = False
    findings: tuple[Finding, ...] = field(default_factory=tuple)
