"""Settings groups for quotas, tiers and usage accounting."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

TIER_NAME_MAX_LENGTH = 16
TIER_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class TierLimits(BaseModel):
    """One tier's limits. ``None`` means unlimited; 0 blocks."""

    model_config = {"extra": "forbid"}

    requests_per_minute: int | None = Field(default=None, ge=0)  # sliding 60 s window
    tokens_per_minute: int | None = Field(default=None, ge=0)  # token bucket, refills per second
    tokens_per_day: int | None = Field(default=None, ge=0)  # per UTC day
    monthly_budget_usd: float | None = Field(default=None, ge=0)  # per UTC calendar month
    max_concurrent: int | None = Field(default=None, ge=0)  # requests/streams in flight
    allowed_model_tiers: list[str] | None = None  # e.g. ["small"]; None = every tier
    allowed_aliases: list[str] | None = None  # None = every alias (within allowed tiers)


def default_tiers() -> dict[str, TierLimits]:
    """The shipped tiers; ``LLMGW_QUOTAS__TIERS`` (JSON) or a tiers file replaces/extends them."""
    return {
        "free": TierLimits(
            requests_per_minute=20,
            tokens_per_minute=40_000,
            tokens_per_day=500_000,
            monthly_budget_usd=5.0,
            max_concurrent=2,
            allowed_model_tiers=["small"],
        ),
        "pro": TierLimits(
            requests_per_minute=300,
            tokens_per_minute=400_000,
            tokens_per_day=10_000_000,
            monthly_budget_usd=200.0,
            max_concurrent=10,
        ),
        "enterprise": TierLimits(
            requests_per_minute=3_000,
            tokens_per_minute=4_000_000,
            max_concurrent=100,
        ),
    }


class UsageSettings(BaseModel):
    """The background writer that stores one usage record per call."""

    queue_size: int = Field(default=10_000, ge=10)  # records waiting for the writer
    batch_size: int = Field(default=500, ge=1)  # rows per INSERT batch
    flush_interval_s: float = Field(default=1.0, gt=0)  # longest wait before a partial batch
    buffer_size: int = Field(default=50_000, ge=1)  # held in memory while the DB is down
    retry_max_s: float = Field(default=30.0, gt=0)  # longest back-off between DB retries
    shutdown_timeout_s: float = Field(default=10.0, gt=0)  # flush budget on graceful shutdown
    spill_key: str = "usage:spill"  # Redis list for records the memory buffer cannot hold
    # Readiness fails when records wait this long with nothing written (above retry_max_s).
    stall_after_s: float = Field(default=120.0, gt=0)


class QuotaSettings(BaseModel):
    """Tiers, rate limits, budgets and usage accounting (quotas issue)."""

    enabled: bool = True  # enforce limits on proxied, agent and /chat calls
    tiers: dict[str, TierLimits] = Field(default_factory=default_tiers)
    # Optional YAML file {tier: {field: value}}; its tiers replace or extend ``tiers``.
    tiers_file: Path | None = None
    default_tier: str = "free"  # for principals whose tier is not configured
    # The bootstrap master key is an operator credential: unlimited (still recorded) unless set.
    limit_master_key: bool = False
    # Store (Redis) down on the quota path: admit (open) or 503 (closed). See docs/QUOTAS.md.
    fail_open_rate_limits: bool = True
    fail_open_budgets: bool = False
    # A concurrency slot expires after this long even if its process died without releasing it.
    # Renewed every third of it while the call runs (services/quotas/lease.py).
    slot_lease_s: float = Field(default=30.0, gt=0)
    # With Redis, a principal sending many requests through one instance is admitted from
    # allowance leased for about this long (services/quotas/allowance.py); 0 = every request asks.
    allowance_lease_s: float = Field(default=1.0, ge=0, le=10)
    default_output_tokens: int = Field(default=1024, ge=1)  # reserved when max_tokens is unset
    override_refresh_s: float = Field(default=30.0, gt=0)  # re-read per-user/key overrides
    usage: UsageSettings = Field(default_factory=UsageSettings)

    @model_validator(mode="after")
    def _load_tiers(self) -> QuotaSettings:
        if self.tiers_file is not None:
            self.tiers = {**self.tiers, **load_tiers_file(self.tiers_file)}
        bad = [
            name
            for name in self.tiers
            if len(name) > TIER_NAME_MAX_LENGTH or not TIER_NAME_PATTERN.fullmatch(name)
        ]
        if bad:
            raise ValueError(
                f"invalid tier names {bad}: use up to {TIER_NAME_MAX_LENGTH} letters, digits, "
                "'_', '-' or '.', starting with a letter or digit"
            )
        if self.default_tier not in self.tiers:
            raise ValueError(
                f"default_tier '{self.default_tier}' is not a configured tier "
                f"({', '.join(sorted(self.tiers))})"
            )
        return self


def load_tiers_file(path: Path) -> dict[str, TierLimits]:
    """Parse a tiers YAML file; errors name the file and the key path."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"tiers file {path}: {exc}") from None
    raw = raw.get("tiers", raw) if isinstance(raw, dict) else raw
    if not isinstance(raw, dict):
        raise ValueError(f"tiers file {path}: expected a mapping of tier name to limits")
    tiers: dict[str, TierLimits] = {}
    for name, spec in raw.items():
        try:
            tiers[str(name)] = TierLimits.model_validate(spec or {})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in (name, *first["loc"]))
            raise ValueError(f"tiers file {path}: {where}: {first['msg']}") from None
    return tiers
