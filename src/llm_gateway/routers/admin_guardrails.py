"""``GET /admin/guardrails/stats``: what the guardrails did, for the console (admins only)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from llm_gateway.core.dependencies import AppStateDep, SessionDep
from llm_gateway.models.base import utcnow
from llm_gateway.repositories import guardrails as guardrails_repo
from llm_gateway.schemas.guardrails import (
    GuardrailActionCount,
    GuardrailBlockedDay,
    GuardrailStatsResponse,
)
from llm_gateway.services.auth.authenticate import get_admin_principal

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
    actions = [
        GuardrailActionCount(category=c, action=a, side=s, endpoint=e, count=n)
        for (c, a, s, e), n in state.guard_stats.snapshot()
    ]
    by_action: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    for item in actions:
        by_action[item.action] += item.count
        by_category[item.category] += item.count
    rows = await guardrails_repo.blocked_by_day(session, utcnow() - timedelta(days=days))
    blocked = [
        GuardrailBlockedDay.model_validate({"day": d, "endpoint": e, "error_code": c, "count": n})
        for d, e, c, n in rows
    ]
    return GuardrailStatsResponse(
        since=datetime.fromtimestamp(state.guard_stats.started_at, UTC),
        actions=actions,
        totals_by_action=dict(by_action),
        totals_by_category=dict(by_category),
        days=days,
        blocked=blocked,
    )
