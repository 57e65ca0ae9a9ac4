"""``GatewayApp`` and ``add_fast_path``: the bypass is optional, never a precondition."""

from __future__ import annotations

import httpx
import pytest
from fastapi.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from llm_gateway.services.proxy import dispatch
from llm_gateway.services.proxy.dispatch import GatewayApp, ProxyFastPath, add_fast_path


async def _fast(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("fast")(scope, receive, send)


def _app() -> GatewayApp:
    app = GatewayApp(telemetry={"tracing": False, "metrics": False, "logs": False})

    @app.get("/slow")
    async def slow() -> PlainTextResponse:
        return PlainTextResponse("slow")

    return app


async def _get(app: GatewayApp, path: str) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get(path)
    assert response.status_code == 200
    return response.text


async def test_an_app_without_fast_routes_serves_requests() -> None:
    app = _app()
    assert await _get(app, "/slow") == "slow"  # builds the stack: the bypass entry is set
    assert await _get(app, "/slow") == "slow"  # and __call__ finds no proxy_routes to match


async def test_fast_routes_are_installed_once_and_served() -> None:
    app = _app()
    add_fast_path(app, {("GET", "/a"): _fast})
    add_fast_path(app, {("GET", "/b"): _fast})
    assert sum(m.cls is ProxyFastPath for m in app.user_middleware) == 1
    assert [await _get(app, p) for p in ("/a", "/b", "/slow")] == ["fast", "fast", "slow"]
    assert isinstance(app._proxy_entry, ProxyFastPath)  # the bypass was taken


async def test_another_fastapi_takes_the_full_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatch, "_FRAMEWORK_LAYERS", None)  # its private modules are missing
    app = _app()
    add_fast_path(app, {("GET", "/a"): _fast})
    monkeypatch.delattr(app, "_telemetry")
    assert [await _get(app, p) for p in ("/a", "/slow")] == ["fast", "slow"]
    assert app._proxy_entry is None
