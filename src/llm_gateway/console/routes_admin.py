"""Console admin pages: the dashboard, and users (search, tier, role, active, quota overrides)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from llm_gateway.console.charts import bar_chart, daily, day_span
from llm_gateway.console.deps import AdminDep, FormDep, first
from llm_gateway.console.errors import form_error
from llm_gateway.console.i18n import translator
from llm_gateway.console.render import page, redirect
from llm_gateway.console.session import app_state
from llm_gateway.core.exceptions import ClientError
from llm_gateway.dependencies import SessionDep
from llm_gateway.schemas.admin import QuotaOverrides, UserPatch
from llm_gateway.services.quotas import admin as admin_service
from llm_gateway.services.usage import dashboard as dashboard_service
from llm_gateway.services.usage import ranges, reports

router = APIRouter(prefix="/admin")
PAGE_SIZE = 50
OVERRIDE_NAMES = tuple(QuotaOverrides.model_fields)


@router.get("")
async def dashboard(request: Request, ps: AdminDep, session: SessionDep) -> Response:
    """The last 24 hours' figures, top models and users, and requests per day over 30 days."""
    t = translator(ps.lang)
    board = await dashboard_service.dashboard(
        session, ranges.window(None, None), top_n=10, rank_by="requests", counters={}
    )
    first_day, last_day = ranges.day_range(None, None)
    per_day_rows = await reports.admin_usage(
        session,
        start=first_day,
        end=last_day,
        group_by=["day"],
        filters={},
        page=1,
        page_size=None,
    )
    per_day = {r.day: float(r.requests) for r in per_day_rows.items if r.day is not None}
    charts = {
        "daily": bar_chart(t("admin.chart_daily"), daily(day_span(first_day, last_day), per_day)),
        "models": bar_chart(
            t("admin.chart_models"), [(m.model, float(m.requests)) for m in board.top_models]
        ),
        "users": bar_chart(
            t("admin.chart_users"),
            [(u.email or str(u.user_id or "-"), float(u.requests)) for u in board.top_users],
        ),
    }
    return page(request, ps, "admin/dashboard.html", active="admin", board=board, charts=charts)


@router.get("/users")
async def users(request: Request, ps: AdminDep, session: SessionDep) -> Response:
    params = request.query_params
    q = params.get("q", "")[:200]
    tiers = list(app_state(request).settings.quotas.tiers)
    filters = {
        "tier": params.get("tier") if params.get("tier") in tiers else "",
        "role": params.get("role") if params.get("role") in ("user", "admin") else "",
        "active": params.get("active") if params.get("active") in ("yes", "no") else "",
    }
    found = await admin_service.list_users(
        session,
        query=q or None,
        role=filters["role"] or None,
        tier=filters["tier"] or None,
        is_active=None if not filters["active"] else filters["active"] == "yes",
        page=1,
        page_size=PAGE_SIZE,
    )
    saved = request.query_params.get("saved")
    notice = translator(ps.lang)("admin.user_saved", email=saved) if saved else None
    return page(
        request,
        ps,
        "admin/users.html",
        active="admin.users",
        users=found,
        q=q,
        tiers=tiers,
        filters=filters,
        notice=notice,
    )


def _back_to_users(ps: Any, q: str, saved: str) -> Response:
    query = urlencode({k: v for k, v in (("q", q), ("saved", saved)) if v})
    return redirect(ps, "/admin/users" + (f"?{query}" if query else ""))


@router.post("/users/{user_id}")
async def save_user(
    request: Request, user_id: uuid.UUID, ps: AdminDep, form: FormDep, session: SessionDep
) -> Response:
    """Role, tier and the active flag from one row of the users table."""
    patch = UserPatch(
        role=first(form, "role") or None,  # type: ignore[arg-type]
        tier=first(form, "tier") or None,
        is_active=first(form, "is_active") == "on",
    )
    user = await admin_service.update_user(session, app_state(request), user_id, patch)
    return _back_to_users(ps, first(form, "q"), user.email)


def _number(raw: str, name: str) -> int | float | str:
    """A form number as the strict model wants it; anything else stays text (then a 422)."""
    try:
        return float(raw) if name == "monthly_budget_usd" else int(raw)
    except ValueError:
        return raw


def _override_values(form: dict[str, list[str]]) -> dict[str, Any]:
    """Form fields → QuotaOverrides input: empty clears, lists are comma-separated."""
    values: dict[str, Any] = {}
    for name in OVERRIDE_NAMES:
        raw = first(form, name).strip()
        if not raw:
            values[name] = None
        elif name.startswith("allowed_"):
            values[name] = [v.strip() for v in raw.split(",") if v.strip()]
        else:
            values[name] = _number(raw, name)
    return values


@router.get("/users/{user_id}")
async def user_detail(
    request: Request, user_id: uuid.UUID, ps: AdminDep, session: SessionDep
) -> Response:
    user = await admin_service.update_user(session, app_state(request), user_id, UserPatch())
    saved = bool(request.query_params.get("saved"))
    notice = translator(ps.lang)("admin.user_saved", email=user.email) if saved else None
    return page(
        request,
        ps,
        "admin/user.html",
        active="admin.users",
        target=user,
        names=OVERRIDE_NAMES,
        notice=notice,
    )


@router.post("/users/{user_id}/overrides")
async def save_overrides(
    request: Request, user_id: uuid.UUID, ps: AdminDep, form: FormDep, session: SessionDep
) -> Response:
    """Per-user quota overrides; an empty field clears that override."""
    state = app_state(request)
    try:
        patch = UserPatch.model_validate({"overrides": _override_values(form)})
        await admin_service.update_user(session, state, user_id, patch)
        await session.commit()
    except (ClientError, ValidationError) as exc:
        await session.rollback()
        user = await admin_service.update_user(session, state, user_id, UserPatch())
        status = exc.status_code if isinstance(exc, ClientError) else 422
        return page(
            request,
            ps,
            "admin/user.html",
            status_code=status,
            active="admin.users",
            target=user,
            names=OVERRIDE_NAMES,
            error=form_error(exc),
        )
    return redirect(ps, f"/admin/users/{user_id}?saved=1")
