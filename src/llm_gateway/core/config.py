"""The one settings object: every environment variable the gateway reads is declared here.

Variables use the ``LLMGW_`` prefix and ``__`` for nesting (``LLMGW_SERVER__PORT``). Two top-level
shortcuts exist because operators set them most: ``LLMGW_DATABASE_URL`` and ``LLMGW_REDIS_URL``.
"""

from __future__ import annotations

import os
import re
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from dotenv import dotenv_values
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
    login_max_attempts: int = Field(default=10, ge=1)
    login_window_s: int = Field(default=900, ge=1)
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
    # Router: extra attempts per alias after the first, on connection errors, timeouts, 429, 5xx.
    num_retries: int = Field(default=2, ge=0, le=10)
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
TIER_NAME_MAX_LENGTH = 16
TIER_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class TierLimits(BaseModel):
    """One tier's limits. ``None`` means unlimited; 0 blocks."""

    model_config = {"extra": "forbid"}

    requests_per_minute: int | None = Field(default=None, ge=0)  # sliding 60 s window
    tokens_per_minute: int | None = Field(default=None, ge=0)  # token bucket, refills per second
    tokens_per_day: int | None = Field(default=None, ge=0)  # per UTC day
    monthly_budget_usd: float | None = Field(default=None, ge=0)  # per UTC calendar month
    max_concurrent: int | None = Field(default=None, ge=0)  # requests/streams in flight
    allowed_model_tiers: list[str] | None = None  # e.g. ["small"]; None = every tier
    allowed_aliases: list[str] | None = None  # None = every alias (within allowed tiers)


def default_tiers() -> dict[str, TierLimits]:
    """The shipped tiers; ``LLMGW_QUOTAS__TIERS`` (JSON) or a tiers file replaces/extends them."""
    return {
        "free": TierLimits(
            requests_per_minute=20,
            tokens_per_minute=40_000,
            tokens_per_day=500_000,
            monthly_budget_usd=5.0,
            max_concurrent=2,
            allowed_model_tiers=["small"],
        ),
        "pro": TierLimits(
            requests_per_minute=300,
            tokens_per_minute=400_000,
            tokens_per_day=10_000_000,
            monthly_budget_usd=200.0,
            max_concurrent=10,
        ),
        "enterprise": TierLimits(
            requests_per_minute=3_000,
            tokens_per_minute=4_000_000,
            max_concurrent=100,
        ),
    }


class UsageSettings(BaseModel):
    """The background writer that stores one usage record per call."""

    queue_size: int = Field(default=10_000, ge=10)  # records waiting for the writer
    batch_size: int = Field(default=500, ge=1)  # rows per INSERT batch
    flush_interval_s: float = Field(default=1.0, gt=0)  # longest wait before a partial batch
    buffer_size: int = Field(default=50_000, ge=1)  # held in memory while the DB is down
    retry_max_s: float = Field(default=30.0, gt=0)  # longest back-off between DB retries
    shutdown_timeout_s: float = Field(default=10.0, gt=0)  # flush budget on graceful shutdown
    spill_key: str = "usage:spill"  # Redis list for records the memory buffer cannot hold


class QuotaSettings(BaseModel):
    """Tiers, rate limits, budgets and usage accounting (quotas issue)."""

    enabled: bool = True  # enforce limits on proxied, agent and /chat calls
    tiers: dict[str, TierLimits] = Field(default_factory=default_tiers)
    # Optional YAML file {tier: {field: value}}; its tiers replace or extend ``tiers``.
    tiers_file: Path | None = None
    default_tier: str = "free"  # for principals whose tier is not configured
    # The bootstrap master key is an operator credential: unlimited (still recorded) unless set.
    limit_master_key: bool = False
    # Store (Redis) down on the quota path: admit (open) or 503 (closed). See docs/QUOTAS.md.
    fail_open_rate_limits: bool = True
    fail_open_budgets: bool = False
    # A concurrency slot expires after this long even if its process died without releasing it.
    slot_lease_s: float = Field(default=900.0, gt=0)
    default_output_tokens: int = Field(default=1024, ge=1)  # reserved when max_tokens is unset
    override_refresh_s: float = Field(default=30.0, gt=0)  # re-read per-user/key overrides
    usage: UsageSettings = Field(default_factory=UsageSettings)

    @model_validator(mode="after")
    def _load_tiers(self) -> QuotaSettings:
        if self.tiers_file is not None:
            self.tiers = {**self.tiers, **load_tiers_file(self.tiers_file)}
        bad = [
            name
            for name in self.tiers
            if len(name) > TIER_NAME_MAX_LENGTH or not TIER_NAME_PATTERN.fullmatch(name)
        ]
        if bad:
            raise ValueError(
                f"invalid tier names {bad}: use up to {TIER_NAME_MAX_LENGTH} letters, digits, "
                "'_', '-' or '.', starting with a letter or digit"
            )
        if self.default_tier not in self.tiers:
            raise ValueError(
                f"default_tier '{self.default_tier}' is not a configured tier "
                f"({', '.join(sorted(self.tiers))})"
            )
        return self


def load_tiers_file(path: Path) -> dict[str, TierLimits]:
    """Parse a tiers YAML file; errors name the file and the key path."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"tiers file {path}: {exc}") from None
    raw = raw.get("tiers", raw) if isinstance(raw, dict) else raw
    if not isinstance(raw, dict):
        raise ValueError(f"tiers file {path}: expected a mapping of tier name to limits")
    tiers: dict[str, TierLimits] = {}
    for name, spec in raw.items():
        try:
            tiers[str(name)] = TierLimits.model_validate(spec or {})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in (name, *first["loc"]))
            raise ValueError(f"tiers file {path}: {where}: {first['msg']}") from None
    return tiers


GuardrailOutputAction = Literal["allow", "mask", "regenerate"]


class GuardrailSettings(BaseModel):
    """Input (injection/jailbreak) and output (secrets/PII) guardrails for both request paths."""

    # Input rules refuse injection/jailbreak prompts; output rules mask or regenerate leaks.
    agent_input: bool = True
    agent_output: bool = True
    # Explicit aliases take the lean proxy path: guardrails there are opt-in.
    proxy_input: bool = False
    proxy_output: bool = False
    # What to do when a finding of each output family appears.
    secret_action: GuardrailOutputAction = "mask"  # noqa: S105 - an action name, not a secret
    pii_action: GuardrailOutputAction = "mask"
    # Regenerations allowed before the agent gives a safe refusal (0 = refuse at once).
    max_regenerations: int = Field(default=2, ge=0, le=5)
    # Input rule score at which a prompt is blocked (rules add weights; 1.0 = one strong rule).
    input_block_score: float = Field(default=1.0, gt=0)
    # Characters a streamed answer is held back so a secret split across chunks is caught
    # (whole words are held anyway; this must cover spaced ones: cards, phones, PEM headers).
    stream_holdback_chars: int = Field(default=48, ge=40, le=4096)
    # Largest unreleased stream buffer; an unfinished secret longer than this stops the stream.
    stream_max_buffer_chars: int = Field(default=8192, ge=256)
    # Rule ids switched off (escape hatch for false positives), e.g. ["pii.phone"].
    disabled_rules: list[str] = Field(default_factory=list)


class ToolSettings(BaseModel):
    """Agent tools: calculator, current_time, web_search, code_executor (see docs/TOOLS.md)."""

    calculator_enabled: bool = True
    current_time_enabled: bool = True
    web_search_enabled: bool = True
    # Largest tool output handed to the model; longer output is cut and marked truncated.
    max_output_chars: int = Field(default=8000, ge=256)
    # Largest raw JSON arguments string accepted from the model.
    max_argument_chars: int = Field(default=100_000, ge=1024)
    calculator_timeout_s: float = Field(default=2.0, gt=0)
    calculator_max_expression_chars: int = Field(default=1000, ge=16)
    current_time_default_timezone: str = "UTC"  # IANA name used when the model gives none
    # SearxNG base URL (e.g. http://127.0.0.1:8888); unset → web_search reports "not configured".
    web_search_url: str | None = None
    web_search_backend: Literal["searxng"] = "searxng"
    web_search_timeout_s: float = Field(default=8.0, gt=0)
    web_search_max_results: int = Field(default=5, ge=1, le=20)
    # sandbox = bubblewrap (refuses if unavailable); unsafe-rlimits-only = rlimits, no isolation.
    code_executor_mode: Literal["sandbox", "unsafe-rlimits-only", "disabled"] = "sandbox"
    code_executor_bwrap: str = "bwrap"  # bubblewrap binary (name on PATH or absolute path)
    code_executor_python: Path = Path("/usr/bin/python3")  # system interpreter run in the sandbox
    code_executor_wall_timeout_s: float = Field(default=10.0, gt=0, le=300)
    code_executor_cpu_s: int = Field(default=5, ge=1, le=300)
    code_executor_memory_mb: int = Field(default=256, ge=32)  # address-space limit
    code_executor_max_processes: int = Field(default=32, ge=1)
    code_executor_max_file_mb: int = Field(default=16, ge=1)  # largest file it may write
    code_executor_max_open_files: int = Field(default=64, ge=16)
    code_executor_tmpfs_mb: int = Field(default=64, ge=1)  # size of the private writable /tmp
    code_executor_max_output_chars: int = Field(default=16_000, ge=256)
    code_executor_max_code_chars: int = Field(default=50_000, ge=256)
    code_executor_max_concurrency: int = Field(default=2, ge=1)  # runs at once per process

    @field_validator("current_time_default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA timezone {value!r}") from None
        return value

    @field_validator("web_search_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with 'http://' or 'https://'")
        return value.rstrip("/") if value else None


class AgentSettings(BaseModel):
    """The LangGraph agent pipeline: intent, routing, tools, guardrails (agent issue)."""

    guardrails: GuardrailSettings = Field(default_factory=GuardrailSettings)  # input/output rules
    # Aliases for simple and complex requests; unset = the registry's default small/large alias.
    small_model: str | None = None
    large_model: str | None = None
    # Principal tiers allowed to be routed to the large model (others always get the small one).
    large_model_tiers: list[str] = Field(default_factory=lambda: ["pro", "enterprise"])
    # Budget for the intent analyzer's LLM call; on timeout the fast local pass decides.
    intent_timeout_s: float = Field(default=4.0, gt=0, le=60)
    # Let models with native tool calling call tools themselves (else the intent picks the tool).
    native_tools: bool = True
    # Model→tool→model rounds allowed per run, then the model must answer in text (0: no tools).
    max_tool_rounds: int = Field(default=3, ge=0, le=10)
    # Tokens kept free for the answer when checking a conversation against a context window.
    context_reserve_tokens: int = Field(default=1024, ge=0)
    # When the routed alias fails (after the router's own retries), try the other tier's alias.
    fallback_other_tier: bool = True
    # LangGraph steps per run; the tool and regeneration bounds stop loops well before this.
    recursion_limit: int = Field(default=40, ge=10, le=200)

    @model_validator(mode="after")
    def _limit_covers_the_loops(self) -> AgentSettings:
        # Worst case: intent + intent tool step, 3 steps per tool round and per answer attempt
        # (route, model, tools/guardrail), two failed aliases' extra steps, then the last node.
        needed = 10 + 3 * self.max_tool_rounds + 3 * self.guardrails.max_regenerations
        if self.recursion_limit < needed:
            raise ValueError(
                f"recursion_limit must be at least {needed} for max_tool_rounds="
                f"{self.max_tool_rounds} and guardrails.max_regenerations="
                f"{self.guardrails.max_regenerations}"
            )
        return self


class ChatSettings(BaseModel):
    """Conversations, /chat streaming and context-window management (conversations issue)."""

    heartbeat_interval_s: float = Field(default=15.0, gt=0)  # SSE ": ping" while the model is idle
    max_message_chars: int = Field(default=32_000, ge=1)  # longer user messages are a 422
    reserved_output_tokens: int = Field(default=1024, ge=1)  # room kept for the reply (≤ model max)
    default_context_window: int = Field(default=8192, ge=256)  # for models the registry lacks
    system_prompt: str = ""  # prepended to every conversation's context (empty: none)
    history_max_messages: int = Field(default=400, ge=2)  # newest messages loaded before trimming
    summary_enabled: bool = True  # summarize turns that fall out of the window (small model)
    summary_trigger_ratio: float = Field(default=0.75, gt=0, le=1)  # compact above this share
    summary_target_ratio: float = Field(default=0.5, gt=0, le=1)  # ... down to this share
    summary_max_tokens: int = Field(default=400, ge=16)  # length cap of the running summary
    titles_enabled: bool = True  # title new conversations from the first exchange (small model)
    small_model: str | None = None  # alias for titles/summaries; unset: the registry's small default
    page_size: int = Field(default=20, ge=1, le=200)  # default page of conversations/messages
    max_page_size: int = Field(default=100, ge=1, le=1000)  # largest ?limit= accepted
    ws_auth_timeout_s: float = Field(default=10.0, gt=0)  # wait for the WebSocket auth message
    background_concurrency: int = Field(default=4, ge=1)  # parallel title/summary jobs
    background_drain_s: float = Field(default=10.0, ge=0)  # shutdown wait for background jobs


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
        env_ignore_empty=True,  # `LLMGW_X=` in .env means "use the default"
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
    tools: ToolSettings = Field(default_factory=ToolSettings)
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
        return self

    @property
    def registration_tier(self) -> str:
        """The tier new accounts get: ``auth.default_tier``, else ``quotas.default_tier``."""
        return self.auth.default_tier or self.quotas.default_tier

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


def read_env_secret(name: str, *, env_file: Path | None = Path(".env")) -> str | None:
    """The value of variable ``name`` (an upstream API key named in models.yaml).

    The process environment wins; otherwise ``env_file`` (the same ``.env`` the settings read)
    is consulted. Empty or unset gives None. The one sanctioned reader of arbitrary variables.
    """
    value = os.environ.get(name, "").strip()
    if not value and env_file is not None and env_file.is_file():
        value = (dotenv_values(env_file).get(name) or "").strip()
    return value or None
