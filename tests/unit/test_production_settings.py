"""Production refuses what only a development machine may run: the unauthenticated fake upstream."""

from __future__ import annotations

import pytest

from llm_gateway.core.config import Settings

REAL_SECRET = "a-real-secret-of-more-than-32-characters-0123"


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg,arg-type]


def test_production_turns_the_fake_upstream_off_by_default() -> None:
    settings = _settings(environment="production", security={"jwt_secret": REAL_SECRET})
    assert settings.providers.demo_upstream is False


def test_production_refuses_an_explicit_fake_upstream() -> None:
    with pytest.raises(ValueError, match="LLMGW_PROVIDERS__DEMO_UPSTREAM"):
        _settings(
            environment="production",
            security={"jwt_secret": REAL_SECRET},
            providers={"demo_upstream": True},
        )


@pytest.mark.parametrize("environment", ["dev", "test", "staging"])
def test_other_environments_keep_the_demo(environment: str) -> None:
    settings = _settings(environment=environment, security={"jwt_secret": REAL_SECRET})
    assert settings.providers.demo_upstream is True
