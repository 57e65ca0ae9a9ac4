"""Client-program fixtures: a served gateway on the session backend, and a Claude Code sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.backends import Backend
from tests.conftest import truncate_all
from tests.integration.clients.gateway import RunningGateway, gateway_env, serve


@pytest.fixture
async def served(backend: Backend, tmp_path: Path) -> AsyncIterator[RunningGateway]:
    """``llm-gateway serve`` with the shipped models.yaml and its demo upstream."""
    try:
        async with serve(gateway_env(backend), tmp_path) as gateway:
            yield gateway
    finally:
        await truncate_all(backend.database_url)
