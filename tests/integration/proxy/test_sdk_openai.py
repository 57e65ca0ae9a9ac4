"""The official ``openai`` SDK, sync and async, unchanged except base URL and key."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
import pytest

from llm_gateway.fake_upstream import Behaviour
from tests.integration.proxy.conftest import MASTER_KEY
from tests.integration.proxy.harness import GatewayThread

USER = [{"role": "user", "content": "hello sdk"}]
WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@pytest.fixture
def sync_client(gateway: GatewayThread) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        base_url=gateway.base_url + "/v1", api_key=MASTER_KEY, max_retries=0
    ) as client:
        yield client


@pytest.fixture
async def async_client(gateway: GatewayThread) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(
        base_url=gateway.base_url + "/v1", api_key=MASTER_KEY, max_retries=0
    ) as client:
        yield client


def test_sync_completion_with_gateway_headers(sync_client: openai.OpenAI) -> None:
    raw = sync_client.chat.completions.with_raw_response.create(model="chat", messages=USER)
    completion = raw.parse()
    assert completion.choices[0].message.content == "You said: hello sdk"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 4
    assert raw.headers["x-gateway-deployment"] == "chat/openai/0"


def test_sync_stream_with_usage(sync_client: openai.OpenAI) -> None:
    stream = sync_client.chat.completions.create(
        model="chat", messages=USER, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "You said: hello sdk"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens > 0


def test_sync_tools(sync_client: openai.OpenAI) -> None:
    completion = sync_client.chat.completions.create(
        model="chat",
        messages=[{"role": "user", "content": 'call get_weather {"city": "Lima"}'}],
        tools=[WEATHER_TOOL],
    )
    calls = completion.choices[0].message.tool_calls
    assert calls is not None
    assert calls[0].function.name == "get_weather"
    assert json.loads(calls[0].function.arguments) == {"city": "Lima"}


def test_sync_json_mode(sync_client: openai.OpenAI) -> None:
    completion = sync_client.chat.completions.create(
        model="chat", messages=USER, response_format={"type": "json_object"}
    )
    assert json.loads(completion.choices[0].message.content or "") == {
        "reply": "You said: hello sdk"
    }


def test_sync_embeddings_and_models(sync_client: openai.OpenAI) -> None:
    result = sync_client.embeddings.create(model="embed", input=["one", "two"])
    assert len(result.data) == 2
    assert len(result.data[0].embedding) == 16
    assert "chat" in [m.id for m in sync_client.models.list()]


def test_sync_errors_raise_the_sdk_exceptions(gateway: GatewayThread) -> None:
    with openai.OpenAI(base_url=gateway.base_url + "/v1", api_key=MASTER_KEY, max_retries=0) as c:
        with pytest.raises(openai.NotFoundError) as missing:
            c.chat.completions.create(model="nope", messages=USER)
        assert missing.value.code == "model_not_found"
        with pytest.raises(openai.BadRequestError) as bad:
            c.chat.completions.create(model="chat", messages=USER, temperature=9)
        assert bad.value.param == "temperature"
    with openai.OpenAI(base_url=gateway.base_url + "/v1", api_key="sk-wrong", max_retries=0) as c:
        with pytest.raises(openai.AuthenticationError):
            c.models.list()


def test_sync_mid_stream_failure_raises(sync_client: openai.OpenAI, gateway: GatewayThread) -> None:
    assert gateway.fake is not None
    gateway.fake.script("demo", Behaviour("disconnect", after_chunks=2))
    stream = sync_client.chat.completions.create(model="chat", messages=USER, stream=True)
    with pytest.raises(openai.APIError, match="closed the connection"):
        for _ in stream:
            pass


async def test_async_completion_and_stream(async_client: openai.AsyncOpenAI) -> None:
    completion = await async_client.chat.completions.create(model="claude", messages=USER)
    assert completion.choices[0].message.content == "You said: hello sdk"
    stream = await async_client.chat.completions.create(model="llama", messages=USER, stream=True)
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text == "You said: hello sdk"


async def test_async_streamed_tool_call(async_client: openai.AsyncOpenAI) -> None:
    stream = await async_client.chat.completions.create(
        model="chat",
        messages=[{"role": "user", "content": 'call get_weather {"city": "Kyoto"}'}],
        tools=[WEATHER_TOOL],
        stream=True,
    )
    name, arguments = "", ""
    async for chunk in stream:
        deltas = chunk.choices[0].delta.tool_calls if chunk.choices else None
        for call in deltas or []:
            assert call.function is not None
            name += call.function.name or ""
            arguments += call.function.arguments or ""
    assert name == "get_weather"
    assert json.loads(arguments) == {"city": "Kyoto"}


async def test_async_json_mode_and_embeddings(async_client: openai.AsyncOpenAI) -> None:
    completion = await async_client.chat.completions.create(
        model="chat", messages=USER, response_format={"type": "json_object"}
    )
    assert json.loads(completion.choices[0].message.content or "")["reply"] == "You said: hello sdk"
    result = await async_client.embeddings.create(model="embed", input="one")
    assert len(result.data[0].embedding) == 16


def test_a_users_own_api_key_works_with_the_sdk(gateway: GatewayThread) -> None:
    """Register, log in, create a key, then use it exactly as an OpenAI key (issue 4)."""
    import uuid

    import httpx

    from tests.integration.auth.helpers import PASSWORD

    email = f"sdk-{uuid.uuid4().hex[:8]}@example.com"
    with httpx.Client(base_url=gateway.base_url, timeout=30) as http:
        assert http.post("/auth/register", json={"email": email, "password": PASSWORD}).is_success
        login = http.post("/auth/login", json={"email": email, "password": PASSWORD})
        token = login.json()["access_token"]
        created = http.post(
            "/users/me/api-keys",
            json={"name": "sdk", "scopes": ["chat"]},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code in (200, 201), created.text
        key = created.json()["key"]
    assert key.startswith("sk-gw-")
    with openai.OpenAI(base_url=gateway.base_url + "/v1", api_key=key, max_retries=0) as client:
        completion = client.chat.completions.create(model="chat", messages=USER)
        assert completion.choices[0].message.content == "You said: hello sdk"
        with pytest.raises(openai.PermissionDeniedError):  # the key has no embeddings scope
            client.embeddings.create(model="embed", input="x")
