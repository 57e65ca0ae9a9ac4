"""The intent decision, and the error raised when the intent LLM answer is unusable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from llm_gateway.core.exceptions import UpstreamError

Complexity = Literal["simple", "complex"]
Source = Literal["rules", "classifier", "llm", "fallback"]
GENERAL = "general"
DANGEROUS = "dangerous"
TOOL_PREFIX = "tool:"


@dataclass(frozen=True, slots=True)
class IntentResult:
    """One decision: ``label`` is ``general``, ``tool:<name>`` or ``dangerous``.

    ``confidence`` is in [0, 1]; ``source`` says who decided (``fallback`` = the fast pass's best
    guess used because the intent LLM failed, timed out or was not available).
    ``withhold_tools``: a harm signal was seen, so no tool may run for this request (neither one
    the intent names nor one a model with native tool calling would pick).
    """

    label: str
    complexity: Complexity
    language: str
    confidence: float
    reason: str
    source: Source
    withhold_tools: bool = False

    @property
    def tool(self) -> str | None:
        """The tool name for a ``tool:<name>`` label, else None."""
        return self.label[len(TOOL_PREFIX) :] if self.label.startswith(TOOL_PREFIX) else None

    def replace(self, **changes: object) -> IntentResult:
        values: dict[str, object] = {
            "label": self.label,
            "complexity": self.complexity,
            "language": self.language,
            "confidence": self.confidence,
            "reason": self.reason,
            "source": self.source,
            "withhold_tools": self.withhold_tools,
        }
        values.update(changes)
        return IntentResult(**values)  # type: ignore[arg-type]


class IntentParseError(UpstreamError):
    """The intent LLM answered, but not with a usable intent; the caller falls back."""

    code = "intent_parse_error"
