"""``/ui/api/*``: the console scripts' door to the JSON API, with the session cookie as credential.

The JSON API itself never reads cookies, so no existing route becomes reachable by a forged
cross-site request. This bridge accepts the console's access cookie only together with an
``X-CSRF-Token`` header matching the CSRF cookie (on every method: the scripts always send it),
then hands the request to the very same routes (``/chat``, ``/conversations``, ``/users/me``,
``/admin``) as ``Authorization: Bearer <access token>``, with the cookie header removed. The
routes, their checks and their errors are the API's own; the token never reaches JavaScript.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from llm_gateway.console import cookies, csrf
from llm_gateway.core.exceptions import AuthenticationError, NotFoundError, PermissionDeniedError

# What the scripts may reach. Nothing that answers with a token or a secret in its body (/auth,
# /users/me/password, /users/me/api-keys: the key form is server-rendered) and not the proxy (/v1).
EXACT = frozenset({"/chat", "/conversations", "/users/me", "/users/me/usage"})
PREFIXES = ("/conversations/", "/admin/")
_DROP = frozenset({b"authorization", b"x-api-key", b"cookie"})


def _allowed(path: str) -> bool:
    return path in EXACT or path.startswith(PREFIXES)


class ApiBridge:
    """Forward ``/ui/api/<path>`` to ``<path>`` on ``target`` (the app's router)."""

    def __init__(self, target: ASGIApp) -> None:
        self.target = target

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # no WebSocket here: the playground streams over SSE
            await send({"type": "websocket.close", "code": 1008})
            return
        root = scope.get("root_path", "")
        path: str = scope["path"]
        sub = path[len(root) :] if path.startswith(root) else path
        if not _allowed(sub):
            raise NotFoundError(f"No console API at {path}", code="not_found")
        connection = HTTPConnection(scope)
        if not csrf.valid(connection, connection.headers.get(csrf.HEADER)):
            raise PermissionDeniedError(
                "Missing or wrong X-CSRF-Token header: reload the page", code="csrf_failed"
            )
        access = connection.cookies.get(cookies.ACCESS)
        if not access:
            raise AuthenticationError("Session expired: refresh it", code="session_expired")
        headers = [h for h in scope["headers"] if h[0] not in _DROP]
        headers.append((b"authorization", b"Bearer " + access.encode("latin-1")))
        app_root = scope.get("app_root_path", "")
        child: Scope = {
            **scope,
            "path": app_root + sub,
            "raw_path": (app_root + sub).encode(),
            "root_path": app_root,
            "headers": headers,
        }
        await self.target(child, receive, send)
