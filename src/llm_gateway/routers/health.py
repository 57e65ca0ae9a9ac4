"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request

from llm_gateway.core.exceptions import ServiceUnavailableError
from llm_gateway.dependencies import AppStateDep
from llm_gateway.schemas.health import LiveResponse, ReadyResponse
from llm_gateway.services.auth.authenticate import authenticate, credential_from_headers
from llm_gateway.services.health import readiness
from llm_gateway.state import AppState

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", response_model=LiveResponse)
async def live() -> LiveResponse:
    """The process is up and serving HTTP."""
    return LiveResponse()


@router.get("/ready", response_model=ReadyResponse)
async def ready(request: Request, state: AppStateDep) -> ReadyResponse:
    """The database and the store answer; 503 naming what failed otherwise.

    Why a check failed (addresses, users, database names) is told to admins only: send an
    admin's token or key. Anyone else, probes included, gets the names of the failed checks.
    """
    try:
        checks = await readiness(state)
    except ServiceUnavailableError:
        if not await _caller_is_admin(state, request):
            raise
        checks = await readiness(state, detailed=True)
    return ReadyResponse(
        checks=checks,
        backends={
            "database": state.settings.database.backend_name,
            "store": state.store.backend_name,
        },
    )


async def _caller_is_admin(state: AppState, request: Request) -> bool:
    """Whether the request carries an admin credential; never fails (the backends may be down)."""
    credential = credential_from_headers(request.scope["headers"])
    if credential is None:
        return False
    try:
        principal = await authenticate(state, credential)
        principal.require_admin()
    except Exception:  # invalid, not an admin, or unverifiable while the backends are down
        return False
    return True
