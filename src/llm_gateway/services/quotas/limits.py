"""Effective limits: a tier's limits merged with per-user and per-key overrides.

Overrides live in the database (``quota_overrides``) but are read on every request, so each
instance keeps all of them in memory (there are few), reloads them periodically, and applies
changes announced on the store's pub/sub channel at once. The quota check never touches the DB.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from llm_gateway.core.config import QuotaSettings, TierLimits
from llm_gateway.core.logging import get_logger
from llm_gateway.core.store.base import ScriptArg
from llm_gateway.services.auth.principal import Principal

_log = get_logger("llm_gateway.quotas")

LIMIT_FIELDS = (
    "requests_per_minute",
    "tokens_per_minute",
    "tokens_per_day",
    "monthly_budget_usd",
    "max_concurrent",
)
MASTER_SUBJECT = "master"


@dataclass(frozen=True, slots=True)
class Limits:
    """A set of limits. In a tier ``None`` means unlimited; in an override it means "inherit"."""

    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    tokens_per_day: int | None = None
    monthly_budget_usd: float | None = None
    max_concurrent: int | None = None
    allowed_model_tiers: frozenset[str] | None = None
    allowed_aliases: frozenset[str] | None = None
    # Guardrail policy fields this override sets (sorted name/value pairs; not a quota limit,
    # but stored and synchronised with the overrides). None: the tier's policy.
    guardrails: tuple[tuple[str, str | bool], ...] | None = None

    @classmethod
    def from_tier(cls, tier: TierLimits) -> Limits:
        return cls(
            requests_per_minute=tier.requests_per_minute,
            tokens_per_minute=tier.tokens_per_minute,
            tokens_per_day=tier.tokens_per_day,
            monthly_budget_usd=tier.monthly_budget_usd,
            max_concurrent=tier.max_concurrent,
            allowed_model_tiers=_frozen(tier.allowed_model_tiers),
            allowed_aliases=_frozen(tier.allowed_aliases),
        )

    def merged(self, override: Limits | None) -> Limits:
        """These limits with every field the override sets replaced."""
        if override is None:
            return self
        changes = {
            f.name: getattr(override, f.name)
            for f in dataclasses.fields(self)
            if getattr(override, f.name) is not None
        }
        return dataclasses.replace(self, **changes)

    @property
    def only_guardrails(self) -> bool:
        """An override that sets guardrail fields and no limit at all."""
        return dataclasses.replace(self, guardrails=None) == Limits()

    @property
    def enforces_counters(self) -> bool:
        return any(getattr(self, name) is not None for name in LIMIT_FIELDS)

    def script_args(self) -> list[ScriptArg]:
        """The five numeric limits for the Lua script; -1 for unlimited."""
        values: list[ScriptArg] = []
        for name in LIMIT_FIELDS:
            value = getattr(self, name)
            values.append(-1 if value is None else value)
        return values

    def allows_model(self, alias: str, model_tier: str | None) -> bool:
        """Whether ``alias`` may be called: listed explicitly, or of an allowed model tier.

        With neither list set every model is allowed; a list that is not set contributes nothing.
        """
        if self.allowed_aliases is None and self.allowed_model_tiers is None:
            return True
        if self.allowed_aliases is not None and alias in self.allowed_aliases:
            return True
        return (
            self.allowed_model_tiers is not None
            and model_tier is not None
            and model_tier in self.allowed_model_tiers
        )


def _frozen(values: list[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


@dataclass(frozen=True, slots=True)
class Subject:
    """Who a set of counters belongs to: ``user:<id>``, ``key:<id>`` or ``master``."""

    name: str
    limits: Limits

    def keys(self) -> list[str]:
        base = f"quota:{self.name}:"
        return [base + suffix for suffix in ("r", "t", "d", "b", "c")]


def user_subject(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def key_subject(api_key_id: uuid.UUID) -> str:
    return f"key:{api_key_id}"


class OverrideCache:
    """Every per-user and per-key override, by subject name; replaced wholesale on reload."""

    def __init__(self) -> None:
        self._by_subject: dict[str, Limits] = {}
        # Whether any override sets guardrail fields: when none does (the usual case), the
        # guardrail policy lookup skips the cache entirely.
        self.has_guardrails = False

    def get(self, subject: str) -> Limits | None:
        return self._by_subject.get(subject)

    def replace_all(self, overrides: Mapping[str, Limits]) -> None:
        self._by_subject = dict(overrides)
        self._note_guardrails()

    def apply(self, subject: str, limits: Limits | None) -> None:
        """Set (or, with None, clear) one subject's override."""
        if limits is None or limits == Limits():
            self._by_subject.pop(subject, None)
        else:
            self._by_subject[subject] = limits
        self._note_guardrails()

    def _note_guardrails(self) -> None:
        self.has_guardrails = any(v.guardrails for v in self._by_subject.values())

    def __len__(self) -> int:
        return len(self._by_subject)


class LimitResolver:
    """Turn a principal into the subjects whose counters a request consumes."""

    def __init__(self, settings: QuotaSettings, overrides: OverrideCache) -> None:
        self.settings = settings
        self.overrides = overrides
        self._tiers = {name: Limits.from_tier(t) for name, t in settings.tiers.items()}

    def tier_limits(self, tier: str) -> Limits:
        limits = self._tiers.get(tier)
        if limits is None:
            _log.warning("unknown tier, using the default", tier=tier)
            return self._tiers[self.settings.default_tier]
        return limits

    def subjects(self, principal: Principal) -> tuple[Subject, ...]:
        """The user's (or master key's) subject, plus the key's when the key has an override."""
        tier = self.tier_limits(principal.tier)
        if principal.user_id is None:
            unlimited = principal.auth_method == "master_key" and not self.settings.limit_master_key
            main = Subject(MASTER_SUBJECT, Limits() if unlimited else tier)
        else:
            name = user_subject(principal.user_id)
            main = Subject(name, tier.merged(self.overrides.get(name)))
        if principal.api_key_id is None:
            return (main,)
        key_name = key_subject(principal.api_key_id)
        key_limits = self.overrides.get(key_name)
        if key_limits is None or key_limits.only_guardrails:
            return (main,)
        return (main, Subject(key_name, key_limits))
