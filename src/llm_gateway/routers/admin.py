"""``/admin``: models and their health, usage aggregates, dashboard, users and their quotas.

Every route needs the admin role (and, for API keys, the ``admin`` scope).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from llm_gateway.core.exceptions import NotFoundError, UnprocessableError
from llm_gateway.dependencies import AppStateDep, SessionDep
from llm_gateway.repositories import usage_dead_letters as usage_dead_letters_repo
from llm_gateway.schemas.admin import (
    AdminModelsResponse,
    AdminUsagePage,
    AdminUser,
    AdminUserPage,
    DashboardResponse,
    KeyOverridesResponse,
    KeyPatch,
    RevokeKeysResponse,
    UsageDeadLetterItem,
    UsageDeadLetterPage,
    UserPatch,
)
from llm_gateway.services.auth.authenticate import get_admin_principal
from llm_gateway.services.quotas import admin as admin_service
from llm_gateway.services.usage import dashboard as dashboard_service
from llm_gateway.services.usage import ranges, reports

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(get_admin_principal)])

GROUPS = ("day", "model", "user", "key")
CSV_MAX_ROWS = 100_000
Page = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(ge=1, le=1000)]


def _path_id(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFoundError(
            f"{what} not found", code=f"{what.lower().replace(' ', '_')}_not_found"
        ) from None


def user_id_path(user_id: str) -> uuid.UUID:
    return _path_id(user_id, "User")


def key_id_path(key_id: str) -> uuid.UUID:
    return _path_id(key_id, "API key")


UserId = Annotated[uuid.UUID, Depends(user_id_path)]
KeyId = Annotated[uuid.UUID, Depends(key_id_path)]


def _group_by(value: str) -> list[str]:
    groups = [g.strip() for g in value.split(",") if g.strip()]
    unknown = [g for g in groups if g not in GROUPS]
    if unknown or len(set(groups)) != len(groups):
        raise UnprocessableError(
            f"group_by takes distinct values among {', '.join(GROUPS)}", param="group_by"
        )
    return groups


@router.get("/models", response_model=AdminModelsResponse)
async def models(state: AppStateDep) -> AdminModelsResponse:
    """Aliases, their deployments, and each deployment's health and cooldown."""
    return await admin_service.admin_models(state)


@router.get("/usage", response_model=AdminUsagePage)
async def usage(
    session: SessionDep,
    start: date | None = None,
    end: date | None = None,
    group_by: Annotated[str, Query(description="Comma list of day, model, user, key")] = "day",
    user_id: uuid.UUID | None = None,
    api_key_id: uuid.UUID | None = None,
    model: Annotated[str | None, Query(max_length=128)] = None,
    page: Page = 1,
    page_size: PageSize = 100,
    format: Literal["json", "csv"] = "json",
) -> AdminUsagePage | Response:
    """Usage aggregated over UTC days ``start``..``end``; ``format=csv`` exports every group."""
    first, last = ranges.day_range(start, end)
    filters = {
        name: value
        for name, value in (("user", user_id), ("key", api_key_id), ("model", model))
        if value is not None
    }
    csv_export = format == "csv"
    result = await reports.admin_usage(
        session,
        start=first,
        end=last,
        group_by=_group_by(group_by),
        filters=filters,
        page=1 if csv_export else page,
        page_size=CSV_MAX_ROWS if csv_export else page_size,
    )
    if not csv_export:
        return result
    filename = f"usage_{first.isoformat()}_{last.isoformat()}.csv"
    return Response(
        content=reports.usage_csv(result),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/usage/dead-letters", response_model=UsageDeadLetterPage)
async def usage_dead_letters(
    state: AppStateDep, session: SessionDep, page: Page = 1, page_size: PageSize = 100
) -> UsageDeadLetterPage:
    """Usage records the database refused on their own (set aside so the rest is written).

    Records that even the dead-letter table refused are listed first (``stored: false``).
    """
    unstored = [
        UsageDeadLetterItem(**letter, stored=False)
        for letter in reversed(state.usage.isolator.unstored)
    ]
    total, rows = await usage_dead_letters_repo.page(
        session, limit=page_size, offset=(page - 1) * page_size
    )
    stored = [
        UsageDeadLetterItem(
            created_at=r.created_at,
            request_id=r.request_id,
            error=r.error,
            payload=r.payload,
            stored=True,
        )
        for r in rows
    ]
    items = (unstored if page == 1 else []) + stored
    return UsageDeadLetterPage(
        total=total + len(unstored), page=page, page_size=page_size, items=items
    )


@router.get("/dashboard", response_model=DashboardResponse)
async def dashboard(
    state: AppStateDep,
    session: SessionDep,
    start: datetime | None = None,
    end: datetime | None = None,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
    rank_by: Literal["requests", "tokens", "cost"] = "requests",
) -> DashboardResponse:
    """Requests, tokens, cost, error rate, latency/TTFT percentiles, top users and models."""
    window = ranges.window(start, end)
    counters = {f"quota_{k}": v for k, v in asdict(state.quotas.counters).items() if k != "denied"}
    counters.update({f"quota_denied_{k}": v for k, v in state.quotas.counters.denied.items()})
    counters.update({f"usage_{k}": v for k, v in asdict(state.usage.counters).items()})
    counters["usage_backlog"] = state.usage.backlog
    counters["usage_stalled_s"] = int(state.usage.stalled_s)
    return await dashboard_service.dashboard(
        session, window, top_n=top, rank_by=rank_by, counters=counters
    )


@router.get("/users", response_model=AdminUserPage)
async def users(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=200, description="Part of e-mail or name")] = None,
    role: Literal["user", "admin"] | None = None,
    tier: Annotated[str | None, Query(max_length=16)] = None,
    is_active: bool | None = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> AdminUserPage:
    """Search users, newest first."""
    return await admin_service.list_users(
        session,
        query=q,
        role=role,
        tier=tier,
        is_active=is_active,
        page=page,
        page_size=page_size,
    )


@router.patch("/users/{user_id}", response_model=AdminUser)
async def update_user(
    state: AppStateDep, session: SessionDep, user_id: UserId, body: UserPatch
) -> AdminUser:
    """Change role, tier, active flag and/or quota overrides (null clears an override)."""
    return await admin_service.update_user(session, state, user_id, body)


@router.post("/users/{user_id}/revoke-keys", response_model=RevokeKeysResponse)
async def revoke_keys(
    state: AppStateDep, session: SessionDep, user_id: UserId
) -> RevokeKeysResponse:
    """Revoke every API key of the user, on every instance within a second."""
    return await admin_service.revoke_keys(session, state, user_id)


@router.patch("/api-keys/{key_id}", response_model=KeyOverridesResponse)
async def update_key(
    state: AppStateDep, session: SessionDep, key_id: KeyId, body: KeyPatch
) -> KeyOverridesResponse:
    """Set per-key quota overrides, enforced in addition to the owner's limits."""
    return await admin_service.update_key_overrides(session, state, key_id, body.overrides)
