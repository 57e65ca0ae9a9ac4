"""API shapes of ``GET /admin/guardrails/stats``: action counts and refused requests."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class GuardrailActionCount(BaseModel):
    category: (
        str  # injection | jailbreak | prompt_extraction | harmful_request | pii | secret | other
    )
    action: str  # block | mask | hash | log | regenerate | refuse
    side: str  # input | output
    endpoint: str  # openai_chat | anthropic_messages | responses | agent
    count: int


class GuardrailBlockedDay(BaseModel):
    day: date
    endpoint: str  # the usage record's endpoint path
    error_code: str  # guardrail_blocked | guardrail_output_blocked
    count: int


class GuardrailStatsResponse(BaseModel):
    """Counts since this process started (``since``), and refused requests from usage records.

    ``actions`` are this process's own counts (one instance, one worker); Prometheus's
    ``llmgw_guardrail_actions_total`` has the same series for every worker and instance.
    ``blocked`` comes from the usage records, so it covers every instance and survives restarts.
    """

    since: datetime
    actions: list[GuardrailActionCount]
    totals_by_action: dict[str, int]
    totals_by_category: dict[str, int]
    days: int
    blocked: list[GuardrailBlockedDay]
