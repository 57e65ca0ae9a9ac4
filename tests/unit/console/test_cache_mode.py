"""The console's per-alias cache line shows a semantic alias's languages, score floor and
whether it serves small talk semantically."""

from __future__ import annotations

from llm_gateway.console.routes_admin_ops import cache_mode
from llm_gateway.providers.registry_schema import CacheSpec


def test_cache_mode_names_languages_and_floor() -> None:
    assert cache_mode(CacheSpec()) == "off"
    assert cache_mode(CacheSpec(mode="exact", semantic_languages=["en"])) == "exact"
    assert cache_mode(CacheSpec(mode="semantic")) == "semantic (en/ko)"
    strict = CacheSpec(mode="semantic", semantic_languages=["en"], semantic_min_score=0.99)
    assert cache_mode(strict) == "semantic (en, score ≥ 0.99)"
    chat = CacheSpec(mode="semantic", semantic_small_talk=True)
    assert cache_mode(chat) == "semantic (en/ko, small talk)"
