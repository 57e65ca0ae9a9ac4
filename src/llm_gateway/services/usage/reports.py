"""Usage reports: a user's own usage and limits, and the admin's grouped aggregates (JSON/CSV)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.core.store import StoreUnavailableError
from llm_gateway.models.usage import NO_ID
from llm_gateway.repositories import admin as admin_repo
from llm_gateway.repositories import usage as usage_repo
from llm_gateway.schemas.admin import AdminUsagePage, AdminUsageRow
from llm_gateway.schemas.usage import (
    CurrentLimits,
    DayUsage,
    LimitState,
    ModelUsage,
    UsageTotals,
    UserUsageResponse,
)
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.quotas.limits import Subject
from llm_gateway.services.quotas.service import QuotaService, SubjectUsage

_LABELS = {"user": "user", "key": "API key", "master": "master key"}


def _totals_fields(t: usage_repo.DailyTotals) -> dict[str, Any]:
    return {
        "requests": t.requests,
        "errors": t.errors,
        "prompt_tokens": t.prompt_tokens,
        "completion_tokens": t.completion_tokens,
        "cached_tokens": t.cached_tokens,
        "cache_write_tokens": t.cache_write_tokens,
        "total_tokens": t.prompt_tokens + t.completion_tokens,
        "cost_usd": round(t.cost_usd, 8),
    }


def _state(limit: float | None, used: float) -> LimitState:
    return LimitState(
        limit=limit, used=used, remaining=None if limit is None else max(limit - used, 0)
    )


def _limits(subject: Subject, tier: str, usage: SubjectUsage | None) -> CurrentLimits:
    lim = subject.limits
    u = usage or SubjectUsage(0, None, 0, 0.0, 0)
    tpm_used = 0.0
    if lim.tokens_per_minute is not None and u.tokens_available is not None:
        tpm_used = float(max(lim.tokens_per_minute - u.tokens_available, 0))
    return CurrentLimits(
        subject=_LABELS.get(subject.name.split(":", 1)[0], subject.name),
        tier=tier,
        requests_per_minute=_state(lim.requests_per_minute, u.requests_last_minute),
        tokens_per_minute=_state(lim.tokens_per_minute, tpm_used),
        tokens_per_day=_state(lim.tokens_per_day, u.tokens_today),
        monthly_budget_usd=_state(lim.monthly_budget_usd, round(u.spent_this_month_usd, 8)),
        max_concurrent=_state(lim.max_concurrent, u.concurrent),
        allowed_model_tiers=None
        if lim.allowed_model_tiers is None
        else sorted(lim.allowed_model_tiers),
        allowed_aliases=None if lim.allowed_aliases is None else sorted(lim.allowed_aliases),
        live=usage is not None,
    )


async def current_limits(quotas: QuotaService, principal: Principal) -> list[CurrentLimits]:
    """Each subject the caller's requests consume, with live counters when the store answers."""
    out = []
    for subject in quotas.resolver.subjects(principal):
        try:
            usage: SubjectUsage | None = await quotas.peek(subject)
        except StoreUnavailableError:
            usage = None
        out.append(_limits(subject, principal.tier, usage))
    return out


async def user_report(
    session: AsyncSession, quotas: QuotaService, principal: Principal, start: date, end: date
) -> UserUsageResponse:
    """The caller's own usage (never anyone else's: filtered by the principal's user id)."""
    user_id = principal.user_id or NO_ID  # the master key's calls are stored under no user
    totals, by_day, by_alias = await usage_repo.user_usage(session, user_id, start, end)
    return UserUsageResponse(
        user_id=principal.user_id,
        start=start,
        end=end,
        totals=UsageTotals(**_totals_fields(totals)),
        by_day=[DayUsage(day=t.key, **_totals_fields(t)) for t in by_day],
        by_model=[ModelUsage(model=t.key, **_totals_fields(t)) for t in by_alias],
        limits=await current_limits(quotas, principal),
    )


def _id(value: Any) -> uuid.UUID | None:
    return None if value is None or value == NO_ID else value


def _usage_row(group_by: Sequence[str], row: Sequence[Any]) -> AdminUsageRow:
    keys = dict(zip(group_by, row, strict=False))
    requests, errors, prompt, completion, cached, cost, _latency, written = row[len(group_by) :]
    return AdminUsageRow(
        day=keys.get("day"),
        model=keys.get("model"),
        user_id=_id(keys.get("user")),
        api_key_id=_id(keys.get("key")),
        requests=int(requests),
        errors=int(errors),
        prompt_tokens=int(prompt),
        completion_tokens=int(completion),
        cached_tokens=int(cached),
        cache_write_tokens=int(written),
        total_tokens=int(prompt) + int(completion),
        cost_usd=round(float(cost), 8),
    )


async def admin_usage(
    session: AsyncSession,
    *,
    start: date,
    end: date,
    group_by: Sequence[str],
    filters: dict[str, Any],
    page: int,
    page_size: int | None,
) -> AdminUsagePage:
    """Aggregates grouped by any of day/model/user/key; ``page_size`` None returns every group."""
    offset = 0 if page_size is None else (page - 1) * page_size
    rows, total = await admin_repo.usage_groups(
        session,
        start=start,
        end=end,
        group_by=group_by,
        filters=filters,
        limit=page_size,
        offset=offset,
    )
    return AdminUsagePage(
        start=start,
        end=end,
        group_by=list(group_by),
        page=page,
        page_size=page_size or len(rows),
        total=total,
        items=[_usage_row(group_by, r) for r in rows],
    )


CSV_COLUMNS = (
    "day",
    "model",
    "user_id",
    "api_key_id",
    "requests",
    "errors",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "cache_write_tokens",
    "total_tokens",
    "cost_usd",
)


# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection"),
# and some skip leading blanks and line breaks first: " =cmd()" and "\n=cmd()" count too.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_FORMULA_SIGN = ("=", "+", "-", "@")


def _cell(value: Any) -> Any:
    """A CSV cell; text that a spreadsheet would evaluate is prefixed with a quote."""
    if value is None:
        return ""
    # Model names are whatever the caller sent (unknown aliases are recorded too).
    if isinstance(value, str) and (
        value.startswith(_FORMULA_START) or value.lstrip().startswith(_FORMULA_SIGN)
    ):
        return "'" + value
    return value


def usage_csv(page: AdminUsagePage) -> str:
    """The page as CSV with a header row; group columns not requested are left empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in page.items:
        values = item.model_dump()
        writer.writerow([_cell(values[c]) for c in CSV_COLUMNS])
    return buffer.getvalue()
