"""Settings that name user tiers must name configured ones, or startup stops naming the variable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llm_gateway.cli import serve
from llm_gateway.cli.main import main
from llm_gateway.core.config import SettingsError, load_settings

TEAM_TIERS = json.dumps({"free": {}, "team": {"requests_per_minute": 5}})


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("AUTH__DEFAULT_TIER", "QUOTAS__TIERS", "QUOTAS__DEFAULT_TIER"):
        monkeypatch.delenv(f"LLMGW_{name}", raising=False)
    monkeypatch.delenv("LLMGW_AGENT__LARGE_MODEL_TIERS", raising=False)


def test_an_unconfigured_default_tier_stops_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMGW_AUTH__DEFAULT_TIER", "gold")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "LLMGW_AUTH__DEFAULT_TIER 'gold' is not a configured tier" in message
    assert "(enterprise, free, pro)" in message


def test_serve_refuses_to_start_with_a_bad_default_tier(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def never(*_: object) -> None:
        raise AssertionError("serve went past the settings check")

    monkeypatch.setattr(serve, "preflight", never)
    monkeypatch.setenv("LLMGW_AUTH__DEFAULT_TIER", "gold")
    assert main(["serve"]) == 2
    assert "LLMGW_AUTH__DEFAULT_TIER 'gold'" in capsys.readouterr().err


def test_a_custom_tier_can_be_the_registration_tier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMGW_QUOTAS__TIERS", TEAM_TIERS)
    monkeypatch.setenv("LLMGW_AUTH__DEFAULT_TIER", "team")
    assert load_settings().registration_tier == "team"


def test_registration_tier_defaults_to_the_quota_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMGW_QUOTAS__TIERS", TEAM_TIERS)
    monkeypatch.setenv("LLMGW_QUOTAS__DEFAULT_TIER", "team")
    assert load_settings().registration_tier == "team"
    # Free no longer exists here, so it cannot be the registration default either.
    monkeypatch.setenv("LLMGW_QUOTAS__TIERS", json.dumps({"team": {}}))
    assert load_settings().registration_tier == "team"


def test_large_model_tiers_must_be_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMGW_QUOTAS__TIERS", TEAM_TIERS)
    # The shipped default (pro, enterprise) names tiers this config lacks: harmless, accepted.
    assert load_settings().agent.large_model_tiers == ["pro", "enterprise"]
    monkeypatch.setenv("LLMGW_AGENT__LARGE_MODEL_TIERS", '["team"]')
    assert load_settings().agent.large_model_tiers == ["team"]
    monkeypatch.setenv("LLMGW_AGENT__LARGE_MODEL_TIERS", '["team", "pro"]')
    with pytest.raises(SettingsError, match=r"LLMGW_AGENT__LARGE_MODEL_TIERS names unknown tiers"):
        load_settings()


@pytest.mark.parametrize("name", ["", "has space", "-dash-first", "x" * 17, "tier;drop"])
def test_tier_names_must_fit_the_users_table(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("LLMGW_QUOTAS__TIERS", json.dumps({"free": {}, name: {}}))
    with pytest.raises(SettingsError, match="invalid tier names"):
        load_settings()
