"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter

from llm_gateway.core.dependencies import AppStateDep
from llm_gateway.schemas.health import LiveResponse, ReadyResponse
from llm_gateway.services.health import readiness

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", response_model=LiveResponse)
async def live() -> LiveResponse:
    """The process is up and serving HTTP."""
    return LiveResponse()


@router.get("/ready", response_model=ReadyResponse)
async def ready(state: AppStateDep) -> ReadyResponse:
    """The database and the store answer; 503 naming what failed otherwise."""
    checks = await readiness(state)
    return ReadyResponse(
        checks=checks,
        backends={
            "database": state.settings.database.backend_name,
            "store": state.store.backend_name,
        },
    )
