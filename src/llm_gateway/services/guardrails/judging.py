"""Builds the process's grey-zone judge from the settings: the router as its chat client.

The judge's calls go through the gateway's router (retries, cooldowns, fallbacks of the judge
alias) with a trace of their own, so they never show in the caller's attempts or usage record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llm_gateway.core.config import GuardrailSettings
from llm_gateway.guardrails.judge import GuardJudge
from llm_gateway.providers.registry import ModelRegistry
from llm_gateway.services.guardrails.stats import GuardrailStats
from llm_gateway.services.routing import Router, RouteTrace


def build_judge(
    settings: GuardrailSettings, router: Router, models: ModelRegistry, stats: GuardrailStats
) -> GuardJudge | None:
    """The judge when ``settings.judge.enabled`` (its alias must exist: checked now), else None."""
    judge = settings.judge
    if not judge.enabled:
        return None
    alias = judge.alias or models.default_small
    models.get(alias)  # an unknown alias fails at startup, not on the first grey prompt

    async def chat(request: dict[str, Any]) -> Mapping[str, Any]:
        return await router.chat(request, RouteTrace())

    return GuardJudge(judge, chat, alias, settings.input_block_score, stats.observe_judge)
