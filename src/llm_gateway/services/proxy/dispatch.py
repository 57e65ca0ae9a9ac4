"""Serve the proxy's hot routes from inside the middleware stack, skipping routing.

The proxy endpoints render their own errors and need nothing from Starlette's exception
middleware, FastAPI's exit stack or route matching, which together cost a measurable share of
the gateway's added latency. This pure ASGI middleware sits innermost (inside the request-id,
access-log and body-limit middleware) and hands exact ``(method, path)`` matches straight to the
endpoint; everything else continues down the normal stack. The same endpoints stay registered
as routes, so ``url_path_for`` and anything else that walks the routes still finds them.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from llm_gateway.middleware.request_context import ROUTE_KEY


class ProxyFastPath:
    """Dispatch ``(method, path)`` in ``routes`` directly; pass everything else through."""

    def __init__(self, app: ASGIApp, *, routes: Mapping[tuple[str, str], ASGIApp]) -> None:
        self.app = app
        self.routes = dict(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.routes.get((scope["method"], scope["path"]))
            if endpoint is not None and not scope.get("root_path"):
                scope[ROUTE_KEY] = scope["path"]  # the metrics' route label (no router ran)
                await endpoint(scope, receive, send)
                return
        await self.app(scope, receive, send)


def add_fast_path(app: FastAPI, routes: Mapping[tuple[str, str], ASGIApp]) -> None:
    """Serve ``routes`` through ``ProxyFastPath``.

    Must run before ``create_app`` adds the request-context and body-limit middleware (it does:
    routes are installed first), so that this layer ends up inside them.
    """
    app.add_middleware(ProxyFastPath, routes=routes)
