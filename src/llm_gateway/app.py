"""The application factory and its lifespan, which owns every long-lived resource."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from llm_gateway import __version__
from llm_gateway.core.config import Settings, load_settings, mask_url
from llm_gateway.core.database import check_database, create_engine, create_session_factory
from llm_gateway.core.http import create_http_session
from llm_gateway.core.logging import configure_logging, get_logger
from llm_gateway.core.state import STATE_KEY, AppState
from llm_gateway.core.store import create_store
from llm_gateway.middleware.body_limit import BodyLimitMiddleware
from llm_gateway.middleware.error_handler import install_error_handlers
from llm_gateway.middleware.request_context import RequestContextMiddleware
from llm_gateway.routers import health

_log = get_logger("llm_gateway.app")


def _lifespan(settings: Settings) -> Any:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        async with AsyncExitStack() as stack:
            engine = create_engine(settings.database)
            stack.push_async_callback(engine.dispose)
            await check_database(engine)

            store = create_store(settings.store)
            stack.push_async_callback(store.close)
            await store.ping()

            http = create_http_session(settings.providers)
            stack.push_async_callback(http.close)

            state = AppState(
                settings=settings,
                engine=engine,
                session_factory=create_session_factory(engine),
                store=store,
                http=http,
            )
            _log.info(
                "gateway started",
                version=__version__,
                environment=settings.environment,
                database=settings.database.backend_name,
                database_url=mask_url(settings.database.url),
                store=store.backend_name,
            )
            yield {STATE_KEY: state}
            _log.info("gateway stopping")

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the ASGI app. Nothing connects until the lifespan starts."""
    settings = settings or load_settings()
    configure_logging(level=settings.telemetry.log_level, json=settings.log_json)
    app = FastAPI(
        title="llm-gateway",
        version=__version__,
        lifespan=_lifespan(settings),
        docs_url="/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    app.include_router(health.router)

    # Added innermost first: the request context wraps everything, so even CORS and body-limit
    # errors carry a request id and are logged.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.server.max_body_bytes)
    if settings.server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.server.cors_origins,
            allow_credentials=settings.server.cors_allow_credentials,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["x-request-id"],
        )
    app.add_middleware(RequestContextMiddleware, access_log=settings.server.access_log)
    return app
