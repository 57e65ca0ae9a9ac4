"""The one settings object: every environment variable the gateway reads is declared here.

Variables use the ``LLMGW_`` prefix and ``__`` for nesting (``LLMGW_SERVER__PORT``). Two top-level
shortcuts exist because operators set them most: ``LLMGW_DATABASE_URL`` and ``LLMGW_REDIS_URL``.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from dotenv import dotenv_values
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NestedSecretsSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from llm_gateway.core.config.agent import AgentSettings, ChatSettings, ToolSettings
from llm_gateway.core.config.base import (
    DEV_JWT_SECRET,
    AuthSettings,
    DatabaseSettings,
    ProviderSettings,
    SecuritySettings,
    ServerSettings,
    StoreSettings,
    TelemetrySettings,
    check_database_url,
    check_redis_url,
)
from llm_gateway.core.config.cache import CacheSettings
from llm_gateway.core.config.quotas import QuotaSettings

SECRETS_DIR_ENV = "LLMGW_SECRETS_DIR"
INSECURE_SIGNING_WARNING = (
    "INSECURE: LLMGW_SECURITY__JWT_SECRET is the built-in development secret, which is public "
    "in the source: anyone can forge a session or admin token for this gateway. Set a random "
    "secret of 32+ characters before exposing it (serve refuses non-loopback addresses)."
)


class Settings(BaseSettings):
    """All gateway settings. Build with ``Settings()``; nothing else reads the environment."""

    model_config = SettingsConfigDict(
        env_prefix="LLMGW_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,  # `LLMGW_X=` in .env means "use the default"
        validate_default=True,
        # Docker/Kubernetes secrets: a file named like the variable, lower-case, in the directory
        # LLMGW_SECRETS_DIR names (e.g. /run/secrets/llmgw_security__jwt_secret).
        secrets_nested_delimiter="__",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Secret files may name nested fields (llmgw_security__jwt_secret), like variables do.
        nested = NestedSecretsSettingsSource(file_secret_settings)
        return init_settings, env_settings, dotenv_settings, nested

    environment: Literal["dev", "test", "staging", "production"] = "dev"
    database_url: str | None = None
    redis_url: str | None = None

    server: ServerSettings = Field(default_factory=ServerSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    providers: ProviderSettings = Field(default_factory=ProviderSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    quotas: QuotaSettings = Field(default_factory=QuotaSettings)
    agent: AgentSettings = Field(default_factory=AgentSettings)
    tools: ToolSettings = Field(default_factory=ToolSettings)
    chat: ChatSettings = Field(default_factory=ChatSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        return check_database_url(value) if value else None

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        return check_redis_url(value)

    @model_validator(mode="after")
    def _apply_shortcuts(self) -> Settings:
        if self.database_url:
            self.database = self.database.model_copy(update={"url": self.database_url})
        if self.redis_url:
            self.store = self.store.model_copy(update={"redis_url": self.redis_url})
        return self

    @model_validator(mode="after")
    def _no_fake_upstream_in_production(self) -> Settings:
        # The fake upstream answers anyone, and its /_fake/script rewrites its answers.
        if self.environment == "production" and self.providers.demo_upstream:
            if "demo_upstream" in self.providers.model_fields_set:
                raise ValueError(
                    "LLMGW_PROVIDERS__DEMO_UPSTREAM cannot be true in production (the fake "
                    "upstream is unauthenticated); remove it or set it to false"
                )
            self.providers = self.providers.model_copy(update={"demo_upstream": False})
        return self

    @model_validator(mode="after")
    def _no_dev_secret_outside_dev(self) -> Settings:
        if self.environment in ("staging", "production") and self.uses_dev_jwt_secret:
            raise ValueError(
                "LLMGW_SECURITY__JWT_SECRET must be set outside dev/test "
                "(the built-in development secret is refused)"
            )
        return self

    @model_validator(mode="after")
    def _user_tiers_are_configured(self) -> Settings:
        # Tiers are whatever QuotaSettings defines; settings that name tiers must use those.
        configured = ", ".join(sorted(self.quotas.tiers))
        tier = self.auth.default_tier
        if tier is not None and tier not in self.quotas.tiers:
            raise ValueError(
                f"LLMGW_AUTH__DEFAULT_TIER '{tier}' is not a configured tier ({configured}); "
                "define it in LLMGW_QUOTAS__TIERS or LLMGW_QUOTAS__TIERS_FILE"
            )
        # The shipped default names pro/enterprise and is harmless if those are removed;
        # an explicit list with an unknown tier is a typo that would silently never match.
        if "large_model_tiers" in self.agent.model_fields_set:
            unknown = sorted(set(self.agent.large_model_tiers) - set(self.quotas.tiers))
            if unknown:
                raise ValueError(
                    f"LLMGW_AGENT__LARGE_MODEL_TIERS names unknown tiers {unknown} "
                    f"(configured: {configured})"
                )
        unknown = sorted(set(self.agent.guardrails.policies) - set(self.quotas.tiers))
        if unknown:
            raise ValueError(
                f"LLMGW_AGENT__GUARDRAILS__POLICIES names unknown tiers {unknown} "
                f"(configured: {configured})"
            )
        return self

    @property
    def registration_tier(self) -> str:
        """The tier new accounts get: ``auth.default_tier``, else ``quotas.default_tier``."""
        return self.auth.default_tier or self.quotas.default_tier

    @property
    def uses_dev_jwt_secret(self) -> bool:
        """True while sessions are signed with the development secret published in the source."""
        return self.security.jwt_secret.get_secret_value() == DEV_JWT_SECRET

    @property
    def is_dev(self) -> bool:
        return self.environment in ("dev", "test")

    @cached_property
    def log_json(self) -> bool:
        if self.telemetry.log_json is not None:
            return self.telemetry.log_json
        return not self.is_dev


class SettingsError(Exception):
    """Raised when the environment holds an invalid setting; the message names each variable."""


def _env_name(loc: tuple[str | int, ...]) -> str:
    parts = [str(p) for p in loc if not isinstance(p, int)]
    if len(parts) == 1 and parts[0] in ("database_url", "redis_url", "environment"):
        return "LLMGW_" + parts[0].upper()
    return "LLMGW_" + "__".join(p.upper() for p in parts)


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; validation errors become named-variable messages."""
    secrets_dir = os.environ.get(SECRETS_DIR_ENV)
    if secrets_dir and "_secrets_dir" not in overrides:
        overrides["_secrets_dir"] = secrets_dir
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [
            f"{_env_name(err['loc']) if err['loc'] else 'settings'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(lines)) from None


def read_env_secret(name: str, *, env_file: Path | None = Path(".env")) -> str | None:
    """The value of variable ``name`` (an upstream API key named in models.yaml).

    The process environment wins; otherwise ``env_file`` (the same ``.env`` the settings read)
    is consulted. Empty or unset gives None. The one sanctioned reader of arbitrary variables.
    """
    value = os.environ.get(name, "").strip()
    if not value and env_file is not None and env_file.is_file():
        value = (dotenv_values(env_file).get(name) or "").strip()
    return value or None
