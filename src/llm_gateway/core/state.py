"""The typed application state built by the lifespan and shared by every request.

Features add their long-lived resources here (one field each) and create them in ``app.lifespan``.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from llm_gateway.core.config import Settings
from llm_gateway.core.store import Store

STATE_KEY = "app_state"


@dataclass(slots=True)
class AppState:
    """Everything the lifespan creates; reached through ``core.dependencies``."""

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    store: Store
    http: aiohttp.ClientSession
