"""Request id, access log and last-resort error rendering, in one pure ASGI middleware.

One layer instead of three keeps the hot path short. The request id is taken from ``X-Request-ID``
when it is well-formed, generated otherwise, bound to structlog's contextvars, stored in
``scope["state"]["request_id"]`` and echoed on the response.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from llm_gateway.core.errors import render_error
from llm_gateway.core.exceptions import GatewayError, ServerError
from llm_gateway.core.logging import (
    ACCESS_LOG_FIELDS,
    JsonAccessLog,
    add_access_log_fields,
    get_logger,
)
from llm_gateway.core.metrics import GatewayMetrics
from llm_gateway.middleware.security_headers import add_security_headers, security_headers

_VALID_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")
_log = get_logger("llm_gateway.access")
ROUTE_KEY = "llmgw.route"  # set by the proxy fast path, which bypasses route matching
UNMATCHED = "unmatched"


def route_label(scope: Scope) -> str:
    """The route template that served ``scope`` (bounded), never the raw path."""
    fast = scope.get(ROUTE_KEY)
    if fast is not None:
        return str(fast)
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


def new_request_id() -> str:
    return "req_" + secrets.token_hex(12)


def _incoming_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            if _VALID_ID.match(value):
                return str(value.decode())
            break
    return new_request_id()


class RequestContextMiddleware:
    """Assign the request id, log one line per request, and turn escaped errors into JSON."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        access_log: bool = True,
        json_log: bool = False,
        metrics: GatewayMetrics | None = None,
    ) -> None:
        self.app = app
        self.access_log = access_log
        self.metrics = metrics
        # JSON lines are built directly (a fraction of structlog's cost per request).
        self._access: Any = JsonAccessLog() if json_log else _log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode())
        extra = security_headers(scope["path"])
        status = 0
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = add_security_headers(
                    message.get("headers", ()), extra, then=header
                )
            await send(message)

        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if status:  # the response already started: nothing valid can be sent any more
                _log.exception("error after response start", path=scope["path"])
                raise
            status = await self._send_error(exc, scope, send, request_id)
        finally:
            if self.metrics is not None and scope["type"] == "http":
                self.metrics.observe_http(
                    route_label(scope), scope["method"], status, time.perf_counter() - started
                )
            if self.access_log and scope["type"] == "http":
                self._access.info(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 3),
                    **scope["state"].get(ACCESS_LOG_FIELDS, {}),
                )
            structlog.contextvars.reset_contextvars(**tokens)

    async def _send_error(self, exc: Exception, scope: Scope, send: Send, request_id: str) -> int:
        if not isinstance(exc, GatewayError):
            _log.exception("unhandled error", path=scope["path"], error=type(exc).__name__)
            exc = ServerError("The server had an error while processing your request.")
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1011})
            return 1011
        status, body, headers = render_error(exc, request_id=request_id, path=scope["path"])
        add_access_log_fields(scope["state"], error=exc.code)
        raw: list[Any] = [(k.encode(), v.encode()) for k, v in headers.items()]
        raw.append((b"content-length", str(len(body)).encode()))
        raw = add_security_headers(raw, security_headers(scope["path"]))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})
        return status
