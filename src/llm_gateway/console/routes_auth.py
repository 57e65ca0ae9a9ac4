"""Console pages without a session: login, register, password reset; plus logout and refresh."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import SecretStr, ValidationError
from starlette.responses import JSONResponse, Response

from llm_gateway.console.deps import FormDep, PageDep, first
from llm_gateway.console.errors import form_error
from llm_gateway.console.render import page, redirect
from llm_gateway.console.session import app_state, refresh_principal, revoke_refresh_cookie
from llm_gateway.core.exceptions import AuthenticationError, ClientError
from llm_gateway.dependencies import SessionDep
from llm_gateway.schemas.auth import RegisterRequest
from llm_gateway.services.auth import accounts, password_reset, sessions
from llm_gateway.services.auth.abuse import client_ip

router = APIRouter()
fallback = APIRouter()


def _ip(request: Request) -> str:
    trust = app_state(request).settings.server.trust_forwarded_for
    return client_ip(request.scope, trust_forwarded_for=trust)


def _min_length(request: Request) -> int:
    return app_state(request).settings.security.password_min_length


@router.get("/")
async def index(ps: PageDep) -> Response:
    return redirect(ps, "/chat" if ps.principal else "/login")


@router.get("/login")
async def login_page(request: Request, ps: PageDep) -> Response:
    if ps.principal is not None:
        return redirect(ps, "/chat")
    notice = "registered" if request.query_params.get("registered") else None
    return page(request, ps, "login.html", notice=notice, email="")


@router.post("/login")
async def login(request: Request, ps: PageDep, form: FormDep, session: SessionDep) -> Response:
    email, password = first(form, "email"), first(form, "password")
    try:
        tokens = await sessions.login(
            session, app_state(request).auth, email=email, password=password, client_ip=_ip(request)
        )
    except ClientError as exc:
        await session.rollback()  # the failed attempt is counted in the store
        error = form_error(exc)
        return page(
            request, ps, "login.html", status_code=exc.status_code, error=error, email=email
        )
    ps.refreshed = tokens
    return redirect(ps, "/chat")


@router.get("/register")
async def register_page(request: Request, ps: PageDep) -> Response:
    return page(request, ps, "register.html", email="", min_length=_min_length(request))


@router.post("/register")
async def register(request: Request, ps: PageDep, form: FormDep, session: SessionDep) -> Response:
    """Create the account and sign it in straight away (documented in docs/CONSOLE.md)."""
    email, password = first(form, "email"), first(form, "password")
    auth = app_state(request).auth
    try:
        body = RegisterRequest(email=email, password=SecretStr(password))
        await accounts.register(session, auth, body, client_ip=_ip(request))
        await session.commit()
        tokens = await sessions.login(
            session, auth, email=email, password=password, client_ip=_ip(request)
        )
    except (ClientError, ValidationError) as exc:
        await session.rollback()
        status = exc.status_code if isinstance(exc, ClientError) else 422
        return page(
            request,
            ps,
            "register.html",
            status_code=status,
            error=form_error(exc),
            email=email,
            min_length=_min_length(request),
        )
    ps.refreshed = tokens
    return redirect(ps, "/chat")


@router.get("/reset")
async def reset_page(request: Request, ps: PageDep) -> Response:
    token = request.query_params.get("token", "")[:256]
    return page(request, ps, "reset.html", token=token, done=False, sent=False)


@router.post("/reset")
async def reset(request: Request, ps: PageDep, form: FormDep, session: SessionDep) -> Response:
    """With a token: set the new password. Without: send the reset e-mail."""
    token, auth = first(form, "token"), app_state(request).auth
    try:
        if not token:
            await password_reset.request_reset(
                auth, email=first(form, "email"), client_ip=_ip(request)
            )
            return page(request, ps, "reset.html", token="", done=False, sent=True)
        await password_reset.reset_password(
            session, auth, token=token, new_password=first(form, "password")
        )
    except ClientError as exc:
        await session.rollback()
        error = form_error(exc)
        return page(
            request,
            ps,
            "reset.html",
            status_code=exc.status_code,
            error=error,
            token=token,
            done=False,
            sent=False,
        )
    return page(request, ps, "reset.html", token="", done=True, sent=False)


@router.post("/logout")
async def logout(ps: PageDep, _form: FormDep, session: SessionDep, request: Request) -> Response:
    """Revoke this session's refresh family (and access token), then forget the cookies."""
    if ps.principal is not None and ps.principal.session_id is not None:
        await sessions.logout(session, app_state(request).auth, ps.principal, all_sessions=False)
    else:
        await revoke_refresh_cookie(request, session)
    ps.refreshed, ps.expired = None, True
    return redirect(ps, "/login")


@router.post("/auth/refresh")
async def refresh(request: Request, ps: PageDep, _form: FormDep, session: SessionDep) -> Response:
    """Rotate the refresh cookie (the scripts call this once when the API bridge answers 401).

    The page dependency may already have rotated it; either way the body holds no token.
    """
    if ps.refreshed is None:
        renewed = await refresh_principal(request, session)
        if renewed is None:
            raise AuthenticationError("Session expired: sign in again", code="session_expired")
        ps.principal, ps.refreshed = renewed
    return ps.apply(JSONResponse({"ok": True}))


@fallback.get("/{rest:path}")
async def not_found(request: Request, ps: PageDep, rest: str) -> Response:
    """Any other /ui address: a 404 page in the page language, with the way back."""
    return page(
        request, ps, "message.html", status_code=404, key="not_found", testid="not-found", back="/"
    )
