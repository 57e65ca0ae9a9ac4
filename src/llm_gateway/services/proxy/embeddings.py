"""``POST /v1/embeddings`` in OpenAI's shape, through the router like any other call."""

from __future__ import annotations

import orjson

from llm_gateway.services.proxy import hooks
from llm_gateway.services.proxy.capabilities import check_embeddings
from llm_gateway.services.proxy.exchange import Exchange
from llm_gateway.services.proxy.validation import validate_embeddings
from llm_gateway.state import AppState


async def create_embeddings(state: AppState, exchange: Exchange, body: object) -> None:
    ctx = exchange.ctx
    request = validate_embeddings(body)
    ctx.requested_model = request["model"]
    check_embeddings(state.models.get(request["model"]))
    await hooks.before_upstream(state, ctx, request)
    response = await state.router.embed(request, ctx)
    ctx.usage = response.get("usage")
    response["model"] = ctx.alias
    await exchange.send_json(200, orjson.dumps(response))
