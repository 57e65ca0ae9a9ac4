"""Turn request credentials into a Principal: the single entry point every route uses.

Accepted: ``Authorization: Bearer <credential>`` and ``x-api-key: <credential>`` (Anthropic
clients). Today only the optional bootstrap master key is recognised; the accounts work adds
access JWTs and user API keys here, behind the same two functions.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, Request

from llm_gateway.core.exceptions import AuthenticationError
from llm_gateway.core.state import STATE_KEY, AppState
from llm_gateway.services.auth.principal import ALL_SCOPES, Principal

MASTER_KEY_TIER = "enterprise"


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
    """Resolve ``credential`` to a Principal or raise AuthenticationError (401)."""
    if credential is None:
        raise AuthenticationError("Missing credentials: send 'Authorization: Bearer <key>'")
    master = state.settings.security.master_key
    if master is not None and hmac.compare_digest(
        credential.encode(), master.get_secret_value().encode()
    ):
        return Principal(
            auth_method="master_key", role="admin", tier=MASTER_KEY_TIER, scopes=ALL_SCOPES
        )
    raise AuthenticationError("Invalid API key or token")


async def get_principal(request: Request) -> Principal:
    state: AppState = getattr(request.state, STATE_KEY)
    return await authenticate(state, credential_from_headers(request.scope["headers"]))


PrincipalDep = Annotated[Principal, Depends(get_principal)]
