"""Turn request credentials into a Principal: the single entry point every route uses.

Accepted: ``Authorization: Bearer <credential>`` and ``x-api-key: <credential>`` (Anthropic
clients), where the credential is a user API key (``sk-gw-...``), an access JWT, or the optional
bootstrap master key. Raw ASGI handlers call ``authenticate(state, credential_from_headers(...))``;
FastAPI routes declare ``PrincipalDep``, ``AdminPrincipalDep`` or ``require_scopes(...)``.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPBearer, OAuth2PasswordBearer

from llm_gateway.core import tracing
from llm_gateway.core.exceptions import AuthenticationError, PermissionDeniedError
from llm_gateway.services.auth.abuse import client_ip
from llm_gateway.services.auth.credentials import looks_like_api_key, looks_like_jwt
from llm_gateway.services.auth.principal import ALL_SCOPES, Principal
from llm_gateway.services.auth.resolve import resolve_access_token, resolve_api_key
from llm_gateway.state import STATE_KEY, AppState

MASTER_KEY_TIER = "enterprise"

# Declared only so OpenAPI (and Swagger's Authorize button) shows how to authenticate; the
# credential itself is always read by ``credential_from_headers``.
_docs_oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/login", auto_error=False)
_docs_bearer = HTTPBearer(auto_error=False, description="A user API key (sk-gw-...)")
_docs_api_key = APIKeyHeader(name="x-api-key", auto_error=False)


def credential_from_headers(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The presented credential from raw ASGI headers, or None when there is none."""
    api_key: str | None = None
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
        elif name == b"x-api-key" and value:
            api_key = value.decode("latin-1").strip()
    return api_key or None


async def authenticate(state: AppState, credential: str | None) -> Principal:
    """Resolve ``credential`` to a Principal (see ``_authenticate``), in its own span."""
    with tracing.span("gateway.auth"):
        return await _authenticate(state, credential)


async def _authenticate(state: AppState, credential: str | None) -> Principal:
    """Resolve ``credential`` to a Principal.

    Raises:
        AuthenticationError: 401, missing, malformed, expired or revoked credentials.
        PermissionDeniedError: 403, the credential is valid but its user is deactivated.
    """
    if credential is None:
        raise AuthenticationError("Missing credentials: send 'Authorization: Bearer <key>'")
    master = state.settings.security.master_key
    if master is not None and hmac.compare_digest(
        credential.encode(), master.get_secret_value().encode()
    ):
        return Principal(
            auth_method="master_key", role="admin", tier=MASTER_KEY_TIER, scopes=ALL_SCOPES
        )
    if looks_like_api_key(credential):
        return await resolve_api_key(state.auth, credential)
    if looks_like_jwt(credential):
        return await resolve_access_token(state.auth, credential)
    raise AuthenticationError("Invalid API key or token")


async def get_principal(
    request: Request,
    _oauth2: Annotated[str | None, Depends(_docs_oauth2)] = None,
    _bearer: Annotated[object, Depends(_docs_bearer)] = None,
    _api_key: Annotated[str | None, Depends(_docs_api_key)] = None,
) -> Principal:
    state: AppState = getattr(request.state, STATE_KEY)
    return await authenticate(state, credential_from_headers(request.scope["headers"]))


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_admin_principal(principal: PrincipalDep) -> Principal:
    """403 unless the caller has the admin role (and, for API keys, the ``admin`` scope)."""
    principal.require_admin()
    return principal


AdminPrincipalDep = Annotated[Principal, Depends(get_admin_principal)]


def require_scopes(*scopes: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency yielding the principal after checking it holds every one of ``scopes``.

    Use as ``Annotated[Principal, Depends(require_scopes("chat"))]``; 403 names the first
    missing scope.
    """
    unknown = set(scopes) - ALL_SCOPES
    if unknown:
        raise ValueError(f"unknown scopes: {sorted(unknown)}")

    async def dependency(principal: PrincipalDep) -> Principal:
        for scope in scopes:
            principal.require_scope(scope)
        return principal

    return dependency


async def get_user_principal(principal: PrincipalDep) -> Principal:
    """The principal, which must belong to a user account (not the bootstrap master key)."""
    if principal.user_id is None:
        raise PermissionDeniedError(
            "The bootstrap master key has no user account", code="user_required"
        )
    return principal


UserPrincipalDep = Annotated[Principal, Depends(get_user_principal)]


async def get_session_principal(principal: UserPrincipalDep) -> Principal:
    """A logged-in user (access token): account management is refused to API keys."""
    if principal.auth_method != "jwt":
        raise PermissionDeniedError(
            "This endpoint needs a logged-in session (an access token), not an API key",
            code="session_required",
        )
    return principal


SessionPrincipalDep = Annotated[Principal, Depends(get_session_principal)]


def get_client_ip(request: Request) -> str:
    """The caller's IP for abuse limits (X-Forwarded-For only when the server trusts it)."""
    state: AppState = getattr(request.state, STATE_KEY)
    return client_ip(request.scope, trust_forwarded_for=state.settings.server.trust_forwarded_for)


ClientIpDep = Annotated[str, Depends(get_client_ip)]
