"""Per-alias semantic settings end to end: ``semantic_languages`` and ``semantic_min_score``.

Same bundled embedder and shipped verifier as ``test_semantic_http.py``. The pairs' verifier
scores (shipped weights, session 21): "What's the capital of France?" ~0.95, "the french capital?"
~0.92 and "what is the capital of France" ~0.99 against FRANCE; the trained thresholds are EN
0.881, KO 0.914. (Session 20's short pair, "capital of France?", scores 0.87 now: under EN.)
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from llm_gateway.cache.semantic.adaptive import MAX_OBSERVATIONS, entry_threshold
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.state import AppState
from tests.integration.cache.conftest import cache_header, chat, registry_file
from tests.integration.proxy.conftest import AUTH

FRANCE = "What is the capital of France?"
FRANCE_AGAIN = "What's the capital of France?"
FRANCE_SHORT = "the french capital?"  # a true paraphrase the verifier scores ~0.92
FRANCE_LOWER = "what is the capital of France"  # scored ~0.99: over the strict alias's floor
KO_FRANCE = "프랑스의 수도는 어디야?"
KO_FRANCE_AGAIN = "프랑스 수도가 어디야?"  # scored ~0.998: a hit where Korean is served


@pytest.fixture
def models_file(fake: FakeUpstream, tmp_path: Path) -> Path:
    api = f"base_url: '{fake.base_url}/v1'"
    extra = f"""
  sem-en:
    deployments: [{{provider: openai, model: sem-en-up, {api}}}]
    cache: {{mode: semantic, semantic_languages: [en]}}
  sem-strict:
    deployments: [{{provider: openai, model: sem-strict-up, {api}}}]
    cache: {{mode: semantic, semantic_min_score: 0.97, error_bound: 0.1}}
"""
    return registry_file(fake, tmp_path, extra)


async def test_the_default_alias_serves_both_languages_semantically(
    client: httpx.AsyncClient,
) -> None:
    # The control for the next test: the same pairs are semantic hits on an alias without a list.
    for cached, asked in [(FRANCE, FRANCE_AGAIN), (KO_FRANCE, KO_FRANCE_AGAIN)]:
        assert await cache_header(client, "sem", cached) == "miss"
        assert await cache_header(client, "sem", asked) == "semantic"


async def test_an_english_only_alias_serves_korean_from_the_exact_cache_only(
    client: httpx.AsyncClient, fake: FakeUpstream, app_state: AppState
) -> None:
    assert await cache_header(client, "sem-en", FRANCE) == "miss"
    assert await cache_header(client, "sem-en", FRANCE_AGAIN) == "semantic"
    counters = app_state.cache.counters
    assert counters.semantic_skipped_language == 0
    assert await cache_header(client, "sem-en", KO_FRANCE) == "miss"
    assert await cache_header(client, "sem-en", KO_FRANCE_AGAIN) == "miss"
    assert await cache_header(client, "sem-en", KO_FRANCE_AGAIN) == "hit"  # exact repeat
    assert len(fake.requests("sem-en-up")) == 3
    assert counters.semantic_hits == 1
    assert counters.semantic_skipped_language == 2  # the two Korean misses (not the exact hit)
    layer = app_state.cache.semantic
    assert layer is not None
    assert layer.stats()["entries_loaded"] == 1  # no Korean vector was indexed
    stats = (await client.get("/admin/cache", headers=AUTH)).json()
    assert stats["counters"]["semantic_skipped_language"] == 2
    assert stats["aliases"]["sem-en"]["semantic_languages"] == ["en"]
    assert stats["aliases"]["sem"]["semantic_languages"] == ["en", "ko"]


async def test_a_score_floor_above_a_pairs_score_turns_its_hit_into_a_miss(
    client: httpx.AsyncClient, fake: FakeUpstream, app_state: AppState
) -> None:
    assert await cache_header(client, "sem", FRANCE) == "miss"
    assert await cache_header(client, "sem", FRANCE_SHORT) == "semantic"  # ~0.92 ≥ EN 0.881
    assert await cache_header(client, "sem-strict", FRANCE) == "miss"
    assert await cache_header(client, "sem-strict", FRANCE_SHORT) == "miss"  # ~0.92 < 0.97
    assert await cache_header(client, "sem-strict", FRANCE_LOWER) == "semantic"  # ~0.99 ≥ 0.97
    assert len(fake.requests("sem-strict-up")) == 2
    assert app_state.cache.counters.verifier_rejections >= 1
    stats = (await client.get("/admin/cache", headers=AUTH)).json()
    assert stats["aliases"]["sem-strict"]["semantic_min_score"] == 0.97


async def test_an_entrys_own_evidence_never_lowers_it_under_the_floor(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    r = await client.post("/v1/chat/completions", json=chat("sem-strict", FRANCE), headers=AUTH)
    key = r.headers["x-gateway-cache-key"]
    layer = app_state.cache.semantic
    assert layer is not None
    for _ in range(MAX_OBSERVATIONS):  # right every time at 0.93 (what ``learn`` records)
        layer.evidence.observe(key, 0.93, correct=True)
    # Alone, that evidence would let this entry serve from 0.93 (error_bound 0.1) ...
    assert entry_threshold(layer.evidence.get(key), 0.97, 0.1) == 0.93
    # ... but the alias's floor still holds.
    assert await cache_header(client, "sem-strict", FRANCE_SHORT) == "miss"
