"""The key-value store the gateway needs: a Redis and an in-process implementation."""

from llm_gateway.core.store.base import MemoryData, Store, StoreScript, StoreUnavailableError
from llm_gateway.core.store.factory import create_store

__all__ = ["MemoryData", "Store", "StoreScript", "StoreUnavailableError", "create_store"]
