"""What the guardrails did: the admin API's and the console's statistics, in one place.

Action counts come from this process's tally (mirrored into ``llmgw_guardrail_actions_total``,
which Prometheus sums across workers and instances); refusals per day come from usage records,
so they cover every instance and survive restarts.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.models.base import utcnow
from llm_gateway.repositories import guardrails as guardrails_repo
from llm_gateway.schemas.guardrails import (
    GuardrailActionCount,
    GuardrailBlockedDay,
    GuardrailStatsResponse,
)
from llm_gateway.services.guardrails.stats import GuardrailStats


async def guardrail_report(
    session: AsyncSession, tally: GuardrailStats, days: int
) -> GuardrailStatsResponse:
    """Action counts since this process started, and guardrail refusals of the last ``days``."""
    actions = [
        GuardrailActionCount(category=c, action=a, side=s, endpoint=e, count=n)
        for (c, a, s, e), n in tally.snapshot()
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
        since=datetime.fromtimestamp(tally.started_at, UTC),
        actions=actions,
        totals_by_action=dict(by_action),
        totals_by_category=dict(by_category),
        days=days,
        blocked=blocked,
    )
