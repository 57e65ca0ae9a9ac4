"""``GET /users/me/usage``: the caller's own usage over a date range and current limits."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from llm_gateway.dependencies import AppStateDep, SessionDep
from llm_gateway.schemas.usage import UserUsageResponse
from llm_gateway.services.auth.authenticate import PrincipalDep
from llm_gateway.services.usage import ranges, reports

router = APIRouter(prefix="/users/me", tags=["usage"])


@router.get("/usage", response_model=UserUsageResponse)
async def my_usage(
    state: AppStateDep,
    session: SessionDep,
    principal: PrincipalDep,
    start: Annotated[date | None, Query(description="First UTC day (default: 29 days ago)")] = None,
    end: Annotated[
        date | None, Query(description="Last UTC day, inclusive (default: today)")
    ] = None,
) -> UserUsageResponse:
    """Totals, per-day and per-model usage, plus each limit and what remains of it now."""
    first, last = ranges.day_range(start, end)
    return await reports.user_report(session, state.quotas, principal, first, last)
