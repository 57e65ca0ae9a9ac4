"""A ``GuardrailEngine`` bound to one caller's policy: what the agent's ``Guardrails`` port gets."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from llm_gateway.core.config import GuardrailPolicy
from llm_gateway.guardrails.output_rules import mask_text
from llm_gateway.guardrails.stream import StreamGuard, passthrough_guard
from llm_gateway.guardrails.tool_results import ToolScreenOutcome, screen_messages
from llm_gateway.guardrails.types import Finding, Verdict

if TYPE_CHECKING:
    from llm_gateway.guardrails.engine import GuardrailEngine


class TierGuard:
    """A ``GuardrailEngine`` bound to one policy: the agent's ``Guardrails`` port per caller.

    Input checks use the policy. Output checks follow the policy's ``leak_output``: ``block``
    regenerates a buffered answer and stops a stream at any finding, ``hash``/``log``/``off`` as
    named; under ``mask`` (the default) the engine's ``secret_action``/``pii_action`` decide,
    which may also regenerate.
    """

    __slots__ = ("engine", "policy")

    def __init__(self, engine: GuardrailEngine, policy: GuardrailPolicy) -> None:
        self.engine = engine
        self.policy = policy

    def for_tier(self, tier: str | None) -> TierGuard:
        return self.engine.for_tier(tier)

    def check_input(self, text: str) -> Verdict:
        return self.engine.check_input(text, self.policy, second_stage=True)

    async def check_input_off_loop(self, text: str) -> Verdict:
        """``check_input`` off the event loop. With the harm stage on it may embed the prompt
        (~20 ms): then on the shared embedder's thread, queued with the other embeddings rather
        than holding a default-pool thread while it waits for the model."""
        embedder = self.engine.harm_stage.embedder if self.engine.settings.harm_stage else None
        if embedder is None:
            return await asyncio.to_thread(self.check_input, text)
        return await embedder.call(self.check_input, text)

    async def screen_input(self, text: str) -> Verdict:
        """``check_input_off_loop``, then the
        grey-zone judge (the engine's, when on) for the categories it is unsure about."""
        verdict = await self.check_input_off_loop(text)
        judge = self.engine.judge
        if judge is None:
            return verdict
        reviewed, _ = await judge.review(verdict, text, self.policy)
        return reviewed

    def redact_prompt(self, text: str, categories: set[str] | None = None) -> str:
        """``text`` with PII masked or hashed when the policy's ``pii_input`` says so
        (``categories`` collects what was redacted)."""
        return self.engine.redact_input(text, self.policy, categories)

    def leak_findings(self, text: str) -> list[Finding]:
        """Secrets and personal data in ``text`` (what ``pii_input`` acts on)."""
        return self.engine.leak_findings(text)

    @property
    def pii_input(self) -> str:
        return self.policy.pii_input

    @property
    def leak_output(self) -> str:
        return self.policy.leak_output

    @property
    def tool_results(self) -> str:
        """The policy's action for instructions aimed at the model inside tool results."""
        return self.policy.tool_results

    async def screen_tool_results(
        self, messages: list[Any], *, withhold: bool | None = None
    ) -> ToolScreenOutcome | None:
        """Screen ``messages``' tool results for injection under the policy's ``tool_results``
        (a flagged one is replaced in place when ``withhold``, by default under ``withhold``;
        see ``guardrails/tool_results.py``)."""
        return await screen_messages(
            self.engine.tool_screen, messages, self.policy, withhold=withhold
        )

    def check_output(self, text: str) -> Verdict:
        """The engine's output check under ``leak_output``: ``off`` skips it, ``log`` reports
        findings without acting (action ``allow``), ``hash`` hashes what would be masked,
        ``block`` regenerates on any finding (then refuses, past ``max_regenerations``)."""
        action = self.policy.leak_output
        if action == "off":
            return Verdict(stage="output", action="allow", masked_text=text)
        if action == "log":
            found = tuple(self.engine.output_findings(text))
            return Verdict(stage="output", action="allow", findings=found, masked_text=text)
        if action == "block":  # every secret and PII family, whatever secret/pii_action say
            leaks = tuple(self.engine.leak_findings(text))
            if not leaks:
                return Verdict(stage="output", action="allow", masked_text=text)
            masked = mask_text(text, leaks)
            return Verdict(stage="output", action="regenerate", findings=leaks, masked_text=masked)
        verdict = self.engine.check_output(text)
        if action == "hash" and verdict.action == "mask":
            return replace(verdict, masked_text=self.engine.hash_text(text, verdict.findings))
        return verdict

    def stream_guard(self) -> StreamGuard:
        action = self.policy.leak_output
        if action == "off":
            return passthrough_guard()
        if action in ("log", "hash", "block"):  # block: any leak stops the stream
            return self.engine.leak_guard(self.policy) or passthrough_guard()
        return self.engine.stream_guard()
