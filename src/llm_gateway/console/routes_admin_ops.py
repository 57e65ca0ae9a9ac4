"""Console admin pages: every key, usage across users (filters, CSV), model health, cache and
guardrail statistics."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from llm_gateway.console.deps import AdminDep, FormDep
from llm_gateway.console.render import page, redirect
from llm_gateway.console.session import app_state
from llm_gateway.core.exceptions import UnprocessableError
from llm_gateway.dependencies import SessionDep
from llm_gateway.providers.registry_schema import CacheSpec
from llm_gateway.repositories import admin as admin_repo
from llm_gateway.repositories import api_keys as api_keys_repo
from llm_gateway.repositories import users as users_repo
from llm_gateway.schemas.admin import AdminUsagePage
from llm_gateway.services.guardrails.report import guardrail_report
from llm_gateway.services.quotas import admin as admin_service
from llm_gateway.services.usage import ranges, reports

router = APIRouter(prefix="/admin")
KEYS_PAGE = 100
USAGE_PAGE = 200
GROUPS = ("day", "model", "user", "key")


@router.get("/keys")
async def keys(request: Request, ps: AdminDep, session: SessionDep) -> Response:
    q = request.query_params.get("q", "")[:200]
    rows, total = await api_keys_repo.page_all(session, query=q or None, limit=KEYS_PAGE, offset=0)
    return page(request, ps, "admin/keys.html", active="admin.keys", rows=rows, total=total, q=q)


@router.post("/users/{user_id}/revoke-keys")
async def revoke_user_keys(
    request: Request, user_id: uuid.UUID, ps: AdminDep, _form: FormDep, session: SessionDep
) -> Response:
    await admin_service.revoke_keys(session, app_state(request), user_id)
    return redirect(ps, "/admin/keys")


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UnprocessableError(f"'{value}' is not a date (YYYY-MM-DD)", param="start") from None


async def _usage_query(
    request: Request, session: SessionDep, *, csv: bool
) -> tuple[AdminUsagePage, dict[str, str]]:
    """The filters from the query string (shared by the page and its CSV export)."""
    params = request.query_params
    first_day, last_day = ranges.day_range(_day(params.get("start")), _day(params.get("end")))
    group = params.get("group_by", "day")
    group_by = [group] if group in GROUPS else ["day"]
    filters: dict[str, Any] = {}
    email = params.get("email", "").strip()[:320]
    if email:
        user = await users_repo.get_by_email(session, email.lower())
        filters["user"] = user.id if user else uuid.UUID(int=0)
    model = params.get("model", "").strip()[:128]
    if model:
        filters["model"] = model
    result = await reports.admin_usage(
        session,
        start=first_day,
        end=last_day,
        group_by=group_by,
        filters=filters,
        page=1,
        page_size=None if csv else USAGE_PAGE,
    )
    shown = {
        "start": first_day.isoformat(),
        "end": last_day.isoformat(),
        "group_by": group_by[0],
        "email": email,
        "model": model,
    }
    return result, shown


@router.get("/usage")
async def usage(request: Request, ps: AdminDep, session: SessionDep) -> Response:
    result, shown = await _usage_query(request, session, csv=False)
    emails: dict[uuid.UUID, str] = {}
    if shown["group_by"] == "user":
        ids = [r.user_id for r in result.items if r.user_id is not None]
        emails = await admin_repo.user_emails(session, ids) if ids else {}
    csv_link = "/ui/admin/usage.csv?" + urlencode({k: v for k, v in shown.items() if v})
    return page(
        request,
        ps,
        "admin/usage.html",
        active="admin.usage",
        result=result,
        shown=shown,
        groups=GROUPS,
        csv_link=csv_link,
        emails=emails,
    )


@router.get("/usage.csv")
async def usage_csv(request: Request, ps: AdminDep, session: SessionDep) -> Response:
    """The same filters as the page, every group, as CSV (the admin API's own format)."""
    result, shown = await _usage_query(request, session, csv=True)
    filename = f"usage_{shown['start']}_{shown['end']}.csv"
    return ps.apply(
        Response(
            content=reports.usage_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )
    )


@router.get("/models")
async def models(request: Request, ps: AdminDep) -> Response:
    catalog = await admin_service.admin_models(app_state(request))
    return page(request, ps, "admin/models.html", active="admin.models", catalog=catalog)


def cache_mode(spec: CacheSpec) -> str:
    """An alias's cache mode; for semantic, the languages it serves, its score floor and
    whether it serves small talk semantically."""
    if spec.mode != "semantic":
        return spec.mode
    detail = "/".join(spec.semantic_languages)
    if spec.semantic_min_score is not None:
        detail += f", score ≥ {spec.semantic_min_score:g}"
    if spec.semantic_small_talk:
        detail += ", small talk"
    return f"semantic ({detail})"


def _flatten(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out)
    else:
        out.append((prefix, str(value)))


@router.get("/cache")
async def cache(request: Request, ps: AdminDep) -> Response:
    """What ``GET /admin/cache`` reports, as a table (whatever counters the cache exposes)."""
    state = app_state(request)
    rows: list[tuple[str, str]] = []
    _flatten("", state.cache.stats(), rows)
    aliases = {m.alias: cache_mode(m.cache) for m in state.models.models()}
    return page(request, ps, "admin/cache.html", active="admin.cache", rows=rows, aliases=aliases)


@router.get("/guardrails")
async def guardrails(request: Request, ps: AdminDep, session: SessionDep) -> Response:
    """What ``GET /admin/guardrails/stats`` reports: actions since start, refusals per day."""
    report = await guardrail_report(session, app_state(request).guard_stats, days=30)
    return page(request, ps, "admin/guardrails.html", active="admin.guardrails", report=report)
