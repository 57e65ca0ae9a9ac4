"""User tiers are the names configured in ``QuotaSettings.tiers``; every write checks them here."""

from __future__ import annotations

from llm_gateway.core.config import QuotaSettings
from llm_gateway.core.exceptions import UnprocessableError


def configured_tiers(settings: QuotaSettings) -> list[str]:
    """The valid user tier names, sorted (for messages and listings)."""
    return sorted(settings.tiers)


def require_tier(settings: QuotaSettings, tier: str, *, param: str = "tier") -> str:
    """Return ``tier`` if it is configured.

    Raises:
        UnprocessableError: 422 ``invalid_tier`` naming the configured tiers.
    """
    if tier not in settings.tiers:
        raise UnprocessableError(
            f"unknown tier '{tier}'; configured tiers: {', '.join(configured_tiers(settings))}",
            code="invalid_tier",
            param=param,
        )
    return tier
