"""What the graph needs from the rest of the gateway, as small protocols it can be tested against.

The graph never imports the router, the registry, the intent analyzer or the guardrail engine
directly: it sees these shapes, and ``agent/wiring.py`` adapts the real objects to them. Tests
pass fakes (or the real objects, which satisfy the protocols structurally).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol, TypedDict

ChatRequest = dict[str, Any]  # OpenAI chat.completions request body
ChatResponse = dict[str, Any]  # OpenAI chat.completion object
ChatChunk = dict[str, Any]  # OpenAI chat.completion.chunk object
Message = dict[str, Any]  # one OpenAI chat message
IntentLLM = Callable[[ChatRequest], Awaitable[ChatResponse]]
Permits = Callable[[str, str | None], bool]  # may the caller be served by (alias, model tier)?


class UpstreamAttempt(TypedDict):
    """One try the router made against one deployment."""

    alias: str
    deployment: str | None
    ok: bool
    error_code: str | None
    ms: float


class LLMClient(Protocol):
    """Calls one alias through the gateway's router (which owns retries across deployments).

    Both methods raise ``GatewayError`` subclasses; ``chat_stream`` raises before its first
    chunk when the call cannot start, so the graph can still fall back to another alias. When
    ``attempts`` is given, the client appends every upstream try it made (even on failure).
    ``permits`` says which aliases the caller may be served by: a configured fallback it
    refuses is skipped, never tried (nor billed).
    """

    async def chat(
        self,
        request: ChatRequest,
        attempts: list[UpstreamAttempt] | None = None,
        permits: Permits | None = None,
    ) -> ChatResponse: ...

    def chat_stream(
        self,
        request: ChatRequest,
        attempts: list[UpstreamAttempt] | None = None,
        permits: Permits | None = None,
    ) -> AsyncIterator[ChatChunk]: ...


class ModelCapabilities(Protocol):
    @property
    def tools(self) -> bool: ...


class ModelInfo(Protocol):
    """The part of a registry alias the model router reads."""

    @property
    def alias(self) -> str: ...

    @property
    def tier(self) -> str: ...

    @property
    def context_window(self) -> int: ...

    @property
    def capabilities(self) -> ModelCapabilities: ...


class ModelCatalog(Protocol):
    """The model registry as the agent sees it: lookups, per-tier defaults and prices."""

    @property
    def default_small(self) -> str: ...

    @property
    def default_large(self) -> str: ...

    def find(self, alias: str) -> ModelInfo | None: ...

    def cost(
        self,
        alias: str,
        prompt_tokens: int,
        completion_tokens: int,
        cached_tokens: int = 0,
        cache_write_tokens: int = 0,
    ) -> float: ...


class IntentResult(Protocol):
    """What the intent analyzer decided (``label``: general | tool:<name> | dangerous)."""

    @property
    def label(self) -> str: ...

    @property
    def complexity(self) -> str: ...

    @property
    def language(self) -> str: ...

    @property
    def confidence(self) -> float: ...

    @property
    def reason(self) -> str: ...

    @property
    def withhold_tools(self) -> bool: ...  # a harm signal: no tool may run for this request

    @property
    def source(self) -> str: ...


class IntentAnalyzer(Protocol):
    async def analyze(
        self, messages: Sequence[Mapping[str, Any]], llm: IntentLLM | None, timeout_s: float
    ) -> IntentResult: ...


class Finding(Protocol):
    @property
    def rule_id(self) -> str: ...

    @property
    def category(self) -> str: ...


class Verdict(Protocol):
    """A guardrail check's outcome: allow | block (input), allow | mask | regenerate (output)."""

    @property
    def action(self) -> str: ...

    @property
    def findings(self) -> Sequence[Finding]: ...

    @property
    def masked_text(self) -> str | None: ...

    @property
    def logged(self) -> Sequence[str]:
        """Input stage: flagged categories the policy only logs."""
        ...

    @property
    def blocked(self) -> Sequence[str]:
        """Input stage: flagged categories the policy blocks."""
        ...


class ToolScreenOutcome(Protocol):
    """What the tool-result screen found: categories, rule ids, the flagged messages' indices."""

    @property
    def categories(self) -> Sequence[str]: ...

    @property
    def rules(self) -> Sequence[str]: ...

    @property
    def flagged(self) -> Sequence[int]: ...

    @property
    def newest(self) -> ToolScreenOutcome | None:
        """The part found in the newest turn's results (what to record), None when none."""
        ...


class StreamDecision(Protocol):
    @property
    def text(self) -> str: ...

    @property
    def stop(self) -> bool: ...

    @property
    def findings(self) -> Sequence[Finding]: ...


class StreamGuard(Protocol):
    """A sliding-window output check for one streamed answer."""

    def feed(self, text: str) -> StreamDecision: ...

    def finish(self) -> StreamDecision: ...


class Guardrails(Protocol):
    def check_input(self, text: str) -> Verdict: ...

    async def check_input_off_loop(self, text: str) -> Verdict:
        """``check_input`` off the event loop (where the embedding it may need runs)."""
        ...

    async def screen_input(self, text: str) -> Verdict:
        """``check_input`` in a worker thread, then the grey-zone LLM judge when configured."""
        ...

    def redact_prompt(self, text: str, categories: set[str] | None = None) -> str:
        """``text`` with personal data masked or hashed if the policy says so (``categories``
        collects what was redacted: ``pii``, ``secret``)."""
        ...

    def leak_findings(self, text: str) -> Sequence[Finding]:
        """Secrets and personal data in ``text``: what ``pii_input`` acts on."""
        ...

    @property
    def pii_input(self) -> str:
        """The policy's action for personal data in prompts (``mask``/``hash`` redact)."""
        ...

    @property
    def leak_output(self) -> str:
        """The policy's action for secrets and personal data in answers."""
        ...

    @property
    def tool_results(self) -> str:
        """The policy's action for instructions aimed at the model inside tool results."""
        ...

    async def screen_tool_results(
        self, messages: list[Any], *, withhold: bool | None = None
    ) -> ToolScreenOutcome | None:
        """Screen the ``tool`` messages for injection; flagged ones are replaced by a notice when
        ``withhold`` (default: under the policy's ``withhold``)."""
        ...

    def check_output(self, text: str) -> Verdict: ...

    def stream_guard(self) -> StreamGuard: ...

    def for_tier(self, tier: str | None) -> Guardrails:
        """The same checks under the policy of the caller's tier."""
        ...


class ToolResult(Protocol):
    @property
    def ok(self) -> bool: ...

    @property
    def output(self) -> str: ...

    @property
    def error_code(self) -> str | None: ...

    @property
    def error_message(self) -> str | None: ...

    @property
    def duration_ms(self) -> float: ...

    def summary(self, max_chars: int = 200) -> str: ...


class ToolBox(Protocol):
    """The tool registry: OpenAI tool specs and a call that never raises for tool failures."""

    def names(self) -> list[str]: ...

    def openai_tools(self) -> list[dict[str, Any]]: ...

    async def execute(
        self, name: str, raw_arguments: str | Mapping[str, Any] | None
    ) -> ToolResult: ...
