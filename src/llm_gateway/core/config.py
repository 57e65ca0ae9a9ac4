"""The one settings object: every environment variable the gateway reads is declared here.

Variables use the ``LLMGW_`` prefix and ``__`` for nesting (``LLMGW_SERVER__PORT``). Two top-level
shortcuts exist because operators set them most: ``LLMGW_DATABASE_URL`` and ``LLMGW_REDIS_URL``.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEV_JWT_SECRET = "dev-insecure-jwt-secret-change-me-0123456789"  # noqa: S105 - refused outside dev


def mask_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***`` so it can be logged or shown."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def check_database_url(value: str) -> str:
    if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ValueError("must start with 'sqlite+aiosqlite://' or 'postgresql+asyncpg://'")
    return value


def check_redis_url(value: str | None) -> str | None:
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("must start with 'redis://', 'rediss://' or 'unix://'")
    return value or None


class ServerSettings(BaseModel):
    """HTTP server and request handling."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    cors_origins: list[str] = Field(default_factory=list)
    cors_allow_credentials: bool = False
    trust_forwarded_for: bool = False
    access_log: bool = True


class DatabaseSettings(BaseModel):
    """Relational database: SQLite file by default, PostgreSQL (asyncpg) in production."""

    url: str = "sqlite+aiosqlite:///./var/llm-gateway.db"
    pool_size: int = Field(default=10, ge=1)
    max_overflow: int = Field(default=10, ge=0)
    pool_timeout_s: float = Field(default=5.0, gt=0)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    echo: bool = False
    migrate_on_start: bool = True
    alembic_dir: Path = PROJECT_ROOT / "alembic"

    @field_validator("url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        return check_database_url(value)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def backend_name(self) -> str:
        return "sqlite" if self.is_sqlite else "postgresql"


class StoreSettings(BaseModel):
    """Key-value store for limits, caches and cross-instance signals: Redis or in-process."""

    redis_url: str | None = None
    namespace: str = "llmgw:"
    max_connections: int = Field(default=64, ge=1)
    socket_timeout_s: float = Field(default=2.0, gt=0)

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        return check_redis_url(value)

    @property
    def backend_name(self) -> str:
        return "redis" if self.redis_url else "memory"


class SecuritySettings(BaseModel):
    """Secrets, tokens and the optional bootstrap master key."""

    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_algorithm: Literal["HS256", "RS256", "EdDSA"] = "HS256"
    jwt_private_key_file: Path | None = None
    jwt_public_key_file: Path | None = None
    jwt_issuer: str = "llm-gateway"
    jwt_audience: str = "llm-gateway"
    access_token_ttl_s: int = Field(default=15 * 60, ge=30)
    refresh_token_ttl_s: int = Field(default=14 * 24 * 3600, ge=60)
    master_key: SecretStr | None = None
    password_min_length: int = Field(default=10, ge=8, le=128)
    api_key_cache_ttl_s: float = Field(default=30.0, gt=0)
    login_max_attempts: int = Field(default=10, ge=1)
    login_window_s: int = Field(default=900, ge=1)
    reset_token_ttl_s: int = Field(default=3600, ge=60)


class ProviderSettings(BaseModel):
    """Upstream providers: the model registry file and shared HTTP client limits."""

    models_file: Path = PROJECT_ROOT / "config" / "models.yaml"
    connect_timeout_s: float = Field(default=5.0, gt=0)
    total_timeout_s: float = Field(default=600.0, gt=0)
    max_connections: int = Field(default=512, ge=1)
    max_connections_per_host: int = Field(default=0, ge=0)
    demo_upstream: bool = True
    demo_upstream_host: str = "127.0.0.1"
    demo_upstream_port: int = Field(default=8765, ge=1, le=65535)


class AuthSettings(BaseModel):
    """Accounts, passwords, sessions and notifications (accounts issue)."""


class QuotaSettings(BaseModel):
    """Tiers, rate limits, budgets and usage accounting (quotas issue)."""


class AgentSettings(BaseModel):
    """The LangGraph agent pipeline: intent, routing, tools, guardrails (agent issue)."""


class ChatSettings(BaseModel):
    """Conversations, /chat streaming and context-window management (conversations issue)."""


class TelemetrySettings(BaseModel):
    """Logging now; metrics and traces later."""

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool | None = None


class Settings(BaseSettings):
    """All gateway settings. Build with ``Settings()``; nothing else reads the environment."""

    model_config = SettingsConfigDict(
        env_prefix="LLMGW_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

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
    chat: ChatSettings = Field(default_factory=ChatSettings)
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
    def _no_dev_secret_outside_dev(self) -> Settings:
        if self.environment in ("staging", "production") and (
            self.security.jwt_secret.get_secret_value() == DEV_JWT_SECRET
        ):
            raise ValueError(
                "LLMGW_SECURITY__JWT_SECRET must be set outside dev/test "
                "(the built-in development secret is refused)"
            )
        return self

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
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [
            f"{_env_name(err['loc']) if err['loc'] else 'settings'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(lines)) from None
