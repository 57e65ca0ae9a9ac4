"""API shapes of ``GET /users/me/usage``: totals, breakdowns and the caller's live limits."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field


class UsageTotals(BaseModel):
    """Summed usage of a group of calls."""

    requests: int = 0
    errors: int = 0
    prompt_tokens: int = Field(
        default=0, description="Input tokens, cache reads and writes included"
    )
    completion_tokens: int = 0
    cached_tokens: int = Field(default=0, description="Input tokens read from the prompt cache")
    cache_write_tokens: int = Field(
        default=0, description="Input tokens written to the prompt cache (Anthropic)"
    )
    total_tokens: int = 0
    cost_usd: float = 0.0


class DayUsage(UsageTotals):
    day: date


class ModelUsage(UsageTotals):
    model: str


class LimitState(BaseModel):
    """One limit: ``limit`` None means unlimited; ``remaining`` is None when unlimited."""

    limit: float | None
    used: float
    remaining: float | None


class CurrentLimits(BaseModel):
    """A subject's limits and what is left of them right now."""

    subject: str = Field(description="'user', 'API key' or 'master key'")
    tier: str
    requests_per_minute: LimitState
    tokens_per_minute: LimitState
    tokens_per_day: LimitState
    monthly_budget_usd: LimitState
    max_concurrent: LimitState
    allowed_model_tiers: list[str] | None
    allowed_aliases: list[str] | None
    live: bool = Field(description="False when the store was unreachable: 'used' is unknown")


class UserUsageResponse(BaseModel):
    """The caller's usage over ``start``..``end`` (UTC days, inclusive) and current limits."""

    user_id: uuid.UUID | None
    start: date
    end: date
    totals: UsageTotals
    by_day: list[DayUsage]
    by_model: list[ModelUsage]
    limits: list[CurrentLimits]
