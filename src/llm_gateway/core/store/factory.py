"""Choose the store implementation from settings."""

from __future__ import annotations

from llm_gateway.core.config import StoreSettings
from llm_gateway.core.store.base import Store
from llm_gateway.core.store.memory import MemoryStore
from llm_gateway.core.store.redis import RedisStore


def create_store(settings: StoreSettings) -> Store:
    """Redis when ``redis_url`` is set, the in-process store otherwise."""
    if settings.redis_url:
        return RedisStore(settings)
    return MemoryStore(settings.namespace)
