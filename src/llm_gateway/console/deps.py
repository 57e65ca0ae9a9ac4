"""Console dependencies: the page session (user, language, CSRF token) and checked form bodies."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.responses import Response

from llm_gateway.console import cookies, csrf, i18n
from llm_gateway.console.errors import form_error
from llm_gateway.console.render import PREFIX, page, redirect
from llm_gateway.console.session import (
    PageSession,
    access_principal,
    app_state,
    refresh_principal,
)
from llm_gateway.core.config import Settings
from llm_gateway.core.exceptions import ClientError, InvalidRequestError, PermissionDeniedError
from llm_gateway.core.text import unstorable
from llm_gateway.dependencies import SessionDep
from llm_gateway.middleware.text_guard import refuse

FORM_MAX_FIELDS = 64


def settings_of(request: Request) -> Settings:
    return app_state(request).settings


async def page_session(request: Request, session: SessionDep) -> PageSession:
    """The user (refreshing an expired access cookie), the language and the CSRF token."""
    secure = cookies.is_secure(request, settings_of(request).environment)
    lang, lang_picked = i18n.choose(request)
    token = csrf.cookie_token(request)
    ps = PageSession(
        principal=None,
        secure=secure,
        csrf=token or csrf.new_token(),
        set_csrf=token is None,
        lang=lang,
        set_lang=lang_picked,
    )
    ps.principal = await access_principal(request)
    if ps.principal is None and request.cookies.get(cookies.REFRESH):
        renewed = await refresh_principal(request, session)
        if renewed is None:
            ps.expired = True
        else:
            ps.principal, ps.refreshed = renewed
    elif ps.principal is None and request.cookies.get(cookies.ACCESS):
        ps.expired = True
    return ps


PageDep = Annotated[PageSession, Depends(page_session)]


class PageInterrupt(Exception):
    """Answer with ``response`` instead of the page (a sign-in redirect, a 403 page)."""

    def __init__(self, response: Response) -> None:
        super().__init__("page interrupted")
        self.response = response


async def page_interrupted(_request: Request, exc: Exception) -> Response:
    """The app's handler for ``PageInterrupt`` (registered by the console mount)."""
    if not isinstance(exc, PageInterrupt):  # registered for PageInterrupt only
        raise exc
    return exc.response


async def signed_in(ps: PageDep) -> PageSession:
    """The page session of a signed-in user; anyone else is sent to the sign-in page."""
    if ps.principal is None:
        raise PageInterrupt(redirect(ps, "/login"))
    return ps


SignedInDep = Annotated[PageSession, Depends(signed_in)]


async def admin_only(request: Request, ps: SignedInDep) -> PageSession:
    """The page session of an admin; other users get a 403 page naming the reason."""
    if not ps.user.is_admin:
        forbidden = {"key": "forbidden", "testid": "forbidden", "back": "/chat"}
        raise PageInterrupt(page(request, ps, "message.html", status_code=403, **forbidden))
    return ps


AdminDep = Annotated[PageSession, Depends(admin_only)]


async def checked_form(request: Request, ps: PageDep) -> dict[str, list[str]]:
    """The posted form, after the CSRF check.

    A missing or wrong token (403 ``csrf_failed``) or unstorable text (400 ``invalid_text``)
    answers with an error page saying so, in the page language.
    """
    try:
        return await _read_form(request)
    except ClientError as exc:
        error = form_error(exc)
        back = urlsplit(request.headers.get("referer", "")).path  # same-origin pages send it
        back = back if back.startswith(PREFIX + "/") else PREFIX + "/"
        raise PageInterrupt(
            page(request, ps, "error.html", status_code=exc.status_code, error=error, back=back)
        ) from None


async def _read_form(request: Request) -> dict[str, list[str]]:
    form = await request.form(max_fields=FORM_MAX_FIELDS, max_files=0)
    values: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if not isinstance(value, str):
            raise InvalidRequestError("File uploads are not accepted", code="invalid_form")
        if unstorable(name) or unstorable(value):
            raise refuse(name if not unstorable(name) else "form")
        values.setdefault(name, []).append(value)
    presented = first(values, csrf.FIELD) or request.headers.get(csrf.HEADER)
    if not csrf.valid(request, presented):
        raise PermissionDeniedError(
            "The form's security token is missing or stale: reload the page and try again",
            code="csrf_failed",
        )
    return values


FormDep = Annotated[dict[str, list[str]], Depends(checked_form)]


def first(form: dict[str, list[str]], name: str, default: str = "") -> str:
    return (form.get(name) or [default])[0]
