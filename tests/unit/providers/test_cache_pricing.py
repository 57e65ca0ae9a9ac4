"""Prompt-cache tokens: read from each provider's usage, priced at their own rates."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from llm_gateway.core.config import ProviderSettings
from llm_gateway.providers.anthropic_inbound import anthropic_usage_from_canonical
from llm_gateway.providers.anthropic_mapping import anthropic_usage
from llm_gateway.providers.registry import build_registry
from llm_gateway.services.quotas.metering import measure
from llm_gateway.state import AppState

REGISTRY = {
    "version": 1,
    "aliases": {
        "claude": {
            "deployments": [{"provider": "anthropic", "model": "c", "base_url": "http://x"}],
            # USD per million: reads at a tenth of input, writes at 1.25x input.
            "price": {"input": 4.0, "output": 20.0, "cached_input": 0.4, "cache_write": 5.0},
        },
        "plain": {
            "deployments": [{"provider": "openai", "model": "p", "base_url": "http://x"}],
            "price": {"input": 4.0, "output": 20.0},
        },
    },
}


@pytest.fixture
def state() -> AppState:
    registry = build_registry(REGISTRY, ProviderSettings(demo_upstream=False))
    return cast(AppState, SimpleNamespace(models=registry))


def test_anthropic_usage_keeps_reads_and_writes_apart() -> None:
    upstream = {
        "input_tokens": 100,
        "cache_read_input_tokens": 2_000,
        "cache_creation_input_tokens": 500,
        "output_tokens": 50,
    }
    canonical = anthropic_usage(upstream)
    assert canonical["prompt_tokens"] == 2_600  # OpenAI's convention: everything in the prompt
    assert canonical["prompt_tokens_details"] == {
        "cached_tokens": 2_000,
        "cache_write_tokens": 500,
    }
    # And back out on /v1/messages exactly as the upstream said it.
    back = anthropic_usage_from_canonical(canonical)
    assert back == {**upstream}


def test_openai_cached_tokens_are_cache_reads() -> None:
    openai_usage: dict[str, Any] = {
        "prompt_tokens": 1_000,
        "completion_tokens": 10,
        "prompt_tokens_details": {"cached_tokens": 800},
    }
    assert anthropic_usage_from_canonical(openai_usage) == {
        "input_tokens": 200,
        "output_tokens": 10,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 800,
    }


def test_cache_reads_and_writes_are_priced_at_their_own_rates(state: AppState) -> None:
    usage = anthropic_usage(
        {
            "input_tokens": 1_000_000,
            "cache_read_input_tokens": 1_000_000,
            "cache_creation_input_tokens": 1_000_000,
            "output_tokens": 1_000_000,
        }
    )
    measured = measure(state, alias="claude", usage=usage, served=True)
    assert (measured.cached_tokens, measured.cache_write_tokens) == (1_000_000, 1_000_000)
    # 1M each: input $4 + reads $0.40 + writes $5 + output $20.
    assert measured.cost_usd == pytest.approx(4.0 + 0.4 + 5.0 + 20.0)
    uncached = measure(
        state,
        alias="claude",
        usage={"prompt_tokens": 3_000_000, "completion_tokens": 1_000_000},
        served=True,
    )
    assert uncached.cost_usd == pytest.approx(3 * 4.0 + 20.0)  # caching saved $6.60


def test_without_cache_prices_cached_tokens_cost_as_input(state: AppState) -> None:
    usage = anthropic_usage(
        {
            "input_tokens": 0,
            "cache_read_input_tokens": 1_000_000,
            "cache_creation_input_tokens": 1_000_000,
            "output_tokens": 0,
        }
    )
    assert measure(state, alias="plain", usage=usage, served=True).cost_usd == pytest.approx(8.0)
