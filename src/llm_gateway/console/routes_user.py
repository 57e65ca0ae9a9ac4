"""Console pages for every signed-in user: chat playground, API keys, my usage and limits."""

from __future__ import annotations

import secrets
import uuid

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from llm_gateway.console.charts import bar_chart, daily, day_span
from llm_gateway.console.deps import FormDep, SignedInDep, first
from llm_gateway.console.errors import form_error
from llm_gateway.console.i18n import translator
from llm_gateway.console.render import page, redirect
from llm_gateway.console.session import PageSession, app_state
from llm_gateway.core.exceptions import ClientError, UnprocessableError
from llm_gateway.core.store import StoreUnavailableError
from llm_gateway.dependencies import SessionDep
from llm_gateway.schemas.users import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from llm_gateway.services.auth import api_keys
from llm_gateway.services.auth.principal import ALL_SCOPES, USER_SCOPES, Principal
from llm_gateway.services.usage import ranges, reports

router = APIRouter()
KEY_FORM_TTL_S = 3600


def usable_aliases(request: Request, principal: Principal) -> list[str]:
    """The aliases this user's limits allow (what the model picker offers besides ``auto``)."""
    state = app_state(request)
    return [
        m.alias
        for m in state.models.models()
        if not m.capabilities.embeddings and state.quotas.allows(principal, m.alias, m.tier)
    ]


@router.get("/chat")
async def chat_page(request: Request, ps: SignedInDep) -> Response:
    models = ["auto", *usable_aliases(request, ps.user)]
    return page(request, ps, "chat.html", active="chat", models=models)


async def _keys_page(
    request: Request,
    ps: PageSession,
    principal: Principal,
    session: AsyncSession,
    *,
    created: ApiKeyCreated | None = None,
    error: object = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    rows = await api_keys.list_api_keys(session, principal, include_revoked=False)
    keys = [ApiKeyOut.model_validate(row) for row in rows]
    return page(
        request,
        ps,
        "keys.html",
        status_code=status_code,
        active="keys",
        keys=keys,
        created=created,
        error=error,
        notice=notice,
        form_id=secrets.token_urlsafe(18),
        scopes=sorted(ALL_SCOPES if principal.is_admin else USER_SCOPES),
    )


@router.get("/keys")
async def keys_page(request: Request, ps: SignedInDep, session: SessionDep) -> Response:
    return await _keys_page(request, ps, ps.user, session)


async def _first_submit(request: Request, principal: Principal, form_id: str) -> bool:
    """Whether this create form is posted for the first time (a store marker lives an hour).

    Without a usable id, or with the store down, the post counts as first: a duplicate key is
    only an annoyance, refusing to create one would be a failure.
    """
    if not 16 <= len(form_id) <= 64:
        return True
    try:
        marker = f"console:keyform:{principal.user_id}:{form_id}"
        return await app_state(request).store.set(marker, b"1", ttl_s=KEY_FORM_TTL_S, nx=True)
    except StoreUnavailableError:
        return True


@router.post("/keys")
async def create_key(
    request: Request, ps: SignedInDep, form: FormDep, session: SessionDep
) -> Response:
    """Create a key and show its secret on this response only (never stored, never redirected).

    A reload re-posts the form: its one-time ``form_id`` makes that a notice, not a second key.
    """
    principal = ps.user
    days = first(form, "expires_in_days").strip()
    if not await _first_submit(request, principal, first(form, "form_id")):
        notice = translator(ps.lang)("keys.resubmitted")
        return await _keys_page(request, ps, principal, session, notice=notice)
    try:
        if days and not days.isdigit():
            raise UnprocessableError("Expiry must be a whole number of days", code="invalid_expiry")
        body = ApiKeyCreate.model_validate(
            {
                "name": first(form, "name").strip(),
                "scopes": form.get("scopes") or [],
                "expires_in_days": int(days) if days else None,
            }
        )
        auth = app_state(request).auth
        created = await api_keys.create_api_key(session, auth, principal, body)
        await session.commit()
    except (ClientError, ValidationError) as exc:
        await session.rollback()
        status = exc.status_code if isinstance(exc, ClientError) else 422
        error = form_error(exc)
        return await _keys_page(request, ps, principal, session, error=error, status_code=status)
    return await _keys_page(request, ps, principal, session, created=created)


@router.post("/keys/{key_id}/revoke")
async def revoke_key(
    request: Request, key_id: uuid.UUID, ps: SignedInDep, _form: FormDep, session: SessionDep
) -> Response:
    await api_keys.revoke_api_key(session, app_state(request).auth, ps.user, key_id)
    return redirect(ps, "/keys")


@router.get("/usage")
async def usage_page(request: Request, ps: SignedInDep, session: SessionDep) -> Response:
    """Totals, requests per day and tokens per model as charts, and each limit with what remains."""
    first_day, last_day = ranges.day_range(None, None)
    report = await reports.user_report(
        session, app_state(request).quotas, ps.user, first_day, last_day
    )
    t = translator(ps.lang)
    days = day_span(first_day, last_day)
    by_day = {d.day: d for d in report.by_day}
    charts = {
        "chart-daily": bar_chart(
            t("usage.chart_daily"), daily(days, {k: float(v.requests) for k, v in by_day.items()})
        ),
        "chart-daily-tokens": bar_chart(
            t("usage.chart_daily_tokens"),
            daily(days, {k: float(v.total_tokens) for k, v in by_day.items()}),
        ),
        "chart-models": bar_chart(
            t("usage.chart_models"), [(m.model, float(m.total_tokens)) for m in report.by_model]
        ),
        "chart-models-cost": bar_chart(
            t("usage.chart_models_cost"), [(m.model, m.cost_usd) for m in report.by_model]
        ),
    }
    return page(
        request,
        ps,
        "usage.html",
        active="usage",
        report=report,
        charts=charts,
    )
