"""Guardrail engines shared by the guardrail tests: the exact rules alone, and the full default."""

from __future__ import annotations

import pytest

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine


@pytest.fixture(scope="module")
def engine() -> GuardrailEngine:
    """The exact rules only: what the rule tests pin down (the classifier has its own tests)."""
    return GuardrailEngine(GuardrailSettings(default_policy=GuardrailPolicy(classifier=False)))


@pytest.fixture(scope="module")
def full_engine() -> GuardrailEngine:
    """The shipped default: rules and the classifier."""
    return GuardrailEngine(GuardrailSettings())
