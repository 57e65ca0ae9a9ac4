"""``"model": "auto"``'s cache settings come from ``LLMGW_CACHE__AUTO_*``, the small-talk switch
included (off by default, as for an alias)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

from llm_gateway.core.config import CacheSettings
from llm_gateway.services.proxy.caching import auto_spec
from llm_gateway.state import AppState


def _state(cache: CacheSettings) -> AppState:
    return cast(AppState, SimpleNamespace(settings=SimpleNamespace(cache=cache)))


def test_auto_serves_small_talk_from_the_exact_cache_only_by_default() -> None:
    spec = auto_spec(_state(CacheSettings(auto_mode="semantic", auto_ttl_s=60)))
    assert (spec.mode, spec.ttl_s, spec.semantic_small_talk) == ("semantic", 60, False)


def test_auto_small_talk_opts_the_agent_in() -> None:
    spec = auto_spec(_state(CacheSettings(auto_mode="semantic", auto_small_talk=True)))
    assert spec.semantic_small_talk is True
