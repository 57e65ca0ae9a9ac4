"""A guardrail engine with default settings, shared by the guardrail tests."""

from __future__ import annotations

import pytest

from llm_gateway.core.config import GuardrailSettings
from llm_gateway.guardrails import GuardrailEngine


@pytest.fixture(scope="module")
def engine() -> GuardrailEngine:
    return GuardrailEngine(GuardrailSettings())
