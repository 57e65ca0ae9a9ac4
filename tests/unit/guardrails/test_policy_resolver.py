"""Which policy a caller gets from stored overrides, including ones this version cannot read.

A rolling upgrade runs two versions side by side: a newer instance can store an override naming
a field an older one does not know. The older one must serve the tier's policy (and log), never
fail the request or apply half of the override (docs/GUARDRAILS.md, "Policies").
"""

from __future__ import annotations

import uuid

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.guardrails.policies import PolicyResolver
from llm_gateway.services.quotas.limits import Limits, OverrideCache, key_subject, user_subject

TIER = GuardrailPolicy(injection="block", pii_input="off")


def resolver(**overrides: Limits) -> PolicyResolver:
    """A resolver over the ``free`` tier's ``TIER`` policy and these stored overrides."""
    cache = OverrideCache()
    cache.replace_all(overrides)
    return PolicyResolver(GuardrailSettings(policies={"free": TIER}), cache)


KEY, USER = uuid.uuid4(), uuid.uuid4()
CALLER = Principal(auth_method="api_key", role="user", tier="free", user_id=USER, api_key_id=KEY)


def test_a_key_override_replaces_only_the_fields_it_sets() -> None:
    patch = Limits(guardrails=(("injection", "log"), ("pii_input", "mask")))
    policy = resolver(**{key_subject(KEY): patch}).resolve(CALLER)
    assert (policy.injection, policy.pii_input) == ("log", "mask")
    assert policy.harmful_request == TIER.harmful_request


def test_the_keys_fields_win_over_its_users_and_the_users_over_the_tier() -> None:
    user = Limits(guardrails=(("injection", "log"), ("pii_input", "mask")))
    key = Limits(guardrails=(("injection", "off"),))
    policy = resolver(**{key_subject(KEY): key, user_subject(USER): user}).resolve(CALLER)
    assert (policy.injection, policy.pii_input) == ("off", "mask")


def test_an_override_naming_an_unknown_field_falls_back_to_the_tier_whole() -> None:
    newer = Limits(guardrails=(("injection", "log"), ("a_field_from_a_newer_version", True)))
    user = Limits(guardrails=(("pii_input", "mask"),))
    policies = resolver(**{key_subject(KEY): newer, user_subject(USER): user})
    assert policies.resolve(CALLER) == TIER  # neither half of the key's override, nor the user's


def test_an_override_with_an_action_a_category_does_not_take_falls_back_too() -> None:
    bad = Limits(guardrails=(("injection", "mask"),))  # injection has no "mask"
    assert resolver(**{key_subject(KEY): bad}).resolve(CALLER) == TIER
