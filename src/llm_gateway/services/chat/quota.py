"""The one place /chat meets the quota layer: tier check and reservation before, settlement after.

``QuotaGate`` is the shape of the quota service on ``AppState`` that /chat relies on (so the chat
code names only what it uses). ``services/chat/prepare.py`` calls ``check_model`` and ``admit``
before the user message is stored; ``services/chat/turn.py`` calls ``settle`` once the reply is
saved, whatever its outcome (a disconnect or failure settles with the usage reported so far).
"""

from __future__ import annotations

from typing import Any, Protocol

from llm_gateway.services.auth.principal import Principal


class QuotaGate(Protocol):
    def check_model(self, principal: Principal, alias: str, model_tier: str | None) -> None:
        """Raise 403 naming the caller's tier when it may not use ``alias``."""

    async def admit(
        self,
        principal: Principal,
        *,
        prompt_tokens: int,
        max_output_tokens: int | None = None,
        estimated_cost_usd: float = 0.0,
        request_id: str = "",
    ) -> Any:
        """Reserve capacity for one call, or raise 429."""

    async def settle(
        self,
        admission: Any,
        *,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        cost_usd: float = 0.0,
    ) -> None:
        """Replace the reservation with what the call really used."""
