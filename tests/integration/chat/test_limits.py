"""Turns refused before anything is stored: a model the tier may not use, a message too big."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.auth.helpers import Account
from tests.integration.chat.support import chat


@pytest.fixture
def chat_overrides() -> dict[str, Any]:
    return {"quotas_enabled": True, "max_message_chars": 100_000}


async def test_model_outside_the_tier_is_403_naming_the_tier(
    client: httpx.AsyncClient, alice: Account
) -> None:
    refused = await chat(client, alice.headers, message="hi", model="big", stream=False)
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "model_not_allowed"
    assert "'free'" in error["message"]
    assert (await client.get("/conversations", headers=alice.headers)).json()["data"] == []
    allowed = await chat(client, alice.headers, message="hi", model="mini", stream=False)
    assert allowed.status_code == 200, allowed.text


@pytest.mark.parametrize("model", ["mini", "auto"])
async def test_message_larger_than_the_context_window_is_422(
    client: httpx.AsyncClient, alice: Account, model: str
) -> None:
    response = await chat(client, alice.headers, message="lorem " * 6000, model=model)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "context_length_exceeded"
    assert "context window" in error["message"]
    assert "'mini'" in error["message"]
    assert (await client.get("/conversations", headers=alice.headers)).json()["data"] == []
