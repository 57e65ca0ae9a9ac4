"""Cache hits in usage: marked as hits, priced at the alias's fraction, settled once."""

from __future__ import annotations

import httpx
import pytest

from llm_gateway.services.quotas.metering import measure_cache_hit
from llm_gateway.state import AppState
from tests.integration.cache.conftest import chat
from tests.integration.proxy.conftest import AUTH
from tests.integration.quotas.support import usage_records


async def test_hits_are_recorded_as_cache_hits_and_cost_nothing(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    for _ in range(2):
        r = await client.post("/v1/chat/completions", json=chat("cached"), headers=AUTH)
        assert r.status_code == 200
    miss, hit = await usage_records(app_state)
    assert (miss.cache_hit, hit.cache_hit) == (False, True)
    assert miss.cost_usd > 0
    assert hit.cost_usd == 0
    assert hit.deployment is None
    assert (hit.prompt_tokens, hit.completion_tokens) == (
        miss.prompt_tokens,
        miss.completion_tokens,
    )
    assert hit.cached_tokens == hit.prompt_tokens


async def test_a_hit_is_priced_at_the_configured_fraction(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    for _ in range(2):
        await client.post("/v1/chat/completions", json=chat("half"), headers=AUTH)
    miss, hit = await usage_records(app_state)
    assert hit.cache_hit
    assert hit.cost_usd == pytest.approx(miss.cost_usd / 2)


async def test_settlement_charges_the_hit_once_and_no_tokens_by_default(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    usage = {"prompt_tokens": 100, "completion_tokens": 50}
    record, settled = measure_cache_hit(app_state, alias="half", usage=usage)
    assert (record.prompt_tokens, record.completion_tokens, record.cached_tokens) == (100, 50, 100)
    assert settled.cost_usd == record.cost_usd > 0  # the same money, charged once
    assert (settled.prompt_tokens, settled.completion_tokens) == (0, 0)
    free_record, free_settled = measure_cache_hit(app_state, alias="cached", usage=usage)
    assert free_record.cost_usd == free_settled.cost_usd == 0
