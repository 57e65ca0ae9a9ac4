"""The guardrail engine: runs input and output rules and turns findings into verdicts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from llm_gateway.agent.conversation import user_text
from llm_gateway.core.config import GuardrailOutputAction, GuardrailSettings
from llm_gateway.guardrails.input_rules import PatternRule
from llm_gateway.guardrails.output_rules import mask_text, pii_rule, resolve_overlaps, secret_rule
from llm_gateway.guardrails.stream import StreamGuard
from llm_gateway.guardrails.types import (
    Finding,
    InputAction,
    OutputAction,
    OutputStep,
    Rule,
    Verdict,
)

RequestPath = Literal["agent", "proxy"]


class GuardrailEngine:
    """Input and output checks built once per process from ``GuardrailSettings``.

    Rules are pure, so one engine serves every request concurrently. Extra rules (a classifier
    from a later issue) are passed in and take part exactly like the built-in pattern rules: input
    findings add their ``score``; output findings are acted on by their category's action.
    """

    def __init__(
        self,
        settings: GuardrailSettings,
        *,
        extra_input_rules: Sequence[Rule] = (),
        extra_output_rules: Sequence[Rule] = (),
    ) -> None:
        self.settings = settings
        disabled = settings.disabled_rules
        self._actions: dict[str, OutputAction] = {
            "secret": settings.secret_action,
            "pii": settings.pii_action,
        }
        self.input_rules: tuple[Rule, ...] = (PatternRule.without(disabled), *extra_input_rules)
        output: list[Rule] = []
        # A family whose action is "allow" is not scanned at all: no cost for what is not acted on.
        if settings.secret_action != "allow":  # noqa: S105 - an action name, not a password
            output.append(secret_rule(disabled))
        if settings.pii_action != "allow":
            output.append(pii_rule(disabled))
        self.output_rules: tuple[Rule, ...] = (*output, *extra_output_rules)

    # --- configuration -------------------------------------------------------------------

    def input_enabled(self, path: RequestPath) -> bool:
        return self.settings.agent_input if path == "agent" else self.settings.proxy_input

    def output_enabled(self, path: RequestPath) -> bool:
        return self.settings.agent_output if path == "agent" else self.settings.proxy_output

    @property
    def max_regenerations(self) -> int:
        return self.settings.max_regenerations

    def action_for(self, finding: Finding) -> OutputAction:
        """What the configuration says to do about one output finding (unknown: regenerate)."""
        action: GuardrailOutputAction = self._actions.get(finding.category, "regenerate")
        return action

    # --- checks --------------------------------------------------------------------------

    def check_input(self, text: str) -> Verdict:
        """``block`` when the matched rules' weights reach ``input_block_score``."""
        findings = [f for rule in self.input_rules for f in rule.check(text)]
        score = round(sum(f.score for f in findings), 3)
        action: InputAction = "block" if score >= self.settings.input_block_score else "allow"
        return Verdict(stage="input", action=action, findings=tuple(findings), score=score)

    def check_input_messages(self, messages: Iterable[Mapping[str, Any]]) -> Verdict:
        """``check_input`` over the user messages of an OpenAI ``messages`` list.

        Earlier user turns are included: a client controls the whole history it sends, so an
        injection placed in an "old" turn must not slip through.
        """
        return self.check_input(user_text(messages))

    def output_findings(self, text: str) -> list[Finding]:
        """Non-overlapping output findings in text order, allowed categories left out."""
        found = (f for rule in self.output_rules for f in rule.check(text))
        return resolve_overlaps(f for f in found if self.action_for(f) != "allow")

    def check_output(self, text: str) -> Verdict:
        """``regenerate`` if any finding's action says so, else ``mask`` if any finding, else
        ``allow``. ``masked_text`` always has every finding masked (the fallback when the
        regeneration budget is spent and the operator prefers a masked answer to a refusal)."""
        findings = self.output_findings(text)
        if not findings:
            return Verdict(stage="output", action="allow", masked_text=text)
        actions = {self.action_for(f) for f in findings}
        action: OutputAction = "regenerate" if "regenerate" in actions else "mask"
        return Verdict(
            stage="output",
            action=action,
            findings=tuple(findings),
            masked_text=mask_text(text, findings),
        )

    def resolve_output(self, verdict: Verdict, regenerations_done: int) -> OutputStep:
        """The agent's next step for an output verdict, enforcing the regeneration bound.

        ``regenerate`` while fewer than ``max_regenerations`` have been done, then ``refuse``.
        """
        if verdict.action == "regenerate":
            if regenerations_done < self.settings.max_regenerations:
                return "regenerate"
            return "refuse"
        if verdict.action == "mask":
            return "mask"
        return "allow"

    def stream_guard(self) -> StreamGuard:
        """A fresh guard for one streamed answer (it holds that stream's buffer)."""
        return StreamGuard(
            self.output_findings,
            self.action_for,
            holdback=self.settings.stream_holdback_chars,
            max_buffer=self.settings.stream_max_buffer_chars,
        )
