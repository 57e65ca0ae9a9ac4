"""Rendering console pages: one Jinja2 environment, the page context, the /ui response headers."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from llm_gateway.console.charts import fmt
from llm_gateway.console.i18n import LANGUAGES, translator
from llm_gateway.console.session import PageSession

PREFIX = "/ui"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
_NO_STORE = (b"cache-control", b"no-store")


@cache
def environment() -> jinja2.Environment:
    """The template environment (autoescaping on: every value is HTML-escaped)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["prefix"] = PREFIX
    env.globals["languages"] = LANGUAGES
    env.globals["static"] = lambda name: f"{PREFIX}/static/{name}"
    env.globals["fmt"] = fmt
    return env


def page(
    request: Request,
    ps: PageSession,
    template: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render ``template`` for the session's user and language, with its cookies applied."""
    principal = ps.principal
    values: dict[str, Any] = {
        "t": translator(ps.lang),
        "lang": ps.lang,
        "csrf": ps.csrf,
        "user": principal,
        "is_admin": principal is not None and principal.is_admin,
        "active": "",
        "path": request.url.path,
        "notice": None,
        "error": None,
        **context,
    }
    html = environment().get_template(template).render(values)
    return ps.apply(HTMLResponse(html, status_code=status_code))


def redirect(ps: PageSession, to: str) -> Response:
    """303 to ``to`` (a path under /ui), with the session's cookies applied."""
    return ps.apply(RedirectResponse(PREFIX + to, status_code=303))


class ConsoleHeaders:
    """Adds the strict CSP and framing headers to every /ui response; no-store but on static."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(f"{PREFIX}/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not static:  # pages and API answers hold account data
                    headers = [h for h in headers if h[0] != b"cache-control"]
                    headers.append(_NO_STORE)
                headers.extend(_HEADERS)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
