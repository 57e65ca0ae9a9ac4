"""The root span of every request (outermost, and only installed when tracing is on).

It continues the caller's W3C ``traceparent``, names the span after the route template once the
request has been routed, records the status, echoes the trace id as ``x-trace-id`` and binds it
to the log context, so the access-log line and every other log line of the request carry it.
"""

from __future__ import annotations

import structlog
from opentelemetry.trace import Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from llm_gateway.core import tracing
from llm_gateway.core.tracing import Tracing
from llm_gateway.middleware.request_context import route_label


class TracingMiddleware:
    """One server span per HTTP request or WebSocket session."""

    def __init__(self, app: ASGIApp, *, tracing: Tracing) -> None:
        self.app = app
        self.tracer = tracing.tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.tracer is None or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        method = scope.get("method", "WS")
        attributes = {"http.request.method": method, "url.path": scope["path"]}
        token = tracing.activate(self.tracer)
        try:
            with tracing.server_span(self.tracer, method, headers, attributes) as root:
                trace_id = tracing.trace_id(root)
                extra = [(b"x-trace-id", trace_id.encode())] if trace_id else []
                status = 0

                async def send_with_trace(message: Message) -> None:
                    nonlocal status
                    if message["type"] == "http.response.start":
                        status = message["status"]
                        message["headers"] = [*message.get("headers", ()), *extra]
                    await send(message)

                bound = structlog.contextvars.bind_contextvars(trace_id=trace_id)
                try:
                    await self.app(scope, receive, send_with_trace)
                finally:
                    structlog.contextvars.reset_contextvars(**bound)
                    route = route_label(scope)
                    root.update_name(f"{method} {route}")
                    root.set_attribute("http.route", route)
                    request_id = scope.get("state", {}).get("request_id")
                    if request_id:
                        root.set_attribute("llmgw.request_id", request_id)
                    if status:
                        root.set_attribute("http.response.status_code", status)
                        if status >= 500:
                            root.set_status(Status(StatusCode.ERROR))
        finally:
            tracing.deactivate(token)
