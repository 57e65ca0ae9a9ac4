"""Tier configuration, limit resolution, model access and OpenAI-style header formatting."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from llm_gateway.core.config import QuotaSettings, SettingsError, TierLimits, load_settings
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.quotas.headers import format_duration, rate_headers
from llm_gateway.services.quotas.limits import LimitResolver, Limits, OverrideCache
from llm_gateway.services.quotas.metering import estimate_prompt_tokens, requested_output_tokens


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0ms"),
        (20, "20ms"),
        (1000, "1s"),
        (8640, "8.64s"),
        (360_000, "6m0s"),
        (59_997, "59.997s"),
        (3_723_000, "1h2m3s"),
    ],
)
def test_durations_are_written_like_openai(ms: int, text: str) -> None:
    assert format_duration(ms) == text


def test_rate_headers_use_both_dialects_and_never_go_negative() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    headers = rate_headers((60, -3, 1000), (1000, 250, 360_000))
    openai = {k: v for k, v in headers.items() if k.startswith("x-ratelimit-")}
    assert openai == {
        "x-ratelimit-limit-requests": "60",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "1s",
        "x-ratelimit-limit-tokens": "1000",
        "x-ratelimit-remaining-tokens": "250",
        "x-ratelimit-reset-tokens": "6m0s",
    }
    assert headers["anthropic-ratelimit-requests-limit"] == "60"
    assert headers["anthropic-ratelimit-requests-remaining"] == "0"
    assert headers["anthropic-ratelimit-tokens-remaining"] == "250"
    # Anthropic writes resets as RFC 3339 instants, not durations.
    reset = datetime.fromisoformat(headers["anthropic-ratelimit-tokens-reset"])
    assert timedelta(minutes=6) <= reset - before <= timedelta(minutes=6, seconds=2)
    assert len(headers) == 12
    assert rate_headers(None, None) == {}


def test_shipped_tiers_exist_and_are_ordered() -> None:
    tiers = QuotaSettings().tiers
    assert set(tiers) >= {"free", "pro", "enterprise"}
    assert tiers["free"].requests_per_minute < tiers["pro"].requests_per_minute  # type: ignore[operator]
    assert tiers["free"].allowed_model_tiers == ["small"]


def test_tiers_file_extends_the_tiers(tmp_path: Path) -> None:
    path = tmp_path / "tiers.yaml"
    path.write_text("tiers:\n  team:\n    requests_per_minute: 500\n    max_concurrent: 20\n")
    tiers = QuotaSettings(tiers_file=path).tiers
    assert tiers["team"].requests_per_minute == 500
    assert "free" in tiers


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("team:\n  requests_per_minute: -5\n", "team.requests_per_minute"),
        ("team:\n  request_per_minute: 5\n", "team.request_per_minute"),
        ("[1, 2]\n", "expected a mapping"),
        ("team: {requests_per_minute: [\n", "tiers file"),
    ],
)
def test_bad_tiers_file_stops_startup_naming_the_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, fragment: str
) -> None:
    path = tmp_path / "tiers.yaml"
    path.write_text(content)
    monkeypatch.setenv("LLMGW_QUOTAS__TIERS_FILE", str(path))
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None)
    assert "LLMGW_QUOTAS" in str(error.value)
    assert fragment in str(error.value)
    assert str(path) in str(error.value) or fragment == "expected a mapping"


def test_default_tier_must_be_configured() -> None:
    with pytest.raises(ValueError, match="default_tier 'gold'"):
        QuotaSettings(default_tier="gold")


def test_user_override_replaces_only_the_fields_it_sets() -> None:
    cache = OverrideCache()
    resolver = LimitResolver(
        QuotaSettings(tiers={"free": TierLimits(requests_per_minute=10, tokens_per_day=100)}), cache
    )
    user_id = uuid.uuid4()
    cache.apply(f"user:{user_id}", Limits(requests_per_minute=99))
    principal = Principal(auth_method="jwt", role="user", tier="free", user_id=user_id)
    (subject,) = resolver.subjects(principal)
    assert subject.limits.requests_per_minute == 99
    assert subject.limits.tokens_per_day == 100


def test_unknown_tier_falls_back_to_the_default_tier() -> None:
    resolver = LimitResolver(QuotaSettings(), OverrideCache())
    principal = Principal(auth_method="jwt", role="user", tier="platinum", user_id=uuid.uuid4())
    (subject,) = resolver.subjects(principal)
    assert subject.limits == Limits.from_tier(QuotaSettings().tiers["free"])


def test_model_access_by_tier_or_explicit_alias() -> None:
    small_only = Limits(allowed_model_tiers=frozenset({"small"}))
    assert small_only.allows_model("mini", "small")
    assert not small_only.allows_model("big", "large")
    with_alias = Limits(
        allowed_model_tiers=frozenset({"small"}), allowed_aliases=frozenset({"big"})
    )
    assert with_alias.allows_model("big", "large")
    only_alias = Limits(allowed_aliases=frozenset({"mini"}))
    assert only_alias.allows_model("mini", "small")
    assert not only_alias.allows_model("other", "small")
    assert Limits().allows_model("anything", None)


def test_prompt_estimate_grows_with_the_prompt_and_counts_images() -> None:
    short = {"messages": [{"role": "user", "content": "hi"}]}
    long = {"messages": [{"role": "user", "content": "word " * 300}]}
    image = {
        "messages": [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}
        ]
    }
    assert estimate_prompt_tokens(short) < estimate_prompt_tokens(long)
    assert estimate_prompt_tokens(long) >= 300  # never far below the real ~300 tokens
    assert estimate_prompt_tokens(image) >= 765
    assert estimate_prompt_tokens({"input": ["a" * 30, "b" * 30]}) >= 20


def test_requested_output_prefers_max_completion_tokens() -> None:
    assert (
        requested_output_tokens({"messages": [], "max_completion_tokens": 7, "max_tokens": 9}) == 7
    )
    assert requested_output_tokens({"messages": [], "max_tokens": 9}) == 9
    assert requested_output_tokens({"messages": []}) is None
    assert requested_output_tokens({"input": "x"}) == 0


def test_master_key_is_unlimited_unless_configured() -> None:
    master = Principal(auth_method="master_key", role="admin", tier="enterprise")
    (subject,) = LimitResolver(QuotaSettings(), OverrideCache()).subjects(master)
    assert not subject.limits.enforces_counters
    limited = LimitResolver(QuotaSettings(limit_master_key=True), OverrideCache())
    (subject,) = limited.subjects(master)
    assert (
        subject.limits.requests_per_minute
        == QuotaSettings().tiers["enterprise"].requests_per_minute
    )
