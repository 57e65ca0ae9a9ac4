"""The semantic cache end to end, with the real bundled embedding model and trained verifier."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from llm_gateway.app import create_app
from llm_gateway.cache.semantic import layer as semantic_layer
from llm_gateway.core.embedding import THREAD_NAME
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.state import STATE_KEY, AppState
from tests.backends import Backend
from tests.integration.cache.conftest import chat
from tests.integration.cache.semantic_instances import stored_keys
from tests.integration.proxy.conftest import ANTHROPIC_AUTH, AUTH, proxy_settings

FRANCE = "What is the capital of France?"
FRANCE_AGAIN = "What's the capital of France?"
GERMANY = "What is the capital of Germany?"


async def _ask(client: httpx.AsyncClient, text: str, **extra: object) -> httpx.Response:
    r = await client.post("/v1/chat/completions", json=chat("sem", text, **extra), headers=AUTH)
    assert r.status_code == 200, r.text
    return r


async def test_a_paraphrase_is_a_semantic_hit_and_a_changed_entity_is_not(
    client: httpx.AsyncClient, fake: FakeUpstream, app_state: AppState
) -> None:
    first = await _ask(client, FRANCE)
    assert first.headers["x-gateway-cache"] == "miss"
    paraphrase = await _ask(client, FRANCE_AGAIN, stream=True)
    assert paraphrase.headers["x-gateway-cache"] == "semantic"
    assert paraphrase.headers["x-gateway-cache-key"] == first.headers["x-gateway-cache-key"]
    assert first.json()["choices"][0]["message"]["content"].split()[0] in paraphrase.text
    other = await _ask(client, GERMANY)
    assert other.headers["x-gateway-cache"] == "miss"
    assert len(fake.requests("sem-up")) == 2
    counters = app_state.cache.counters
    assert counters.semantic_hits == 1
    assert counters.verifier_rejections >= 1
    # France / Germany were embedded once; asked again in other words, the France entry's swapped
    # spans come from the layer's table, not the model (/admin/cache shows both counts).
    held = (await client.get("/admin/cache", headers=AUTH)).json()["semantic"]
    assert (held["span_vectors_held"], held["span_vector_misses"]) == (2, 2)
    assert (await _ask(client, "What's the capital of Germany?")).headers[
        "x-gateway-cache"
    ] == "semantic"
    held = (await client.get("/admin/cache", headers=AUTH)).json()["semantic"]
    assert (held["span_vector_hits"], held["span_vector_misses"]) == (2, 2)
    # The Anthropic API shares the entries (same canonical request).
    r = await client.post(
        "/v1/messages",
        json={
            "model": "sem",
            "max_tokens": 64,
            "temperature": 0,
            "messages": [{"role": "user", "content": FRANCE_AGAIN}],
        },
        headers=ANTHROPIC_AUTH,
    )
    assert r.headers["x-gateway-cache"] in ("semantic", "miss")  # max_tokens changes the key


async def test_a_broken_embedder_is_a_counted_miss_not_an_error(
    client: httpx.AsyncClient,
    fake: FakeUpstream,
    app_state: AppState,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The embedding model failing (a bad install, a crash in the native code) must not fail
    requests: lookups go upstream, the exact cache still serves repeats, the failures are
    counted."""

    async def broken(*_: object) -> object:
        raise RuntimeError("the embedding model failed")

    monkeypatch.setattr(semantic_layer, "embed_one", broken)
    assert (await _ask(client, FRANCE)).headers["x-gateway-cache"] == "miss"
    assert (await _ask(client, FRANCE)).headers["x-gateway-cache"] == "hit"
    assert (await _ask(client, FRANCE_AGAIN)).headers["x-gateway-cache"] == "miss"
    assert len(fake.requests("sem-up")) == 2
    # the first answer's semantic store and the paraphrase's lookup both failed
    assert app_state.cache.counters.semantic_errors >= 2


@pytest.mark.parametrize(
    ("cached", "asked"),
    [
        ("Can I take ibuprofen with alcohol?", "Can I not take ibuprofen with alcohol?"),
        (
            "How many calories are in 100 grams of rice?",
            "How many calories are in 300 grams of rice?",
        ),
        ("서울에서 부산까지 기차로 얼마나 걸려?", "부산에서 서울까지 기차로 얼마나 걸려?"),
        ("강아지가 포도를 먹어도 돼?", "강아지가 포도를 먹으면 안 돼?"),
    ],
)
async def test_a_negation_number_or_role_swap_is_not_served(
    client: httpx.AsyncClient, fake: FakeUpstream, app_state: AppState, cached: str, asked: str
) -> None:
    assert (await _ask(client, cached)).headers["x-gateway-cache"] == "miss"
    assert (await _ask(client, cached)).headers["x-gateway-cache"] == "hit"
    changed = await _ask(client, asked)
    assert changed.headers["x-gateway-cache"] == "miss"
    assert len(fake.requests("sem-up")) == 2  # the changed question went upstream
    assert app_state.cache.counters.semantic_hits == 0


async def test_an_entry_found_wrong_at_a_score_refuses_that_score_again(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    first = await _ask(client, FRANCE)
    hit = await _ask(client, FRANCE_AGAIN)
    assert hit.headers["x-gateway-cache"] == "semantic"
    layer = app_state.cache.semantic
    assert layer is not None
    # What ``learn`` records when a fresh upstream answer disagrees with the cached one.
    layer.evidence.observe(first.headers["x-gateway-cache-key"], 1.0, correct=False)
    again = await _ask(client, FRANCE_AGAIN)
    assert again.headers["x-gateway-cache"] == "miss"
    assert app_state.cache.counters.threshold_rejections == 1


async def test_candidates_are_scored_off_the_loop_and_long_prompts_are_a_miss(
    client: httpx.AsyncClient, app_state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    score_all = semantic_layer._score_all

    def recording(*args: object) -> object:
        threads.append(threading.current_thread().name)
        return score_all(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(semantic_layer, "_score_all", recording)
    await _ask(client, FRANCE)
    assert (await _ask(client, FRANCE_AGAIN)).headers["x-gateway-cache"] == "semantic"
    assert threads == [f"{THREAD_NAME}_0"]  # one hop, on the embedder's thread
    # Past the verifier's cap a changed prompt is a miss, counted as a verifier rejection.
    long = FRANCE + " Answer in full sentences and add some history of the city." * 6
    await _ask(client, long)
    rejected = app_state.cache.counters.verifier_rejections
    assert (await _ask(client, long + " Thanks!")).headers["x-gateway-cache"] == "miss"
    assert app_state.cache.counters.verifier_rejections > rejected


async def test_a_flagged_answer_is_evicted_and_counted(
    client: httpx.AsyncClient, fake: FakeUpstream, app_state: AppState
) -> None:
    await _ask(client, FRANCE)
    hit = await _ask(client, FRANCE_AGAIN)
    assert hit.headers["x-gateway-cache"] == "semantic"
    flag = await client.post(
        "/v1/cache/flag",
        json={"model": "sem", "key": hit.headers["x-gateway-cache-key"]},
        headers=AUTH,
    )
    assert flag.status_code == 200, flag.text
    assert flag.json() == {"flagged": True}
    again = await _ask(client, FRANCE_AGAIN)
    assert again.headers["x-gateway-cache"] == "miss"
    assert app_state.cache.counters.flagged == 1
    bad = await client.post("/v1/cache/flag", json={"model": "sem", "key": "zz"}, headers=AUTH)
    assert bad.status_code == 422


async def test_admin_stats_and_flush(client: httpx.AsyncClient, app_state: AppState) -> None:
    await _ask(client, FRANCE)
    assert (await _ask(client, FRANCE)).headers["x-gateway-cache"] == "hit"
    stats = await client.get("/admin/cache", headers=AUTH)
    assert stats.status_code == 200
    body = stats.json()
    assert body["counters"]["hits"] == 1
    assert set(body) == {"enabled", "store_available", "counters", "semantic", "aliases"}
    assert body["semantic"]["enabled"] is True
    assert body["semantic"]["entries_loaded"] >= 1
    assert {"verifier_rejections", "threshold_rejections", "flagged"} <= set(body["counters"])
    assert body["counters"]["semantic_index_building"] == 1  # the namespace's first lookup
    assert body["counters"]["semantic_index_build_failures"] == 0
    assert body["counters"]["semantic_index_build_overflows"] == 0
    assert body["semantic"]["namespaces_building"] == 0
    assert body["semantic"]["namespaces_waiting"] == 0
    assert body["semantic"]["changes_queued"] == 0
    assert body["semantic"]["entries_budget"] == 500_000  # LLMGW_CACHE__SEMANTIC_INDEX_BUDGET
    assert body["semantic"]["builds_max"] == 2  # LLMGW_CACHE__SEMANTIC_MAX_CONCURRENT_BUILDS
    assert (body["semantic"]["entries_building"], body["semantic"]["namespaces_retrying"]) == (0, 0)
    assert body["counters"]["semantic_index_build_deferred"] == 0
    for counter in ("evictions", "idle_evictions"):
        assert body["counters"][f"semantic_index_{counter}"] == 0
    assert body["counters"]["semantic_sync_skipped"] == 0
    # The same figures on /metrics: indexes and entries held as gauges.
    metrics = await client.get("/metrics", headers=AUTH)
    assert metrics.status_code == 200
    assert "llmgw_cache_semantic_indexes 1.0" in metrics.text
    held = body["semantic"]["entries_loaded"]
    assert f"llmgw_cache_semantic_entries {float(held)}" in metrics.text
    assert "llmgw_cache_semantic_builds 0.0" in metrics.text
    store = app_state.cache.entries.store
    assert len(await stored_keys(store, "cache:v:master_key|")) == 1
    assert body["aliases"]["sem"]["mode"] == "semantic"
    await _ask(client, GERMANY)  # France / Germany: a swapped slot, its spans held
    assert app_state.cache.stats()["semantic"]["span_vectors_held"] == 2
    flushed = await client.post(
        "/admin/cache/flush", json={"namespace": "master_key"}, headers=AUTH
    )
    assert flushed.status_code == 204
    assert await stored_keys(store, "cache:v:master_key|") == []  # the vectors went too
    assert app_state.cache.stats()["semantic"]["span_vectors_held"] == 0  # and its spans
    assert (await _ask(client, FRANCE)).headers["x-gateway-cache"] == "miss"
    assert (await _ask(client, FRANCE_AGAIN)).headers["x-gateway-cache"] == "semantic"


async def test_a_second_instance_sees_the_first_ones_entries(
    backend: Backend, models_file: Path, fake: FakeUpstream
) -> None:
    if backend.redis_url is None:
        pytest.skip("instances share entries only through Redis")
    namespace = f"{backend.namespace}sem-shared:"
    apps = [
        create_app(proxy_settings(backend, models_file, store={"namespace": namespace}))
        for _ in range(2)
    ]
    async with LifespanManager(apps[0]) as one, LifespanManager(apps[1]) as two:
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=m.app), base_url="http://gw")
            for m in (one, two)
        ]
        try:
            second_state: AppState = two._state[STATE_KEY]
            # Instance two loads the (empty) namespace first, then must follow instance one.
            assert (await _ask(clients[1], "Where is the Louvre museum?")).headers[
                "x-gateway-cache"
            ] == "miss"
            await _ask(clients[0], FRANCE)
            r = await _ask(clients[1], FRANCE_AGAIN)
            assert r.headers["x-gateway-cache"] == "semantic"
            assert second_state.cache.counters.semantic_hits == 1
        finally:
            for c in clients:
                await c.aclose()
