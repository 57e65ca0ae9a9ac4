"""The HTTP surface of the foundation: health, error shapes, request ids, body limits."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import APIRouter, FastAPI
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel

from llm_gateway.app import create_app
from llm_gateway.core.exceptions import ServiceUnavailableError
from llm_gateway.middleware.request_context import RequestContextMiddleware
from tests.backends import Backend
from tests.conftest import build_settings


class Echo(BaseModel):
    name: str
    count: int


def _add_probe_routes(app: FastAPI) -> None:
    router = APIRouter()

    @router.post("/_probe/echo")
    async def echo(body: Echo) -> Echo:
        return body

    @router.get("/_probe/boom")
    async def boom() -> None:
        raise RuntimeError("secret-internal-detail")

    app.include_router(router)


@pytest.fixture
def app(backend: Backend) -> FastAPI:
    application = create_app(build_settings(backend, server={"max_body_bytes": 2048}))
    _add_probe_routes(application)
    return application


def _assert_error_shape(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) >= {"message", "type", "code", "param", "request_id"}
    assert error["code"] == code
    assert error["request_id"] == response.headers["x-request-id"]
    return error  # type: ignore[no-any-return]


async def test_live_and_ready(client: httpx.AsyncClient, backend: Backend) -> None:
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    body = ready.json()
    assert body["checks"] == {"database": "ok", "store": "ok"}
    expected_store = "redis" if backend.redis_url else "memory"
    assert body["backends"]["store"] == expected_store


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    given = await client.get("/health/live", headers={"x-request-id": "trace-123"})
    assert given.headers["x-request-id"] == "trace-123"
    generated = await client.get("/health/live", headers={"x-request-id": "bad id with spaces"})
    assert generated.headers["x-request-id"].startswith("req_")


async def test_unknown_route_is_404_json(client: httpx.AsyncClient) -> None:
    _assert_error_shape(await client.get("/no/such/route"), 404, "route_not_found")


async def test_wrong_method_is_405_json(client: httpx.AsyncClient) -> None:
    _assert_error_shape(await client.delete("/health/live"), 405, "method_not_allowed")


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/_probe/echo", content=b"{not json", headers={"content-type": "application/json"}
    )
    _assert_error_shape(response, 400, "invalid_json")


async def test_wrong_content_type_is_a_clean_4xx(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/_probe/echo", content=b"name=x", headers={"content-type": "text/plain"}
    )
    assert 400 <= response.status_code < 500
    assert "error" in response.json()


async def test_invalid_field_names_the_param(client: httpx.AsyncClient) -> None:
    response = await client.post("/_probe/echo", json={"name": "x", "count": "many"})
    error = _assert_error_shape(response, 422, "validation_error")
    assert error["param"] == "count"


async def test_oversized_body_is_413_declared(client: httpx.AsyncClient) -> None:
    response = await client.post("/_probe/echo", content=b"x" * 5000)
    _assert_error_shape(response, 413, "request_too_large")


async def test_oversized_body_is_413_chunked(client: httpx.AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(10):
            yield b"y" * 1000

    response = await client.post(
        "/_probe/echo", content=chunks(), headers={"content-type": "application/json"}
    )
    _assert_error_shape(response, 413, "request_too_large")


def test_fastapi_native_telemetry_stays_off_under_a_global_provider(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As under opentelemetry-instrument: a configured global provider turns FastAPI's own
    # telemetry on, which would add a second server span beside TracingMiddleware's.
    monkeypatch.setattr("opentelemetry.trace.get_tracer_provider", TracerProvider)
    assert FastAPI()._native_telemetry.enabled()  # the default would turn it on
    assert not app._native_telemetry.enabled()


async def test_unhandled_error_is_500_without_details(client: httpx.AsyncClient) -> None:
    response = await client.get("/_probe/boom")
    error = _assert_error_shape(response, 500, "internal_error")
    assert "secret-internal-detail" not in response.text
    assert "Traceback" not in response.text
    assert error["type"] == "server_error"


async def test_ready_is_503_naming_the_store_when_redis_is_down(backend: Backend) -> None:
    app = create_app(build_settings(backend))
    async with LifespanManager(app) as manager:
        state = manager._state["app_state"]
        from llm_gateway.core.config import StoreSettings
        from llm_gateway.core.store import create_store

        healthy = state.store
        state.store = create_store(
            StoreSettings(redis_url="redis://127.0.0.1:1/0", socket_timeout_s=0.3)
        )
        try:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.get("/health/ready")
        finally:
            await state.store.close()
            state.store = healthy
    error = _assert_error_shape(response, 503, "not_ready")
    assert "store" in str(error["message"])


async def test_ready_is_503_naming_the_database_when_it_is_down(
    backend: Backend, tmp_path: Path
) -> None:
    app = create_app(build_settings(backend))
    async with LifespanManager(app) as manager:
        state = manager._state["app_state"]
        from llm_gateway.core.database import create_engine

        healthy = state.engine
        broken_url = (
            "postgresql+asyncpg://postgres@127.0.0.1:1/nope"
            if backend.is_postgres
            else f"sqlite+aiosqlite:///{tmp_path}"  # a directory: SQLite cannot open it
        )
        from llm_gateway.core.config import DatabaseSettings

        state.engine = create_engine(DatabaseSettings(url=broken_url, connect_timeout_s=0.5))
        try:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.get("/health/ready")
        finally:
            await state.engine.dispose()
            state.engine = healthy
    error = _assert_error_shape(response, 503, "not_ready")
    assert "database" in str(error["message"])


async def test_startup_fails_clearly_when_database_is_down(backend: Backend) -> None:
    settings = build_settings(
        backend,
        database={
            "url": "postgresql+asyncpg://gw:topsecret@127.0.0.1:1/gw",
            "connect_timeout_s": 0.5,
        },
    )
    with pytest.raises(ServiceUnavailableError) as info:
        async with LifespanManager(create_app(settings)):
            pass
    assert "127.0.0.1:1" in info.value.message
    assert "topsecret" not in info.value.message


async def test_proxy_routes_enter_below_the_framework_layers(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GatewayApp hands the proxy routes to the outermost user middleware (the request context)
    # directly; the rest of the app still goes through the whole stack.
    assert (await client.get("/health/live")).status_code == 200  # builds the stack
    assert isinstance(app._proxy_entry, RequestContextMiddleware)  # type: ignore[attr-defined]

    async def refuse(scope: object, receive: object, send: object) -> None:
        raise AssertionError("the framework stack ran for a proxy route")

    monkeypatch.setattr(app, "middleware_stack", refuse)
    response = await client.post("/v1/chat/completions", json={"model": "x", "messages": []})
    _assert_error_shape(response, 401, "invalid_api_key")  # no key sent
    assert response.headers["x-content-type-options"] == "nosniff"
    anthropic = await client.post("/v1/messages", json={})
    assert anthropic.status_code == 401
    assert anthropic.json()["type"] == "error"  # Anthropic's error shape on /v1/messages
    with pytest.raises(AssertionError, match="framework stack"):
        await client.get("/health/live")


async def test_an_error_escaping_a_proxy_route_is_a_json_500(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without Starlette's ServerErrorMiddleware above it, the request context still renders it.
    async def broken(*args: object) -> None:
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr("llm_gateway.services.proxy.endpoint.authenticate", broken)
    response = await client.post("/v1/chat/completions", json={"model": "x", "messages": []})
    _assert_error_shape(response, 500, "internal_error")
    assert "secret-internal-detail" not in response.text
