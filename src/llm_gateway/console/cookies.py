"""The console's cookies: names, attributes, and setting or clearing them on a response.

Every cookie is HttpOnly, ``SameSite=Strict`` and scoped to ``/ui``: the JSON API at ``/v1``,
``/chat`` or ``/admin`` never receives them, so none of those routes can be driven by a cookie.
``Secure`` is set when the request came over https or the gateway runs in staging/production; a
plain-http ``localhost`` dev server gets cookies without it (browsers would drop them otherwise).
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.requests import HTTPConnection
from starlette.responses import Response

from llm_gateway.schemas.auth import TokenResponse

PATH = "/ui"
ACCESS = "llmgw_access"
REFRESH = "llmgw_refresh"
CSRF = "llmgw_csrf"
LANG = "llmgw_lang"
LANG_MAX_AGE = 365 * 24 * 3600
CSRF_MAX_AGE = 14 * 24 * 3600


def is_secure(connection: HTTPConnection, environment: str) -> bool:
    """Whether cookies must carry ``Secure``: https, or any deployment that is not dev/test."""
    forwarded = connection.headers.get("x-forwarded-proto", "")
    https = connection.url.scheme == "https" or forwarded.lower() == "https"
    return https or environment in ("staging", "production")


def parse(raw: bytes | str) -> dict[str, str]:
    """Cookie header → name/value (malformed pairs are skipped, never an error)."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw.decode("latin-1") if isinstance(raw, bytes) else raw)
    except Exception:  # a garbled Cookie header means "no cookies"
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def _set(response: Response, name: str, value: str, max_age: int, secure: bool) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=PATH, secure=secure, httponly=True, samesite="strict"
    )


def set_session(response: Response, tokens: TokenResponse, *, secure: bool) -> None:
    """Store a fresh token pair; each cookie lives exactly as long as its token."""
    _set(response, ACCESS, tokens.access_token, tokens.expires_in, secure)
    _set(response, REFRESH, tokens.refresh_token, tokens.refresh_expires_in, secure)


def clear_session(response: Response, *, secure: bool) -> None:
    for name in (ACCESS, REFRESH):
        response.delete_cookie(name, path=PATH, secure=secure, httponly=True, samesite="strict")


def set_csrf(response: Response, token: str, *, secure: bool) -> None:
    _set(response, CSRF, token, CSRF_MAX_AGE, secure)


def set_lang(response: Response, lang: str, *, secure: bool) -> None:
    _set(response, LANG, lang, LANG_MAX_AGE, secure)
