"""Guardrail engines shared by the guardrail tests: the exact rules alone, the full default, and
the agent path with the e5 attack stage; and ``scripts/attack_stack.py`` as a module."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

from llm_gateway.core.config import GuardrailPolicy, GuardrailSettings
from llm_gateway.core.embedding import SharedEmbedder
from llm_gateway.guardrails import GuardrailEngine
from tests.script_modules import import_script


@pytest.fixture(scope="module")
def engine() -> GuardrailEngine:
    """The exact rules only: what the rule tests pin down (the classifier has its own tests)."""
    return GuardrailEngine(GuardrailSettings(default_policy=GuardrailPolicy(classifier=False)))


@pytest.fixture(scope="module")
def full_engine() -> GuardrailEngine:
    """The shipped default: rules and the classifier."""
    return GuardrailEngine(GuardrailSettings())


@pytest.fixture(scope="module")
def attack_engine() -> Iterator[GuardrailEngine]:
    """The default policy with the e5 attack stage and the real embedder (closed after)."""
    embedder = SharedEmbedder()
    try:
        yield GuardrailEngine(
            GuardrailSettings(default_policy=GuardrailPolicy(), attack_stage=True),
            embedder=embedder,
        )
    finally:
        embedder.close()


@pytest.fixture(scope="module")
def attack_stack() -> Iterator[ModuleType]:
    """``scripts/attack_stack.py``, the stacker's measuring script."""
    yield from import_script("attack_stack")
