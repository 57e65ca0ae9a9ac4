"""What a chat turn needs from the app, gathered once per request from ``AppState``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from llm_gateway.agent.context import AgentOptions
from llm_gateway.agent.events import AgentEvent
from llm_gateway.core.config import ChatSettings
from llm_gateway.providers.registry import ModelRegistry
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.chat.background import BackgroundJobs
from llm_gateway.services.chat.quota import QuotaGate
from llm_gateway.services.chat.small_model import SmallModel
from llm_gateway.services.usage.record import UsageEvent

Redact = Callable[[str], str]
# The caller's ``pii_input`` redaction (mask/hash) for user text sent to a model; None: send as is.
RedactorFor = Callable[[Principal], Redact | None]


class ChatAgent(Protocol):
    """The agent runner's streaming entry point (``agent.runner.AgentRunner`` satisfies it)."""

    def run(
        self,
        messages: Sequence[Mapping[str, Any]],
        principal: Principal,
        requested_model: str = ...,
        options: AgentOptions | None = ...,
    ) -> AsyncIterator[AgentEvent]: ...


@dataclass(frozen=True, slots=True)
class ChatDeps:
    settings: ChatSettings
    session_factory: async_sessionmaker[AsyncSession]
    registry: ModelRegistry | None
    agent: ChatAgent
    quota: QuotaGate
    jobs: BackgroundJobs
    small_model: SmallModel | None  # None: titles fall back to the first words, no summaries
    record_usage: Callable[[UsageEvent], None] | None = None  # the usage writer's ``record``
    # Titles and summaries send stored user text to the small model: redact it as the agent does.
    redactor_for: RedactorFor | None = None
