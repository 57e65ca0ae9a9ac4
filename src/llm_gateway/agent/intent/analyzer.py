"""The intent analyzer: rules and the shipped classifier, the intent LLM when unsure, fallback."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import structlog

from llm_gateway.agent.conversation import last_user_text
from llm_gateway.agent.intent.classifier import IntentClassifier, shipped_classifier
from llm_gateway.agent.intent.embedding import E5Embedder
from llm_gateway.agent.intent.llm import build_intent_request, parse_intent_response
from llm_gateway.agent.intent.rules import FastPass
from llm_gateway.agent.intent.types import DANGEROUS, GENERAL, IntentResult
from llm_gateway.core.embedding import SharedEmbedder
from llm_gateway.guardrails import GuardrailEngine, Verdict

IntentLLM = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
DEFAULT_TOOLS = ("calculator", "web_search", "code_executor", "current_time")

logger = structlog.get_logger(__name__)


class IntentAnalyzer:
    """Built once per process; ``analyze`` is safe to call concurrently.

    Args:
        tool_names: the tools a ``tool:<name>`` label may name.
        guardrails: when given, its input verdict over the user messages makes ``dangerous``
            (leave it out when the caller already ran the input guardrail).
        small_alias: the model named in the intent request (the caller may override it).
        confident_at: fast-pass confidence (a calibrated probability) at or above which no
            LLM is called.
        classifier: the intent classifier; the shipped artefact when None, read on the first
            analysis (not at startup: a gateway that only proxies never loads it).
        embeddings: ask the embedding head for a second opinion when the n-gram classifier is
            below ``confident_at`` (the embedder loads on the first such prompt).
        refuse_at: a ``dangerous`` guess from the classifier needs this much confidence to
            stand without the LLM's second look. A ``dangerous`` intent ends the run with a
            refusal, so a false one costs a user an answer ("say something nice about Busan"
            once scored 0.86): the classifier alone refuses only on strong evidence.
        embedder: the process's shared e5 model (``AppState.embedder``); an own one when None.
    """

    def __init__(
        self,
        tool_names: Sequence[str] = DEFAULT_TOOLS,
        *,
        guardrails: GuardrailEngine | None = None,
        small_alias: str = "small",
        confident_at: float = 0.8,
        classifier: IntentClassifier | None = None,
        embeddings: bool = True,
        refuse_at: float = 0.95,
        embedder: SharedEmbedder | None = None,
    ) -> None:
        self.tool_names = tuple(tool_names)
        self.guardrails = guardrails
        self.small_alias = small_alias
        self.confident_at = confident_at
        self.refuse_at = refuse_at
        self._classifier = classifier
        self._embed = E5Embedder(embedder) if embeddings else None
        self._fast: FastPass | None = None

    @property
    def _rules(self) -> FastPass:
        if self._fast is None:
            classifier = self._classifier if self._classifier is not None else shipped_classifier()
            self._fast = FastPass(self.tool_names, classifier, self._embed)
        return self._fast

    def guess(
        self, messages: Sequence[Mapping[str, Any]], verdict: Verdict | None = None
    ) -> IntentResult:
        """The fast pass's best guess, whatever its confidence (no LLM call; blocking while the
        embedding head gives its opinion on an uncertain prompt)."""
        text, guess = self._first_look(messages, verdict)
        if self._second_look(guess):
            guess = self._rules.refine(text, guess, harm_only=guess.confidence >= self.confident_at)
        return guess

    def _second_look(self, guess: IntentResult) -> bool:
        # Unsure guesses get the embedding's opinion; confident tool guesses its harm check
        # (a tool run is an action: a harmful request must not reach one on n-grams alone).
        return guess.source == "classifier" and (
            guess.confidence < self.confident_at or guess.tool is not None
        )

    def _first_look(
        self, messages: Sequence[Mapping[str, Any]], verdict: Verdict | None
    ) -> tuple[str, IntentResult]:
        if verdict is None and self.guardrails is not None:
            verdict = self.guardrails.check_input_messages(messages)
        text = last_user_text(messages)
        return text, self._rules.decide(text, verdict)

    def _settled(self, guess: IntentResult) -> bool:
        """Whether the fast pass's guess stands without the LLM."""
        if guess.label == DANGEROUS and guess.source == "classifier":
            return guess.confidence >= self.refuse_at
        return guess.confidence >= self.confident_at

    def fast_pass(
        self, messages: Sequence[Mapping[str, Any]], verdict: Verdict | None = None
    ) -> IntentResult | None:
        """The fast pass's decision when it is confident, else None."""
        result = self.guess(messages, verdict)
        return result if self._settled(result) else None

    async def analyze(
        self,
        messages: Sequence[Mapping[str, Any]],
        llm: IntentLLM | None,
        timeout_s: float,
        *,
        verdict: Verdict | None = None,
    ) -> IntentResult:
        """Fast pass when confident; else the intent LLM within ``timeout_s``; else the guess.

        Never raises for an LLM problem: a failure, timeout or unusable answer gives the fast
        pass's guess with ``source="fallback"``.
        """
        if self._fast is None:  # the first analysis: read the artefact off the event loop
            await asyncio.to_thread(lambda: self._rules)
        text, guess = self._first_look(messages, verdict)
        if self._second_look(guess):  # off the event loop: on the embedder's thread, it embeds
            harm_only = guess.confidence >= self.confident_at
            run = self._embed.model.call if self._embed is not None else asyncio.to_thread
            guess = await run(self._rules.refine, text, guess, harm_only=harm_only)
        if self._settled(guess):
            return guess
        if llm is None:
            return guess.replace(source="fallback")
        request = build_intent_request(messages, self.tool_names, self.small_alias)
        try:
            response = await asyncio.wait_for(llm(request), timeout=timeout_s)
            result = parse_intent_response(response, self.tool_names, language=guess.language)
        except Exception as exc:  # any LLM failure must fall back, not fail the run
            logger.warning("intent_llm_failed", error=type(exc).__name__, detail=str(exc)[:200])
            return guess.replace(source="fallback", reason=f"{guess.reason}; llm failed")
        if guess.withhold_tools:  # the LLM may not route a request with a harm signal to a tool
            label = GENERAL if result.tool is not None else result.label
            result = result.replace(label=label, withhold_tools=True)
        # The fast pass judges complexity from surface features; the model reads the task.
        return result
