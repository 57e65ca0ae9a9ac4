"""A request nested too deep is the caller's 400; it never puts a deployment into cooldown.

Before: four bodies nested ~300 deep (in ``metadata``, or in a tool's ``parameters`` through the
Anthropic adapter) were accepted, failed when re-encoded for the upstream, counted as deployment
failures, and every other tenant got 503 ``no_healthy_deployment`` for 30 s.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.services.routing.trace import RouteTrace
from llm_gateway.state import AppState
from tests.integration.proxy.conftest import ANTHROPIC_AUTH, AUTH


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


def _chat(alias: str, **extra: Any) -> dict[str, Any]:
    return {"model": alias, "messages": [{"role": "user", "content": "hi"}], **extra}


def _anthropic_with_deep_tool(depth: int) -> dict[str, Any]:
    return {
        "model": "claude",
        "max_tokens": 16,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"name": "t", "input_schema": {"type": "object", "properties": _nested(depth)}}],
    }


def _cooling(state: AppState) -> list[str]:
    return [
        d.id
        for alias in ("chat", "claude")
        for d in state.models.get(alias).deployments
        if state.router.cooldowns.remaining_s(d.id) > 0
    ]


async def test_deep_bodies_get_400_and_other_tenants_keep_getting_200(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    for _ in range(4):
        deep = await client.post(
            "/v1/chat/completions", json=_chat("chat", metadata=_nested(300)), headers=AUTH
        )
        assert deep.status_code == 400, deep.text
        assert deep.json()["error"]["code"] == "json_too_deep"
        tool = await client.post(
            "/v1/messages", json=_anthropic_with_deep_tool(300), headers=ANTHROPIC_AUTH
        )
        assert tool.status_code == 400, tool.text
    assert _cooling(app_state) == []
    for alias in ("chat", "claude"):
        other = await client.post("/v1/chat/completions", json=_chat(alias), headers=AUTH)
        assert other.status_code == 200, other.text


async def test_bodies_within_the_limit_are_served(client: httpx.AsyncClient) -> None:
    reply = await client.post(
        "/v1/chat/completions", json=_chat("chat", metadata=_nested(40)), headers=AUTH
    )
    assert reply.status_code == 200, reply.text


async def test_management_endpoints_refuse_deep_json(client: httpx.AsyncClient) -> None:
    deep = await client.post("/auth/login", json={"email": _nested(300), "password": "x"})
    assert deep.status_code == 400, deep.text
    assert deep.json()["error"]["code"] == "json_too_deep"


@pytest.mark.parametrize("alias", ["chat", "claude"])
async def test_a_request_the_gateway_cannot_encode_is_the_callers_400_not_a_failure(
    app_state: AppState, alias: str
) -> None:
    """Past the edge (e.g. the agent builds the request): still never a deployment failure."""
    request: Any = _chat(alias, metadata=_nested(300))
    if alias == "claude":
        request["tools"] = [
            {
                "type": "function",
                "function": {"name": "t", "parameters": {"type": "object", "x": _nested(300)}},
            }
        ]
    for _ in range(4):
        with pytest.raises(InvalidRequestError):
            await app_state.router.chat(request, RouteTrace())
    assert _cooling(app_state) == []
