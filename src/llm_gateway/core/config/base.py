"""Core settings groups: server, database, store, security, providers, accounts, telemetry."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field, SecretStr, field_validator

PROJECT_ROOT = Path(__file__).resolve().parents[4]
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
    # On SIGTERM, answer 503 on /health/ready for this long before stopping (0 = stop at once;
    # Kubernetes uses a preStop pause instead). Then in-flight requests drain for up to 30 s.
    shutdown_delay_s: float = Field(default=0.0, ge=0, le=120)
    # A connection that has not sent a complete request line and headers this long after it
    # opened (or after its previous request began) is closed: slow-loris protection.
    header_timeout_s: float = Field(default=10.0, gt=0, le=300)


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

    # HS256 signing key; 32+ characters (RFC 7518 wants at least the hash size).
    jwt_secret: SecretStr = Field(default=SecretStr(DEV_JWT_SECRET), min_length=32)
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
    # While the database is unavailable, a key (or user) verified within this long is still
    # served from the cache; 0 turns it off (docs/OPERATIONS.md).
    api_key_stale_s: float = Field(default=600.0, ge=0)
    # Login attempts one client IP may make on one account per window (never the account as a
    # whole: a guesser locks itself out, not the owner). Failures beyond login_free_failures
    # make the next attempt of that pair wait 1, 2, 4 ... up to login_max_delay_s seconds.
    login_max_attempts: int = Field(default=10, ge=1)
    login_window_s: int = Field(default=900, ge=1)
    login_free_failures: int = Field(default=3, ge=1)
    login_max_delay_s: int = Field(default=60, ge=1)
    reset_token_ttl_s: int = Field(default=3600, ge=60)
    # Keyed-hash secret for API keys and opaque tokens (unset: derived from jwt_secret);
    # changing it, or jwt_secret while it is unset, invalidates every key and session.
    api_key_pepper: SecretStr | None = Field(default=None, min_length=32)
    # Clock skew tolerated when checking exp/nbf/iat of access tokens.
    jwt_leeway_s: int = Field(default=10, ge=0, le=300)
    # Longest password accepted; bounds the hashing work an attacker can ask for.
    password_max_length: int = Field(default=256, ge=16, le=4096)
    # argon2id cost; raising these rehashes each password at its owner's next login.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=64 * 1024, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    # Failed-or-not login attempts one client IP may make per login window.
    login_max_attempts_per_ip: int = Field(default=100, ge=1)


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
    # GET /v1/models and an alias whose every deployment is cooling down (breaker open): "omit"
    # it, or "mark" it (listed, with "available": false and "available_in_s").
    unavailable_models: Literal["omit", "mark"] = "omit"
    # Router: extra attempts per alias after the first, on connection errors, timeouts, 429, 5xx.
    num_retries: int = Field(default=2, ge=0, le=10)
    # One call's attempts, retries and fallbacks together (to the first chunk of a stream).
    request_deadline_s: float = Field(default=300.0, gt=0)
    # Full-jitter backoff before retrying the same deployment: uniform in [0, base * 2^n], capped.
    retry_backoff_base_s: float = Field(default=0.25, ge=0)
    retry_backoff_max_s: float = Field(default=5.0, ge=0)
    # Longest upstream Retry-After honoured by waiting; longer ones move on to the next fallback.
    retry_after_max_s: float = Field(default=10.0, ge=0)
    # Circuit breaker: this many failures of one deployment within the window cool it down.
    cooldown_failures: int = Field(default=3, ge=1)
    cooldown_window_s: float = Field(default=60.0, gt=0)
    cooldown_s: float = Field(default=30.0, gt=0)
    # Max age of this instance's view of breakers tripped elsewhere (0 = read it every call).
    cooldown_sync_interval_s: float = Field(default=1.0, ge=0)

    @field_validator("models_file")
    @classmethod
    def _models_file(cls, value: Path) -> Path:
        """A relative path is read from the working directory, else from the install's root.

        So a ``.env`` copied from ``.env.example`` works whichever directory ``serve`` runs in.
        """
        if value.is_absolute() or value.exists():
            return value
        shipped = PROJECT_ROOT / value
        return shipped if shipped.exists() else value


class AuthSettings(BaseModel):
    """Accounts, passwords, sessions and notifications (accounts issue)."""

    # Let anyone create an account with POST /auth/register (admins use the CLI otherwise).
    allow_registration: bool = True
    # Tier given to newly registered users: a configured quota tier; unset = quotas.default_tier.
    default_tier: str | None = None
    # Live (unrevoked) API keys one user may hold.
    max_api_keys_per_user: int = Field(default=100, ge=1)
    # Entries kept by each in-process credential cache (API keys, user states).
    cache_max_entries: int = Field(default=100_000, ge=100)
    # How often API keys' last_used_at is written, coalesced, to the database.
    last_used_flush_s: float = Field(default=30.0, gt=0)
    # Password-reset requests per account and per client IP within forgot_window_s.
    forgot_max_requests: int = Field(default=5, ge=1)
    forgot_window_s: int = Field(default=3600, ge=1)
    # Password for `llm-gateway create-admin` when not prompted (read only by the CLI).
    admin_password: SecretStr | None = None
    # How password-reset messages leave: "log" (dev; token only logged in dev/test) or "smtp".
    notifier: Literal["log", "smtp"] = "log"
    # Link put in reset e-mails; "{token}" is replaced. Empty: the e-mail carries the token only.
    reset_url_template: str = ""
    mail_from: str = "llm-gateway@localhost"
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=587, ge=1, le=65535)
    # "starttls" upgrades a plain connection, "tls" connects with TLS (port 465), "none" is plain.
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = Field(default=10.0, gt=0)

    @field_validator("reset_url_template")
    @classmethod
    def _has_token_placeholder(cls, value: str) -> str:
        if value and "{token}" not in value:
            raise ValueError("must contain '{token}'")
        return value


# User tier names are stored in users.tier (VARCHAR(16)) and echoed in errors and headers.


class TelemetrySettings(BaseModel):
    """Logging, Prometheus metrics and OpenTelemetry traces."""

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool | None = None
    # GET /metrics (Prometheus text format). Readable by admins (session, admin API key or the
    # master key) and, when set, by anyone presenting this bearer token (Prometheus's
    # `authorization: {credentials_file: ...}`).
    metrics_enabled: bool = True
    metrics_token: SecretStr | None = None
    metrics_sample_interval_s: float = Field(default=5.0, gt=0, le=300)
    # OpenTelemetry traces (off by default): a span per request with children for auth, quota
    # admission, cache, agent nodes, upstream attempts and tools, exported over OTLP/HTTP.
    tracing_enabled: bool = False
    otlp_endpoint: str = "http://127.0.0.1:4318/v1/traces"
    otlp_headers: dict[str, str] = Field(default_factory=dict)  # e.g. {"authorization": "..."}
    service_name: str = "llm-gateway"
    trace_sample_ratio: float = Field(default=1.0, ge=0, le=1)
