"""API shapes of the admin routes: usage aggregates, dashboard, users, overrides, models."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from llm_gateway.core.config import GuardrailPolicyPatch
from llm_gateway.schemas.usage import UsageTotals


class AdminUsageRow(UsageTotals):
    """One group of ``GET /admin/usage``; group columns not requested are null."""

    day: date | None = None
    model: str | None = None
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None


class AdminUsagePage(BaseModel):
    start: date
    end: date
    group_by: list[str]
    page: int
    page_size: int
    total: int = Field(description="number of groups over every page")
    items: list[AdminUsageRow]


class UsageDeadLetterItem(BaseModel):
    created_at: datetime
    request_id: str
    error: str = Field(description="why the database refused the record (no SQL, no values)")
    payload: str = Field(description="the usage record as JSON text")
    stored: bool = Field(description="false: kept in this process's memory only")


class UsageDeadLetterPage(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[UsageDeadLetterItem]


class Percentiles(BaseModel):
    p50: float | None
    p95: float | None


class TopUser(UsageTotals):
    user_id: uuid.UUID | None
    email: str | None = None


class TopModel(UsageTotals):
    model: str


class DashboardResponse(BaseModel):
    """Traffic over ``start``..``end``; counters are this instance's since it started."""

    start: datetime
    end: datetime
    requests: int
    errors: int
    error_rate: float
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    total_tokens: int
    cost_usd: float
    latency_ms: Percentiles
    ttft_ms: Percentiles
    percentiles_exact: bool = Field(
        description="False when whole days were read from the latency histogram (within ~7%)"
    )
    top_users: list[TopUser]
    top_models: list[TopModel]
    counters: dict[str, int]


# --- users and overrides ---------------------------------------------------------------------


class QuotaOverrides(BaseModel):
    """Per-user or per-key limits; omitted fields are unchanged, null clears (inherit the tier)."""

    # strict: lax mode would read ``true`` as a limit of 1 (or a budget of $1.0, ``false`` as
    # $0.0) and "5" as 5; a typo must be a 422. Every admin input model is strict.
    model_config = ConfigDict(extra="forbid", strict=True)

    requests_per_minute: int | None = Field(default=None, ge=0, le=10_000_000)
    tokens_per_minute: int | None = Field(default=None, ge=0, le=2_000_000_000)
    tokens_per_day: int | None = Field(default=None, ge=0, le=2_000_000_000)
    monthly_budget_usd: float | None = Field(default=None, ge=0, le=1e9, allow_inf_nan=False)
    max_concurrent: int | None = Field(default=None, ge=0, le=100_000)
    allowed_model_tiers: list[str] | None = Field(default=None, max_length=32)
    allowed_aliases: list[str] | None = Field(default=None, max_length=1000)
    # Guardrail policy fields replacing the tier's for this user or key (docs/GUARDRAILS.md);
    # given, it replaces the whole previous guardrail override; null clears it.
    guardrails: GuardrailPolicyPatch | None = None


class UserPatch(BaseModel):
    """Fields to change; omitted ones stay as they are."""

    model_config = ConfigDict(extra="forbid", strict=True)

    role: Literal["user", "admin"] | None = None
    # Checked against the configured tiers by the service, whose 422 names the valid ones.
    tier: str | None = Field(default=None, min_length=1, max_length=64)
    is_active: bool | None = None
    overrides: QuotaOverrides | None = None


class KeyPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    overrides: QuotaOverrides


class AdminUser(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str | None
    role: str
    tier: str
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None
    overrides: QuotaOverrides | None = None


class AdminUserPage(BaseModel):
    page: int
    page_size: int
    total: int
    items: list[AdminUser]


class KeyOverridesResponse(BaseModel):
    api_key_id: uuid.UUID
    overrides: QuotaOverrides | None


class RevokeKeysResponse(BaseModel):
    user_id: uuid.UUID
    revoked: int


# --- models ----------------------------------------------------------------------------------


class AdminDeployment(BaseModel):
    id: str
    provider: str
    model: str
    base_url: str
    weight: float
    healthy: bool
    cooldown_remaining_s: float


class AdminModel(BaseModel):
    alias: str
    tier: str
    price_input_per_1m: float
    price_output_per_1m: float
    context_window: int
    fallbacks: list[str]
    deployments: list[AdminDeployment]


class AdminModelsResponse(BaseModel):
    models: list[AdminModel]
    disabled: dict[str, str] = Field(description="aliases switched off, with the reason")
