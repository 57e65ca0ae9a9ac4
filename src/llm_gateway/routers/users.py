"""/users/me: the caller's profile, password and API keys (never anyone else's)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from llm_gateway.dependencies import AppStateDep, SessionDep
from llm_gateway.schemas.auth import TokenResponse
from llm_gateway.schemas.users import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    PasswordChangeRequest,
    UserOut,
    UserUpdate,
)
from llm_gateway.services.auth import accounts, api_keys
from llm_gateway.services.auth.authenticate import (
    ClientIpDep,
    SessionPrincipalDep,
    UserPrincipalDep,
)

router = APIRouter(prefix="/users/me", tags=["users"])


@router.get("", response_model=UserOut)
async def get_me(principal: UserPrincipalDep, session: SessionDep) -> UserOut:
    """Who am I: works with an access token or an API key."""
    return UserOut.model_validate(await accounts.current_user(session, principal))


@router.patch("", response_model=UserOut)
async def update_me(
    body: UserUpdate,
    principal: SessionPrincipalDep,
    state: AppStateDep,
    session: SessionDep,
    ip: ClientIpDep,
) -> UserOut:
    """Change the display name, or the e-mail (with ``current_password``)."""
    user = await accounts.update_profile(session, state.auth, principal, body, client_ip=ip)
    return UserOut.model_validate(user)


@router.post("/password", response_model=TokenResponse)
async def change_password(
    body: PasswordChangeRequest,
    response: Response,
    principal: SessionPrincipalDep,
    state: AppStateDep,
    session: SessionDep,
    ip: ClientIpDep,
) -> TokenResponse:
    """Change the password. Every session ends; the response holds tokens for a new one."""
    response.headers["Cache-Control"] = "no-store"
    return await accounts.change_password(
        session,
        state.auth,
        principal,
        current_password=body.current_password.get_secret_value(),
        new_password=body.new_password.get_secret_value(),
        client_ip=ip,
    )


@router.get("/api-keys", response_model=list[ApiKeyOut])
async def list_keys(
    principal: SessionPrincipalDep, session: SessionDep, include_revoked: bool = False
) -> list[ApiKeyOut]:
    """The caller's API keys (prefix and metadata only)."""
    keys = await api_keys.list_api_keys(session, principal, include_revoked=include_revoked)
    return [ApiKeyOut.model_validate(key) for key in keys]


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
async def create_key(
    body: ApiKeyCreate,
    response: Response,
    principal: SessionPrincipalDep,
    state: AppStateDep,
    session: SessionDep,
) -> ApiKeyCreated:
    """Create an API key. The full ``key`` is in this response only: store it now."""
    response.headers["Cache-Control"] = "no-store"
    return await api_keys.create_api_key(session, state.auth, principal, body)


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_key(
    key_id: uuid.UUID, principal: SessionPrincipalDep, state: AppStateDep, session: SessionDep
) -> None:
    """Revoke one of the caller's keys; it stops working on every instance within a second."""
    await api_keys.revoke_api_key(session, state.auth, principal, key_id)
