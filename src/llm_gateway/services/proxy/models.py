"""``GET /v1/models`` (and ``/v1/models/{model}``) in OpenAI's shape, or Anthropic's when asked."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import orjson

from llm_gateway.core.state import AppState
from llm_gateway.providers.registry import ModelInfo
from llm_gateway.services.proxy.exchange import Exchange


def _wants_anthropic(exchange: Exchange) -> bool:
    """Anthropic SDKs send ``anthropic-version`` on every call; OpenAI clients never do."""
    return any(name == b"anthropic-version" for name, _ in exchange.scope["headers"])


class ModelCatalog:
    """The registry's aliases as model objects; ``created`` is when this process started."""

    def __init__(self) -> None:
        self.created = int(time.time())
        self.created_at = datetime.fromtimestamp(self.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _openai(self, info: ModelInfo) -> dict[str, Any]:
        return {
            "id": info.alias,
            "object": "model",
            "created": self.created,
            "owned_by": info.owned_by,
        }

    def _anthropic(self, info: ModelInfo) -> dict[str, Any]:
        return {
            "type": "model",
            "id": info.alias,
            "display_name": info.description or info.alias,
            "created_at": self.created_at,
        }

    async def list(self, state: AppState, exchange: Exchange, body: object) -> None:
        models = state.models.models()
        if _wants_anthropic(exchange):
            data = [self._anthropic(m) for m in models]
            page: dict[str, Any] = {
                "data": data,
                "has_more": False,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
            }
        else:
            page = {"object": "list", "data": [self._openai(m) for m in models]}
        await exchange.send_json(200, orjson.dumps(page))

    async def retrieve(self, state: AppState, exchange: Exchange, body: object) -> None:
        info = state.models.get(exchange.scope["path_params"]["model"])  # 404 model_not_found
        one = self._anthropic(info) if _wants_anthropic(exchange) else self._openai(info)
        await exchange.send_json(200, orjson.dumps(one))
