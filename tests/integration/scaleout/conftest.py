"""Scale-out tests start gateway processes of their own: empty the tables after each."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.backends import Backend
from tests.conftest import truncate_all


@pytest.fixture(autouse=True)
async def _empty_tables_after(backend: Backend) -> AsyncIterator[None]:
    yield
    await truncate_all(backend.database_url)
