"""The small-talk gate end to end: personal remarks are served from the exact cache only.

Same bundled embedder and shipped verifier as ``test_semantic_alias_settings.py``. Scores with
the shipped weights (session 22): the birthday pair below is a *wrong* pair the verifier scores
~0.92 (over EN 0.881), the Korean tiredness pair a true one at ~0.97 (over KO 0.914); the shipped
small-talk head gives every prompt of both pairs ≥ 0.98 (threshold 0.9), the France questions
~0.002.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.state import AppState
from tests.integration.cache.conftest import cache_header, registry_file
from tests.integration.proxy.conftest import AUTH

LUNCH = "my coworkers threw me a birthday lunch, so sweet"
FORGOT = "my coworkers forgot my birthday and it kinda stung"  # a reply to LUNCH would not fit
TIRED = "오늘 너무 피곤해"
TIRED_AGAIN = "오늘 진짜 너무 피곤하다"
FRANCE = "What is the capital of France?"
FRANCE_AGAIN = "What's the capital of France?"


@pytest.fixture
def models_file(fake: FakeUpstream, tmp_path: Path) -> Path:
    api = f"base_url: '{fake.base_url}/v1'"
    extra = f"""
  sem-chat:
    deployments: [{{provider: openai, model: sem-chat-up, {api}}}]
    cache: {{mode: semantic, semantic_small_talk: true}}
"""
    return registry_file(fake, tmp_path, extra)


async def test_small_talk_is_never_a_semantic_hit_by_default(
    client: httpx.AsyncClient, fake: FakeUpstream, app_state: AppState
) -> None:
    assert await cache_header(client, "sem", LUNCH) == "miss"
    assert await cache_header(client, "sem", FORGOT) == "miss"  # the verifier alone would serve it
    assert await cache_header(client, "sem", TIRED) == "miss"
    assert await cache_header(client, "sem", TIRED_AGAIN) == "miss"
    assert (
        await cache_header(client, "sem", TIRED_AGAIN) == "hit"
    )  # the exact cache still serves repeats
    assert len(fake.requests("sem-up")) == 4
    counters = app_state.cache.counters
    # Three lookups: the first found the namespace's index building (a miss before any
    # embedding), and the exact hit never asks the semantic layer.
    assert counters.semantic_skipped_small_talk == 3
    assert counters.semantic_hits == 0
    layer = app_state.cache.semantic
    assert layer is not None
    assert layer.stats()["entries_loaded"] == 0  # no small-talk vector was indexed
    stats = (await client.get("/admin/cache", headers=AUTH)).json()
    assert stats["counters"]["semantic_skipped_small_talk"] == 3


async def test_questions_still_hit_semantically_beside_small_talk(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    assert await cache_header(client, "sem", FRANCE) == "miss"
    assert await cache_header(client, "sem", TIRED) == "miss"
    assert await cache_header(client, "sem", FRANCE_AGAIN) == "semantic"
    assert app_state.cache.counters.semantic_skipped_small_talk == 1


async def test_an_alias_that_opts_in_serves_small_talk_semantically(
    client: httpx.AsyncClient, fake: FakeUpstream, app_state: AppState
) -> None:
    assert await cache_header(client, "sem-chat", TIRED) == "miss"
    assert await cache_header(client, "sem-chat", TIRED_AGAIN) == "semantic"
    # ...and with it the verifier's own mistakes on small talk: the reason it is off by default.
    assert await cache_header(client, "sem-chat", LUNCH) == "miss"
    assert await cache_header(client, "sem-chat", FORGOT) == "semantic"
    assert len(fake.requests("sem-chat-up")) == 2
    assert app_state.cache.counters.semantic_skipped_small_talk == 0
    stats = (await client.get("/admin/cache", headers=AUTH)).json()
    assert stats["aliases"]["sem-chat"]["semantic_small_talk"] is True
    assert stats["aliases"]["sem"]["semantic_small_talk"] is False
