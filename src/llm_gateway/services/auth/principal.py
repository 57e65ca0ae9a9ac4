"""The principal: the one answer to "who is calling?" that every route receives.

Every credential kind (access JWT, API key, bootstrap master key) resolves to a ``Principal``.
Routes check roles and scopes on it; services filter every resource by ``user_id``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal

from llm_gateway.core.exceptions import PermissionDeniedError

Role = Literal["user", "admin"]
AuthMethod = Literal["master_key", "jwt", "api_key"]

SCOPE_CHAT = "chat"
SCOPE_EMBEDDINGS = "embeddings"
SCOPE_ADMIN = "admin"
ALL_SCOPES = frozenset({SCOPE_CHAT, SCOPE_EMBEDDINGS, SCOPE_ADMIN})
USER_SCOPES = frozenset({SCOPE_CHAT, SCOPE_EMBEDDINGS})


def account_disabled_error() -> PermissionDeniedError:
    """The one answer a deactivated account gets, on every path (login, refresh, token, key)."""
    return PermissionDeniedError("This account is deactivated", code="account_disabled")


def scopes_for_role(role: str) -> frozenset[str]:
    """What a logged-in (JWT) principal of ``role`` may do: admins everything, users the APIs."""
    return ALL_SCOPES if role == "admin" else USER_SCOPES


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller.

    ``user_id`` is None only for the bootstrap master key. ``scopes`` limit API keys; JWT and
    master-key principals carry every scope their role allows.
    """

    auth_method: AuthMethod
    role: Role
    tier: str
    user_id: uuid.UUID | None = None
    email: str | None = None
    api_key_id: uuid.UUID | None = None
    scopes: frozenset[str] = field(default_factory=lambda: ALL_SCOPES)
    token_id: str | None = None  # the access token's jti, for logout
    session_id: uuid.UUID | None = None  # the access token's refresh family, for logout
    cache_shared: bool = False  # an admin put this API key in the shared cache namespace

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def require_scope(self, scope: str) -> None:
        """Raise 403 naming ``scope`` when this principal's key lacks it."""
        if scope not in self.scopes:
            raise PermissionDeniedError(
                f"This API key lacks the '{scope}' scope", code="missing_scope", param=scope
            )

    def require_admin(self) -> None:
        """Raise 403 unless the caller is an admin (and, for keys, holds the admin scope)."""
        if not self.is_admin:
            raise PermissionDeniedError("Admin role required", code="admin_required")
        self.require_scope(SCOPE_ADMIN)
