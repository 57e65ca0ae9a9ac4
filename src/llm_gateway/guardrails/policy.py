"""Per-tier guardrail policies: which action each flagged category gets, and PII redaction.

A policy (``GuardrailPolicy`` in the settings) gives every input category an action: ``block``
refuses the request, ``log`` records the finding and lets the request through, ``off`` skips the
check. Personal data can also be ``mask``-ed (``[REDACTED:EMAIL]``) or ``hash``-ed
(``[EMAIL:3f9a…]``, an HMAC-SHA256 under ``hash_key``, so the same value always gets the same
token within one key and cannot be recovered by brute force without it).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.guardrails.output_rules import mask_text
from llm_gateway.guardrails.types import Finding

Masker = Callable[[str, Sequence[Finding]], str]
_HASH_HEX = 12


def policy_for(settings: GuardrailSettings, tier: str | None) -> GuardrailPolicy:
    """The tier's own policy, else the default one."""
    if tier is not None:
        policy = settings.policies.get(tier)
        if policy is not None:
            return policy
    return settings.default_policy


def input_action(policy: GuardrailPolicy, category: str) -> str:
    """The policy's action for an input finding of ``category``."""
    if category in ("injection", "jailbreak"):
        return policy.injection
    if category == "prompt_extraction":
        return policy.prompt_extraction
    if category == "harmful_request":
        return policy.harmful_request
    if category in ("pii", "secret"):
        return policy.pii_input
    return "block"  # a category from an extra rule that no policy names: fail closed


def hash_masker(key: bytes) -> Masker:
    """A masker replacing each finding by its label and a keyed hash of the value."""

    def mask(text: str, findings: Sequence[Finding]) -> str:
        if not findings:
            return text
        parts: list[str] = []
        position = 0
        for finding in findings:
            start, end = finding.span
            digest = hmac.new(key, text[start:end].encode(), hashlib.sha256).hexdigest()
            parts += [text[position:start], f"[{finding.label}:{digest[:_HASH_HEX]}]"]
            position = end
        parts.append(text[position:])
        return "".join(parts)

    return mask


def keep_text(text: str, findings: Sequence[Finding]) -> str:
    """The ``log`` masker: findings are recorded, the text is left as it was."""
    del findings
    return text


def masker_for(action: str, key: bytes) -> Masker:
    if action == "hash":
        return hash_masker(key)
    if action == "log":
        return keep_text
    return mask_text
