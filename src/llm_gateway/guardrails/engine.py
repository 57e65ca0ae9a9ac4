"""The guardrail engine: runs input and output rules and turns findings into verdicts."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from llm_gateway.agent.conversation import user_text
from llm_gateway.core.config import GuardrailOutputAction, GuardrailPolicy, GuardrailSettings
from llm_gateway.core.embedding import SharedEmbedder
from llm_gateway.guardrails.attack_stage import AttackStage
from llm_gateway.guardrails.classifier import ClassifierRule, load_model
from llm_gateway.guardrails.harm_stage import HarmStage
from llm_gateway.guardrails.input_rules import PatternRule
from llm_gateway.guardrails.judge import GuardJudge
from llm_gateway.guardrails.normalize import normalize
from llm_gateway.guardrails.output_rules import mask_text, pii_rule, resolve_overlaps, secret_rule
from llm_gateway.guardrails.policy import input_action, masker_for, policy_for
from llm_gateway.guardrails.prompt_leak import PromptLeakRule
from llm_gateway.guardrails.second_stage import e5_findings
from llm_gateway.guardrails.stream import StreamGuard
from llm_gateway.guardrails.tier_guard import TierGuard
from llm_gateway.guardrails.tool_results import ToolResultScreen, ToolScreenOutcome, screen_messages
from llm_gateway.guardrails.tool_screen_model import load_tool_model
from llm_gateway.guardrails.types import (
    Finding,
    OutputAction,
    OutputStep,
    Rule,
    Verdict,
)
from llm_gateway.guardrails.verdicts import input_verdict, judged_verdict

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
        embedder: SharedEmbedder | None = None,
        judge: GuardJudge | None = None,
    ) -> None:
        self.settings = settings
        # The grey-zone LLM judge (``settings.judge``), shared by every caller: it holds the
        # process's call budget. None: the fast layers decide alone.
        self.judge = judge
        disabled = settings.disabled_rules
        self._actions: dict[str, OutputAction] = {
            "secret": settings.secret_action,
            "pii": settings.pii_action,
        }
        self._patterns = PatternRule.without(disabled)
        self._extra_input = tuple(extra_input_rules)
        self.input_rules: tuple[Rule, ...] = (self._patterns, *extra_input_rules)
        self._policies = (settings.default_policy, *settings.policies.values())
        # Loaded now when the proxy path may use it (a policy with ``proxy``, or ``proxy_input``),
        # when the agent is built (``preload``), else on the first check whose policy (a per-key
        # override) asks for it: a process that only proxies never reads it, nor imports numpy.
        self._classifier: ClassifierRule | None = None
        # Load their heads on first use; ``embedder`` is the process's shared e5 model, and the
        # attack stage scores the harm stage's vector (one embedding per prompt).
        self.harm_stage = HarmStage(embedder)
        self.attack_stage = AttackStage()
        if any(p.classifier and (p.proxy or settings.proxy_input) for p in self._policies):
            self.preload()
        # Secrets and PII wherever a policy asks for them (prompts, proxied answers), whatever
        # the agent's own secret_action/pii_action say.
        self._leak_rules: tuple[Rule, ...] = (secret_rule(disabled), pii_rule(disabled))
        key = settings.hash_key
        self._hash_key = key.encode() if key else os.urandom(32)
        output: list[Rule] = []
        # A family whose action is "allow" is not scanned at all: no cost for what is not acted on.
        if settings.secret_action != "allow":  # noqa: S105 - an action name, not a password
            output.append(secret_rule(disabled))
        if settings.pii_action != "allow":
            output.append(pii_rule(disabled))
        self.output_rules: tuple[Rule, ...] = (*output, *extra_output_rules)
        # Indirect injection in tool results, for policies with ``tool_results`` on.
        self.tool_screen = ToolResultScreen(self.check_input)

    def preload(self) -> None:
        """Load the classifier now if a configured policy uses it, and the tool-result head if
        one screens tool results (blocking: a worker thread)."""
        if any(p.classifier for p in self._policies):
            self._classifier = self.classifier
        if any(p.tool_results != "off" and p.classifier for p in self._policies):
            load_tool_model()

    def use_classifier(self, rule: ClassifierRule) -> None:
        """Use ``rule`` instead of the shipped classifier (dev evaluations of other builds)."""
        self._classifier = rule

    @property
    def classifier(self) -> ClassifierRule:
        if self._classifier is None:
            self._classifier = ClassifierRule(
                load_model(), dict(self.settings.classifier_thresholds)
            )
        return self._classifier

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

    def policy(self, tier: str | None) -> GuardrailPolicy:
        return policy_for(self.settings, tier)

    def for_tier(self, tier: str | None) -> TierGuard:
        """This engine under ``tier``'s policy (what the agent path uses per caller)."""
        return TierGuard(self, self.policy(tier))

    def for_policy(self, policy: GuardrailPolicy) -> TierGuard:
        """This engine under ``policy`` (a tier's, with a user's or key's overrides applied)."""
        return TierGuard(self, policy)

    async def screen_input(self, text: str) -> Verdict:
        """``TierGuard.screen_input`` under the default policy (the agent port's form)."""
        return await self.for_policy(self.settings.default_policy).screen_input(text)

    def redact_prompt(self, text: str, categories: set[str] | None = None) -> str:
        """``redact_input`` under the default policy (the agent port's form)."""
        return self.redact_input(text, self.settings.default_policy, categories)

    @property
    def pii_input(self) -> str:
        return self.settings.default_policy.pii_input

    @property
    def leak_output(self) -> str:
        return self.settings.default_policy.leak_output

    @property
    def tool_results(self) -> str:
        return self.settings.default_policy.tool_results

    async def screen_tool_results(
        self, messages: list[Any], *, withhold: bool | None = None
    ) -> ToolScreenOutcome | None:
        """``TierGuard.screen_tool_results`` under the default policy (the agent port's form)."""
        policy = self.settings.default_policy
        return await screen_messages(self.tool_screen, messages, policy, withhold=withhold)

    def hash_text(self, text: str, findings: Sequence[Finding]) -> str:
        """``text`` with each finding replaced by its label and keyed hash."""
        return masker_for("hash", self._hash_key)(text, findings)

    def check_input(
        self, text: str, policy: GuardrailPolicy | None = None, *, second_stage: bool = False
    ) -> Verdict:
        """Exact rules, then the classifier, then (if asked) PII, acted on by ``policy``.

        Pattern findings flag their categories when their summed weights reach
        ``input_block_score``; classifier findings when a category's probability reaches its
        threshold. A flagged category whose action is ``block`` blocks the prompt; ``log`` ones
        are listed in ``logged``. ``scores`` holds the classifier's probabilities.
        ``second_stage`` (the agent path, and the proxy path under a policy with ``harm_stage``)
        adds the e5 stages (harmful requests, attacks) for prompts not already blocked.
        """
        policy = policy or self.settings.default_policy
        views = normalize(text)
        found = self._patterns.check_views(views)
        found += [f for rule in self._extra_input for f in rule.check(text)]
        score = round(sum(f.score for f in found), 3)
        flagged = list(found) if score >= self.settings.input_block_score else []
        scores: dict[str, float] = {}
        if policy.classifier:
            scores = self.classifier.scores(views)
            classified = self.classifier.findings(scores)
            found += classified
            flagged += classified
        if second_stage and self._wants_second_stage(policy, flagged):
            e5 = e5_findings(self, text, policy, scores)
            found += e5
            flagged += e5
        if policy.pii_input != "off":
            leaks = self.leak_findings(text)
            found += leaks
            flagged += leaks
        return input_verdict(found, flagged, score, scores, policy)

    def apply_judgement(
        self, verdict: Verdict, policy: GuardrailPolicy, judged: Mapping[str, bool]
    ) -> Verdict:
        """``verdict`` with the LLM judge's answers (category -> harmful) replacing the models'.

        A category judged harmful gets a ``judge.<category>`` finding; one judged harmless loses
        its classifier and e5 findings. Exact-rule findings are never overruled (the judge is
        not asked about a category they flagged).
        """
        return judged_verdict(verdict, policy, judged, self.settings.input_block_score)

    async def check_input_off_loop(self, text: str) -> Verdict:
        """``check_input`` under the default policy in a worker thread (no harm stage: no e5)."""
        return await asyncio.to_thread(self.check_input, text)

    def _wants_second_stage(self, policy: GuardrailPolicy, flagged: Sequence[Finding]) -> bool:
        """Worth ~20 ms: enabled and the prompt not blocked yet."""
        if not self.settings.harm_stage:
            return False
        return all(input_action(policy, f.category) != "block" for f in flagged)

    def leak_findings(self, text: str) -> list[Finding]:
        """Secrets and PII in ``text`` (spans into it), non-overlapping, in text order."""
        return resolve_overlaps(f for rule in self._leak_rules for f in rule.check(text))

    def redact_input(
        self, text: str, policy: GuardrailPolicy, categories: set[str] | None = None
    ) -> str:
        """``text`` with its secrets and PII masked or hashed, as ``policy.pii_input`` says.

        ``categories`` (when given) collects what was redacted (``pii``, ``secret``), for counts.
        """
        if policy.pii_input not in ("mask", "hash"):
            return text
        findings = self.leak_findings(text)
        if categories is not None:
            categories.update(f.category for f in findings)
        return masker_for(policy.pii_input, self._hash_key)(text, findings)

    def leak_guard(
        self, policy: GuardrailPolicy, extra: Rule | PromptLeakRule | None = None
    ) -> StreamGuard | None:
        """A stream guard applying ``policy.leak_output`` to a proxied answer (None: ``off``).

        ``extra`` adds a per-request check (a ``PromptLeakRule`` for the request's system prompt).
        ``block`` stops the stream at the first secret or PII; ``mask``/``hash`` redact it;
        ``log`` records findings (``guard.findings``) and changes nothing.
        """
        action = policy.leak_output
        if action == "off":
            return None
        step: OutputAction = "regenerate" if action == "block" else "mask"
        scan = self.leak_findings
        if extra is not None:
            check = extra.check

            def scan(text: str) -> list[Finding]:
                return resolve_overlaps([*self.leak_findings(text), *check(text)])

        return StreamGuard(
            scan,
            lambda _finding: step,
            holdback=self.settings.stream_holdback_chars,
            max_buffer=self.settings.stream_max_buffer_chars,
            masker=masker_for(action, self._hash_key),
        )

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
