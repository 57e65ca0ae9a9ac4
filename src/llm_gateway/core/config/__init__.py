"""The one settings object: every environment variable the gateway reads is declared here.

Variables use the ``LLMGW_`` prefix and ``__`` for nesting (``LLMGW_SERVER__PORT``). Two top-level
shortcuts exist because operators set them most: ``LLMGW_DATABASE_URL`` and ``LLMGW_REDIS_URL``.
The groups live in ``base`` (core), ``quotas`` and ``agent``; ``settings`` assembles them and is
the only module that reads the environment.
"""

from llm_gateway.core.config.agent import (
    AgentSettings,
    ChatSettings,
    GuardJudgeSettings,
    GuardrailOutputAction,
    GuardrailPolicy,
    GuardrailPolicyPatch,
    GuardrailSettings,
    ToolSettings,
)
from llm_gateway.core.config.base import (
    DEV_JWT_SECRET,
    PROJECT_ROOT,
    AuthSettings,
    DatabaseSettings,
    ProviderSettings,
    SecuritySettings,
    ServerSettings,
    StoreSettings,
    TelemetrySettings,
    check_database_url,
    check_redis_url,
    mask_url,
)
from llm_gateway.core.config.cache import CacheSettings
from llm_gateway.core.config.quotas import (
    TIER_NAME_MAX_LENGTH,
    TIER_NAME_PATTERN,
    QuotaSettings,
    TierLimits,
    UsageSettings,
    default_tiers,
    load_tiers_file,
)
from llm_gateway.core.config.settings import Settings, SettingsError, load_settings, read_env_secret

__all__ = [
    "DEV_JWT_SECRET",
    "PROJECT_ROOT",
    "TIER_NAME_MAX_LENGTH",
    "TIER_NAME_PATTERN",
    "AgentSettings",
    "AuthSettings",
    "CacheSettings",
    "ChatSettings",
    "DatabaseSettings",
    "GuardJudgeSettings",
    "GuardrailOutputAction",
    "GuardrailPolicy",
    "GuardrailPolicyPatch",
    "GuardrailSettings",
    "ProviderSettings",
    "QuotaSettings",
    "SecuritySettings",
    "ServerSettings",
    "Settings",
    "SettingsError",
    "StoreSettings",
    "TelemetrySettings",
    "TierLimits",
    "ToolSettings",
    "UsageSettings",
    "check_database_url",
    "check_redis_url",
    "default_tiers",
    "load_settings",
    "load_tiers_file",
    "mask_url",
    "read_env_secret",
]
