"""ORM models. Importing this package registers every table on ``Base.metadata``."""

from llm_gateway.models.api_key import ApiKey
from llm_gateway.models.auth_tokens import PasswordResetToken, RefreshToken
from llm_gateway.models.base import Base, TimestampMixin, UUIDPrimaryKeyMixin
from llm_gateway.models.conversation import Conversation, Message
from llm_gateway.models.quota import QuotaOverride
from llm_gateway.models.response import StoredResponse
from llm_gateway.models.usage import (
    UsageDaily,
    UsageDailyModel,
    UsageDailyUser,
    UsageDeadLetter,
    UsageLatencyDaily,
    UsageRecord,
)
from llm_gateway.models.user import User

__all__ = [
    "ApiKey",
    "Base",
    "Conversation",
    "Message",
    "PasswordResetToken",
    "QuotaOverride",
    "RefreshToken",
    "StoredResponse",
    "TimestampMixin",
    "UUIDPrimaryKeyMixin",
    "UsageDaily",
    "UsageDailyModel",
    "UsageDailyUser",
    "UsageDeadLetter",
    "UsageLatencyDaily",
    "UsageRecord",
    "User",
]
