"""Per-alias semantic-cache settings: language list and score floor, validated at config load."""

from __future__ import annotations

from typing import Any

import pytest

from llm_gateway.cache.semantic.verifier import load_verifier, prompt_language
from llm_gateway.core.config import ProviderSettings, SettingsError
from llm_gateway.providers.registry import build_registry
from llm_gateway.providers.registry_schema import SEMANTIC_LANGUAGES, CacheSpec

_KEY = "aliases.sem.cache"
SETTINGS = ProviderSettings(demo_upstream_host="127.0.0.9", demo_upstream_port=9999)


def _registry(cache: dict[str, Any]) -> dict[str, Any]:
    deployment = {"provider": "openai", "model": "m", "base_url": "demo"}
    return {"aliases": {"sem": {"deployments": [deployment], "cache": cache}}}


def _error(cache: dict[str, Any]) -> str:
    with pytest.raises(SettingsError) as info:
        build_registry(_registry(cache), SETTINGS, source="/etc/models.yaml")
    return str(info.value)


def test_defaults_serve_every_language_the_verifier_has_a_threshold_for() -> None:
    spec = CacheSpec(mode="semantic")
    assert spec.semantic_languages == ["en", "ko"]
    assert spec.semantic_min_score is None
    assert set(SEMANTIC_LANGUAGES) == set(load_verifier().thresholds)


def test_a_language_list_and_a_floor_load() -> None:
    cache = {"mode": "semantic", "semantic_languages": ["en", "en"], "semantic_min_score": 1}
    info = build_registry(_registry(cache), SETTINGS, source="/etc/models.yaml").get("sem")
    assert info.cache.semantic_languages == ["en"]
    assert info.cache.semantic_min_score == 1.0


@pytest.mark.parametrize(
    ("cache", "expected"),
    [
        ({"semantic_languages": ["en", "fr"]}, f"{_KEY}.semantic_languages[1]"),
        ({"semantic_languages": ["fr"]}, "'en' or 'ko'"),
        ({"semantic_languages": []}, f"{_KEY}.semantic_languages: List should have at least 1"),
        ({"semantic_languages": "en"}, f"{_KEY}.semantic_languages"),
        ({"semantic_min_score": 0}, f"{_KEY}.semantic_min_score: Input should be greater than 0"),
        ({"semantic_min_score": 1.2}, f"{_KEY}.semantic_min_score: Input should be less than"),
        ({"semantic_min_score": "high"}, f"{_KEY}.semantic_min_score"),
    ],
)
def test_bad_values_are_refused_at_load_naming_the_key(
    cache: dict[str, Any], expected: str
) -> None:
    message = _error({"mode": "semantic", **cache})
    assert "/etc/models.yaml" in message
    assert expected in message


def test_prompt_language_is_the_verifiers_pair_language() -> None:
    verifier = load_verifier()
    for text, language in [("What is the capital of France?", "en"), ("프랑스 수도?", "ko")]:
        assert prompt_language(text) == language
        assert verifier.score(text, text, 1.0)[1] == language
    assert prompt_language("what does 안녕 mean?") == "ko"  # any Hangul, as in the pair feature
