"""What a run carries besides its state: process-wide dependencies and per-request options.

``AgentDeps`` is built once in the lifespan; ``AgentContext`` is built per run by the runner and
handed to LangGraph as the run's ``context`` (nodes read it as ``runtime.context``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from llm_gateway.agent.ports import Guardrails, IntentAnalyzer, LLMClient, ModelCatalog, ToolBox
from llm_gateway.core.config import AgentSettings
from llm_gateway.core.exceptions import PermissionDeniedError
from llm_gateway.services.auth.principal import Principal

AUTO_MODEL = "auto"

ModelGate = Callable[[Principal, str, str | None], None]
GuardObserver = Callable[[str, str, Sequence[str]], None]


@dataclass(frozen=True, slots=True)
class AgentDeps:
    """The long-lived collaborators every run shares (nothing here is per request)."""

    llm: LLMClient
    catalog: ModelCatalog
    intent: IntentAnalyzer
    settings: AgentSettings
    guardrails: Guardrails | None = None
    tools: ToolBox | None = None
    # The quota layer's model check (raises PermissionDeniedError when a caller's tier or
    # overrides forbid an alias); consulted before routing anyone to the large alias.
    model_gate: ModelGate | None = None
    # The guardrails under a caller's policy (tier plus per-user/per-key overrides); unset, the
    # tier's policy from ``guardrails.for_tier``.
    guard_for: Callable[[Principal], Guardrails] | None = None
    # Told of every guardrail action: (side, action, categories), for metrics.
    guard_observer: GuardObserver | None = None


@dataclass(frozen=True, slots=True)
class AgentOptions:
    """How the caller wants this run served.

    Attributes:
        stream: Emit the answer's tokens as the model produces them. A streamed answer is checked
            by a sliding-window guard and can be masked or stopped, never regenerated; a buffered
            answer (``stream=False``) is checked whole and may be regenerated.
        params: Sampling parameters passed to every answering model call (temperature,
            max_tokens, top_p, stop, seed, ...).
        use_tools: Allow tool calls at all (the /chat API may switch them off).
        large_models: The transport allows large-tier models for this run. The quota layer's
            ``model_gate`` and the agent's ``large_model_tiers`` apply on top, so any of the three
            can keep a caller on the small model.
        own_tool_results: The conversation's tool results are the gateway's own tools' output
            (``/chat`` keeps them in its history), not results a client sent back: ``pii_input``
            ``block``/``log`` does not read them, as it does not read that output when a tool
            returns it. A page holding an address would otherwise refuse every later turn.
    """

    stream: bool = True
    params: Mapping[str, Any] = field(default_factory=dict)
    use_tools: bool = True
    large_models: bool = True
    own_tool_results: bool = False


@dataclass(frozen=True, slots=True)
class AgentContext:
    """One run's view: the shared collaborators, who is asking, and how to serve them."""

    deps: AgentDeps
    principal: Principal
    requested_model: str = AUTO_MODEL
    options: AgentOptions = field(default_factory=AgentOptions)

    @property
    def settings(self) -> AgentSettings:
        return self.deps.settings

    def permits(self, alias: str, model_tier: str | None) -> bool:
        """Whether this caller may be served by ``alias`` (the router's fallback filter).

        On ``auto`` runs a large-tier alias needs the agent's consent (``large_model_tiers``,
        the transport's ``large_models``); every alias needs the quota layer's (the caller's
        allowed models and tiers).
        """
        if (
            model_tier == "large"
            and self.requested_model == AUTO_MODEL
            and not (
                self.options.large_models and self.principal.tier in self.settings.large_model_tiers
            )
        ):
            return False
        gate = self.deps.model_gate
        if gate is None:
            return True
        try:
            gate(self.principal, alias, model_tier)
        except PermissionDeniedError:
            return False
        return True

    def _guard(self) -> Guardrails | None:
        guardrails = self.deps.guardrails
        if guardrails is None:
            return None
        if self.deps.guard_for is not None:
            return self.deps.guard_for(self.principal)
        return guardrails.for_tier(self.principal.tier)

    @property
    def input_guard(self) -> Guardrails | None:
        return self._guard() if self.settings.guardrails.agent_input else None

    @property
    def output_guard(self) -> Guardrails | None:
        return self._guard() if self.settings.guardrails.agent_output else None

    def observe_guardrail(self, side: str, action: str, categories: Sequence[str]) -> None:
        """Report a guardrail action (for metrics); a no-op without an observer."""
        if self.deps.guard_observer is not None and categories:
            self.deps.guard_observer(side, action, categories)
