"""Bad input gets the right status, code and param, in the format of the API that was called."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from llm_gateway.fake_upstream import FakeUpstream
from tests.integration.proxy.conftest import ANTHROPIC_AUTH, AUTH, MASTER_KEY, Finalized

MESSAGES = [{"role": "user", "content": "hi"}]


def openai_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["request_id"] == response.headers["x-request-id"]
    return error


def anthropic_error(response: httpx.Response, status: int, kind: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == kind
    message: str = body["error"]["message"]
    return message


async def test_unknown_model_is_404_listing_the_aliases(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/chat/completions", json={"model": "gpt-9", "messages": MESSAGES}, headers=AUTH
    )
    error = openai_error(response, 404)
    assert (error["code"], error["param"]) == ("model_not_found", "model")
    assert "chat" in error["message"]
    assert "claude" in error["message"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": MESSAGES}, "model"),
        ({"model": "chat"}, "messages"),
        ({"model": "chat", "messages": []}, "messages"),
        ({"model": "chat", "messages": [{"role": "wizard", "content": "x"}]}, "messages[0].role"),
        ({"model": "chat", "messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
        ({"model": "chat", "messages": MESSAGES, "temperature": 3}, "temperature"),
        ({"model": "chat", "messages": MESSAGES, "max_tokens": 0}, "max_tokens"),
        ({"model": "chat", "messages": MESSAGES, "stream": "yes"}, "stream"),
        ({"model": "chat", "messages": MESSAGES, "tools": [{"type": "function"}]},
         "tools[0].function.name"),
        ({"model": "chat", "messages": MESSAGES, "response_format": {"type": "xml"}},
         "response_format.type"),
    ],
)  # fmt: skip
async def test_invalid_chat_fields_name_the_param(
    client: httpx.AsyncClient, fake: FakeUpstream, body: dict[str, Any], param: str
) -> None:
    error = openai_error(await client.post("/v1/chat/completions", json=body, headers=AUTH), 400)
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert fake.requests() == []


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/chat/completions", content=b"{nope", headers=AUTH)
    assert openai_error(response, 400)["code"] == "invalid_json"
    response = await client.post("/v1/chat/completions", content=b"[1, 2]", headers=AUTH)
    assert openai_error(response, 400)["code"] == "invalid_json"


async def test_embeddings_input_is_validated(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/embeddings", json={"model": "embed"}, headers=AUTH)
    assert openai_error(response, 400)["param"] == "input"
    response = await client.post(
        "/v1/embeddings", json={"model": "chat", "input": "x"}, headers=AUTH
    )
    assert openai_error(response, 400)["code"] == "unsupported_model"


async def test_capability_missing_is_400_or_dropped_on_request(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    tools = [{"type": "function", "function": {"name": "f"}}]
    body = {"model": "plain", "messages": MESSAGES, "tools": tools}
    error = openai_error(await client.post("/v1/chat/completions", json=body, headers=AUTH), 400)
    assert (error["code"], error["param"]) == ("unsupported_parameter", "tools")
    dropped = await client.post(
        "/v1/chat/completions", json={**body, "drop_params": True}, headers=AUTH
    )
    assert dropped.status_code == 200
    sent = fake.requests("plain")[-1]["body"]
    assert "tools" not in sent
    assert "drop_params" not in sent


async def test_param_the_provider_cannot_honour_is_400_or_dropped(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    body = {"model": "claude", "messages": MESSAGES, "seed": 7}
    error = openai_error(await client.post("/v1/chat/completions", json=body, headers=AUTH), 400)
    assert (error["code"], error["param"]) == ("unsupported_parameter", "seed")
    assert "anthropic" in error["message"]
    dropped = await client.post(
        "/v1/chat/completions", json={**body, "drop_params": True}, headers=AUTH
    )
    assert dropped.status_code == 200
    assert "seed" not in fake.requests("claude-fake")[-1]["body"]


async def test_missing_credentials_are_401_in_both_formats(
    client: httpx.AsyncClient, finalized: Finalized
) -> None:
    body = {"model": "chat", "messages": MESSAGES}
    error = openai_error(await client.post("/v1/chat/completions", json=body), 401)
    assert error["type"] == "authentication_error"
    anthropic = await client.post(
        "/v1/messages", json={**body, "max_tokens": 10}, headers={"anthropic-version": "2023-06-01"}
    )
    anthropic_error(anthropic, 401, "authentication_error")
    assert [c.status_code for c in finalized.calls] == [401, 401]


async def test_invalid_credentials_are_401_for_either_header(client: httpx.AsyncClient) -> None:
    body = {"model": "chat", "messages": MESSAGES}
    bearer = await client.post(
        "/v1/chat/completions", json=body, headers={"authorization": "Bearer sk-wrong"}
    )
    openai_error(bearer, 401)
    api_key = await client.post("/v1/embeddings", json=body, headers={"x-api-key": "sk-wrong"})
    openai_error(api_key, 401)
    anthropic = await client.post(
        "/v1/messages",
        json={**body, "max_tokens": 10},
        headers={"x-api-key": "sk-wrong", "anthropic-version": "2023-06-01"},
    )
    anthropic_error(anthropic, 401, "authentication_error")
    assert (await client.get("/v1/models")).status_code == 401
    ok = await client.get("/v1/models", headers={"x-api-key": MASTER_KEY})
    assert ok.status_code == 200


async def test_anthropic_payload_errors_come_in_anthropic_format(
    client: httpx.AsyncClient,
) -> None:
    no_max = await client.post(
        "/v1/messages", json={"model": "chat", "messages": MESSAGES}, headers=ANTHROPIC_AUTH
    )
    assert "max_tokens" in anthropic_error(no_max, 400, "invalid_request_error")
    unknown = await client.post(
        "/v1/messages",
        json={"model": "gpt-9", "max_tokens": 5, "messages": MESSAGES},
        headers=ANTHROPIC_AUTH,
    )
    assert "Available models" in anthropic_error(unknown, 404, "not_found_error")
    garbage = await client.post("/v1/messages", content=b"not json", headers=ANTHROPIC_AUTH)
    anthropic_error(garbage, 400, "invalid_request_error")
