"""CSRF protection for every state-changing console request (double-submit, plus Origin).

The token is a random value kept in the HttpOnly ``llmgw_csrf`` cookie and echoed into each
page (a hidden form field, and a ``<meta>`` tag the scripts send back as ``X-CSRF-Token``). A
forged cross-site request can make the browser send the cookie but cannot read the page, so it
cannot echo the token; ``SameSite=Strict`` and the Origin check below are two more walls.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import HTTPConnection

from llm_gateway.console import cookies

HEADER = "x-csrf-token"
FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def new_token() -> str:
    return secrets.token_urlsafe(32)


def cookie_token(connection: HTTPConnection) -> str | None:
    """The token in the cookie, when it looks like one of ours."""
    token = connection.cookies.get(cookies.CSRF)
    return token if token and 20 <= len(token) <= 128 else None


def same_origin(connection: HTTPConnection) -> bool:
    """False when the browser says the request comes from another site.

    ``Sec-Fetch-Site`` (every current browser) or else ``Origin`` must name this host; a request
    with neither (curl, old browsers) passes this check and still needs the token.
    """
    site = connection.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = connection.headers.get("origin")
    if origin is None:
        return True
    host = connection.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


def valid(connection: HTTPConnection, presented: str | None) -> bool:
    """Whether ``presented`` (header or form field) matches the cookie, from this origin."""
    expected = cookie_token(connection)
    if expected is None or not presented or not same_origin(connection):
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())
