"""``GET /admin/guardrails/stats``: what the guardrails did, for the console (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from llm_gateway.dependencies import AppStateDep, SessionDep
from llm_gateway.schemas.guardrails import GuardrailStatsResponse
from llm_gateway.services.auth.authenticate import get_admin_principal
from llm_gateway.services.guardrails.report import guardrail_report

router = APIRouter(
    prefix="/admin/guardrails", tags=["admin"], dependencies=[Depends(get_admin_principal)]
)


@router.get("/stats", response_model=GuardrailStatsResponse)
async def guardrail_stats(
    state: AppStateDep,
    session: SessionDep,
    days: Annotated[int, Query(ge=1, le=366)] = 7,
) -> GuardrailStatsResponse:
    """Action counts since this process started, and guardrail refusals of the last ``days``."""
    return await guardrail_report(session, state.guard_stats, days)
