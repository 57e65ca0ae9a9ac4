"""The /ui mount: page routes, static files and the API bridge behind the console headers."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from llm_gateway.console import routes_admin, routes_admin_ops, routes_auth, routes_user
from llm_gateway.console.bridge import ApiBridge
from llm_gateway.console.deps import PageInterrupt, page_interrupted
from llm_gateway.console.render import PREFIX, ConsoleHeaders
from llm_gateway.middleware.text_guard import refuse_unstorable_text

STATIC_DIR = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Mount the console at /ui. Nothing here runs for any other path (the proxy included)."""
    console = APIRouter(dependencies=[Depends(refuse_unstorable_text)])
    console.include_router(routes_auth.router)
    console.include_router(routes_user.router)
    console.include_router(routes_admin.router)
    console.include_router(routes_admin_ops.router)
    console.routes.append(Mount("/static", app=StaticFiles(directory=STATIC_DIR)))
    console.routes.append(Mount("/api", app=ApiBridge(app.router)))
    console.include_router(routes_auth.fallback)  # last: any other GET is the 404 page
    app.mount(PREFIX, ConsoleHeaders(console))
    app.add_exception_handler(PageInterrupt, page_interrupted)
