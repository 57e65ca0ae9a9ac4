"""The model registry: the shipped file, env-gated aliases, bad files, lookups and price math."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from llm_gateway.core.config import ProviderSettings, SettingsError
from llm_gateway.core.exceptions import NotFoundError
from llm_gateway.providers.base import Timeouts
from llm_gateway.providers.registry import build_registry, load_registry

GOOD: dict[str, Any] = {
    "defaults": {"small": ["paid", "cheap"], "large": "big"},
    "aliases": {
        "cheap": {
            "tier": "small",
            "deployments": [
                {"provider": "openai", "model": "m1", "base_url": "demo", "weight": 3},
                {
                    "provider": "ollama",
                    "model": "m2",
                    "base_url": "http://10.0.0.2:11434/",
                    "timeouts": {"connect_s": 1, "first_byte_s": 2, "total_s": 3},
                },
            ],
            "price": {"input": 1.0, "output": 2.0, "cached_input": 0.5},
            "fallbacks": ["big", "paid"],
            "routing": "least_busy",
            "capabilities": {"tools": True, "json": True},
        },
        "big": {
            "tier": "large",
            "deployments": [{"provider": "anthropic", "model": "claude-x", "base_url": "demo"}],
            "price": {"input": 3.0, "output": 15.0},
            "max_output_tokens": 1000,
        },
        "paid": {
            "tier": "small",
            "deployments": [
                {"provider": "openai", "model": "gpt", "api_key_env": "LLMGW_TEST_KEY"}
            ],
        },
    },
}
SETTINGS = ProviderSettings(demo_upstream_host="127.0.0.9", demo_upstream_port=9999)


@pytest.fixture(autouse=True)
def _no_stray_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys may come from ./.env: run where none exists unless a test writes one."""
    monkeypatch.chdir(tmp_path)


def _bad(mutate: Any) -> str:
    data = copy.deepcopy(GOOD)
    mutate(data)
    with pytest.raises(SettingsError) as info:
        build_registry(data, SETTINGS, source="/etc/models.yaml")
    return str(info.value)


_GATEWAY_VARS = (
    "LLMGW_PROVIDERS__OPENAI_API_KEY",
    "LLMGW_PROVIDERS__ANTHROPIC_API_KEY",
    "LLMGW_PROVIDERS__OLLAMA_BASE_URL",
)


def test_shipped_file_loads_with_demo_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _GATEWAY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    registry = load_registry(ProviderSettings())
    assert {"demo", "demo-large", "demo-embed"} <= set(registry.aliases())
    assert (registry.default_small, registry.default_large) == ("demo", "demo-large")
    assert "gpt-4o" not in registry
    assert "LLMGW_PROVIDERS__OPENAI_API_KEY" in registry.disabled["gpt-4o"]
    assert registry.get("demo-embed").capabilities.embeddings
    assert registry.get("demo").deployments[0].base_url == "http://127.0.0.1:8765/v1"
    # Nothing listens on Ollama's port by default: its aliases wait for a configured URL.
    assert "llama3.2" not in registry
    assert "LLMGW_PROVIDERS__OLLAMA_BASE_URL" in registry.disabled["llama3.2"]


def test_shipped_file_switches_on_paid_aliases_with_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMGW_PROVIDERS__OPENAI_API_KEY", "sk-real")
    monkeypatch.setenv("LLMGW_PROVIDERS__ANTHROPIC_API_KEY", "sk-ant-real")
    monkeypatch.setenv("LLMGW_PROVIDERS__OLLAMA_BASE_URL", "http://127.0.0.1:11434/")
    registry = load_registry(ProviderSettings())
    assert registry.get("gpt-4o").deployments[0].api_key == "sk-real"
    assert registry.get("claude-sonnet").deployments[0].api_key == "sk-ant-real"
    assert (registry.default_small, registry.default_large) == ("gpt-4o-mini", "gpt-4o")
    assert registry.fallbacks("gpt-4o-mini") == ("claude-haiku",)
    assert registry.get("llama3.2").deployments[0].base_url == "http://127.0.0.1:11434"
    # Claude Code's own model names reach the real Claude aliases once they are enabled.
    assert registry.resolve("claude-haiku-4-5-20251001") == "claude-haiku"
    assert registry.resolve("claude-opus-5-5") == "claude-sonnet"


def test_a_client_side_key_in_the_gateway_shell_enables_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in _GATEWAY_VARS:
        monkeypatch.delenv(name, raising=False)
    # What a user exports for Claude Code (or the SDKs) in the shell that also runs the gateway.
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-gw-the-users-gateway-key")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-gw-the-users-gateway-key")
    registry = load_registry(ProviderSettings())
    assert "claude-sonnet" not in registry
    assert "gpt-4o" not in registry
    reason = registry.disabled["claude-sonnet"]
    assert "ANTHROPIC_API_KEY is set but not read" in reason
    assert "LLMGW_PROVIDERS__ANTHROPIC_API_KEY" in reason
    assert "sk-gw" not in reason


def test_claude_code_names_resolve_to_the_demo_models(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _GATEWAY_VARS:
        monkeypatch.delenv(name, raising=False)
    registry = load_registry(ProviderSettings())
    assert registry.resolve("claude-opus-5-5") == "demo-large"
    assert registry.resolve("claude-sonnet-4-5-20250929") == "demo-large"
    assert registry.resolve("claude-3-5-haiku-20241022") == "demo"
    assert registry.resolve("claude-haiku-4-5") == "demo"
    # Exact aliases win over routes; unknown names come back unchanged (and get a 404 later).
    assert registry.resolve("demo-anthropic") == "demo-anthropic"
    assert registry.resolve("gpt-9") == "gpt-9"


def test_model_routes_skip_disabled_targets_and_reject_unknown_ones() -> None:
    data = copy.deepcopy(GOOD)
    data["model_routes"] = [
        {"match": "*-mini", "to": ["paid", "cheap"]},
        {"match": "gpt-?", "to": "large"},
    ]
    registry = build_registry(data, SETTINGS)
    assert registry.resolve("o4-mini") == "cheap"  # "paid" has no key
    assert registry.resolve("gpt-5") == "big"
    assert registry.resolve("gpt-55") == "gpt-55"
    data["model_routes"] = [{"match": "x*", "to": ["nope"]}]
    with pytest.raises(SettingsError, match=r"model_routes\[0\]\.to\[0\]: unknown alias 'nope'"):
        build_registry(data, SETTINGS)


def test_good_file_builds_deployments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLMGW_TEST_KEY", raising=False)
    registry = build_registry(GOOD, SETTINGS)
    cheap = registry.get("cheap")
    first, second = cheap.deployments
    assert (first.id, first.base_url, first.weight) == (
        "cheap/openai/0",
        "http://127.0.0.9:9999/v1",
        3,
    )
    assert second.base_url == "http://10.0.0.2:11434"
    assert second.timeouts == Timeouts(1, 2, 3)
    assert registry.get("big").deployments[0].base_url == "http://127.0.0.9:9999"
    assert registry.get("big").deployments[0].max_output_tokens == 1000
    assert cheap.routing == "least_busy"
    assert (cheap.capabilities.tools, cheap.capabilities.vision) == (True, False)
    # "paid" has no key: disabled, skipped in fallbacks and defaults, named in the 404.
    assert registry.fallbacks("cheap") == ("big",)
    assert registry.default_small == "cheap"
    assert registry.default_large == "big"
    with pytest.raises(NotFoundError) as info:
        registry.get("paid")
    assert info.value.code == "model_not_found"
    assert "LLMGW_TEST_KEY" in info.value.message
    assert "cheap, big" in info.value.message


def test_env_key_enables_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMGW_TEST_KEY", "k-1")
    registry = build_registry(GOOD, SETTINGS)
    assert registry.get("paid").deployments[0].api_key == "k-1"
    assert registry.default_small == "paid"
    assert "k-1" not in repr(registry.get("paid").deployments[0])  # keys stay out of logs


def test_env_key_from_dot_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLMGW_TEST_KEY", raising=False)
    (tmp_path / ".env").write_text("LLMGW_TEST_KEY=k-from-file\n")
    assert build_registry(GOOD, SETTINGS).get("paid").deployments[0].api_key == "k-from-file"


def test_unknown_alias_lists_available() -> None:
    with pytest.raises(NotFoundError, match="Available models: cheap, big"):
        build_registry(GOOD, SETTINGS).get("nope")


def test_cost() -> None:
    registry = build_registry(GOOD, SETTINGS)
    # 1M prompt tokens of which 400k cached, 500k completion: 0.6*1 + 0.4*0.5 + 0.5*2 = 1.8
    assert registry.cost("cheap", 1_000_000, 500_000, 400_000) == pytest.approx(1.8)
    # No cached price: cached tokens cost the input price.
    assert registry.cost("big", 1000, 100, 500) == pytest.approx((1000 * 3 + 100 * 15) / 1e6)
    assert registry.cost("cheap", 10, 0, 50) == pytest.approx(10 * 0.5 / 1e6)  # capped


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["aliases"]["cheap"]["deployments"][1].update(base_url="ftp://x"),
            "aliases.cheap.deployments[1].base_url: must be an http(s):// URL or 'demo'",
        ),
        (
            lambda d: d["aliases"]["cheap"]["deployments"][0].update(provider="cohere"),
            "aliases.cheap.deployments[0].provider",
        ),
        (
            lambda d: d["aliases"]["cheap"]["deployments"][0].update(wieght=2),
            "aliases.cheap.deployments[0].wieght: Extra inputs are not permitted",
        ),
        (lambda d: d["aliases"]["big"].update(deployments=[]), "aliases.big.deployments"),
        (lambda d: d["aliases"]["big"].update(tier="medium"), "aliases.big.tier"),
        (lambda d: d["aliases"]["big"]["price"].update(input=-1), "aliases.big.price.input"),
        (
            lambda d: d["aliases"]["cheap"].update(fallbacks=["ghost"]),
            "aliases.cheap.fallbacks[0]: unknown alias 'ghost'",
        ),
        (lambda d: d["aliases"]["cheap"].update(fallbacks=["cheap"]), "cannot fall back to itself"),
        (
            lambda d: d["defaults"].update(large=["ghost"]),
            "defaults.large[0]: unknown alias 'ghost'",
        ),
        (
            lambda d: d["aliases"]["paid"]["deployments"][0].update(api_key_env="sk-oops-a-key"),
            "aliases.paid.deployments[0].api_key_env",
        ),
        (lambda d: d["aliases"]["big"].update(routing="random"), "aliases.big.routing"),
        (lambda d: d.update(aliases={}), "aliases"),
    ],
)
def test_bad_files_name_file_key_path_and_problem(mutate: Any, expected: str) -> None:
    message = _bad(mutate)
    assert "/etc/models.yaml" in message
    assert expected in message


def test_unreadable_and_non_yaml_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(SettingsError, match=r"missing\.yaml"):
        load_registry(ProviderSettings(models_file=missing))
    broken = tmp_path / "broken.yaml"
    broken.write_text("aliases: [unclosed\n")
    with pytest.raises(SettingsError, match=r"invalid YAML in model registry .*broken.yaml"):
        load_registry(ProviderSettings(models_file=broken))
    listed = tmp_path / "list.yaml"
    listed.write_text(yaml.safe_dump([1, 2]))
    with pytest.raises(SettingsError, match="top level must be a mapping"):
        load_registry(ProviderSettings(models_file=listed))


def test_adapters_are_shared_per_provider() -> None:
    registry = build_registry(GOOD, SETTINGS)
    assert registry.adapter("anthropic").name == "anthropic"
    assert registry.adapter("openai") is registry.adapter("openai")
