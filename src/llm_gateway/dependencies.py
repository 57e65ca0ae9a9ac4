"""Typed FastAPI dependencies: endpoint signatures name what they need, the lifespan provides it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, cast

import aiohttp
from fastapi import Depends, Request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.core.config import Settings
from llm_gateway.core.db_errors import is_unavailable
from llm_gateway.core.exceptions import ServiceUnavailableError
from llm_gateway.core.store import Store
from llm_gateway.state import STATE_KEY, AppState


def get_app_state(request: Request) -> AppState:
    return cast(AppState, getattr(request.state, STATE_KEY))


AppStateDep = Annotated[AppState, Depends(get_app_state)]


def get_settings(state: AppStateDep) -> Settings:
    return state.settings


def get_store(state: AppStateDep) -> Store:
    return state.store


def get_http(state: AppStateDep) -> aiohttp.ClientSession:
    return state.http


async def get_db_session(state: AppStateDep) -> AsyncIterator[AsyncSession]:
    """One session per request, committed at the edge when the endpoint returns without error.

    Services only ``flush()``; a failed request rolls back everything it did. A database that
    cannot be reached turns into a 503 rather than a hang or a 500.
    """
    try:
        async with state.session_factory() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
    except (DBAPIError, OSError, TimeoutError) as exc:
        # Down, starting up or shutting down: a 503, never a 500 (docs/OPERATIONS.md).
        if not is_unavailable(exc):
            raise
        raise ServiceUnavailableError("database unavailable", code="database_unavailable") from exc


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
HttpDep = Annotated[aiohttp.ClientSession, Depends(get_http)]
# scope="function": commit before the response is sent, so a failed commit is the caller's error.
SessionDep = Annotated[AsyncSession, Depends(get_db_session, scope="function")]
