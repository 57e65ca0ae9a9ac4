"""Which guardrail policy applies to a caller: the tier's, then the user's and the key's overrides.

Tier policies come from the settings (``agent.guardrails.policies`` by tier name, else
``default_policy``). An admin can override fields per user or per API key (``guardrails`` in the
quota overrides, ``PATCH /admin/users/{id}`` and ``PATCH /admin/api-keys/{id}``); the key's
fields win over the user's, which win over the tier's. Overrides live in the quota override
cache, kept current on every instance; when none sets guardrail fields (the usual case), a
lookup is two dictionary reads and allocates nothing.
"""

from __future__ import annotations

from pydantic import ValidationError

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.core.logging import get_logger
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.quotas.limits import OverrideCache, key_subject, user_subject

_log = get_logger("llm_gateway.guardrails")
Patch = tuple[tuple[str, str | bool], ...]
_MAX_MERGED = 4096  # distinct (tier, user override, key override) combinations kept


class PolicyResolver:
    """Resolve and cache effective policies; one per process, built in the lifespan."""

    def __init__(self, settings: GuardrailSettings, overrides: OverrideCache) -> None:
        self.settings = settings
        self.overrides = overrides
        self._merged: dict[tuple[str, Patch | None, Patch | None], GuardrailPolicy] = {}
        policies = (settings.default_policy, *settings.policies.values())
        # Whether any configured caller gets checks on the proxy path; overrides can add more.
        self._configured_proxy = (
            settings.proxy_input or settings.proxy_output or any(p.proxy for p in policies)
        )

    @property
    def proxy_possible(self) -> bool:
        """False when no caller at all can have proxy-path checks (then nothing is resolved)."""
        return self._configured_proxy or self.overrides.has_guardrails

    def tier_policy(self, tier: str | None) -> GuardrailPolicy:
        if tier is not None:
            policy = self.settings.policies.get(tier)
            if policy is not None:
                return policy
        return self.settings.default_policy

    def resolve(self, principal: Principal | None) -> GuardrailPolicy:
        """The policy for ``principal`` (the default policy for an anonymous caller)."""
        if principal is None:
            return self.settings.default_policy
        base = self.tier_policy(principal.tier)
        if not self.overrides.has_guardrails:
            return base
        user = self._patch(user_subject(principal.user_id)) if principal.user_id else None
        key = self._patch(key_subject(principal.api_key_id)) if principal.api_key_id else None
        if user is None and key is None:
            return base
        cache_key = (principal.tier, user, key)
        policy = self._merged.get(cache_key)
        if policy is None:
            policy = self._merge(base, user, key)
            if len(self._merged) >= _MAX_MERGED:
                self._merged.clear()
            self._merged[cache_key] = policy
        return policy

    def _patch(self, subject: str) -> Patch | None:
        limits = self.overrides.get(subject)
        return None if limits is None else limits.guardrails

    @staticmethod
    def _merge(base: GuardrailPolicy, user: Patch | None, key: Patch | None) -> GuardrailPolicy:
        try:
            return base.merged(dict(user or ())).merged(dict(key or ()))
        except ValidationError as exc:  # a stored override this version does not understand
            _log.warning("invalid guardrail override ignored", errors=exc.error_count())
            return base

    def proxy_sides(self, policy: GuardrailPolicy) -> tuple[bool, bool]:
        """Whether the proxy path checks the input and the output under ``policy``."""
        return (
            self.settings.proxy_input or (policy.proxy and policy.checks_input),
            self.settings.proxy_output or (policy.proxy and policy.leak_output != "off"),
        )
