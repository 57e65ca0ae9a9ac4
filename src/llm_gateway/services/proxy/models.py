"""``GET /v1/models`` (and ``/v1/models/{model}``) in OpenAI's shape, or Anthropic's when asked.

The list holds the aliases that are configured (an upstream key or URL is set) and reachable: an
alias whose every deployment is cooling down after repeated failures (its circuit breaker is
open) is left out, or listed with ``"available": false`` when
``LLMGW_PROVIDERS__UNAVAILABLE_MODELS=mark``. A single model's lookup always answers.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import orjson

from llm_gateway.providers.registry import ModelInfo
from llm_gateway.services.proxy.exchange import Exchange
from llm_gateway.state import AppState


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
        listed = await _reachable(state)
        if _wants_anthropic(exchange):
            data = [{**self._anthropic(m), **extra} for m, extra in listed]
            page: dict[str, Any] = {
                "data": data,
                "has_more": False,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
            }
        else:
            page = {"object": "list", "data": [{**self._openai(m), **extra} for m, extra in listed]}
        await exchange.send_json(200, orjson.dumps(page))

    async def retrieve(self, state: AppState, exchange: Exchange, body: object) -> None:
        info = state.models.get(exchange.scope["path_params"]["model"])  # 404 model_not_found
        one = self._anthropic(info) if _wants_anthropic(exchange) else self._openai(info)
        await exchange.send_json(200, orjson.dumps(one))


async def _reachable(state: AppState) -> list[tuple[ModelInfo, dict[str, Any]]]:
    """Each listed alias with its extra fields (none, or the "mark" mode's availability)."""
    cooldowns = state.router.cooldowns
    await cooldowns.sync()  # breakers tripped by other instances count too
    mark = state.settings.providers.unavailable_models == "mark"
    listed: list[tuple[ModelInfo, dict[str, Any]]] = []
    for info in state.models.models():
        waits = [cooldowns.remaining_s(d.id) for d in info.deployments]
        if not waits or min(waits) <= 0:
            listed.append((info, {"available": True} if mark else {}))
        elif mark:
            listed.append((info, {"available": False, "available_in_s": round(min(waits), 1)}))
    return listed
