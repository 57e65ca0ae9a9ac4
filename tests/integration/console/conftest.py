"""Console fixtures: the gateway on the fake upstream with two tiers, and a browser-like client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.fake_upstream import FakeUpstream
from tests.backends import Backend
from tests.conftest import asgi_client
from tests.integration.fake_upstream.fixtures import fake_server
from tests.integration.quotas.support import quota_settings, write_registry

__all__ = ["fake_server"]

TIERS: dict[str, dict[str, Any]] = {
    "free": {"requests_per_minute": 30, "allowed_model_tiers": ["small"]},
    "pro": {"requests_per_minute": 600},
}


@pytest.fixture
def app(backend: Backend, fake_server: FakeUpstream, tmp_path: Path) -> FastAPI:
    settings = quota_settings(
        backend,
        write_registry(tmp_path, fake_server.base_url),
        TIERS,
        tools={"code_executor_mode": "disabled"},
    )
    return create_app(settings)


@pytest.fixture
async def browser(running_app: LifespanManager) -> AsyncIterator[httpx.AsyncClient]:
    """A client that keeps cookies like a browser on http://localhost (no redirects followed)."""
    async with asgi_client(running_app, "http://localhost") as c:
        yield c


@pytest.fixture
async def other_browser(running_app: LifespanManager) -> AsyncIterator[httpx.AsyncClient]:
    """A second, independent browser (its own cookie jar)."""
    async with asgi_client(running_app, "http://localhost") as c:
        yield c
