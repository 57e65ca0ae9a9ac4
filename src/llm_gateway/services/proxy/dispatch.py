"""Serve the proxy's hot routes past the framework's layers and route matching.

The proxy endpoints render their own errors and need nothing from Starlette's exception
middleware, FastAPI's exit stack or route matching, which together cost a measurable share of
the gateway's added latency. Two pieces do it:

* ``ProxyFastPath``, a pure ASGI middleware innermost in the user middleware (inside the
  request-id, access-log and body-limit middleware), hands exact ``(method, path)`` matches
  straight to the endpoint; everything else continues down the normal stack.
* ``GatewayApp``, the FastAPI subclass ``create_app`` builds, enters the stack for those same
  matches *below* the layers FastAPI puts around every app (Starlette's ``ServerErrorMiddleware``
  with its send wrapper, FastAPI's exception-telemetry and app body-limit layers): with FastAPI's
  native telemetry off and no app-level ``max_body_size`` they only pass the call on, and the
  request-context middleware below them already turns every exception escaping a proxy route
  before its response starts into a JSON error.

The same endpoints stay registered as routes, so ``url_path_for`` and anything else that walks
the routes still finds them, and a request under a ``root_path`` takes the normal way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from fastapi import FastAPI
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from llm_gateway.middleware.request_context import ROUTE_KEY

# The layers FastAPI.build_middleware_stack puts outside the user middleware, outermost first.
# Private modules of the FastAPI the lock pins: under another version, no bypass (the full stack).
_FRAMEWORK_LAYERS: tuple[type[Any], ...] | None
try:
    from fastapi._body_limit import AppBodyLimitMiddleware
    from fastapi.telemetry._asgi import ExceptionTelemetryMiddleware
except ImportError:  # pragma: no cover - depends on the installed FastAPI
    _FRAMEWORK_LAYERS = None
else:
    _FRAMEWORK_LAYERS = (
        ServerErrorMiddleware,
        ExceptionTelemetryMiddleware,
        AppBodyLimitMiddleware,
    )


class ProxyFastPath:
    """Dispatch ``(method, path)`` in ``routes`` directly; pass everything else through."""

    def __init__(self, app: ASGIApp, *, routes: Mapping[tuple[str, str], ASGIApp]) -> None:
        self.app = app
        self.routes = routes  # the app's own mapping: routes installed later are seen too

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.routes.get((scope["method"], scope["path"]))
            if endpoint is not None and not scope.get("root_path"):
                scope[ROUTE_KEY] = scope["path"]  # the metrics' route label (no router ran)
                await endpoint(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _below_framework(stack: ASGIApp) -> ASGIApp | None:
    """The outermost user middleware in ``stack``, or None if the layers above it are not the
    pass-through ones expected (another FastAPI version, telemetry on, an app body limit)."""
    if _FRAMEWORK_LAYERS is None:
        return None
    node = stack
    for layer in _FRAMEWORK_LAYERS:
        if type(node) is not layer:
            return None
        node = cast(ASGIApp, getattr(node, "app"))  # noqa: B009 - each layer's wrapped app
    return node


class GatewayApp(FastAPI):
    """FastAPI whose proxy routes enter the middleware stack below the framework's layers."""

    proxy_routes: dict[tuple[str, str], ASGIApp]
    _proxy_entry: ASGIApp | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.proxy_routes = {}  # until add_fast_path: no request takes the bypass

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        # Private attributes of the pinned FastAPI; missing means another version: no bypass.
        telemetry: Any = getattr(self, "_telemetry", None)
        telemetry_off = telemetry is not None and not any(
            telemetry.get(k) for k in ("tracing", "metrics", "logs")
        )
        bypass = (
            telemetry_off and getattr(self, "max_body_size", None) is None and not self.root_path
        )
        self._proxy_entry = _below_framework(stack) if bypass else None
        return stack

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        entry = self._proxy_entry  # None until the first request built the stack
        if (
            entry is not None
            and scope["type"] == "http"
            and (scope["method"], scope["path"]) in self.proxy_routes
            and not scope.get("root_path")
        ):
            scope["app"] = self
            await entry(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def add_fast_path(app: FastAPI, routes: Mapping[tuple[str, str], ASGIApp]) -> None:
    """Serve ``routes`` through ``ProxyFastPath`` (one layer for every call) and ``GatewayApp``.

    Must run before ``create_app`` adds the request-context and body-limit middleware (it does:
    routes are installed first), so that this layer ends up inside them.
    """
    known: dict[tuple[str, str], ASGIApp] | None = getattr(app, "proxy_routes", None)
    if known is None:  # a plain FastAPI (GatewayApp starts with an empty mapping)
        known = {}
        app.proxy_routes = known  # type: ignore[attr-defined]
    installed: list[object] = [m.cls for m in app.user_middleware]
    if ProxyFastPath not in installed:
        app.add_middleware(ProxyFastPath, routes=known)
    known.update(routes)
